"""`POST /api/whatif` and `/api/whatif/yaml`: bounded inputs, roles and the releasability filter."""

from __future__ import annotations

from typing import Any

import pytest

import test_server as ts
from test_server import TestClient, auth
from willing.scenario import packaged
from willing.server.access import OTHER
from willing.server.whatif import MAX_EDITS, MAX_YAML

SMALL = {"draws": 1000}
client = ts.client  # the same service: a throwaway store, USERS' tokens


def whatif(c: TestClient, token: str, **body: Any) -> Any:
    return c.post("/api/whatif", json={**SMALL, **body}, headers=auth(token))


def test_a_nation_off_lowers_coverage_and_the_answer_says_what_it_did(client: TestClient) -> None:
    base = whatif(client, "plan-token").json()
    off = whatif(client, "plan-token", edits=[{"kind": "nation", "target": "GBR", "value": False}])
    assert off.status_code == 200
    got = off.json()
    assert got["summary"]["units_filled"] < base["summary"]["units_filled"]
    assert got["summary"]["personnel_filled"] < base["summary"]["personnel_filled"]
    assert got["edits"] == [{"kind": "nation", "target": "GBR", "value": False,
                             "text": "nation GBR off"}]
    assert all(v["count"] == 0 for k, v in got["overrides"].items() if k.startswith("nations.GBR"))
    assert {"coverage", "gaps", "leads", "nations", "pledges"} <= set(got)
    assert 0.0 <= got["summary"]["p_essential_met"] <= 1.0
    assert got["choices"]["state"] == got["summary"]["state"]


def test_the_force_option_and_state_choose_another_model(client: TestClient) -> None:
    small = whatif(client, "plan-token", force_option="small", state="violation").json()
    large = whatif(client, "plan-token", force_option="large", state="violation").json()
    assert small["summary"]["state"] == "violation"
    assert small["summary"]["units_required"] < large["summary"]["units_required"]


def test_a_scenario_as_yaml_is_planned_and_its_errors_are_told_at_their_line(
        client: TestClient) -> None:
    text = packaged.scenario_text("ukraine-2025")
    ok = whatif(client, "plan-token", yaml=text)
    assert ok.status_code == 200
    bad = whatif(client, "plan-token", yaml=text.replace("us_backstop: 0.6", "us_backstop: 1.6"))
    assert bad.status_code == 400
    line = 1 + text[:text.index("us_backstop: 0.6")].count("\n")
    assert f"scenario.yaml:{line}" in bad.json()["detail"]
    assert "uncertainty.us_backstop" in bad.json()["detail"]


@pytest.mark.parametrize(("body", "where"), [
    ({"draws": 10}, "draws"),
    ({"draws": 10_000_000}, "draws"),
    ({"seed": -1}, "seed"),
    ({"edits": [{"kind": "backstop", "value": 0.5}] * (MAX_EDITS + 1)}, "edits"),
    ({"edits": [{"kind": "teleport", "target": "GBR", "value": True}]}, "kind"),
    ({"edits": [{"kind": "count", "target": "GBR-1", "value": 10_001}]}, "value"),
    ({"edits": [{"kind": "willingness", "target": "GBR", "value": "high"}]}, "value"),
    ({"state": "x" * 81}, "state"),
])
def test_out_of_bounds_inputs_are_422_naming_the_field(client: TestClient, body: dict[str, Any],
                                                         where: str) -> None:
    r = whatif(client, "plan-token", **body)
    assert r.status_code == 422
    assert any(where in map(str, e["loc"]) for e in r.json()["detail"])


def test_a_scenario_too_long_is_refused_before_parsing(client: TestClient) -> None:
    r = client.post("/api/whatif", json={"yaml": "#" * (MAX_YAML + 1)}, headers=auth("plan-token"))
    assert r.status_code in (413, 422)  # the body limit or the field's bound, whichever first


@pytest.mark.parametrize(("body", "code", "message"), [
    ({"scenario": "atlantis"}, 400, "unknown scenario 'atlantis'; valid: ukraine-2025"),
    ({"state": "calm"}, 400, "unknown state 'calm'; valid: pre-ceasefire"),
    ({"scenario": "ukraine-2025", "yaml": "name: x"}, 422, "either scenario"),
    ({"edits": [{"kind": "pledge", "target": "GBR-99", "value": False}]}, 400,
     "edits[0] (pledge): no pledge 'GBR-99'"),
    ({"edits": [{"kind": "count", "target": "GBR-1", "value": 0.5}]}, 400,
     "whole number of units"),
])
def test_what_the_scenario_lacks_is_told_with_what_is_valid(client: TestClient, body: dict[str, Any],
                                                             code: int, message: str) -> None:
    r = whatif(client, "plan-token", **body)
    assert r.status_code == code
    assert message in r.json()["detail"]


def test_an_observer_sees_aggregates_and_changes_the_backstop_only(client: TestClient) -> None:
    r = whatif(client, "obs-token", edits=[{"kind": "backstop", "value": 0.1}])
    assert r.status_code == 200
    got = r.json()
    assert got["nations"] == [n for n in got["nations"] if n["tier"] == "host"]
    assert got["pledges"] == [] and got["by_nation"] == [] and "overrides" not in got
    assert got["coverage"] and "p_essential_met" in got["summary"]
    no = whatif(client, "obs-token", edits=[{"kind": "nation", "target": "GBR", "value": False}])
    assert no.status_code == 403
    assert "observer may change the US backstop only" in no.json()["detail"]


def test_a_national_representative_edits_and_sees_their_own_nation(client: TestClient) -> None:
    mine = whatif(client, "pol-token", edits=[{"kind": "nation", "target": "POL", "value": False}])
    assert mine.status_code == 200
    got = mine.json()
    assert {p["nation"] for p in got["pledges"]} == {"POL"}
    assert {n["nation"] for n in got["by_nation"]} <= {"POL"}
    planner = whatif(client, "plan-token",
                     edits=[{"kind": "nation", "target": "POL", "value": False}]).json()
    named = [g["reason"] for g in planner["gaps"] if "GBR" in g["reason"]]
    seen = [g["reason"] for g in got["gaps"]]
    assert not any("GBR" in s for s in seen)
    assert not named or any(OTHER in s for s in seen)
    other = whatif(client, "pol-token", edits=[{"kind": "count", "target": "GBR-1", "value": 1}])
    assert other.status_code == 403
    assert "edits only POL's pledges" in other.json()["detail"]


def test_only_a_planner_gets_the_edited_yaml(client: TestClient) -> None:
    body = {"edits": [{"kind": "willingness", "target": "DEU", "value": 0.2}], "note": "DEU wavers"}
    r = client.post("/api/whatif/yaml", json=body, headers=auth("plan-token"))
    assert r.status_code == 200
    got = r.json()
    assert got["yaml"].startswith("# DEU wavers\n") and got["note"] == "DEU wavers"
    assert got["overrides"] == {"nations.DEU.willingness": 0.2}
    no = client.post("/api/whatif/yaml", json=body, headers=auth("pol-token"))
    assert no.status_code == 403


def test_a_request_without_a_token_is_refused(client: TestClient) -> None:
    assert client.post("/api/whatif", json=SMALL).status_code == 401


def test_the_page_serves_the_panel(client: TestClient) -> None:
    page = client.get("/whatif")
    assert page.status_code == 200
    assert '<section id="whatif-panel">' in page.text and "/static/whatif.js" in page.text
    assert client.get("/static/whatif.js").status_code == 200
