"""Burden sharing: a three-nation plan computed by hand, Gini and Herfindahl against
independent formulas, fair shares against force generation's own, and the `willing burden` CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from typer.testing import CliRunner

import willing
from willing.burden import burden_sharing, exact_spearman_p, gini, herfindahl
from willing.cli import app
from willing.scenario import parse_scenario

THREE = """
name: three
default_state: peace
defaults: {rotation: 1.0, readiness_days: 10}
regions:
  r1: {name: Region one, in_ukraine: true}
  r2: {name: Region two, in_ukraine: false}
roles: [deterrence, training, air-policing]
states:
  peace: {holds: []}
mission_lines:
  land:
    component: LAND
    requirements:
      - {rule: explicit, id: infantry, capability: infantry-battalion, count: 2, region: r1,
         role: deterrence}
  regeneration:
    component: REGENERATION
    requirements:
      - {rule: explicit, id: training, capability: training-team, count: 5, region: r2,
         role: training}
  air:
    component: AIR
    requirements:
      - {rule: explicit, id: cap, capability: fighter-squadron, count: 1, region: r2,
         role: air-policing}
nations:
  FRA:
    tier: lead
    hq_capable: true
    gdp_usd_bn: 100
    population: 1000000
    pledges: [{capability: infantry-battalion, count: 2, regions: [r1]}]
  DEU:
    tier: member
    gdp_usd_bn: 300
    population: 1000000
    pledges: [{capability: training-team, count: 5, regions: [r2]}]
  POL:
    tier: member
    gdp_usd_bn: 600
    population: 2000000
    pledges: [{capability: fighter-squadron, count: 1, regions: [r2]}]
  USA:
    tier: backstop
    pledges: [{capability: fighter-squadron, count: 1, regions: [r1]}]
"""
"""Each requirement has exactly one pledge that fits, so the plan is forced: FRA 2 battalions
(1,200 personnel, US$300m), DEU 5 teams (100, US$25m), POL 1 squadron (300, US$150m). The US
pledge fits nothing and the backstop owes no share."""


@pytest.fixture(scope="module")
def three() -> willing.PlanResult:
    return willing.plan(parse_scenario(THREE, "three.yaml"))


def test_three_nations_by_hand(three: willing.PlanResult) -> None:
    b = burden_sharing(three, "gdp")
    n = b.nations
    assert list(n.index) == ["FRA", "POL", "DEU"]  # by personnel
    assert n["personnel"].to_dict() == {"FRA": 1200, "POL": 300, "DEU": 100}
    assert n["cost"].to_dict() == {"FRA": 300, "POL": 150, "DEU": 25}
    assert n["fair_share"].to_dict() == pytest.approx({"FRA": 0.1, "DEU": 0.3, "POL": 0.6})
    # fair personnel = share × 1,600; ratio = personnel / fair personnel
    assert n["fair_personnel"].to_dict() == pytest.approx({"FRA": 160, "DEU": 480, "POL": 960})
    assert n["personnel_ratio"].to_dict() == pytest.approx(
        {"FRA": 7.5, "DEU": 100 / 480, "POL": 300 / 960})
    assert n.loc["FRA", "cost_ratio"] == pytest.approx(300 / 47.5)
    ix = b.indices.set_index("measure")
    # Gini of (1200, 100, 300): Σ|xi−xj| over ordered pairs 4,400 / (2·3²·533.3) = 0.4583
    assert ix.loc["personnel", "gini"] == pytest.approx(4400 / (2 * 9 * 1600 / 3))
    assert ix.loc["personnel", "herfindahl"] == pytest.approx(0.75**2 + 0.0625**2 + 0.1875**2)
    # Olson–Zeckhauser: GDP ranks (1, 2, 3) against personnel per GDP (12, 0.33, 0.5) ranks
    # (3, 1, 2): ρ = 1 − 6·6/(3·8) = −0.5. The six orderings of three ranks have ρ = 1, ½, ½,
    # −½, −½, −1: all have |ρ| ≥ ½, so the exact two-sided p-value is 1
    oz = b.olson_zeckhauser.set_index("measure").loc["personnel"]
    assert oz["rho"] == pytest.approx(-0.5)
    assert oz["p_value"] == pytest.approx(1.0)
    assert "no significant relation" in oz["verdict"]


def test_population_key_changes_shares_not_contributions(three: willing.PlanResult) -> None:
    b = burden_sharing(three, "population")
    assert b.nations["fair_share"].to_dict() == pytest.approx({"FRA": 0.25, "DEU": 0.25,
                                                               "POL": 0.5})
    assert b.nations.loc["FRA", "personnel_ratio"] == pytest.approx(1200 / 400)
    # the O–Z check always measures size by GDP, whatever the key
    assert b.olson_zeckhauser.set_index("measure").loc["personnel", "rho"] == pytest.approx(-0.5)
    with pytest.raises(ValueError, match="unknown fair-share key 'gnp'"):
        burden_sharing(three, "gnp")


def test_fair_shares_match_force_generation() -> None:
    """Independent check: force generation computes its own GDP shares for the MILP."""
    r = willing.plan(willing.load_scenario())
    b = burden_sharing(r)
    fg = r.by_nation["fair_share"].dropna()
    assert set(b.nations.index) == set(fg.index)
    assert b.nations["fair_share"].to_dict() == pytest.approx(fg.to_dict())
    assert b.nations["fair_share"].sum() == pytest.approx(1.0)
    assert b.nations["personnel"].sum() == r.by_nation.loc[fg.index, "personnel"].sum()
    assert "Olson–Zeckhauser" in b._repr_html_()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False, allow_subnormal=False), min_size=1,
                max_size=40))
def test_gini_and_herfindahl_against_definitions(x: list[float]) -> None:
    # no subnormals: at 5e-324 the reference's own mean rounds to 0 (hypothesis found
    # [0, 5e-324], Gini 0.5 against a reference of inf); contributions are personnel or money
    a = np.array(x)
    if a.sum() <= 0:
        assert math.isnan(gini(a)) and math.isnan(herfindahl(a))
        return
    # Gini by the mean absolute difference: Σi Σj |xi − xj| / (2 n² mean)
    mad = sum(abs(p - q) for p in x for q in x)
    assert gini(a) == pytest.approx(mad / (2 * len(x) ** 2 * a.mean()), abs=1e-9)
    assert herfindahl(a) == pytest.approx(sum((v / sum(x)) ** 2 for v in x))
    assert 1 / len(x) - 1e-12 <= herfindahl(a) <= 1 + 1e-12


def test_exact_p_value_by_hand_and_against_scipy() -> None:
    assert exact_spearman_p([1, 2, 3], [3, 2, 1], -1.0) == pytest.approx(2 / 6)
    rng = np.random.default_rng(7)
    for n in (4, 5, 6):
        x, y = rng.normal(size=n), rng.normal(size=n)
        rho = stats.spearmanr(x, y).statistic
        ref = stats.permutation_test((y,), lambda v, x=x: stats.spearmanr(x, v).statistic,
                                     permutation_type="pairings", n_resamples=np.inf,
                                     alternative="two-sided")
        assert exact_spearman_p(x, y, rho) == pytest.approx(ref.pvalue)


def test_index_extremes() -> None:
    assert gini([5, 5, 5, 5]) == 0.0 and herfindahl([5, 5, 5, 5]) == pytest.approx(0.25)
    assert gini([0, 0, 0, 9]) == pytest.approx(3 / 4) and herfindahl([0, 0, 0, 9]) == 1.0


def test_cli_burden() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["burden", "--key", "defence-budget", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["key"] == "defence-budget" and data["plan_key"] == "gdp"
    assert sum(n["fair_share"] for n in data["nations"]) == pytest.approx(1.0)
    assert {o["measure"] for o in data["olson_zeckhauser"]} == {"personnel", "cost"}
    text = runner.invoke(app, ["--no-store", "burden"])
    assert text.exit_code == 0, text.output
    assert "Olson–Zeckhauser" in text.stdout and "Gini" in text.stdout
    assert max(len(s) for s in text.stdout.splitlines()) <= 100
    bad = runner.invoke(app, ["--no-store", "burden", "--key", "gnp"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
