"""Build-up: worked examples by hand, the SimPy reference model, monotonicity, bad input."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import willing
from willing.buildup import Movement, buildup, closure_days, simulate
from willing.cli import app
from willing.contingency import contingency
from willing.scenario import ScenarioError, parse_scenario

_spec = importlib.util.spec_from_file_location(
    "bench_buildup", Path(__file__).parents[1] / "bench" / "buildup.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_buildup"] = bench
_spec.loader.exec_module(bench)


def tiny(units: int = 2, personnel: int = 2, tonnes: float = 1.0, cap_p: int = 1,
         cap_t: float = 1.0, required_by: int = 10, readiness: int = 0,
         extra_entry: str = "", extra_nation: str = "", ep_states: str = "[]") -> str:
    """A one-requirement scenario: `units` units of a made-up capability through one route."""
    return f"""
name: tiny
default_state: calm
regions: {{east: {{name: East, in_ukraine: true}}, west: {{name: West, in_ukraine: true}}}}
roles: [guard]
states: {{calm: {{}}, storm: {{}}}}
events: [{{id: storm-breaks, from: calm, to: storm}}]
capabilities:
  crate-team: {{name: Crate team, component: LAND, unit: team, personnel_per_unit: {personnel},
               lift_tonnes_per_unit: {tonnes}, lift_mode: surface, cost_musd_per_unit_year: 1}}
mission_lines:
  land:
    component: LAND
    requirements:
      - {{rule: explicit, id: hold-east, capability: crate-team, count: {units}, region: east,
         role: guard, required_by_day: {required_by}}}
nations:
  GBR:
    tier: lead
    hq_capable: true
    pledges:
      - {{capability: crate-team, count: {units}, rotation: 1, readiness_days: {readiness},
         regions: [east]}}
{extra_nation}
entry_points:
  gate:
    name: The gate
    mode: road
    personnel_per_day: {cap_p}
    tonnes_per_day: {cap_t}
    regions: [east]
    states: {ep_states}
{extra_entry}
"""


def test_two_units_through_one_gate_close_on_hand_computed_days() -> None:
    # Two units of 2 people and 1 t, one gate moving 1 person and 1 t a day, both ready on
    # day 0. Day 0: unit 1 gets 1 person and its tonne. Day 1: unit 1's second person (unit 1
    # closes on day 1) and unit 2's tonne. Days 2 and 3: unit 2's two people (closes day 3).
    b = buildup(parse_scenario(tiny(required_by=2), "tiny.yaml"))
    u = b.units.sort_values("queue")
    assert u["personnel_day"].tolist() == [1, 3]
    assert u["tonnes_day"].tolist() == [0, 1]
    assert u["closure_day"].tolist() == [1, 3]
    req = b.requirements.iloc[0]
    assert req["closure_day"] == 3 and req["late_days"] == 1
    assert req["bottleneck"] == "entry-point" and "gate" in req["detail"]
    assert b.daily.loc[b.daily["day"] == 3, "personnel_in_theatre"].item() == 4
    assert b.daily.loc[b.daily["day"] == 1, "personnel_in_theatre"].item() == 2
    assert b.components.iloc[0]["closure_day"] == 3


def test_essential_unit_ready_later_overtakes_an_important_one() -> None:
    # Important: 3 people ready day 0. Essential: 1 person ready day 1. Gate: 1 a day.
    # Day 0 important 1/3; day 1 essential (closes day 1); days 2-3 important (closes day 3).
    mv = Movement(ready=np.array([1, 0]), need=np.array([[1, 3], [0, 0]]),
                  eligible=np.ones((2, 1), dtype=bool), capacity=np.array([[1], [0]]))
    flow, _ = simulate(mv, 10)
    assert closure_days(flow).tolist() == [1, 3]


def test_readiness_is_named_when_the_unit_is_not_ready_in_time() -> None:
    # Force generation only assigns pledges ready by the required-by day, so lateness from
    # readiness comes from self-deploying transit: a vessel ready day 5 + 10 days transit.
    text = tiny(required_by=8).replace("lift_mode: surface", "lift_mode: self").replace(
        "unit: team", "unit: vessel").replace("readiness_days: 0", "readiness_days: 5")
    b = buildup(parse_scenario(text, "tiny.yaml"))
    assert b.units["closure_day"].tolist() == [15, 15]
    req = b.requirements.iloc[0]
    assert req["bottleneck"] == "readiness" and "10 days transit" in req["detail"]


def test_unit_with_no_open_route_is_reported_not_crashed() -> None:
    b = buildup(parse_scenario(tiny(ep_states="[storm]"), "tiny.yaml"), "calm")
    assert b.units["closure_day"].isna().all()
    req = b.late.iloc[0]
    assert req["bottleneck"] == "no-entry-point" and "east" in req["detail"]


def test_national_route_restricts_the_entry_points_a_pledge_uses() -> None:
    wide = """
  wide:
    name: Wide gate
    mode: rail
    personnel_per_day: 100
    tonnes_per_day: 100
    regions: [east]"""
    free = buildup(parse_scenario(tiny(extra_entry=wide), "t.yaml"))
    assert free.units["closure_day"].tolist() == [0, 0]  # the gate first, the wide gate the rest
    text = tiny(extra_entry=wide).replace("regions: [east]}", "regions: [east], entry_points: [gate]}")
    fixed = buildup(parse_scenario(text, "t.yaml"))
    assert fixed.units["closure_day"].tolist() == [1, 3]


def movements() -> st.SearchStrategy[Movement]:
    @st.composite
    def build(draw: st.DrawFn) -> Movement:
        n = draw(st.integers(1, 12))
        e = draw(st.integers(1, 3))
        ready = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
        people = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
        kg = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
        elig = draw(st.lists(st.lists(st.booleans(), min_size=e, max_size=e), min_size=n, max_size=n))
        cap = draw(st.lists(st.lists(st.integers(0, 6), min_size=e, max_size=e), min_size=2, max_size=2))
        return Movement(ready=np.array(ready), need=np.array([people, kg]),
                        eligible=np.array(elig, dtype=bool).reshape(n, e), capacity=np.array(cap))
    return build()


@settings(max_examples=150, deadline=None)
@given(movements())
def test_vectorised_kernel_equals_the_simpy_model(mv: Movement) -> None:
    flow, _ = simulate(mv, 30)
    assert np.array_equal(flow.done, bench.simpy_flow(mv, 30))


@settings(max_examples=150, deadline=None)
@given(movements(), st.data())
def test_more_capacity_never_delays_closure(mv: Movement, data: st.DataObject) -> None:
    horizon = 40
    more = mv.capacity + np.array(data.draw(st.lists(
        st.lists(st.integers(0, 4), min_size=mv.capacity.shape[1], max_size=mv.capacity.shape[1]),
        min_size=2, max_size=2)))
    before = closure_days(simulate(mv, horizon)[0])
    after = closure_days(simulate(Movement(mv.ready, mv.need, mv.eligible, more), horizon)[0])
    never = horizon + 1
    assert (np.where(after < 0, never, after) <= np.where(before < 0, never, before)).all()


def test_packaged_scenario_builds_up_and_odesa_opens_only_under_a_ceasefire() -> None:
    sc = willing.load_scenario()
    cease = buildup(sc, "ceasefire")
    assert cease.entry_points.set_index("entry_point").loc["sea-odesa", "open"]
    assert cease.units["closure_day"].notna().all()
    # personnel in theatre ends at the plan's deployed personnel and never falls
    assert cease.daily["personnel_in_theatre"].iloc[-1] == cease.plan.allocation["personnel"].sum()
    assert cease.daily["personnel_in_theatre"].is_monotonic_increasing
    violation = buildup(sc, "violation")
    assert not violation.entry_points.set_index("entry_point").loc["sea-odesa", "open"]
    assert violation.entry_points.set_index("entry_point").loc["sea-odesa", "personnel_moved"] == 0


def test_after_an_event_units_that_stay_are_in_theatre_on_day_zero() -> None:
    sc = willing.load_scenario()
    b = buildup(sc, event="ceasefire-declared")
    moves = contingency(sc, "ceasefire-declared").moves
    stay = moves[moves["action"] == "stay"]
    in_place = b.units[b.units["start"] == "in-place"]
    assert len(in_place) == stay["units"].sum()
    assert (in_place["closure_day"] == 0).all()
    assert in_place["personnel"].sum() == stay["personnel"].sum()
    assert b.daily["personnel_in_theatre"].iloc[0] >= stay["personnel"].sum()  # + fast redeploys
    redeploy = b.units[b.units["start"] == "redeploy"]
    assert len(redeploy) == moves.loc[moves["action"] == "redeploy", "units"].sum()
    assert (redeploy["ready_day"] == 0).all()
    fresh = buildup(sc, "ceasefire")
    assert b.daily["personnel_in_theatre"].iloc[-1] == fresh.daily["personnel_in_theatre"].iloc[-1]
    assert (b.daily["personnel_in_theatre"] >= fresh.daily["personnel_in_theatre"]).all()
    with pytest.raises(ValueError, match="leads to state 'ceasefire', not 'violation'"):
        buildup(sc, "violation", event="ceasefire-declared")


def test_bad_entry_points_are_errors_with_file_and_line() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(tiny(cap_p=-3), "bad.yaml")
    text = str(exc.value)
    assert "bad.yaml:" in text and "entry_points.gate.personnel_per_day" in text
    bad_route = tiny().replace("regions: [east]}", "regions: [east], entry_points: [gte]}")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(bad_route, "bad.yaml")
    p = exc.value.problems[0]
    assert p.line is not None and "unknown entry point 'gte'" in p.message and "gate" in p.message
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(tiny().replace("    regions: [east]\n    states", "    regions: [north]\n    states"),
                       "bad.yaml")
    assert "unknown region 'north'" in str(exc.value) and exc.value.problems[0].line is not None


def test_cli_buildup_json_and_table() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["--no-store", "buildup", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["summary"]["state"] == "ceasefire"
    assert {c["component"] for c in data["components"]} == {"LAND", "AIR", "MARITIME", "REGENERATION"}
    table = runner.invoke(app, ["--no-store", "buildup", "--state", "violation"])
    assert table.exit_code == 0, table.output
    assert "Personnel in theatre" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 100
    bad = runner.invoke(app, ["--no-store", "buildup", "--state", "nowhere"])
    assert bad.exit_code == 2 and "unknown state" in bad.output
