"""Sizing rules: the worked examples of docs/sizing.md, exactly, and their monotonicity."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import willing
from willing import sizing

FAST = settings(max_examples=60, deadline=None)


def test_cap_worked_example() -> None:
    # 2 stations, endurance 3.5 h, transit 0.75 h, 1.5 sorties/day, 70 % MC ⇒ ≈ 46 aircraft
    aircraft = sizing.cap_aircraft(2, 3.5, 0.75, 1.5, 0.7)
    assert aircraft == pytest.approx(2 * 2 * 24 / 2.0 / 1.5 / 0.7)
    assert math.ceil(aircraft) == 46
    assert math.ceil(46 / 12) == 4  # 4 squadrons of 12


def test_mcm_and_training_worked_examples() -> None:
    assert math.ceil(sizing.mcm_vessels(2000, 1.0, 120)) == 17
    assert math.ceil(sizing.training_teams(40000, 60, 8)) == 84
    assert sizing.population_troops(1_000_000, 2.0) == 2000


def test_packaged_scenario_derives_the_worked_examples_with_their_derivation() -> None:
    reqs = {r.id: r for r in sizing.derive(willing.load_scenario())}
    cap = reqs["air-cap"]
    assert (cap.capability, cap.count, cap.rule) == ("fighter-squadron", 4, "cap")
    assert "46 aircraft" in cap.formula and cap.inputs["stations"] == 2
    mcm = reqs["black-sea-mcm"]
    assert mcm.count == 17 and "2000 km²" in mcm.formula
    assert reqs["black-sea-mcm-escort"].count == 4  # 2 convoys × 2 escorts


def test_headline_splits_units_over_regions_and_keeps_the_total() -> None:
    sc = willing.load_scenario()
    reqs = [r for r in sizing.derive(sc) if r.id.startswith("land-force-infantry-battalion")]
    # the infantry takes the rest: 25,000 − 10,390 in the other lines = 14,610 / 600 = 24.35 →
    # 24 battalions; 0.4 / 0.3 / 0.3 of 24 is 9.6 / 7.2 / 7.2: floors 9 / 7 / 7, the one unit
    # left goes to the largest remainder
    assert {r.region: r.count for r in reqs} == {"ua-kyiv": 10, "ua-west": 7, "ua-south": 7}
    assert all(r.rule == "headline" and "24 units" in r.formula for r in reqs)


def test_force_options_override_the_base() -> None:
    small = {r.id: r.count for r in sizing.derive(willing.load_scenario(force_option="small"))}
    large = {r.id: r.count for r in sizing.derive(willing.load_scenario(force_option="large"))}
    assert small["air-cap"] == 2 and large["air-cap"] == 8  # 1 and 4 stations
    assert large["black-sea-mcm"] > small["black-sea-mcm"]


@FAST
@given(st.integers(1, 8), st.floats(2.0, 12.0), st.floats(0.0, 0.9), st.floats(0.5, 4.0),
       st.floats(0.3, 1.0), st.integers(1, 4))
def test_more_stations_never_need_fewer_aircraft(stations: int, endurance: float, transit: float,
                                                 rate: float, mc: float, more: int) -> None:
    a = sizing.cap_aircraft(stations, endurance, transit, rate, mc)
    assert sizing.cap_aircraft(stations + more, endurance, transit, rate, mc) >= a
    # longer endurance, a higher sortie rate or better availability never need more
    assert sizing.cap_aircraft(stations, endurance + 1, transit, rate, mc) <= a
    assert sizing.cap_aircraft(stations, endurance, transit, rate * 1.5, mc) <= a
    assert sizing.cap_aircraft(stations, endurance, transit, rate, min(mc * 1.2, 1.0)) <= a
    # a longer transit never needs fewer
    if endurance > 2 * (transit + 0.1):
        assert sizing.cap_aircraft(stations, endurance, transit + 0.1, rate, mc) >= a


@FAST
@given(st.floats(1.0, 1e5), st.floats(0.1, 10.0), st.integers(1, 365), st.floats(1.0, 2.0))
def test_mcm_vessels_grow_with_area_and_shrink_with_time(area: float, rate: float, days: int,
                                                         k: float) -> None:
    v = sizing.mcm_vessels(area, rate, days)
    assert sizing.mcm_vessels(area * k, rate, days) >= v
    assert sizing.mcm_vessels(area, rate * k, days) <= v
    assert sizing.mcm_vessels(area, rate, days + 1) <= v


@FAST
@given(st.integers(1, 200_000), st.integers(1, 200), st.floats(0.5, 20.0), st.integers(0, 5000))
def test_training_teams_grow_with_trainees(trainees: int, per_cycle: int, cycles: float,
                                           more: int) -> None:
    t = sizing.training_teams(trainees, per_cycle, cycles)
    assert sizing.training_teams(trainees + more, per_cycle, cycles) >= t
    assert sizing.training_teams(trainees, per_cycle + 1, cycles) <= t
    assert math.ceil(t - 1e-9) * per_cycle * cycles >= trainees - 1e-6  # enough teams


@FAST
@given(st.integers(0, 500), st.lists(st.floats(0.01, 1.0), min_size=1, max_size=6))
def test_split_units_keeps_the_total_and_follows_shares(total: int, raw: list[float]) -> None:
    shares = {f"r{i}": s / sum(raw) for i, s in enumerate(raw)}
    parts = sizing.split_units(total, shares)
    assert sum(parts.values()) == total
    assert all(abs(parts[k] - total * s) < 1 for k, s in shares.items())
