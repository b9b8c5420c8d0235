"""Pledges that can never deploy, and region access rules (law, basing) in force generation."""

from __future__ import annotations

from typing import Any

import numpy as np

import willing
from test_forcegen import land, nation, pledge, req, scenario
from willing.robust.stress import transport
from willing.scenario.consistency import consistency_check

SEA = {"north": {"name": "North", "in_ukraine": True},
       "sea": {"name": "Sea", "in_ukraine": False, "access": [
           {"id": "closure", "description": "straits closed to non-littoral warships",
            "states": ["storm"], "capabilities": ["frigate"], "admits": ["TUR", "ROU"]},
           {"id": "stay", "description": "non-littoral warships stay at most 21 days",
            "states": ["calm"], "capabilities": ["frigate"], "admits": ["TUR", "ROU"],
            "max_stay_days": 21}]}}


def frigates(count: int, **kw: Any) -> dict[str, Any]:
    return {"capability": "frigate", "count": count, "rotation": 1, "readiness_days": 10,
            "regions": ["sea"], **kw}


def escort(count: int = 4, **kw: Any) -> dict[str, Any]:
    return {"maritime": {"component": "MARITIME", "lead_share_min": 0.0, "requirements": [
        {"rule": "explicit", "id": "escort", "capability": "frigate", "count": count,
         "region": "sea", "role": "deterrence", "required_by_day": 30, **kw}]}}


def test_pool_below_rotation_warns_and_gets_its_own_gap_reason() -> None:
    sc = scenario(mission_lines=land(req(count=2)),
                  nations={"GBR": nation(pledge(3, rotation=3)),
                           "LVA": nation(pledge(1, rotation=3), tier="member", hq=False)})
    [(name, warning)] = consistency_check(sc)
    assert name == "never-deployable"
    assert warning.path == ("nations", "LVA", "pledges", 0, "count") and warning.line is not None
    assert "pool of 1" in warning.message and "rotation 3" in warning.message
    gap = willing.plan(sc).gaps.iloc[0]
    assert gap["reason_code"] == "capacity"  # GBR's pool keeps 1 deployed and is fully used
    assert "GBR are fully used" in gap["reason"] and "LVA" not in gap["reason"].split(";")[0]
    assert "never deployable (pool < rotation): LVA-1 (1 < 3)" in gap["reason"]
    alone = scenario(mission_lines=land(req(count=2)),
                     nations={"LVA": nation(pledge(1, rotation=3))})
    gap = willing.plan(alone).gaps.iloc[0]
    assert gap["reason_code"] == "rotation"
    assert gap["reason"] == ("LVA's infantry-battalion pledge (LVA-1): pool of 1 < rotation 3, "
                             "never deployable")


def test_a_surge_requirement_can_use_a_small_pool_so_no_warning() -> None:
    sc = scenario(mission_lines=land(req(count=2, duration="surge")),
                  nations={"LVA": nation(pledge(1, rotation=3))})
    assert consistency_check(sc) == []
    assert int(willing.plan(sc).requirements["filled"].iloc[0]) == 1


def test_deployed_pledge_carries_its_pool() -> None:
    sc = scenario(mission_lines=land(req(count=3)),
                  nations={"LVA": nation({**pledge(0), "count": None, "deployed": 1,
                                          "rotation": 2.5})})
    [p] = sc.pledges
    assert (p.count, p.deployed) == (3, 1)  # ceil(1 × 2.5)
    assert consistency_check(sc) == []
    r = willing.plan(sc)
    assert int(r.requirements["filled"].iloc[0]) == 1
    assert float(r.allocation["pool_units"].sum()) == 2.5
    charged = willing.sustain(r).requirements  # the nation carries the whole pool of 3
    assert charged["pool_units"].tolist() == [3] and charged["pool_personnel"].tolist() == [1800]


def two_navies() -> dict[str, Any]:
    return {"GBR": nation(frigates(4)), "TUR": nation(frigates(2), tier="member")}


def test_closed_straits_keep_non_littoral_frigates_out_and_name_the_rule() -> None:
    sc = scenario(regions=SEA, mission_lines=escort(), nations=two_navies())
    r = willing.plan(sc, "storm")
    assert set(r.allocation["nation"]) == {"TUR"}  # the littoral navy still serves
    gap = r.gaps.iloc[0]
    assert (gap["reason_code"], gap["unmet"]) == ("capacity", 2)
    assert "sea: straits closed to non-littoral warships in storm [closure] for GBR" in gap["reason"]
    only_gbr = scenario(regions=SEA, mission_lines=escort(), nations={"GBR": nation(frigates(4))})
    gap = willing.plan(only_gbr, "storm").gaps.iloc[0]
    assert gap["reason_code"] == "access" and "[closure]" in gap["reason"]


def test_stay_limit_bars_enduring_but_not_surge_requirements() -> None:
    enduring = scenario(regions=SEA, mission_lines=escort(), nations=two_navies())
    r = willing.plan(enduring, "calm")
    assert set(r.allocation["nation"]) == {"TUR"}
    assert "stay ≤ 21 days < tour [stay]" in r.gaps.iloc[0]["reason"]
    surge = scenario(regions=SEA, mission_lines=escort(duration="surge"), nations=two_navies())
    assert willing.plan(surge, "calm").gaps.empty  # a 21-day stay is enough for a surge


def test_access_rules_reach_the_robustness_kernel() -> None:
    sc = scenario(regions=SEA, mission_lines=escort(), nations=two_navies())
    tp, _ = transport(sc, "storm")
    gbr = [i for i, p in enumerate(sc.pledges) if p.nation == "GBR"]
    assert not tp.compatible[gbr].any()
    tp_calm, _ = transport(sc, "calm")
    assert np.array_equal(tp.compatible, tp_calm.compatible)  # both rules bar GBR's tours


def test_host_nation_basing_admits_only_listed_nations() -> None:
    regions = {"north": {"name": "North", "in_ukraine": True, "access": [
        {"id": "basing", "description": "the host admits only POL and GBR units on its bases",
         "admits": ["POL", "GBR"]}]}}
    sc = scenario(regions=regions, mission_lines=land(req(count=3)),
                  nations={"FRA": nation(pledge(9, rotation=3)),
                           "GBR": nation(pledge(6, rotation=3))})
    r = willing.plan(sc)
    assert set(r.allocation["nation"]) == {"GBR"}
    assert "[basing] for FRA" in r.gaps.iloc[0]["reason"]
