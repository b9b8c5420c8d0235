"""Stress runs: the draws follow the stated model, statistics are exact, modes agree, bad input is refused."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri
from scipy.stats import multivariate_normal
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.robust.draws import GLOBALS, Assumptions, draw_model, sample
from willing.robust.pivotal import CoverageGame, banzhaf_samples, shapley_samples
from willing.robust.stress import stress_model


@pytest.fixture(scope="module")
def sc() -> willing.Scenario:
    return willing.load_scenario()


def test_draws_follow_the_copula(sc: willing.Scenario) -> None:
    """Each nation takes part with its willingness; pairs jointly as the bivariate normal says."""
    a = Assumptions.of(sc).with_values(correlation=0.5)
    dm = draw_model(sc, "ceasefire", a)
    n = 200_000
    d = sample(dm, np.random.default_rng(3), n)
    for g, (name, _) in enumerate(GLOBALS):
        p = getattr(a, name)
        assert abs(d.globals[:, g].mean() - p) <= 5 * math.sqrt(p * (1 - p) / n) + 1e-12
    will = np.array(a.willingness)
    backstop = dm.backstop
    rate = d.present.mean(axis=0)
    se = np.sqrt(will * (1 - will) / n)
    assert np.all(np.abs(rate[~backstop] - will[~backstop]) <= 5 * se[~backstop] + 1e-12)
    # the backstop nation takes part exactly when the backstop comes
    assert np.array_equal(d.present[:, backstop][:, 0], d.globals[:, 0])
    i, j = 0, 1  # GBR, FRA
    joint = multivariate_normal(mean=[0, 0], cov=[[1, 0.5], [0.5, 1]]).cdf(
        [ndtri(will[i]), ndtri(will[j])])
    both = (d.present[:, i] & d.present[:, j]).mean()
    assert abs(both - joint) <= 5 * math.sqrt(joint * (1 - joint) / n)


def test_every_global_true_and_everyone_present_gives_the_plans_pledges(sc: willing.Scenario) -> None:
    """With all drawn variables true the surviving pledges are those valid in the state."""
    from willing.forcegen.arrays import valid_in_state
    from willing.robust.draws import availability

    for state in sc.states:
        dm = draw_model(sc, state, Assumptions.of(sc))
        avail = availability(dm, np.ones((1, len(sc.spec.nations)), dtype=bool),
                             np.ones((1, len(GLOBALS)), dtype=bool))
        alive = (avail[0, dm.pledge_key] > 0) & valid_in_state(sc, state)
        assert np.array_equal(alive, valid_in_state(sc, state))


def test_quantiles_and_means_from_exact_histograms(sc: willing.Scenario) -> None:
    """The merged histograms give what the raw per-draw coverages give."""
    r = willing.stress(sc, draws=5000, seed=11, chunk=1000)
    model, _ = stress_model(sc, "ceasefire", Assumptions.of(sc))
    from willing.robust.distributed import chunks

    raw, ess = [], []
    for s, n in chunks(5000, 11, 1000):
        d = sample(model.draws, np.random.Generator(np.random.PCG64(s)), n)
        f = model.kernel.tier_flows(model.kernel.evaluate(d.avail).flows)
        raw.append(f[-1] / model.kernel.tier_demand[-1])
        ess.append(f[0] / model.kernel.tier_demand[0])
    cov, esv = np.concatenate(raw), np.concatenate(ess)
    assert r.summary["mean_coverage"] == pytest.approx(cov.mean(), abs=1e-12)
    assert r.summary["mean_essential"] == pytest.approx(esv.mean(), abs=1e-12)
    for _, q in r.quantiles.iterrows():
        assert q["coverage"] == pytest.approx(np.quantile(cov, q["quantile"], method="inverted_cdf"))
        assert q["essential"] == pytest.approx(np.quantile(esv, q["quantile"], method="inverted_cdf"))
    assert r.distribution.groupby("measure")["probability"].sum().to_numpy() == pytest.approx([1, 1])
    c = r.conditional.set_index(["variable", "value"])
    p_yes = c.loc[("us_backstop", True), "probability"]
    mixed = (p_yes * c.loc[("us_backstop", True), "mean_coverage"]
             + (1 - p_yes) * c.loc[("us_backstop", False), "mean_coverage"])
    assert mixed == pytest.approx(cov.mean(), abs=1e-12)


def test_same_seed_same_numbers_on_a_process_pool(sc: willing.Scenario) -> None:
    one = willing.stress(sc, draws=6000, seed=5, chunk=1500)
    two = willing.stress(sc, draws=6000, seed=5, chunk=1500, workers=2)
    assert_same_stress(one, two)
    other = willing.stress(sc, draws=6000, seed=6, chunk=1500)
    assert other.summary["mean_coverage"] != one.summary["mean_coverage"]


def assert_same_stress(one: willing.StressResult, two: willing.StressResult) -> None:
    """Every table and figure equal (the integer counts behind them are)."""
    assert one.summary == two.summary
    for table in ("quantiles", "distribution", "conditional", "requirements", "groups", "nations"):
        pd.testing.assert_frame_equal(getattr(one, table), getattr(two, table), check_exact=True)


@settings(max_examples=6, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_likelier_backstop_never_lowers_coverage(p: float, q: float) -> None:
    """Same seed = same uniforms: a higher probability turns draws' backstops on, never off."""
    sc = willing.load_scenario()
    lo, hi = sorted((p, q))
    a = willing.stress(sc, draws=2000, seed=2, us_backstop=lo)
    b = willing.stress(sc, draws=2000, seed=2, us_backstop=hi)
    assert b.summary["mean_coverage"] >= a.summary["mean_coverage"]
    assert b.summary["mean_essential"] >= a.summary["mean_essential"]


def test_nothing_short_when_everything_is_pledged_twice(sc: willing.Scenario) -> None:
    """A certain, richly pledged coalition meets everything: P(essential met) = 1, no shorts."""
    spec = sc.spec.model_copy(deep=True)
    for n in spec.nations.values():
        n.willingness = 1.0
        n.conditions = []
        for p in n.pledges:
            p.conditions = []
            p.states = []
            if p.count is not None:
                p.count *= 40
            else:
                p.share_of_active = min(0.2, (p.share_of_active or 0) * 40)
            p.readiness_days = 0
    rich = willing.scenario.from_spec(spec)
    r = willing.stress(rich, draws=500, seed=1, us_backstop=1.0)
    unmet = r.requirements[r.requirements["p_short"] > 0]
    # what stays short has no compatible pledge at all (a caveat or capability no one offers)
    plan = willing.plan(rich)
    assert set(unmet["requirement"]) == set(plan.gaps["requirement"])
    if plan.gaps.empty:
        assert r.summary["p_all_met"] == 1.0


@pytest.mark.parametrize("bad, message", [
    ({"us_backstop": 1.2}, "us_backstop must be a probability"),
    ({"correlation": -0.1}, "correlation must be a probability"),
    ({"mandate": float("nan")}, "mandate must be a probability"),
    ({"willingness.FRA": 2.0}, "willingness of FRA"),
    ({"willingness.XXX": 0.5}, "unknown nation 'XXX'"),
    ({"us_backstp": 0.5}, "unknown assumption 'us_backstp'"),
])
def test_bad_assumptions_are_clear_errors(sc: willing.Scenario, bad: dict[str, float],
                                          message: str) -> None:
    with pytest.raises(ValueError, match=message):
        willing.stress(sc, draws=10, **bad)


def test_bad_runs_are_clear_errors(sc: willing.Scenario) -> None:
    with pytest.raises(ValueError, match="draws must be a positive"):
        willing.stress(sc, draws=0)
    with pytest.raises(ValueError, match="unknown state 'peace'"):
        willing.stress(sc, "peace", draws=10)
    with pytest.raises(ValueError, match="not both"):
        willing.stress(sc, draws=10, workers=2, scheduler="tcp://localhost:1")
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler"):
        willing.stress(sc, draws=10, scheduler="tcp://127.0.0.1:9")


def test_cli_stress_json_is_clean_and_errors_exit_2() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["stress", "--draws", "3000", "--seed", "4", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["summary"]["draws"] == 3000
    assert {row["variable"] for row in data["conditional"]} == {g for g, _ in GLOBALS}
    assert len(data["quantiles"]) == 5
    bad = runner.invoke(app, ["stress", "--draws", "10", "--correlation", "1.5"])
    assert bad.exit_code == 2
    assert "correlation must be a probability between 0 and 1" in bad.output
    assert "Traceback" not in bad.output
    text = runner.invoke(app, ["stress", "--draws", "2000"])
    assert text.exit_code == 0
    assert "P(every essential requirement met)" in text.stdout
    assert max(len(line) for line in text.stdout.splitlines()) <= 100


def exact_shapley(game: CoverageGame, players: list[int], n: int) -> np.ndarray:
    """Shapley values of a few players by the subset formula (the others always absent)."""
    m = len(players)
    subsets = list(itertools.product([False, True], repeat=m))
    rows = np.zeros((len(subsets), n), dtype=bool)
    for r, s in enumerate(subsets):
        rows[r, [p for p, on in zip(players, s, strict=True) if on]] = True
    v = dict(zip(subsets, game(rows), strict=True))
    out = np.zeros(m)
    for s in subsets:
        for i in range(m):
            if not s[i]:
                size = sum(s)
                w = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                out[i] += w * (v[tuple(True if k == i else on for k, on in enumerate(s))] - v[s])
    return out


def test_sampled_shapley_and_banzhaf_agree_with_exact_values(sc: willing.Scenario) -> None:
    model, _ = stress_model(sc, "ceasefire", Assumptions.of(sc))
    game = CoverageGame(model, essential=False)
    nations = list(sc.spec.nations)
    players = [nations.index(x) for x in ("GBR", "FRA", "DEU", "POL", "USA")]
    n = len(nations)

    def sub(coalitions: np.ndarray) -> np.ndarray:
        rows = np.zeros((len(coalitions), n), dtype=bool)
        rows[:, players] = coalitions
        return game(rows)

    rng = np.random.default_rng(0)
    m = 3000
    shap = shapley_samples(sub, len(players), m, rng)  # type: ignore[arg-type]
    exact = exact_shapley(game, players, n)
    se = shap.std(axis=0, ddof=1) / math.sqrt(m)
    assert np.all(np.abs(shap.mean(axis=0) - exact) <= 5 * se + 1e-12)
    # efficiency holds for every sampled order, not just on average
    assert shap.sum(axis=1) == pytest.approx(np.full(m, sub(np.ones((1, 5), bool))[0]), abs=1e-12)
    banz = banzhaf_samples(sub, len(players), m, rng)  # type: ignore[arg-type]
    subsets = np.array(list(itertools.product([False, True], repeat=5)))
    v = {tuple(s): x for s, x in zip(subsets.tolist(), sub(subsets), strict=True)}
    exact_b = [np.mean([v[(*s[:i], True, *s[i + 1:])] - v[(*s[:i], False, *s[i + 1:])]
                        for s in subsets.tolist()]) for i in range(5)]
    se_b = banz.std(axis=0, ddof=1) / math.sqrt(m)
    assert np.all(np.abs(banz.mean(axis=0) - exact_b) <= 5 * se_b + 1e-12)


def test_pivotal_ranks_nations_and_null_players_get_zero(sc: willing.Scenario) -> None:
    r = willing.pivotal(sc, permutations=300, samples=300)
    df = r.nations.set_index("nation")
    assert df["shapley"].sum() == pytest.approx(r.grand - r.empty, abs=1e-9)
    for null in ("JPN", "UKR"):  # no pledges
        assert df.loc[null, "shapley"] == 0.0 and df.loc[null, "banzhaf"] == 0.0
    assert list(df["rank"]) == list(range(1, len(df) + 1))
    assert df["shapley"].is_monotonic_decreasing
    ess = willing.pivotal(sc, permutations=100, samples=100, essential=True)
    assert ess.measure == "essential"
    with pytest.raises(ValueError, match="permutations must be"):
        willing.pivotal(sc, permutations=1)
    out = CliRunner().invoke(app, ["pivotal", "--permutations", "50", "--samples", "50", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["nations"][0]["rank"] == 1


def test_a_state_without_requirements_is_fully_covered(sc: willing.Scenario) -> None:
    spec = sc.spec.model_copy(deep=True)
    for line in spec.mission_lines.values():
        for rule in line.requirements:
            rule.states = ["ceasefire"]
    quiet = willing.scenario.from_spec(spec)
    r = willing.stress(quiet, "violation", draws=500)
    assert r.summary["units_required"] == 0
    assert r.summary["mean_coverage"] == r.summary["p_essential_met"] == 1.0
    assert (r.quantiles[["coverage", "essential"]] == 1.0).all().all()
    p = willing.pivotal(quiet, "violation", permutations=4, samples=4)
    assert (p.nations["shapley"] == 0).all() and p.grand == p.empty == 1.0
