"""Enablers derived from what they support (tankers, airborne ISR, airlift, support per
brigade) and a land template that sizes the whole headline: the worked examples of
docs/sizing.md, their properties, and the packaged force options."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import willing
from test_forcegen import land, req, scenario
from willing import sizing
from willing.scenario.model import HeadlineRule
from willing.scenario.scenario import Scenario

FAST = settings(max_examples=60, deadline=None)
ENABLERS = ("air-refuelling", "airborne-isr", "space-isr", "strategic-airlift")
OPTIONS = ("small", "medium", "large")


def _counts(sc: Scenario) -> dict[str, int]:
    return {r.id: r.count for r in sizing.derive(sc)}


def test_packaged_enablers_worked_examples() -> None:
    """docs/sizing.md: the medium option's 2 CAP stations fly 48 sorties a day ⇒ 8 tankers;
    3 brigades and 300,000 km² ⇒ 2 orbits ⇒ 8 ISR aircraft; 24,790 personnel ⇒ 3.20 sorties
    a day ⇒ 3 transports; 3 brigades × 0.666 ⇒ 2 space cells."""
    reqs = {r.id: r for r in sizing.derive(willing.load_scenario())}
    aar = reqs["air-refuelling"]
    assert (aar.rule, aar.count, aar.inputs["fighter_sorties_per_day"]) == ("aar", 8, 48.0)
    isr = reqs["airborne-isr"]
    assert (isr.count, isr.inputs["brigades"], isr.inputs["orbits"]) == (8, 3, 2)
    lift = reqs["strategic-airlift"]
    assert lift.inputs["personnel"] == 24_790 and lift.count == 3
    assert lift.inputs["sorties_per_day"] == pytest.approx(
        24_790 * 0.0074 * 0.13 / 45 + 2 * 24_790 / 182 / 102)
    assert reqs["space-isr"].count == 2 and "3 brigades" in reqs["space-isr"].formula


@pytest.mark.parametrize("name", ["ukraine-2025", "ukraine-2026"])
def test_each_force_option_has_its_own_enablers(name: str) -> None:
    """A brigade, a division and a corps need more of every derived enabler, in that order."""
    counts = {o: _counts(willing.load_scenario(name, force_option=o)) for o in OPTIONS}
    for e in ENABLERS:
        small, medium, large = (counts[o][e] for o in OPTIONS)
        assert small < medium < large, (e, small, medium, large)


@pytest.mark.parametrize("name", ["ukraine-2025", "ukraine-2026"])
@pytest.mark.parametrize("option", OPTIONS)
def test_land_template_sizes_the_whole_headline(name: str, option: str) -> None:
    """The template's lines add up to the headline within half a unit of its `rest` line (the
    rest is rounded to whole battalions): 25,000 is sized as 24,790, not 22,150."""
    sc = willing.load_scenario(name, force_option=option)
    rule = next(r.rule for r in sc.rules if r.rule.id == "land-force")
    assert isinstance(rule, HeadlineRule)
    rest = next(t for t in rule.template if t.share == "rest")
    half = sc.catalogue[rest.capability].personnel_per_unit / 2
    sized = sum(r.count * sc.catalogue[r.capability].personnel_per_unit
                for r in sizing.derive(sc) if r.id.startswith("land-force-"))
    assert abs(sized - rule.personnel) <= half, (sized, rule.personnel)


def _headline(template: list[dict[str, Any]], personnel: int = 10_000) -> dict[str, Any]:
    return {"rule": "headline", "id": "hl", "personnel": personnel, "role": "deterrence",
            "region_split": {"north": 1.0}, "template": template}


def test_rest_line_takes_what_the_others_leave_and_never_goes_negative() -> None:
    """10,000 with a brigade HQ at 2 % (1 brigade, 200), 2 logistics battalions per brigade
    (1,000): the infantry takes 8,800 / 600 = 14.67 → 15; when the other lines take it all,
    the rest is none."""
    lines = [{"capability": "infantry-battalion", "share": "rest"},
             {"capability": "brigade-hq", "share": 0.02, "role": "command"},
             {"capability": "logistics-battalion", "per_brigade": 2, "role": "logistics"}]
    c = _counts(scenario(mission_lines=land(_headline(lines))))
    assert (c["hl-infantry-battalion-north"], c["hl-brigade-hq-north"],
            c["hl-logistics-battalion-north"]) == (15, 1, 2)
    full = [lines[0], {"capability": "brigade-hq", "share": 1.0, "role": "command"}]
    assert _counts(scenario(mission_lines=land(_headline(full))))["hl-infantry-battalion-north"] == 0


def _enablers(personnel: int, stations: int, area: float) -> dict[str, int]:
    """A small scenario whose enablers follow a headline and a CAP rule."""
    hl = _headline([{"capability": "infantry-battalion", "share": "rest"},
                    {"capability": "brigade-hq", "share": 0.02, "role": "command"}], personnel)
    cap = {"rule": "cap", "id": "cap", "region": "north", "role": "deterrence",
           "stations": stations, "endurance_h": 3.5, "transit_h": 0.75, "sortie_rate": 1.5,
           "mission_capable": 0.7}
    common = {"region": "north", "role": "logistics"}
    rules = [hl, cap,
             {"rule": "aar", "id": "aar", "cap": "cap", "receivers_per_sortie": 8,
              "sortie_rate": 1.0, "mission_capable": 0.75, **common},
             {"rule": "isr", "id": "isr", "headline": "hl", "area_km2": area,
              "km2_per_orbit": 450_000, "orbits_per_brigade": 0.5, "endurance_h": 10,
              "transit_h": 1, "sortie_rate": 1.0, "mission_capable": 0.75, **common},
             {"rule": "airlift", "id": "lift", "supports": ["hl"], "tonnes_per_person_day": 0.0074,
              "air_share": 0.13, "payload_t": 45, "tour_days": 182, "seats": 102,
              "sortie_rate": 1.5, "mission_capable": 0.8, **common},
             {"rule": "per_brigade", "id": "med", "capability": "medical-role2", "headline": "hl",
              "per_brigade": 1, **common}]
    return _counts(scenario(mission_lines=land(*rules, req())))


def test_enablers_follow_the_force_they_support_in_a_small_scenario() -> None:
    """A bigger headline, more stations and a larger area never need fewer enablers; the
    enablers of a small force are fewer than those of a large one."""
    small, large = _enablers(5_000, 1, 100_000), _enablers(40_000, 3, 900_000)
    for e in ("aar", "isr", "lift", "med"):
        assert small[e] < large[e], (e, small[e], large[e])


@FAST
@given(st.floats(0.0, 500.0), st.floats(1.0, 20.0), st.floats(0.2, 4.0), st.floats(0.3, 1.0),
       st.floats(1.0, 2.0))
def test_tankers_grow_with_fighter_sorties(sorties: float, receivers: float, rate: float,
                                           mc: float, k: float) -> None:
    t = sizing.tankers(sorties, receivers, rate, mc)
    assert sizing.tankers(sorties * k, receivers, rate, mc) >= t
    assert sizing.tankers(sorties, receivers * k, rate, mc) <= t
    assert sizing.tankers(0.0, receivers, rate, mc) == 0.0


@FAST
@given(st.integers(1, 8), st.floats(2.0, 12.0), st.floats(0.0, 0.9), st.integers(1, 4))
def test_cap_sorties_grow_with_stations(stations: int, endurance: float, transit: float,
                                        more: int) -> None:
    s = sizing.cap_sorties(stations, endurance, transit)
    assert sizing.cap_sorties(stations + more, endurance, transit) > s


@FAST
@given(st.floats(0.0, 2e6), st.integers(0, 20), st.floats(0.0, 2.0), st.floats(1e4, 1e6),
       st.floats(1.0, 2.0), st.integers(1, 5))
def test_isr_orbits_grow_with_area_and_brigades(area: float, brigades: int, per: float,
                                                per_orbit: float, k: float, more: int) -> None:
    o = sizing.isr_orbits(area, per_orbit, brigades, per)
    assert sizing.isr_orbits(area * k, per_orbit, brigades, per) >= o
    assert sizing.isr_orbits(area, per_orbit, brigades + more, per) >= o
    assert sizing.isr_orbits(0.0, per_orbit, 0, per) == 0.0
    assert sizing.isr_aircraft(0, 10.0, 1.0, 1.0, 0.75) == 0.0
    assert sizing.isr_aircraft(math.ceil(o) + more, 10.0, 1.0, 1.0, 0.75) > \
        sizing.isr_aircraft(math.ceil(o), 10.0, 1.0, 1.0, 0.75)


@FAST
@given(st.floats(0.0, 2e5), st.floats(0.0, 0.05), st.floats(0.0, 1.0), st.floats(10.0, 80.0),
       st.floats(30.0, 365.0), st.integers(20, 300), st.floats(1.0, 2.0))
def test_airlift_grows_with_personnel_and_tonnage(personnel: float, t: float, share: float,
                                                  payload: float, tour: float, seats: int,
                                                  k: float) -> None:
    s = sizing.airlift_sorties(personnel, t, share, payload, tour, seats)
    assert sizing.airlift_sorties(personnel * k, t, share, payload, tour, seats) >= s
    assert sizing.airlift_sorties(personnel, t * k, share, payload, tour, seats) >= s
    assert sizing.airlift_sorties(personnel, t, share, payload * k, tour, seats) <= s
    assert sizing.airlift_sorties(0.0, t, share, payload, tour, seats) == 0.0


def test_no_brigades_no_support_per_brigade() -> None:
    """A headline whose brigade line rounds to no brigade derives no support per brigade."""
    lines = [{"capability": "brigade-hq", "share": 0.001, "role": "command"},
             {"capability": "medical-role2", "per_brigade": 1, "role": "logistics"}]
    c = _counts(scenario(mission_lines=land(_headline(lines))))
    assert c["hl-brigade-hq-north"] == 0 and c["hl-medical-role2-north"] == 0
