"""The web service: runs started in the background, and what each role may see."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly.offline import get_plotlyjs

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx versions, not ours
    from fastapi.testclient import TestClient

import willing
from willing.server import create_app
from willing.server.access import Role, Viewer, load_users, releasable

USERS = {"plan-token": Viewer(Role.PLANNER, name="J5"),
         "pol-token": Viewer(Role.NATIONAL, "POL", "Polish representative"),
         "fra-token": Viewer(Role.NATIONAL, "FRA", "French representative"),
         "obs-token": Viewer(Role.OBSERVER, name="press")}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("srv") / "runs.db"
    with TestClient(create_app(f"sqlite:///{db}", USERS)) as c:
        yield c


def wait(c: TestClient, job_id: str, token: str = "plan-token", timeout: float = 120) -> dict:
    end = time.time() + timeout
    seen = []
    while time.time() < end:
        job = c.get(f"/api/jobs/{job_id}", headers=auth(token)).json()
        seen.append(job["progress"])
        if job["status"] in ("done", "failed"):
            assert seen == sorted(seen)  # progress never goes back
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.fixture(scope="module")
def plan_run(client: TestClient) -> int:
    job = client.post("/api/jobs", json={"kind": "plan"}, headers=auth("pol-token")).json()
    done = wait(client, job["id"])
    assert done["status"] == "done", done
    return int(done["run_id"])


def test_a_plan_started_over_http_is_the_plan(client: TestClient, plan_run: int) -> None:
    run = client.get(f"/api/runs/{plan_run}", headers=auth("plan-token")).json()
    expected = willing.plan(willing.load_scenario())
    assert run["payload"]["summary"]["coverage"] == pytest.approx(expected.summary()["coverage"])
    assert {ld["component"]: ld["lead"] for ld in run["payload"]["leads"]} == dict(
        zip(expected.leads["component"], expected.leads["lead"], strict=True))
    assert run["scenario_text"] == willing.load_scenario().text
    runs = client.get("/api/runs", headers=auth("obs-token")).json()
    assert plan_run in [r["id"] for r in runs]


def _nations(v: Any) -> set[str]:
    """Every `nation` value anywhere in a JSON document."""
    if isinstance(v, dict):
        out = {v["nation"]} if isinstance(v.get("nation"), str) else set()
        return out.union(*(_nations(x) for x in v.values()))
    if isinstance(v, list):
        return set().union(*(_nations(x) for x in v))
    return set()


def test_a_national_representative_sees_only_its_own_rows(client: TestClient, plan_run: int) -> None:
    full = client.get(f"/api/runs/{plan_run}", headers=auth("plan-token")).json()
    assert {"FRA", "POL"} <= {a["nation"] for a in full["payload"]["allocation"]}
    pol = client.get(f"/api/runs/{plan_run}", headers=auth("pol-token")).json()
    assert {a["nation"] for a in pol["payload"]["allocation"]} == {"POL"}
    assert _nations(pol) == {"POL"}
    assert "scenario_text" not in pol
    assert "FRA" not in str(pol["payload"]["gaps"]) and "FRA" not in str(pol["payload"]["by_nation"])
    # coalition aggregates stay: the same coverage and the same leads as the planner sees
    assert pol["payload"]["summary"] == full["payload"]["summary"]
    assert pol["payload"]["leads"] == full["payload"]["leads"]

    pledges = client.get("/api/scenarios/ukraine-2025/pledges", headers=auth("pol-token")).json()
    assert pledges and {p["nation"] for p in pledges} == {"POL"}
    all_pledges = client.get("/api/scenarios/ukraine-2025/pledges", headers=auth("plan-token")).json()
    assert any(p["nation"] == "FRA" for p in all_pledges)


def test_charts_report_and_downloads_are_filtered_too(client: TestClient, plan_run: int) -> None:
    secs = client.get(f"/api/runs/{plan_run}/sections", headers=auth("pol-token")).json()
    sankey = next(s for s in secs["sections"] if s["id"] == "allocation")["figure"]["data"][0]
    assert "FRA" not in sankey["node"]["label"] and "POL" in sankey["node"]["label"]
    full = client.get(f"/api/runs/{plan_run}/sections", headers=auth("plan-token")).json()
    full_sankey = next(s for s in full["sections"] if s["id"] == "allocation")["figure"]["data"][0]
    # the others' rows arrive only as one aggregate node; the coalition total is the same
    assert "other nations" in sankey["node"]["label"]
    assert "other nations" not in full_sankey["node"]["label"]
    assert sum(sankey["link"]["value"]) == pytest.approx(sum(full_sankey["link"]["value"]))
    assert _nations(secs) <= {"POL"}
    report = client.get(f"/api/runs/{plan_run}/report", headers=auth("pol-token")).text
    planner = client.get(f"/api/runs/{plan_run}/report?token=plan-token").text
    # nation rows carry the nation's name; leads (coalition-level) carry only codes
    js = get_plotlyjs()
    found = {who: {name: name in page.replace(js, "") for name in ("France", "Poland")}
             for who, page in (("planner", planner), ("POL", report))}
    assert found == {"planner": {"France": True, "Poland": True},
                     "POL": {"France": False, "Poland": True}}
    fra = client.get(f"/api/runs/{plan_run}/json?token=fra-token").json()
    assert {a["nation"] for a in fra["payload"]["allocation"]} == {"FRA"}


def test_observers_see_aggregates_and_cannot_start_runs(client: TestClient, plan_run: int) -> None:
    obs = client.get(f"/api/runs/{plan_run}", headers=auth("obs-token")).json()
    assert obs["payload"]["allocation"] == [] and _nations(obs) == set()
    assert obs["payload"]["coverage"]
    secs = client.get(f"/api/runs/{plan_run}/sections", headers=auth("obs-token")).json()
    assert _nations(secs) == set() and {"allocation", "gaps", "leads"} <= {
        s["id"] for s in secs["sections"]}
    assert client.get(f"/api/runs/{plan_run}/report?token=obs-token").status_code == 200
    assert client.post("/api/jobs", json={"kind": "plan"}, headers=auth("obs-token")).status_code == 403


def test_tokens_and_bad_requests(client: TestClient) -> None:
    assert client.get("/api/runs").status_code == 401
    assert client.get("/api/runs", headers=auth("nobody")).status_code == 401
    assert client.get("/api/runs/9999", headers=auth("plan-token")).status_code == 404
    bad = client.post("/api/jobs", json={"kind": "plan", "scenario": "mars"},
                      headers=auth("plan-token"))
    assert bad.status_code == 400 and "ukraine-2025" in bad.json()["detail"]
    bad = client.post("/api/jobs", json={"kind": "dance"}, headers=auth("plan-token"))
    assert bad.status_code == 400 and "plan, stress" in bad.json()["detail"]
    job = client.post("/api/jobs", json={"kind": "plan", "state": "peace"},
                      headers=auth("plan-token")).json()
    failed = wait(client, job["id"])
    assert failed["status"] == "failed" and "unknown state 'peace'" in failed["error"]


def test_openapi_and_dashboard(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/runs", "/api/jobs", "/api/runs/{run_id}/report"} <= set(spec["paths"])
    page = client.get("/").text
    assert '<script src="/plotly.min.js">' in page and "http" not in page.split("<body>")[0]
    assert client.get("/plotly.min.js").status_code == 200


def test_stress_job_stores_stress_and_pivotal_runs(client: TestClient) -> None:
    pytest.importorskip("willing.robust")
    job = client.post("/api/jobs", json={"kind": "stress", "draws": 2000},
                      headers=auth("plan-token")).json()
    done = wait(client, job["id"])
    assert done["status"] == "done", done
    secs = client.get(f"/api/runs/{done['run_id']}/sections", headers=auth("plan-token")).json()
    ids = [s["id"] for s in secs["sections"]]
    assert "stress" in ids and "pivotal" in ids
    stress_sec = next(s for s in secs["sections"] if s["id"] == "stress")
    assert f"willing stress run {done['run_id']} " in stress_sec["source"]
    pol = client.get(f"/api/runs/{done['run_id']}/sections", headers=auth("pol-token")).json()
    piv = next(s for s in pol["sections"] if s["id"] == "pivotal")
    assert piv["figure"]["data"][0]["x"] == ["POL"]


def test_users_file(tmp_path: Path) -> None:
    f = tmp_path / "users.yaml"
    f.write_text("tokens:\n  a: {role: national, nation: POL}\n  b: {role: observer}\n")
    users = load_users(f)
    assert users["a"] == Viewer(Role.NATIONAL, "POL") and users["b"].role is Role.OBSERVER
    f.write_text("tokens:\n  a: {role: national}\n")
    with pytest.raises(ValueError, match=r"tokens\.a\.nation must be an ISO 3166"):
        load_users(f)
    f.write_text("tokens:\n  a: {role: king}\n")
    with pytest.raises(ValueError, match="planner, national, observer"):
        load_users(f)


NATIONS = ["POL", "FRA", "GBR", "DEU"]
records = st.lists(st.fixed_dictionaries({"nation": st.sampled_from(NATIONS),
                                          "units": st.integers(0, 9)}), max_size=12)


@settings(max_examples=60, deadline=None)
@given(doc=st.recursive(records, lambda inner: st.dictionaries(st.sampled_from(["a", "b", "c"]),
                                                               inner, max_size=3), max_leaves=6),
       nation=st.sampled_from(NATIONS))
def test_releasable_never_leaks_another_nations_row(doc: Any, nation: str) -> None:
    mine = releasable(doc, Viewer(Role.NATIONAL, nation))
    assert _nations(mine) <= {nation}
    assert releasable(doc, Viewer(Role.PLANNER)) == doc
    assert _nations(releasable(doc, Viewer(Role.OBSERVER))) == set()
    # own rows all survive
    assert str(doc).count(f"'{nation}'") == str(mine).count(f"'{nation}'")


def test_pledge_ledger_moves_forward_and_stays_releasable(client: TestClient) -> None:
    def step(token: str, **kw: Any) -> Any:
        entry = {"nation": "POL", "pledge": "POL-1", "capability": "infantry-battalion",
                 "count": 4, "status": "announced", "date": "2025-03-01",
                 "source": "press conference (illustrative)", **kw}
        return client.post("/api/ledger", json=entry, headers=auth(token))

    public = client.get("/api/ledger", headers=auth("plan-token")).json()  # the packaged ledger
    assert public and {e["recorded_by"] for e in public} == {"packaged ledger"}
    before = {(r["capability"], r["status"]): r for r in
              client.get("/api/ledger/summary", headers=auth("obs-token")).json()}
    assert step("pol-token").status_code == 201
    assert step("pol-token", status="committed", count=3, date="2025-05-01").status_code == 201
    back = step("pol-token", status="announced", date="2025-06-01")
    assert back.status_code == 400 and "cannot go back" in back.json()["detail"]
    early = step("pol-token", status="deployed", date="2025-04-01")
    assert early.status_code == 400 and "before" in early.json()["detail"]
    assert step("pol-token", nation="FRA", pledge="FRA-1").status_code == 403
    assert step("obs-token").status_code == 403
    assert step("pol-token", capability="death-star").status_code == 400
    assert step("plan-token", nation="FRA", pledge="FRA-1", count=6).status_code == 201
    assert step("pol-token", status="deployed", count=3, date="2025-07-01").status_code == 201

    everything = client.get("/api/ledger", headers=auth("plan-token")).json()[len(public):]
    assert [(e["nation"], e["status"]) for e in everything] == [
        ("POL", "announced"), ("POL", "committed"), ("FRA", "announced"), ("POL", "deployed")]
    assert {e["nation"] for e in client.get("/api/ledger", headers=auth("pol-token")).json()} == {"POL"}
    assert client.get("/api/ledger", headers=auth("obs-token")).json() == []
    summary = {(r["capability"], r["status"]): r for r in
               client.get("/api/ledger/summary", headers=auth("obs-token")).json()}
    added = {k: (r["pledges"] - before.get(k, {}).get("pledges", 0),
                 r["units"] - before.get(k, {}).get("units", 0)) for k, r in summary.items()}
    assert {k: v for k, v in added.items() if v != (0, 0)} == {
        ("infantry-battalion", "announced"): (1, 6), ("infantry-battalion", "deployed"): (1, 3)}
