"""Compare two runs over HTTP: deltas on two real plans, one with a pledge removed, and what
a national representative is released."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx versions, not ours
    from fastapi.testclient import TestClient

import willing
from willing.records import jsonable
from willing.scenario import parse_scenario
from willing.server import create_app
from willing.server.access import Role, Viewer

USERS = {"plan-token": Viewer(Role.PLANNER, name="J5"),
         "pol-token": Viewer(Role.NATIONAL, "POL", "Polish representative"),
         "obs-token": Viewer(Role.OBSERVER, name="press")}
FRA_INFANTRY = ("      - {capability: infantry-battalion, share_of_active: 0.04, readiness_days: 45, "
                "regions: [ua-kyiv, ua-west, ua-south], conditions: [ceasefire], "
                "assumption: pledge-size rule}\n")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any, Any, int, int]]:
    """A server whose store holds two plans: the packaged scenario, and the same with France's
    infantry pledge removed."""
    base = willing.load_scenario()
    assert base.text.count(FRA_INFANTRY) == 1
    edited = parse_scenario(base.text.replace(FRA_INFANTRY, ""), "edited.yaml")
    plans = [willing.plan(base), willing.plan(edited)]
    db = tmp_path_factory.mktemp("compare") / "runs.db"
    with TestClient(create_app(f"sqlite:///{db}", USERS)) as c:
        store = c.app.state.store  # type: ignore[attr-defined]
        ids = [store.add("plan", jsonable(p.to_dict()), scenario=sc, params={"states": [p.state]})
               for p, sc in zip(plans, (base, edited), strict=True)]
        yield c, plans[0], plans[1], ids[0], ids[1]


def rows(table: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in table}


def test_deltas_are_those_of_the_two_plans(runs: tuple[TestClient, Any, Any, int, int]) -> None:
    c, pa, pb, a, b = runs
    d = c.get(f"/api/compare?a={a}&b={b}", headers=auth("plan-token")).json()
    (state,) = d["plans"]
    assert state["state"] == pa.state
    head = rows(state["headline"], "figure")
    sa, sb = pa.summary(), pb.summary()
    for figure in ("coverage", "essential_coverage", "units_filled", "personnel_deployed", "gaps"):
        assert head[figure]["a"] == pytest.approx(sa[figure])
        assert head[figure]["b"] == pytest.approx(sb[figure])
        assert head[figure]["delta"] == pytest.approx(sb[figure] - sa[figure])
    pers = [p.coverage["personnel_filled"].sum() / p.coverage["personnel_required"].sum() for p in (pa, pb)]
    assert head["personnel_coverage"]["delta"] == pytest.approx(pers[1] - pers[0])
    assert head["personnel_deployed"]["delta"] < 0  # a pledge fewer deploys fewer

    unmet_a = dict(zip(pa.gaps["requirement"], pa.gaps["unmet"], strict=True))
    unmet_b = dict(zip(pb.gaps["requirement"], pb.gaps["unmet"], strict=True))
    gaps = rows(state["gaps"], "requirement")
    assert {r for r, g in gaps.items() if g["change"] == "opened"} == set(unmet_b) - set(unmet_a)
    assert {r for r, g in gaps.items() if g["change"] == "closed"} == set(unmet_a) - set(unmet_b)
    assert set(gaps) == {r for r in {*unmet_a, *unmet_b} if unmet_a.get(r) != unmet_b.get(r)}

    fra = rows(state["contributions"], "nation")["FRA"]
    personnel = [int(p.allocation.loc[p.allocation["nation"] == "FRA", "personnel"].sum()) for p in (pa, pb)]
    assert (fra["a"], fra["b"], fra["change"]) == (personnel[0], personnel[1], personnel[1] - personnel[0])

    leads_a = dict(zip(pa.leads["component"], pa.leads["lead"], strict=True))
    leads_b = dict(zip(pb.leads["component"], pb.leads["lead"], strict=True))
    assert {ld["component"] for ld in state["leads"]} == {k for k in leads_a if leads_a[k] != leads_b.get(k)}

    removed = [p for p in d["scenario"]["changes"]["pledges"] if p["change"] == "removed"]
    assert [(p["nation"], p["capability"], p["pledge_a"]) for p in removed] == [
        ("FRA", "infantry-battalion", "FRA-1")]
    assert "pledge FRA-1 infantry-battalion removed" in d["scenario"]["summary"]
    assert d["stress"] == []  # plans, not stress runs: no P(essential) to compare


def test_a_national_representative_sees_their_nation_and_the_aggregates(
        runs: tuple[TestClient, Any, Any, int, int]) -> None:
    c, _pa, _pb, a, b = runs
    planner = c.get(f"/api/compare?a={a}&b={b}", headers=auth("plan-token")).json()
    pol = c.get(f"/api/compare?a={a}&b={b}", headers=auth("pol-token")).json()
    (state,) = pol["plans"]
    assert state["headline"] == planner["plans"][0]["headline"]  # aggregates are released
    assert {r["nation"] for r in state["contributions"]} <= {"POL"}
    assert pol["scenario"]["changes"]["pledges"] == []  # France's pledge is not Poland's
    assert not any("FRA" in line or "France" in line for line in pol["scenario"]["summary"])
    assert "lines" not in pol["scenario"] and "lines" in planner["scenario"]
    assert state["leads"] == planner["plans"][0]["leads"]  # lead nations are public
    rest = str({k: v for k, v in state.items() if k != "leads"})
    assert "FRA" not in rest and "France" not in rest
    observer = c.get(f"/api/compare?a={a}&b={b}", headers=auth("obs-token")).json()
    assert observer["plans"][0]["contributions"] == []


def test_unknown_runs_and_bad_ids_are_refused_clearly(runs: tuple[TestClient, Any, Any, int, int]) -> None:
    c, _pa, _pb, a, _b = runs
    missing = c.get(f"/api/compare?a={a}&b=999999", headers=auth("plan-token"))
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    assert c.get("/api/compare?a=0&b=1", headers=auth("plan-token")).status_code == 422
    assert c.get(f"/api/compare?a={a}&b={a}").status_code == 401


def test_the_compare_page_is_served_and_linked_from_the_dashboard(
        runs: tuple[TestClient, Any, Any, int, int]) -> None:
    c = runs[0]
    assert 'href="/compare"' in c.get("/").text
    page = c.get("/compare")
    assert page.status_code == 200 and "/static/compare.js" in page.text


def test_stress_runs_compare_their_probabilities(runs: tuple[TestClient, Any, Any, int, int]) -> None:
    from willing.robust import stress

    c = runs[0]
    base = willing.load_scenario()
    edited = parse_scenario(base.text.replace(FRA_INFANTRY, ""), "edited.yaml")
    results = [stress(sc, draws=2000, seed=7) for sc in (base, edited)]
    store = c.app.state.store  # type: ignore[attr-defined]
    a, b = (store.add("stress", jsonable(r.to_dict()), scenario=sc, params={"draws": 2000})
            for r, sc in zip(results, (base, edited), strict=True))
    d = c.get(f"/api/compare?a={a}&b={b}", headers=auth("obs-token")).json()
    shown = rows(d["stress"], "figure")
    assert set(shown) == {"p_essential_met", "p_all_met", "mean_essential", "mean_coverage"}
    sa, sb = (r.to_dict()["summary"] for r in results)
    for figure, row in shown.items():
        assert (row["a"], row["b"]) == (pytest.approx(sa[figure]), pytest.approx(sb[figure]))
        assert row["delta"] == pytest.approx(sb[figure] - sa[figure])
    assert shown["mean_essential"]["delta"] < 0  # France's infantry is missed in some draws
    assert d["plans"] == []
