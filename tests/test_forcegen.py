"""Force generation on small scenarios whose optimum can be checked by hand."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import willing
from willing.forcegen.highs import StageInfo
from willing.forcegen.solve import SolveInfo
from willing.scenario import Scenario, from_spec
from willing.scenario.model import ScenarioSpec
from willing.synthetic import synthetic_scenario

BASE: dict[str, Any] = {
    "name": "tiny",
    "default_state": "calm",
    "regions": {"north": {"name": "North", "in_ukraine": True},
                "south": {"name": "South", "in_ukraine": True}},
    "roles": ["deterrence", "command", "logistics"],
    "states": {"calm": {"holds": ["ceasefire", "us-backstop"]}, "storm": {"holds": []}},
    "events": [{"id": "break", "from": "calm", "to": "storm"}],
    "mission_lines": {"land": {"component": "LAND", "lead_share_min": 0.3, "requirements": [
        {"rule": "explicit", "id": "inf", "capability": "infantry-battalion", "count": 3,
         "region": "north", "role": "deterrence", "required_by_day": 30}]}},
    "nations": {"GBR": {"tier": "lead", "hq_capable": True, "pledges": [
        {"capability": "infantry-battalion", "count": 9, "readiness_days": 10,
         "regions": ["north"]}]}},
}


def scenario(**changes: Any) -> Scenario:
    """BASE with top-level keys replaced (deep-copied so tests never share state)."""
    spec = copy.deepcopy(BASE)
    spec.update(copy.deepcopy(changes))
    return from_spec(ScenarioSpec.model_validate(spec))


def land(*reqs: dict[str, Any], share: float = 0.3) -> dict[str, Any]:
    return {"land": {"component": "LAND", "lead_share_min": share, "requirements": list(reqs)}}


def req(rid: str = "inf", count: int = 3, **kw: Any) -> dict[str, Any]:
    return {"rule": "explicit", "id": rid, "capability": "infantry-battalion", "count": count,
            "region": "north", "role": "deterrence", "required_by_day": 30, **kw}


def pledge(count: int, **kw: Any) -> dict[str, Any]:
    return {"capability": "infantry-battalion", "count": count, "readiness_days": 10,
            "regions": ["north"], **kw}


def nation(*pledges: dict[str, Any], tier: str = "lead", hq: bool = True, **kw: Any) -> dict[str, Any]:
    return {"tier": tier, "hq_capable": hq, "pledges": list(pledges), **kw}


@pytest.mark.parametrize(("pool", "rotation", "expected"), [(9, 3, 3), (10, 3, 3), (8, 3, 2),
                                                           (5, 1, 5), (7, 2, 3)])
def test_enduring_requirement_uses_pool_over_rotation(pool: int, rotation: float, expected: int) -> None:
    sc = scenario(mission_lines=land(req(count=10)),
                  nations={"GBR": nation(pledge(pool, rotation=rotation))})
    r = willing.plan(sc)
    assert int(r.requirements["filled"].iloc[0]) == expected  # floor(pool / rotation)
    assert r.allocation["pool_units"].sum() == expected * rotation


def test_surge_requirement_uses_the_whole_pool() -> None:
    sc = scenario(mission_lines=land(req(count=10, duration="surge")),
                  nations={"GBR": nation(pledge(7, rotation=3))})
    assert int(willing.plan(sc).requirements["filled"].iloc[0]) == 7


def test_substitute_fills_a_requirement() -> None:
    # the catalogue lets an armoured battalion stand in for an infantry battalion
    sub = pledge(3, rotation=1) | {"capability": "armoured-battalion"}
    sc = scenario(nations={"GBR": nation(sub)})
    r = willing.plan(sc)
    assert r.gaps.empty
    assert set(r.allocation["capability"]) == {"armoured-battalion"}


GAP_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "no-pledge": (pledge(9) | {"capability": "artillery-battalion"}, "calm"),
    "condition": (pledge(9, conditions=["adversary-consent"]), "calm"),
    "region": (pledge(9) | {"regions": ["south"]}, "calm"),
    "role": (pledge(9, roles=["logistics"]), "calm"),
    "readiness": (pledge(9) | {"readiness_days": 90}, "calm"),
    "capacity": (pledge(3, rotation=3), "calm"),
    "state": (pledge(9, states=["storm"]), "calm"),
}


@pytest.mark.parametrize("code", sorted(GAP_CASES))
def test_gap_reason_names_the_caveat(code: str) -> None:
    p, state = GAP_CASES[code]
    sc = scenario(nations={"GBR": nation(p)})
    r = willing.plan(sc, state)
    assert len(r.gaps) == 1
    gap = r.gaps.iloc[0]
    assert gap["reason_code"] == code, gap["reason"]
    assert gap["unmet"] == (2 if code == "capacity" else 3)
    assert gap["reason"]


def test_condition_that_fails_in_one_state_only() -> None:
    sc = scenario(nations={"GBR": nation(pledge(9, conditions=["us-backstop"]))})
    assert willing.plan(sc, "calm").gaps.empty
    storm = willing.plan(sc, "storm").gaps
    assert list(storm["reason_code"]) == ["condition"]
    assert "us-backstop" in storm["reason"].iloc[0]


def test_priorities_are_filled_lexicographically() -> None:
    # one pool of 3 deployable units; the essential requirement must take all of them
    reqs = land(req("ess", 3, priority="essential"), req("des", 3, priority="desirable"))
    sc = scenario(mission_lines=reqs, nations={"GBR": nation(pledge(9))})
    r = willing.plan(sc).requirements.set_index("requirement")
    assert r.loc["ess", "filled"] == 3 and r.loc["des", "filled"] == 0


@pytest.mark.parametrize(("pool", "unmet", "solved"), [(18, [0.0, 0.0], 1), (12, [0.0, 2.0], 2)])
def test_a_tier_the_plan_already_fills_is_not_solved_again(pool: int, unmet: list[float],
                                                           solved: int) -> None:
    # 18 in the pool fill both (3 + 3 at 1:3): the essential stage's plan leaves the desirable
    # tier nothing, so its stage is 0 without a solve; 12 fill 4, so it is solved (2 unmet)
    reqs = land(req("ess", 3, priority="essential"), req("des", 3, priority="desirable"))
    sc = scenario(mission_lines=reqs, nations={"GBR": nation(pledge(pool))})
    info = willing.plan(sc).solver
    tiers = [s for s in info.stages if s.name.startswith("unmet-")]
    assert info.unmet_by_tier == unmet
    assert [s.objective for s in tiers] == unmet
    assert all(s.status == "optimal" and s.bound == s.objective for s in tiers)
    assert sum(s.seconds > 0 for s in tiers) == solved


def test_fewest_nations_per_component() -> None:
    # either nation alone can fill the requirement: the plan uses one, not both
    sc = scenario(nations={"GBR": nation(pledge(9)), "FRA": nation(pledge(9)),
                           "DEU": nation(pledge(3, rotation=1), tier="member", hq=False)})
    r = willing.plan(sc)
    assert r.gaps.empty
    assert r.allocation["nation"].nunique() == 1
    assert r.solver.optimal


def test_lead_is_hq_capable_and_brings_its_share() -> None:
    # 4 needed; POL (3 deployable) cannot lead, GBR (2 deployable) can if it brings ≥ 30 %:
    # POL 3 + GBR 1 (25 %) would be leaderless, so the plan must take POL 2 + GBR 2
    sc = scenario(mission_lines=land(req(count=4)),
                  nations={"POL": nation(pledge(9), tier="member", hq=False),
                           "GBR": nation(pledge(6))})
    r = willing.plan(sc)
    lead = r.leads.set_index("component").loc["LAND"]
    assert lead["lead"] == "GBR" and lead["status"] == "led"
    assert lead["lead_share"] == 0.5
    assert r.gaps.empty


def test_lead_too_small_leaves_the_component_leaderless() -> None:
    # GBR can deploy 1 of the 4: 25 % < 30 %, and filling demand comes before leading
    sc = scenario(mission_lines=land(req(count=4)),
                  nations={"POL": nation(pledge(9), tier="member", hq=False),
                           "GBR": nation(pledge(3))})
    r = willing.plan(sc)
    lead = r.leads.set_index("component").loc["LAND"]
    assert lead["status"] == "leaderless" and "30%" in lead["reason"]
    assert r.gaps.empty


def test_leaderless_component_is_reported_not_a_crash() -> None:
    sc = scenario(nations={"POL": nation(pledge(9), tier="member", hq=False)})
    r = willing.plan(sc)
    lead = r.leads.set_index("component").loc["LAND"]
    assert lead["status"] == "leaderless" and lead["lead"] is None
    assert "HQ-capable" in lead["reason"]
    assert r.gaps.empty  # the units still deploy


def test_nation_that_refuses_to_lead_never_leads() -> None:
    sc = scenario(nations={"GBR": nation(pledge(9), will_lead=False),
                           "FRA": nation(pledge(3, rotation=1))})
    lead = willing.plan(sc).leads.set_index("component").loc["LAND"]
    assert lead["lead"] == "FRA"


def test_time_limit_returns_a_consistent_plan() -> None:
    sc = synthetic_scenario(nations=30, pledges=1500, requirements=150, states=1, seed=3)
    r = willing.plan(sc, time_limit=0.5)
    assert r.solver.status in {"optimal", "time-limit"}
    req = r.requirements
    assert (req["filled"] + req["unmet"] == req["count"]).all()
    assert r.solver.mip_gap >= 0
    # whatever the stage reached, allocations respect every pledge's pool
    pools = {p.id: p.count for p in sc.pledges}
    used = r.allocation.groupby("pledge")["pool_units"].sum()
    assert all(used[p] <= pools[p] + 1e-9 for p in used.index)
    # a reason that depends on the plan says so exactly when its stage did not finish
    status = {s.name: s.status for s in r.solver.stages}
    note = "the solver stopped"
    for g in r.gaps.itertuples():
        assert (note in g.reason) == (g.reason_code == "capacity"
                                      and status[f"unmet-{g.priority}"] != "optimal")
    leaderless = r.leads[r.leads["status"] == "leaderless"]
    assert all((note in why) == (status["nations"] != "optimal") for why in leaderless["reason"])
    # and the summary says which objective is not proven: the first stage that is not
    first = next((s for s in r.solver.stages if s.status != "optimal"), None)
    proof = r.summary()["solver_proof"]
    assert ("not proven" in proof) == (first is not None)
    if first is not None:
        assert proof.startswith("proven: unmet essential demand") == (first.name != "unmet-essential")


def _solved(*stages: tuple[str, str, float]) -> SolveInfo:
    infos = [StageInfo(name, status, 1.0, gap, 0.1) for name, status, gap in stages]
    return SolveInfo("optimal" if all(s.status == "optimal" for s in infos) else "time-limit",
                     max(s.mip_gap for s in infos), 0.0, 0.3, infos)


def test_the_proof_names_the_first_unproven_objective_and_what_came_before() -> None:
    assert _solved(("unmet-essential", "optimal", 0.0), ("nations", "optimal", 0.0)).proof() == (
        "every objective proven: unmet essential demand, leads and nations per component")
    fair = _solved(("unmet-essential", "optimal", 0.0), ("nations", "optimal", 0.0),
                   ("fair-share-cost", "time-limit", 0.0076))
    assert fair.proof() == ("proven: unmet essential demand, leads and nations per component; "
                            "not proven (time-limit, gap 0.76%): fair shares and cost")
    # a later stage is solved for the unproven one's plan, so it is not called proven
    early = _solved(("unmet-essential", "time-limit", float("inf")),
                    ("fair-share-cost", "optimal", 0.0))
    assert early.proof() == "not proven (time-limit): unmet essential demand"


def test_a_leaderless_component_under_a_time_limit_says_a_lead_may_exist() -> None:
    # large ceasefire at 1 s: the nations stage cannot finish, and its start leaves components
    # without a lead that a longer run finds (every component is led in bench/README.md)
    sc = synthetic_scenario(nations=60, pledges=5000, requirements=500, states=1, seed=0)
    r = willing.plan(sc, time_limit=1.0)
    assert next(s for s in r.solver.stages if s.name == "nations").status != "optimal"
    leaderless = r.leads[r.leads["status"] == "leaderless"]
    assert len(leaderless)
    assert all("a longer time limit may find one" in why for why in leaderless["reason"])


def test_result_tables_and_html() -> None:
    r = willing.plan(scenario(nations={"GBR": nation(pledge(9)), "POL": nation(pledge(1), tier="member")}))
    for df in (r.allocation, r.gaps, r.by_nation, r.by_component, r.leads, r.requirements):
        assert hasattr(df, "columns")
    html = r._repr_html_()
    assert "<table" in html and "calm" in html and "tiny" in html
    assert set(r.by_nation.index) == {"GBR", "POL"}
    assert r.summary()["coverage"] == 1.0


def test_unknown_state_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown state 'nowhere'; valid: calm, storm"):
        willing.plan(scenario(), "nowhere")
