"""The builder's API: validation as `willing validate` words it, form edits that keep the file,
versions in the store, and what each role may read, change, propose and decide."""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import test_server as ts

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx versions, not ours
    from fastapi.testclient import TestClient

from willing.cli import app
from willing.scenario import load_scenario, packaged
from willing.scenario.diff import diff_scenarios
from willing.scenario.editing import apply_changes, changed_outside
from willing.scenario.yamlmarks import MAX_BYTES
from willing.server import create_app
from willing.server.builder import MAX_BODY_BYTES

NAME = packaged.DEFAULT_SCENARIO
BASE = packaged.scenario_text(NAME)
FRA_ARMOUR = "- {capability: armoured-battalion, count: 3, readiness_days: 60, regions: [ua-kyiv, ua-south]"
"""FRA's second pledge (FRA-2), as the packaged scenario writes it."""


def auth(who: str) -> dict[str, str]:
    """The header of the server's user `who` (plan, pol, fra or obs: the tokens of
    test_server.USERS)."""
    return ts.auth(f"{who}-token")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("builder") / "runs.db"
    with TestClient(create_app(f"sqlite:///{db}", ts.USERS)) as c:
        yield c


def _cli_lines(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    """`willing validate`'s problems, each as `file:line:col field: message` (a warning's
    `warning [check]` prefix taken off)."""
    f = tmp_path / "scenario.yaml"
    f.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(app, ["--no-store", "validate", str(f)], env={"COLUMNS": "1000"})
    lines = [ln.strip() for ln in out.output.splitlines()]
    return f, [ln.split("] ", 1)[1] if ln.startswith("warning [") else ln for ln in lines
               if ln.startswith((f"{f}:", "warning ["))]


@pytest.mark.parametrize("edit", [
    ("willingness: 0.85", "willingness: 1.85"),             # out of range
    ("capability: armoured-battalion", "capability: tank-regiment"),  # unknown id
    ("default_state: ceasefire", "default_state: [ceasefire"),        # YAML syntax
    ("", ""),                                                # valid: the consistency warnings
], ids=["range", "reference", "syntax", "warnings"])
def test_validate_gives_the_problems_of_willing_validate(client: TestClient, tmp_path: Path,
                                                         edit: tuple[str, str]) -> None:
    text = BASE.replace(edit[0], edit[1], 1) if edit[0] else BASE
    f, cli = _cli_lines(tmp_path, text)
    res = client.post("/api/validate", json={"yaml": text}, headers=auth("plan")).json()
    assert cli and res["problems"]
    assert cli == [f"{f}:{p['line']}:{p['column'] or 1} {p['field']}: {p['message']}"
                   for p in res["problems"]]
    assert {p["severity"] for p in res["problems"]} == {"warning" if res["ok"] else "error"}
    assert res["ok"] == (edit[0] == "")


def test_form_edits_change_only_what_they_name() -> None:
    edited = apply_changes(BASE, [(["nations", "FRA", "pledges", 1, "count"], 5),
                                  (["nations", "GBR", "willingness"], 0.6)])
    changed = [ln for ln in difflib.unified_diff(BASE.splitlines(), edited.splitlines(), n=0,
                                                 lineterm="")
               if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert changed == ["-    willingness: 0.85", "+    willingness: 0.6",
                       f"-      {FRA_ARMOUR}" + BASE.split(FRA_ARMOUR, 1)[1].split("\n", 1)[0],
                       f"+      {FRA_ARMOUR.replace('count: 3', 'count: 5')}"
                       + BASE.split(FRA_ARMOUR, 1)[1].split("\n", 1)[0]]
    off = apply_changes(BASE, [(["nations", "EST"], None)])
    assert "  EST:" not in off and off.count("\n  ") < BASE.count("\n  ")
    assert [(r["nation"], r["change"]) for r in diff_scenarios(BASE, off)["nations"]] == [
        ("EST", "removed")]
    assert changed_outside(BASE, edited, ("nations", "FRA", "pledges")) == [
        "nations.GBR.willingness"]
    with pytest.raises(ValueError, match=r"nations\.FRA\.pledges\[99\]"):
        apply_changes(BASE, [(["nations", "FRA", "pledges", 99, "count"], 1)])


def changed(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(pledge or nation, field, old, new) of a diff's changed records."""
    return [(r.get("pledge", r.get("nation")), r["field"], r["a"], r["b"]) for r in records
            if r["change"] == "changed"]


def test_versions_round_trip_with_their_changes(client: TestClient) -> None:
    text = BASE.replace("willingness: 0.85", "willingness: 0.7", 1)
    res = client.post("/api/versions", json={"name": NAME, "yaml": text, "note": "UK less keen"},
                      headers=auth("plan"))
    assert res.status_code == 201, res.text
    v = res.json()
    assert (v["author"], v["role"], v["note"], v["parent"], v["yaml"]) == (
        "J5", "planner", "UK less keen", None, text)
    assert changed(v["changes"]["nations"]) == [("GBR", "willingness", 0.85, 0.7)]
    assert v["summary"] == ["nation GBR willingness: 0.85 → 0.7"]
    child_text = text.replace(FRA_ARMOUR, FRA_ARMOUR.replace("count: 3", "count: 6"), 1)
    child = client.post("/api/versions", json={"name": NAME, "yaml": child_text, "parent": v["id"]},
                        headers=auth("plan")).json()
    assert changed(child["changes"]["pledges"]) == [
        ("FRA-2", "count", 3, 6)]  # against its parent only
    versus = client.get(f"/api/compare/versions?a={v['id']}&b={child['id']}", headers=auth("plan"))
    assert versus.status_code == 200, versus.text
    assert versus.json()["scenario"]["summary"] == child["summary"]
    assert versus.json()["a"]["id"] == v["id"] and "yaml" not in versus.json()["a"]
    fra = client.get(f"/api/compare/versions?a={v['id']}&b={child['id']}", headers=auth("pol"))
    assert fra.status_code == 200 and fra.json()["scenario"]["summary"] == []  # FRA's change
    assert client.get(f"/api/compare/versions?a={v['id']}&b=999999",
                      headers=auth("plan")).status_code == 404
    assert client.get(f"/api/versions/{child['id']}", headers=auth("plan")).json() == child
    listed = client.get(f"/api/versions?name={NAME}", headers=auth("plan")).json()
    assert [x["id"] for x in listed][:2] == [child["id"], v["id"]] and "yaml" not in listed[0]
    down = client.get(f"/api/versions/{child['id']}/download", headers=auth("plan"))
    assert down.text == child_text
    assert f'filename="{NAME}-v{child["id"]}.yaml"' in down.headers["content-disposition"]


def test_an_invalid_version_is_refused_with_its_problems_and_not_stored(client: TestClient) -> None:
    before = client.get("/api/versions", headers=auth("plan")).json()
    text = BASE.replace("willingness: 0.85", "willingness: 1.85", 1)
    res = client.post("/api/versions", json={"name": NAME, "yaml": text}, headers=auth("plan"))
    assert res.status_code == 422
    assert [(p["field"], p["line"]) for p in res.json()["problems"] if p["severity"] == "error"] \
        == [("nations.GBR.willingness", BASE.splitlines().index("    willingness: 0.85") + 1)]
    assert client.get("/api/versions", headers=auth("plan")).json() == before
    assert client.post("/api/versions", json={"name": NAME, "yaml": BASE, "parent": 99999},
                       headers=auth("plan")).status_code == 404


def test_a_representative_sees_only_their_nation_and_proposes_its_pledges(
        client: TestClient) -> None:
    base = client.post("/api/versions", json={"name": NAME, "yaml": BASE, "note": "start"},
                       headers=auth("plan")).json()
    shown = client.get(f"/api/versions/{base['id']}", headers=auth("pol")).json()["yaml"]
    assert "  FRA: {tier: lead}" in shown and FRA_ARMOUR not in shown
    assert client.get(f"/api/scenarios/{NAME}/yaml", headers=auth("pol")).text == shown
    # another nation's pledge: refused, naming what they may change
    theirs = shown.replace("  FRA: {tier: lead}", "  FRA: {tier: member}")
    res = client.post("/api/versions", json={"name": NAME, "yaml": theirs, "parent": base["id"]},
                      headers=auth("pol"))
    assert res.status_code == 403
    assert "nations.POL.pledges" in res.json()["detail"] and "nations.FRA.tier" in res.json()["detail"]
    res = client.post("/api/scenario/edit", json={"yaml": shown, "changes": [
        {"path": ["nations", "FRA", "pledges", 0, "count"], "value": 1}]}, headers=auth("pol"))
    assert res.status_code == 403 and "nations.POL.pledges" in res.json()["detail"]
    # their own: a proposal, which a planner accepts as a new version
    own = client.post("/api/scenario/edit", json={"yaml": shown, "changes": [
        {"path": ["nations", "POL", "pledges", 0, "count"], "value": 9}]}, headers=auth("pol"))
    assert own.status_code == 200
    prop = client.post("/api/versions", json={"name": NAME, "yaml": own.json()["yaml"],
                                              "note": "two more battalions", "parent": base["id"]},
                       headers=auth("pol"))
    assert prop.status_code == 201, prop.text
    p = prop.json()
    assert (p["status"], p["nation"]) == ("proposed", "POL")
    assert client.get(f"/api/versions/{p['id']}", headers=auth("fra")).status_code == 404
    assert p["id"] not in [x["id"] for x in client.get("/api/versions", headers=auth("fra")).json()]
    assert client.post(f"/api/versions/{p['id']}/accept", headers=auth("pol")).status_code == 403
    accepted = client.post(f"/api/versions/{p['id']}/accept", headers=auth("plan"))
    assert accepted.status_code == 200
    new = accepted.json()
    assert (new["status"], new["parent"], new["author"]) == ("version", base["id"], "J5")
    assert changed(new["changes"]["pledges"]) == [("POL-1", "count", 6, 9)]
    assert FRA_ARMOUR in new["yaml"]  # the full text: the other nations as the planner wrote them
    assert client.get(f"/api/versions/{p['id']}", headers=auth("plan")).json()["status"] == "accepted"
    again = client.post(f"/api/versions/{p['id']}/reject", headers=auth("plan"))
    assert again.status_code == 400 and "not an open proposal" in again.json()["detail"]


def test_a_rejected_proposal_stays_a_proposal(client: TestClient) -> None:
    shown = client.get(f"/api/scenarios/{NAME}/yaml", headers=auth("fra")).text
    own = client.post("/api/scenario/edit", json={"yaml": shown, "changes": [
        {"path": ["nations", "FRA", "pledges", 1, "count"], "value": 1}]}, headers=auth("fra"))
    prop = client.post("/api/versions", json={"name": NAME, "yaml": own.json()["yaml"]},
                       headers=auth("fra")).json()
    count = len(client.get("/api/versions", headers=auth("plan")).json())
    res = client.post(f"/api/versions/{prop['id']}/reject", headers=auth("plan"))
    assert res.status_code == 200 and res.json()["status"] == "rejected"
    assert len(client.get("/api/versions", headers=auth("plan")).json()) == count


def test_an_observer_sees_aggregates_only_and_cannot_save(client: TestClient) -> None:
    v = client.post("/api/versions", json={"name": NAME, "yaml": BASE}, headers=auth("plan")).json()
    res = client.post("/api/versions", json={"name": NAME, "yaml": BASE}, headers=auth("obs"))
    assert res.status_code == 403 and "observer" in res.json()["detail"]
    seen = client.get(f"/api/versions/{v['id']}", headers=auth("obs")).json()
    assert not {"yaml", "author", "changes"} & set(seen)
    sc = load_scenario(NAME)
    assert (seen["aggregates"]["nations"], seen["aggregates"]["pledges"]) == (
        len(sc.spec.nations), len(sc.pledges))
    assert sum(seen["aggregates"]["units_by_capability"].values()) == sum(
        p.count for p in sc.pledges)
    assert client.get(f"/api/versions/{v['id']}/download", headers=auth("obs")).status_code == 403
    assert client.get(f"/api/scenarios/{NAME}/yaml", headers=auth("obs")).status_code == 403


def test_bodies_are_bounded(client: TestClient) -> None:
    over_chars = client.post("/api/validate", json={"yaml": "#" * (MAX_BYTES + 1)},
                             headers=auth("plan"))
    assert over_chars.status_code == 422
    over_body = client.post("/api/versions", content=b"x" * (MAX_BODY_BYTES + 1),
                            headers={**auth("plan"), "Content-Type": "application/json"})
    assert over_body.status_code == 413
    wide = "# " + "é" * (MAX_BYTES // 2) + "\n" + BASE  # fewer characters than bytes
    res = client.post("/api/validate", json={"yaml": wide}, headers=auth("plan")).json()
    assert not res["ok"] and f"at most {MAX_BYTES:,}" in res["problems"][0]["message"]


def test_the_page_and_its_editor_come_from_the_installed_package(client: TestClient) -> None:
    page = client.get("/builder").text
    head = page.split("<body>")[0]
    assert "http" not in head and "/static/vendor/codemirror/codemirror.js" in head
    assert 'id="whatif-panel"' in page and '/static/whatif.js' in head and 'href="/compare"' in page
    for name in ("codemirror.js", "codemirror.css", "yaml.js"):
        assert client.get(f"/static/vendor/codemirror/{name}").status_code == 200
    assert "MIT License" in client.get("/static/vendor/codemirror/LICENSE").text
    assert 'href="/builder"' in client.get("/").text
