"""Sustainability: pools, costs, flags and rotation cliffs worked by hand, and their properties."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.scenario import parse_scenario
from willing.sustain import pool_needed, rotation_cover, sustain


def tiny(count: int, rotation: float, tour: int | None, demand: int, milex: float = 81.8,
         active: int = 141100, extra: str = "") -> str:
    """One enduring requirement for `demand` crate teams (10 people, US$50 m a unit-year)."""
    tour_line = f", max_tour_months: {tour}" if tour else ", max_tour_months: null"
    return f"""
name: tiny
default_state: calm
defaults: {{max_tour_months: null}}
regions: {{east: {{name: East, in_ukraine: true}}}}
roles: [guard]
states: {{calm: {{}}}}
capabilities:
  crate-team: {{name: Crate team, component: LAND, unit: team, personnel_per_unit: 10,
               lift_tonnes_per_unit: 1, lift_mode: surface, cost_musd_per_unit_year: 50,
               source: worked example}}
mission_lines:
  land:
    component: LAND
    requirements:
      - {{rule: explicit, id: hold-east, capability: crate-team, count: {demand}, region: east,
         role: guard, required_by_day: 10}}
nations:
  GBR:
    tier: lead
    hq_capable: true
    milex_usd_bn: {milex}
    active_personnel: {active}
    pledges:
      - {{capability: crate-team, count: {count}, rotation: {rotation}{tour_line}, readiness_days: 0,
         regions: [east]}}
{extra}
"""


def test_one_to_three_rotation_of_two_deployed_units_needs_a_pool_of_six() -> None:
    assert pool_needed(2, 3.0) == 6
    r = sustain(parse_scenario(tiny(count=6, rotation=3, tour=6, demand=2), "tiny.yaml"))
    row = r.requirements.iloc[0]
    assert (row["deployed"], row["pool_units"], row["pool_personnel"]) == (2, 6, 60)
    assert r.cliffs.empty  # three units per slot, six-month tours, six months at home: no gap
    n = r.nations.iloc[0]
    assert n["annual_cost_musd"] == 100.0  # 2 deployed × US$50 m
    assert n["share_budget"] == pytest.approx(100.0 / 81800.0)
    assert n["share_active"] == pytest.approx(60 / 141100)
    assert row["cost_source"] == "worked example"
    assert n["flags"] == ""


def test_six_month_tour_with_no_relief_opens_a_gap_in_month_seven() -> None:
    r = sustain(parse_scenario(tiny(count=1, rotation=1, tour=6, demand=1), "tiny.yaml"), years=3)
    c = r.cliffs.iloc[0]
    assert (c["month"], c["units_short"], c["personnel_short"]) == (7, 1, 10)
    # on station months 1-6, 13-18, 25-30; home (gap) months 7-12, 19-24, 31-36
    assert c["gap_months"] == 18
    years = r.by_year.set_index("year")
    assert years["gap_unit_months"].tolist() == [6, 6, 6]
    assert years["cost_musd"].tolist() == pytest.approx([25.0, 25.0, 25.0])  # 6 months × 50/12


def test_flags_follow_the_configurable_thresholds() -> None:
    # 2 deployed × US$50 m = US$100 m of a US$1 bn budget (10 %); pool 60 of 100 active (60 %)
    text = tiny(count=6, rotation=3, tour=6, demand=2, milex=1.0, active=100)
    r = sustain(parse_scenario(text, "tiny.yaml"))
    assert r.nations.iloc[0]["flags"] == "budget, personnel"
    relaxed = sustain(r.plan, budget_threshold=0.2, personnel_threshold=0.7)
    assert relaxed.nations.iloc[0]["flags"] == ""
    with pytest.raises(ValueError, match="budget_threshold must be in"):
        sustain(r.plan, budget_threshold=-0.1)


def test_a_cliff_names_the_pledges_that_could_relieve_it() -> None:
    # FRA's teams are ready too late for force generation (day 100 > day 10) but can relieve
    extra = """  FRA:
    tier: member
    pledges:
      - {capability: crate-team, count: 3, rotation: 3, readiness_days: 100, regions: [east]}"""
    r = sustain(parse_scenario(tiny(count=1, rotation=1, tour=6, demand=1, extra=extra), "t.yaml"))
    assert r.cliffs.iloc[0]["pledge"] == "GBR-1"
    assert "FRA-1" in r.cliffs.iloc[0]["relief"]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 50), st.floats(1.0, 6.0), st.floats(0.0, 3.0))
def test_more_rotation_never_shrinks_the_pool(deployed: int, rotation: float, more: float) -> None:
    assert pool_needed(deployed, rotation + more) >= pool_needed(deployed, rotation)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 5), st.integers(0, 12), st.integers(1, 12), st.integers(0, 12),
       st.integers(0, 6))
def test_a_larger_pool_never_opens_a_gap_earlier(deployed: int, pool: int, tour: int, dwell: int,
                                                 extra: int) -> None:
    months = 48
    small = rotation_cover(deployed, pool, tour, months, dwell)
    large = rotation_cover(deployed, pool + extra, tour, months, dwell)
    first = [int(np.argmax(c < deployed)) if (c < deployed).any() else months for c in (small, large)]
    assert first[1] >= first[0]
    assert (small <= deployed).all() and (large <= deployed).all()


def test_packaged_scenario_pools_match_the_plan() -> None:
    r = sustain(willing.load_scenario())
    alloc = r.plan.allocation
    enduring = alloc[alloc["duration"] == "enduring"]
    assert r.requirements["deployed"].sum() == enduring["units"].sum()
    # the plan's capacity constraint keeps every pledge's deployed × rotation within its count
    pledges = {p.id: p.count for p in r.plan.scenario.pledges}
    need = (r.requirements["deployed"] * r.requirements["rotation"]).groupby(r.requirements["pledge"]).sum()
    assert all(v <= pledges[p] + 1e-9 for p, v in need.items())
    # the co-leads' force HQs have rotation 1 and 12-month tours: their cliffs are in month 13
    hq = r.cliffs[r.cliffs["capability"] == "force-hq"]
    assert (hq["month"] == 13).all() and len(hq) >= 1


def test_cli_sustain_json_table_and_bad_input() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["--no-store", "sustain", "--years", "2", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["summary"]["years"] == 2
    assert {row["year"] for row in data["by_year"]} == {1, 2}
    assert all(row["cost_source"] for row in data["requirements"])
    table = runner.invoke(app, ["--no-store", "sustain", "--budget-threshold", "0.001"])
    assert table.exit_code == 0, table.output
    assert "Rotation cliffs" in table.stdout and "budget" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 100
    bad = runner.invoke(app, ["--no-store", "sustain", "--years", "0"])
    assert bad.exit_code == 2 and "years must be ≥ 1" in bad.output
