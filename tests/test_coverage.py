"""Coverage by units, personnel and weight (willing.coverage) in `plan` and `stress`.

Every figure is recomputed here another way: the plan's from its own requirements table and
the catalogue; the stress run's from the same draws solved one by one as LPs (HiGHS), so the
kernel's per-requirement met indicators and filled personnel are checked draw by draw.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.test_robust_kernel import lp_flow, lp_value

import willing
from willing import coverage
from willing.robust.distributed import chunks
from willing.robust.draws import sample
from willing.robust.stress import stress_model, transport
from willing.scenario import apply_overrides
from willing.synthetic import synthetic_scenario


@pytest.fixture(scope="module")
def sc() -> willing.Scenario:
    return willing.load_scenario()


@pytest.fixture(scope="module")
def base_plan(sc: willing.Scenario) -> willing.PlanResult:
    return willing.plan(sc, "ceasefire")


def test_personnel_coverage_counts_posts_at_the_requirements_personnel(
        sc: willing.Scenario, base_plan: willing.PlanResult) -> None:
    r = base_plan.requirements
    ppu = r["capability"].map({c: cap.personnel_per_unit for c, cap in sc.catalogue.items()})
    s = base_plan.summary()
    assert s["personnel_required"] == int((r["count"] * ppu).sum())
    assert s["personnel_coverage"] == pytest.approx((r["filled"] * ppu).sum()
                                                    / (r["count"] * ppu).sum())
    # a unit is not a post: the packaged plan leaves the large land units short
    assert s["personnel_coverage"] < s["coverage"]
    cov = base_plan.coverage
    assert (cov["personnel_coverage"] == cov["personnel_covered"] / cov["personnel_required"]).all()
    assert (r["personnel_covered"] == r["filled"] * ppu).all()


def test_weights_of_one_leave_coverage_unchanged(sc: willing.Scenario,
                                                 base_plan: willing.PlanResult) -> None:
    """Every weight written out as 1: the same plan, and no weighted figure reported."""
    ones = apply_overrides(sc, {"mission_lines.land.requirements.forward-hq.weight": 1.0})
    p = willing.plan(ones, "ceasefire")
    assert "weighted_coverage" not in p.summary() and "weighted_coverage" not in base_plan.summary()
    assert p.summary()["coverage"] == base_plan.summary()["coverage"]
    assert coverage.share([3, 1], [4, 2], [1.0, 1.0]) == coverage.share([3, 1], [4, 2])
    assert coverage.share([], []) == 1.0


def test_a_weight_of_zero_leaves_the_requirement_out(sc: willing.Scenario) -> None:
    heavy = apply_overrides(sc, {"mission_lines.land.requirements.forward-hq.weight": 0.0,
                                 "mission_lines.air.requirements.airborne-isr.weight": 4.0})
    p = willing.plan(heavy, "ceasefire")
    r = p.requirements
    assert set(r.loc[r["weight"] != 1.0, "requirement"]) == {"forward-hq", "airborne-isr"}
    w = r["weight"].to_numpy()
    want = (w * r["filled"]).sum() / (w * r["count"]).sum()
    assert p.summary()["weighted_coverage"] == pytest.approx(want)
    rest = r[r["requirement"] != "forward-hq"]
    w_rest = rest["weight"].to_numpy()
    assert want == pytest.approx((w_rest * rest["filled"]).sum() / (w_rest * rest["count"]).sum())
    st = willing.stress(heavy, "ceasefire", draws=4000, seed=3)
    assert "mean_weighted" in st.summary and "weighted" in st.curve
    assert 0.0 <= st.summary["mean_weighted"] <= 1.0


@pytest.fixture(scope="module")
def packaged_stress(sc: willing.Scenario) -> willing.StressResult:
    return willing.stress(sc, "ceasefire", draws=20_000, seed=5)


def test_curve_is_a_tail_probability(packaged_stress: willing.StressResult) -> None:
    c = packaged_stress.curve
    assert c["x"].iloc[0] == 0.0 and c["x"].iloc[-1] == 1.0
    for col in ("essential", "coverage", "personnel"):
        assert c[col].iloc[0] == 1.0
        assert (np.diff(c[col].to_numpy()) <= 1e-12).all(), col
    s = packaged_stress.summary
    assert c["essential"].iloc[-1] == s["p_essential_met"]
    assert c["coverage"].iloc[-1] == s["p_all_met"]
    # P(X ≥ x) from the distribution table, summed independently
    d = packaged_stress.distribution
    ess = d[d["measure"] == "essential"]
    for x, p in zip(c["x"], c["essential"], strict=True):
        assert p == pytest.approx(ess.loc[ess["coverage"] >= x - 1e-12, "probability"].sum())


def test_requirements_sorted_by_p_met(packaged_stress: willing.StressResult) -> None:
    r = packaged_stress.requirements
    assert (np.diff(r["p_met"].to_numpy()) >= 0).all()
    assert (r["p_met"] + r["p_short"] == 1.0).all()


def test_full_attendance_names_what_the_plan_leaves_short(
        sc: willing.Scenario, base_plan: willing.PlanResult,
        packaged_stress: willing.StressResult) -> None:
    """Every nation present: the essential units short equal the plan's, and each named group
    holds exactly the plan's unmet units of its requirements (a plan is one best allocation)."""
    fa = packaged_stress.attendance
    r = base_plan.requirements.set_index("requirement")
    ess = r[r["priority"] == "essential"]
    assert not fa["essential_met"]
    assert sum(s["unmet"] for s in fa["short"]) == int(ess["unmet"].sum())
    named = {j for s in fa["short"] for j in s["requirements"]}
    assert set(ess.index[ess["unmet"] > 0]) <= named
    for s in fa["short"]:
        assert s["filled"] == int(r.loc[s["requirements"], "filled"].sum())
        assert f"({s['filled']:,} of {s['required']:,} " in fa["statement"]
    assert fa["statement"].startswith("Even with every nation present")
    assert f"{len(named)} essential requirements stay short" in fa["statement"]


def test_full_attendance_when_everything_is_met() -> None:
    """Before a ceasefire the packaged small force lacks one airborne-ISR aircraft only; with
    aircraft that stay on station longer (fewer aircraft per orbit), every essential
    requirement is met with everyone present, as the plan says."""
    sc = willing.load_scenario(force_option="small")
    fewer = apply_overrides(sc, {"mission_lines.air.requirements.airborne-isr.endurance_h": 16})
    p = willing.plan(fewer, "pre-ceasefire")
    assert (p.requirements.loc[p.requirements["priority"] == "essential", "unmet"] == 0).all()
    fa = willing.stress(fewer, "pre-ceasefire", draws=2000, seed=1).attendance
    assert fa["essential_met"] and fa["short"] == []
    assert "every essential requirement is met" in fa["statement"]
    before = willing.stress(sc, "pre-ceasefire", draws=2000, seed=1).attendance
    assert [s["requirements"] for s in before["short"]] == [["airborne-isr"]]
    assert "1 essential requirement stays short: airborne-isr (3 of 4 aircraft)" in before[
        "statement"]


def small(seed: int) -> willing.Scenario:
    return synthetic_scenario(nations=8, pledges=400, requirements=12, states=1, seed=seed)


@pytest.mark.parametrize(("make", "state", "draws", "seed"), [
    (lambda: small(1), None, 40, 1),  # requirements met in some draws and not in others
    (willing.load_scenario, "violation", 15, 3),  # infantry with armoured, HQs of two levels
], ids=["synthetic", "packaged-violation"])
def test_p_met_and_personnel_equal_per_draw_lps(make, state: str | None, draws: int,
                                                seed: int) -> None:
    """Per-requirement P(met) and mean personnel coverage of a stress run equal the frequency
    and mean recomputed on the same draws with per-draw LPs (met: the least flow into the
    requirement among allocations that keep the most units of its tiers still fills it;
    personnel: the most any allocation that fills the most units by priority fills)."""
    sc = make()
    state = state or sc.default_state
    st = willing.stress(sc, state, draws=draws, seed=seed, chunk=draws)
    model, reqs = stress_model(sc, state, st.assumptions, draws)
    tp, _ = transport(sc, state)
    (chunk_seed, n), = chunks(draws, seed, draws)
    d = sample(model.draws, np.random.Generator(np.random.PCG64(chunk_seed)), n)
    alive = d.avail[:, model.draws.pledge_key] > 0
    met = np.zeros(len(reqs))
    personnel = 0.0
    for a in alive:
        tier_best = [lp_flow(tp, a, t) for t in range(tp.n_tiers)]
        for j in np.nonzero(tp.demand > 0)[0]:
            t = int(tp.tier[j])
            least = lp_flow(tp, a, t, minimise=int(j), keep=tier_best[t])
            met[j] += least >= tp.demand[j] - 1e-7
        personnel += lp_value(tp, a, coverage.MEASURES.index("personnel"))
    got = st.requirements.set_index("requirement")["p_met"]
    for j, r in enumerate(reqs):
        assert got[r.id] == pytest.approx(met[j] / draws, abs=1e-12), r.id
    required = float(coverage.personnel_per_unit(sc, reqs) @ tp.demand)
    if not coverage.weighted(reqs):  # personnel is then the first ranking among equals
        assert st.summary["mean_personnel"] == pytest.approx(personnel / draws / required,
                                                             abs=1e-9)
