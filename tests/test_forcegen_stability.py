"""The `stability` stage: given a baseline plan, units keep their positions unless unmet
demand or the nation count gives a reason to move them — and it never costs either."""

from __future__ import annotations

import highspy
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import willing
from test_forcegen import land, nation, pledge, req, scenario
from willing.contingency import _moves, contingency
from willing.forcegen import PlanResult
from willing.forcegen.highs import feasible
from willing.synthetic import synthetic_scenario


def positions(r: PlanResult) -> dict[tuple[str, str], int]:
    return {(str(p), str(j)): int(u) for p, j, u in
            r.allocation[["pledge", "requirement", "units"]].itertuples(index=False)}


def moved(baseline: PlanResult, r: PlanResult) -> int:
    """Baseline units not on the same (pledge, requirement) in `r`, counted independently."""
    now = positions(r)
    return sum(max(u - now.get(k, 0), 0) for k, u in positions(baseline).items())


def stage(r: PlanResult, name: str) -> float:
    return next(s.objective for s in r.solver.stages if s.name == name)


TWO_REGIONS = land(req("inf-north", 2, region="north"), req("inf-south", 2, region="south"))


@pytest.mark.parametrize("first", ["north", "south"])
def test_every_unit_stays_where_an_equally_good_plan_would_swap_it(first: str) -> None:
    # Two pledges of one nation, either may serve either region: two equally good plans.
    # The baseline comes from a variant whose caveats force one of them; with it as baseline,
    # the open scenario keeps that one exactly.
    other = {"north": "south", "south": "north"}[first]
    forced = scenario(mission_lines=TWO_REGIONS, regions={
        "north": {"name": "North", "in_ukraine": True}, "south": {"name": "South", "in_ukraine": True}},
        nations={"GBR": nation(pledge(2, rotation=1, regions=[first]),
                               pledge(2, rotation=1, regions=[other]))})
    open_ = scenario(mission_lines=TWO_REGIONS, nations={"GBR": nation(
        pledge(2, rotation=1, regions=["north", "south"]),
        pledge(2, rotation=1, regions=["north", "south"]))})
    base = willing.plan(forced)
    assert base.gaps.empty and len(base.allocation) == 2
    kept = willing.plan(open_, baseline=base, open_fair_share=True)
    assert positions(kept) == positions(base)
    assert stage(kept, "stability") == 0
    assert [s.name for s in kept.solver.stages][-4:] == ["nations", "stability", "fair-share-cost",
                                                         "fair-share-open"]


def test_the_two_forced_baselines_differ_so_the_test_above_can_fail() -> None:
    # without a baseline the solver picks one of the two; at least one forced baseline is the
    # other, so only the stability stage can make both cases above pass
    open_ = scenario(mission_lines=TWO_REGIONS, nations={"GBR": nation(
        pledge(2, rotation=1, regions=["north", "south"]),
        pledge(2, rotation=1, regions=["north", "south"]))})
    free = positions(willing.plan(open_))
    assert free in ({("GBR-1", "inf-north"): 2, ("GBR-2", "inf-south"): 2},
                    {("GBR-1", "inf-south"): 2, ("GBR-2", "inf-north"): 2})


def test_a_unit_moves_when_unmet_demand_needs_it() -> None:
    # the baseline puts GBR-1 on the north; the target adds an essential south requirement
    # only GBR-1 can serve: it moves there, and the stability stage counts the move
    base_sc = scenario(mission_lines=land(req("inf-north", 2, region="north")),
                       nations={"GBR": nation(pledge(2, rotation=1, regions=["north", "south"]),
                                              pledge(2, rotation=1, regions=["north"]))})
    base = willing.plan(base_sc)
    target = scenario(mission_lines=land(req("inf-north", 2, region="north", priority="important"),
                                         req("inf-south", 2, region="south", priority="essential")),
                      nations=base_sc.spec.model_dump(by_alias=True)["nations"])
    r = willing.plan(target, baseline=base)
    assert r.gaps.empty
    assert positions(r) == {("GBR-1", "inf-south"): 2, ("GBR-2", "inf-north"): 2}
    assert stage(r, "stability") == moved(base, r)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nations=st.integers(3, 7), pledges=st.integers(10, 50), requirements=st.integers(12, 24),
       seed=st.integers(0, 10_000))
def test_stability_never_costs_unmet_demand_or_nations_and_is_minimal(
        nations: int, pledges: int, requirements: int, seed: int) -> None:
    sc = synthetic_scenario(nations=nations, pledges=pledges, requirements=requirements, states=2,
                            seed=seed)
    source, target = sc.states
    base = willing.plan(sc, source, time_limit=20)
    free = willing.plan(sc, target, time_limit=20)
    kept = willing.plan(sc, target, time_limit=20, baseline=base, open_fair_share=True)
    assert kept.solver.unmet_by_tier == free.solver.unmet_by_tier
    assert stage(kept, "nations") == stage(free, "nations")
    # the stage's objective is what it claims, and no worse than the plan made without it
    assert stage(kept, "stability") == moved(base, kept) <= moved(base, free)
    # fair share among the chosen participants first, then free: never worse, scope stated
    fixed, free_fs = kept.solver.stages[-2:]
    assert fixed.scope and not free_fs.scope
    assert free_fs.objective <= fixed.objective + 1e-9
    # a plan taken as its own baseline is reproduced exactly
    assert positions(willing.plan(sc, source, time_limit=20, baseline=base)) == positions(base)


def test_packaged_events_have_no_unexplained_moves_and_the_same_coverage() -> None:
    sc = willing.load_scenario()
    c = contingency(sc)
    for ev in sc.spec.events:
        source, with_base = c.plans[ev.from_], c.targets[ev.id]
        alone = willing.plan(sc, ev.to)
        assert with_base.solver.unmet_by_tier == alone.solver.unmet_by_tier
        assert stage(with_base, "nations") == stage(alone, "nations")
        assert moved(source, with_base) <= moved(source, alone)
        before = pd.DataFrame(_moves(sc, ev, source, alone))
        assert (before["reason_code"] == "reallocated").sum() > 0  # planned alone: arbitrary moves
    # planned from its source, every move of every event has a cause of its own
    assert (c.events["reallocated_units"] == 0).all()
    assert not (c.moves["reason_code"] == "reallocated").any()


def test_the_warm_start_guard_checks_feasibility_itself() -> None:
    # x0 + x1 ≤ 1 over integers in [0, 5]: the guard's own check, independent of HiGHS' report
    h = highspy._core._Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(2, 1, 2, 1, 1, 0.0, np.ones(2), np.zeros(2), np.full(2, 5.0), np.array([-np.inf]),
                np.ones(1), np.array([0, 1, 2], dtype=np.int32), np.zeros(2, dtype=np.int32),
                np.ones(2), np.ones(2, dtype=np.int32))
    assert feasible(h, np.array([1.0, 0.0]))
    assert not feasible(h, np.array([1.0, 1.0]))  # row
    assert not feasible(h, np.array([0.5, 0.0]))  # integrality
    assert not feasible(h, np.array([-1.0, 0.0]))  # bound
