"""The coverage kernel is exact: it agrees with a per-draw HiGHS LP of the same transport problem.

The LP is an independent formulation (one variable per compatible pledge → requirement pair,
solved by HiGHS through scipy.optimize.linprog): maximise the units sent to the requirements
of the tiers 0..k, for each k, with the pledges that survive the draw.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import willing
from willing.robust.draws import Assumptions, sample
from willing.robust.kernel import Transport, compile_kernel
from willing.robust.stress import stress_model, transport
from willing.synthetic import synthetic_scenario


def lp_flow(tp: Transport, alive: np.ndarray, tiers: int, minimise: int | None = None,
            keep: float | None = None) -> float:
    """Max units into requirements of tier ≤ `tiers` with the pledges `alive`, by HiGHS.

    With `minimise=j`, instead the least flow into requirement j among allocations that send
    at least `keep` units to the tiers ≤ `tiers`.
    """
    use = tp.compatible & alive[:, None] & (tp.tier <= tiers)[None, :] & (tp.supply > 0)[:, None]
    p, j = np.nonzero(use)
    if len(p) == 0:
        return 0.0
    n_p, n_j = tp.compatible.shape
    a_ub = np.zeros((n_p + n_j, len(p)))
    a_ub[p, np.arange(len(p))] = 1.0
    a_ub[n_p + j, np.arange(len(p))] = 1.0
    b_ub = np.concatenate([tp.supply, tp.demand]).astype(float)
    if minimise is None:
        res = linprog(-np.ones(len(p)), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        assert res.status == 0
        return float(-res.fun)
    a_ub = np.vstack([a_ub, -np.ones(len(p))])
    b_ub = np.append(b_ub, -(keep or 0.0))
    res = linprog((j == minimise).astype(float), A_ub=a_ub, b_ub=b_ub, bounds=(0, None),
                  method="highs")
    assert res.status == 0
    return float(res.fun)


def kernel_vs_lp(tp: Transport, alive: np.ndarray, max_cuts: int = 4096, short: bool = True) -> None:
    k = compile_kernel(tp, max_cuts=max_cuts)
    out = k.evaluate(alive.astype(np.float32), short=short)
    got = k.tier_flows(out.flows)
    for d in range(alive.shape[0]):
        for t in range(tp.n_tiers):
            want = lp_flow(tp, alive[d], t)
            assert abs(got[t, d] - want) <= 1e-9, (d, t, got[t, d], want)
        if short:
            assert out.short is not None
            for j in np.nonzero(tp.demand > 0)[0]:
                t = int(tp.tier[j])
                least = lp_flow(tp, alive[d], t, minimise=int(j), keep=float(got[t, d]))
                assert bool(out.short[j, d]) == (least < tp.demand[j] - 1e-7), (d, j, least)


@st.composite
def problems(draw: st.DrawFn) -> tuple[Transport, np.ndarray]:
    n_p = draw(st.integers(1, 7))
    n_j = draw(st.integers(1, 6))
    ints = st.integers(0, 5)
    supply = np.array(draw(st.lists(ints, min_size=n_p, max_size=n_p)), dtype=np.int64)
    demand = np.array(draw(st.lists(ints, min_size=n_j, max_size=n_j)), dtype=np.int64)
    tier = np.array(draw(st.lists(st.integers(0, 2), min_size=n_j, max_size=n_j)), dtype=np.int64)
    compat = np.array(draw(st.lists(st.booleans(), min_size=n_p * n_j, max_size=n_p * n_j))
                      ).reshape(n_p, n_j)
    n_d = draw(st.integers(1, 4))
    alive = np.array(draw(st.lists(st.booleans(), min_size=n_d * n_p, max_size=n_d * n_p))
                     ).reshape(n_d, n_p)
    return Transport(supply, demand, tier, compat), alive


@settings(max_examples=150, deadline=None)
@given(problems())
def test_kernel_equals_per_draw_lp_on_random_problems(case: tuple[Transport, np.ndarray]) -> None:
    tp, alive = case
    kernel_vs_lp(tp, alive)


@settings(max_examples=25, deadline=None)
@given(problems())
def test_maxflow_fallback_equals_per_draw_lp(case: tuple[Transport, np.ndarray]) -> None:
    """With no enumeration allowed, every piece goes to the per-draw max-flow: same answers."""
    tp, alive = case
    kernel_vs_lp(tp, alive, max_cuts=0)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_kernel_equals_lp_on_random_synthetic_scenarios(seed: int) -> None:
    """Random scenarios (the synthetic generator) and draws of who shows up."""
    sc = synthetic_scenario(nations=8, pledges=60, requirements=12, states=2, seed=seed)
    state = sc.default_state
    model, _ = stress_model(sc, state, Assumptions.of(sc))
    tp, _ = transport(sc, state)
    d = sample(model.draws, np.random.default_rng(seed), 6)
    alive = d.avail[:, model.draws.pledge_key] > 0
    out = model.kernel.evaluate(d.avail)
    got = model.kernel.tier_flows(out.flows)
    for i in range(len(alive)):
        for t in range(tp.n_tiers):
            assert abs(got[t, i] - lp_flow(tp, alive[i], t)) <= 1e-9


def test_packaged_scenario_random_draws_equal_lp() -> None:
    sc = willing.load_scenario()
    model, _ = stress_model(sc, "ceasefire", Assumptions.of(sc))
    tp, _ = transport(sc, "ceasefire")
    d = sample(model.draws, np.random.default_rng(7), 25)
    alive = d.avail[:, model.draws.pledge_key] > 0
    got = model.kernel.tier_flows(model.kernel.evaluate(d.avail).flows)
    for i in range(len(alive)):
        for t in range(tp.n_tiers):
            assert abs(got[t, i] - lp_flow(tp, alive[i], t)) <= 1e-9


@pytest.mark.parametrize("state", ["pre-ceasefire", "ceasefire", "violation", "no-backstop"])
def test_everyone_present_matches_force_generation_stage_one(state: str) -> None:
    """With every nation and global variable present, the kernel's unmet units per priority
    tier equal the MILP's lexicographic stage 1 (the same transport problem, integer)."""
    sc = willing.load_scenario()
    model, reqs = stress_model(sc, state, Assumptions.of(sc))
    k = model.kernel
    filled = k.tier_flows(k.evaluate(np.ones((1, k.n_keys))).flows)[:, 0]
    plan = willing.plan(sc, state)
    essential = sum(r.count for r in reqs if str(r.priority) == "essential")
    assert essential - filled[0] == pytest.approx(plan.solver.unmet_by_tier[0], abs=1e-9)
    ess = plan.requirements[plan.requirements["priority"] == "essential"]
    assert filled[0] == int(ess["filled"].sum())
    unmet_by_tier = np.diff(np.concatenate([[0.0], k.tier_demand - filled]))
    present = sorted(set(k.piece_tier.tolist()))
    assert unmet_by_tier[present] == pytest.approx(plan.solver.unmet_by_tier, abs=1e-9)


def test_transport_rotation_rule() -> None:
    """Enduring requirements get floor(count / rotation) units of a pledge; surge ones count."""
    sc = willing.load_scenario()
    tp, reqs = transport(sc, "ceasefire")
    assert all(str(r.duration) == "enduring" for r in reqs)
    serving = tp.compatible.any(axis=1)
    assert serving.sum() > 50
    for p, s in zip(np.array(sc.pledges, dtype=object)[serving], tp.supply[serving], strict=True):
        assert s == int(p.count // p.rotation + 1e-9)


def test_bad_transport_is_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        Transport(np.array([-1]), np.array([1]), np.array([0]), np.ones((1, 1), dtype=bool))
    k = compile_kernel(Transport(np.array([1]), np.array([1]), np.array([0]),
                                 np.ones((1, 1), dtype=bool)))
    with pytest.raises(ValueError, match="keys"):
        k.evaluate(np.ones((2, 3)))


@settings(max_examples=40, deadline=None)
@given(problems())
def test_tabulated_pieces_reduce_like_evaluated_cuts(case: tuple[Transport, np.ndarray]) -> None:
    """The table look-up and the per-draw cut evaluation count the same things."""
    tp, alive = case
    for max_cuts in (4096, 0):  # enumerated cuts, then max-flow fallbacks, tabulated
        tabulated = compile_kernel(tp, max_cuts=max_cuts)
        assert tabulated.tables is not None
        direct = replace(tabulated, tables=None)
        a, b = tabulated.reduce(alive), direct.reduce(alive)
        for x, y in zip((a.filled, a.short, a.piece_unmet, a.piece_short),
                        (b.filled, b.short, b.piece_unmet, b.piece_short), strict=True):
            assert np.array_equal(x, y)
    if tabulated.n_pieces:
        assert compile_kernel(tp, draws=1).tables is None  # not worth it for one draw


def lp_value(tp: Transport, alive: np.ndarray, measure: int) -> float:
    """The most value (`tp.value[:, measure]` per unit) any allocation with the pledges `alive`
    fills among those that fill the most units of the tiers 0..k for every k, by HiGHS."""
    use = tp.compatible & alive[:, None] & (tp.supply > 0)[:, None]
    p, j = np.nonzero(use)
    if len(p) == 0:
        return 0.0
    n_p, n_j = tp.compatible.shape
    rows = [np.zeros((n_p + n_j, len(p)))]
    rows[0][p, np.arange(len(p))] = 1.0
    rows[0][n_p + j, np.arange(len(p))] = 1.0
    bounds = [np.concatenate([tp.supply, tp.demand]).astype(float)]
    for t in range(tp.n_tiers):  # keep every tier prefix at its maximum
        rows.append(-(tp.tier[j] <= t).astype(float)[None, :])
        bounds.append(np.array([-lp_flow(tp, alive, t) + 1e-9]))
    assert tp.value is not None
    res = linprog(-tp.value[j, measure], A_ub=np.vstack(rows), b_ub=np.concatenate(bounds),
                  bounds=(0, None), method="highs")
    assert res.status == 0
    return float(-res.fun)


@st.composite
def valued_problems(draw: st.DrawFn) -> tuple[Transport, np.ndarray]:
    """Random problems whose requirements have values per unit in two measures."""
    tp, alive = draw(problems())
    n_j = len(tp.demand)
    value = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 2.5, 12.0, 600.0]),
                                   min_size=2 * n_j, max_size=2 * n_j))).reshape(n_j, 2)
    return replace(tp, value=value), alive


@settings(max_examples=120, deadline=None)
@given(valued_problems())
def test_filled_value_equals_the_lexicographic_lp(case: tuple[Transport, np.ndarray]) -> None:
    """Ranked by value within each tier, the kernel fills the most value (the first measure)
    an allocation can among those that fill the most units by priority; its tier flows and
    short flags are those of the unvalued problem (the ranks refine, never reorder, tiers)."""
    tp, alive = case
    k = compile_kernel(tp)
    got = k.value_flows(k.evaluate(alive.astype(np.float32)).flows)
    for d in range(alive.shape[0]):
        assert got[0, d] == pytest.approx(lp_value(tp, alive[d], 0), abs=1e-6)
    kernel_vs_lp(tp, alive)


@settings(max_examples=40, deadline=None)
@given(valued_problems())
def test_tabulated_values_equal_evaluated_values(case: tuple[Transport, np.ndarray]) -> None:
    tp, alive = case
    tabulated, direct = compile_kernel(tp), replace(compile_kernel(tp), tables=None)
    a = alive.astype(np.float32)
    assert tabulated.reduce(a).value == pytest.approx(direct.reduce(a).value, abs=1e-6)
