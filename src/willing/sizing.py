"""Statement of requirements from transparent sizing rules.

Every requirement keeps its derivation: the rule, its inputs and the arithmetic, so a report
can show *why* the force needs what it needs. The formulas are plain functions so that tests
can reproduce the worked examples and check their properties.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from willing.scenario.model import (
    RULES,
    AarRule,
    AirliftRule,
    BrigadeRule,
    CapRule,
    Duration,
    ExplicitRule,
    HeadlineRule,
    IsrRule,
    McmRule,
    PopulationRule,
    Priority,
    RuleBase,
    TrainingRule,
)
from willing.scenario.scenario import RuleRecord, Scenario

# --- the formulas ---------------------------------------------------------------------------


def on_station_h(endurance_h: float, transit_h: float) -> float:
    """Hours a sortie spends on station: endurance less the transit there and back."""
    on = endurance_h - 2.0 * transit_h
    if on <= 0:
        raise ValueError("endurance must exceed twice the transit time")
    return on


def cap_sorties(stations: int, endurance_h: float, transit_h: float) -> float:
    """Fighter sorties a day to hold `stations` CAP stations, a pair airborne each, around
    the clock: `2·24/on` a station."""
    return stations * 2.0 * 24.0 / on_station_h(endurance_h, transit_h)


def cap_aircraft(stations: int, endurance_h: float, transit_h: float, sortie_rate: float,
                 mission_capable: float) -> float:
    """Aircraft to hold `stations` CAP stations, a pair airborne each, around the clock.

    A sortie gives `on = endurance − 2·transit` hours on station, so a station needs
    `2·24/on` sorties a day; each aircraft flies `sortie_rate` a day and is available a
    `mission_capable` share of the time.
    """
    return cap_sorties(stations, endurance_h, transit_h) / sortie_rate / mission_capable


def tankers(fighter_sorties: float, receivers_per_sortie: float, sortie_rate: float,
            mission_capable: float) -> float:
    """Tankers to refuel `fighter_sorties` a day, `receivers_per_sortie` to a tanker sortie."""
    return fighter_sorties / receivers_per_sortie / sortie_rate / mission_capable


def isr_orbits(area_km2: float, km2_per_orbit: float, brigades: int,
               orbits_per_brigade: float) -> float:
    """Orbits to watch an area and the brigades in it: area / area an orbit covers, plus
    orbits per brigade (before rounding up to whole orbits)."""
    return area_km2 / km2_per_orbit + brigades * orbits_per_brigade


def isr_aircraft(orbits: int, endurance_h: float, transit_h: float, sortie_rate: float,
                 mission_capable: float) -> float:
    """Aircraft to hold `orbits` orbits around the clock, one aircraft on station each."""
    return orbits * 24.0 / on_station_h(endurance_h, transit_h) / sortie_rate / mission_capable


def airlift_sorties(personnel: float, tonnes_per_person_day: float, air_share: float,
                    payload_t: float, tour_days: float, seats: int) -> float:
    """Sorties a day to sustain `personnel`: the air share of their daily tonnage over the
    payload, plus each soldier flown in and out once a tour."""
    cargo = personnel * tonnes_per_person_day * air_share / payload_t
    rotation = 2.0 * personnel / tour_days / seats
    return cargo + rotation


def mcm_vessels(area_km2: float, clearance_km2_per_vessel_day: float, days: int) -> float:
    """Vessels to clear `area_km2` in `days`: area / (clearance rate per vessel-day · days)."""
    return area_km2 / (clearance_km2_per_vessel_day * days)


def training_teams(trainees_per_year: int, trainees_per_team_cycle: int,
                   cycles_per_year: float) -> float:
    """Teams = trainees per year / (trainees per team-cycle · cycles per year)."""
    return trainees_per_year / (trainees_per_team_cycle * cycles_per_year)


def population_troops(population: int, ratio: float) -> float:
    """Quinlivan (1995): troops = ratio × population / 1000."""
    return ratio * population / 1000.0


def split_units(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split whole units by shares with the largest-remainder method: the parts sum to total."""
    raw = {k: total * s for k, s in shares.items()}
    out = {k: math.floor(v) for k, v in raw.items()}
    left = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (out[k] - raw[k], list(shares).index(k)))[:left]:
        out[k] += 1
    return out


def _ceil(x: float) -> int:
    """Ceiling that forgives floating-point noise (45.0000000001 is 45)."""
    return math.ceil(x - 1e-9)


# --- requirements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One line of the statement of requirements, with the derivation that produced it."""

    id: str
    mission_line: str
    component: str
    capability: str
    count: int
    region: str
    role: str
    states: tuple[str, ...]
    required_by_day: int
    duration: Duration
    priority: Priority
    rule: str
    formula: str
    inputs: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    assumption: str | None = None
    weight: float = 1.0  # what one unit counts in weighted coverage (willing.coverage)

    def applies_in(self, state: str) -> bool:
        return not self.states or state in self.states


def derive(scenario: Scenario) -> list[Requirement]:
    """The statement of requirements of a scenario (all states)."""
    out: list[Requirement] = []
    for record in scenario.rules:
        out += _derive_one(scenario, record)
    return out


def for_state(requirements: list[Requirement], state: str) -> list[Requirement]:
    return [r for r in requirements if r.applies_in(state) and r.count > 0]


def frame(requirements: list[Requirement], scenario: Scenario) -> pd.DataFrame:
    """Requirements as a table, with personnel from the catalogue."""
    rows = []
    for r in requirements:
        ppu = scenario.catalogue[r.capability].personnel_per_unit
        rows.append({
            "requirement": r.id, "mission_line": r.mission_line, "component": r.component,
            "capability": r.capability, "count": r.count, "personnel": r.count * ppu,
            "region": r.region, "role": r.role, "priority": str(r.priority),
            "duration": str(r.duration), "required_by_day": r.required_by_day,
            "states": ",".join(r.states), "rule": r.rule, "formula": r.formula,
            "weight": r.weight,
        })
    return pd.DataFrame(rows)


def _common(record: RuleRecord, rule: Any) -> dict[str, Any]:
    return {
        "mission_line": record.mission_line, "component": record.component,
        "role": rule.role, "states": tuple(rule.states), "required_by_day": rule.required_by_day,
        "duration": rule.duration, "priority": rule.priority, "rule": rule.rule,
        "source": rule.source, "assumption": rule.assumption, "weight": rule.weight,
    }


def _line(record: RuleRecord, id: str, capability: str, count: int, region: str, formula: str,
          inputs: dict[str, Any] | None = None, **common: Any) -> Requirement:
    """A requirement line of `record`'s rule; `common` overrides the rule's role or priority."""
    rule = record.rule
    return Requirement(id, capability=capability, count=count, region=region, formula=formula,
                       inputs=rule.model_dump() if inputs is None else inputs,
                       **{**_common(record, rule), **common})


Derivation = Callable[[Any, Scenario, RuleRecord], list[Requirement]]
"""How one kind of rule becomes requirement lines: `(rule, scenario, record) → lines`."""

DERIVATIONS: dict[str, Derivation] = {}
"""The derivation of every sizing rule, by its `rule:` tag (the rule's model is in `RULES`)."""

R = TypeVar("R", bound=RuleBase)


def derives(model: type[R]) -> Callable[[Callable[[R, Scenario, RuleRecord], list[Requirement]]],
                                        Callable[[R, Scenario, RuleRecord], list[Requirement]]]:
    """Register the derivation of a sizing rule model (one per rule in `RULES`)."""
    tag = next((t for t, m in RULES.items() if m is model), None)
    if tag is None:
        raise TypeError(f"{model.__name__} is not a sizing rule (no `rule: Literal[...]` tag)")

    def register(fn: Callable[[R, Scenario, RuleRecord], list[Requirement]]
                 ) -> Callable[[R, Scenario, RuleRecord], list[Requirement]]:
        if tag in DERIVATIONS:
            raise TypeError(f"sizing rule '{tag}' already has a derivation")
        DERIVATIONS[tag] = fn
        return fn
    return register


def _derive_one(scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    return DERIVATIONS[record.rule.rule](record.rule, scenario, record)


@derives(PopulationRule)
def _population(rule: PopulationRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    troops = population_troops(rule.population, rule.ratio)
    ppu = max(scenario.catalogue[rule.capability].personnel_per_unit, 1)
    n = _ceil(troops / ppu)
    f = (f"ceil({rule.ratio:g} × {rule.population:,} / 1000 = {troops:,.0f} troops "
         f"/ {ppu} per unit) = {n}")
    return [_line(record, rule.id, rule.capability, n, rule.region, f)]


@derives(CapRule)
def _cap(rule: CapRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    aircraft = cap_aircraft(rule.stations, rule.endurance_h, rule.transit_h,
                            rule.sortie_rate, rule.mission_capable)
    per_unit = rule.aircraft_per_unit or scenario.catalogue[rule.capability].unit_size or 1
    n_air = _ceil(aircraft)
    n = _ceil(n_air / per_unit)
    on = rule.endurance_h - 2 * rule.transit_h
    f = (f"{rule.stations} stations · 2 · 24 h / {on:g} h on station / {rule.sortie_rate:g} "
         f"sorties / {rule.mission_capable:g} MC = {aircraft:.1f} ⇒ {n_air} aircraft ⇒ "
         f"ceil({n_air}/{per_unit}) = {n} units")
    return [_line(record, rule.id, rule.capability, n, rule.region, f)]


@derives(McmRule)
def _mcm(rule: McmRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    v = mcm_vessels(rule.area_km2, rule.clearance_km2_per_vessel_day, rule.days)
    n = _ceil(v)
    f = (f"ceil({rule.area_km2:g} km² / ({rule.clearance_km2_per_vessel_day:g} km²/vessel-day"
         f" · {rule.days} days)) = ceil({v:.2f}) = {n}")
    out = [_line(record, rule.id, rule.capability, n, rule.region, f)]
    escorts = rule.convoys * rule.escorts_per_convoy
    if escorts:
        out.append(_line(record, f"{rule.id}-escort", rule.escort_capability, escorts,
                         rule.region,
                         f"{rule.convoys} convoys × {rule.escorts_per_convoy} escorts = {escorts}"))
    return out


@derives(TrainingRule)
def _training(rule: TrainingRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    t = training_teams(rule.trainees_per_year, rule.trainees_per_team_cycle, rule.cycles_per_year)
    n = _ceil(t)
    f = (f"ceil({rule.trainees_per_year:,} trainees / ({rule.trainees_per_team_cycle} per "
         f"cycle · {rule.cycles_per_year:g} cycles)) = ceil({t:.2f}) = {n}")
    return [_line(record, rule.id, rule.capability, n, rule.region, f)]


@derives(ExplicitRule)
def _explicit(rule: ExplicitRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    return [_line(record, rule.id, rule.capability, rule.count, rule.region,
                  f"stated: {rule.count}")]


def headline_units(rule: HeadlineRule, scenario: Scenario) -> list[tuple[int, str]]:
    """Units of each template line, with the arithmetic: share lines first, then the lines
    per brigade (brigades = units of the `brigade` line), then the `rest` line, which takes
    what the others leave of the headline (none if they take it all)."""
    ppu = [max(scenario.catalogue[t.capability].personnel_per_unit, 1) for t in rule.template]
    out: list[tuple[int, str] | None] = [None] * len(rule.template)
    for i, t in enumerate(rule.template):
        if isinstance(t.share, float | int):
            units = math.floor(rule.personnel * t.share / ppu[i] + 0.5)  # half up, not to even
            out[i] = (units, f"round({rule.personnel:,} × {t.share:g} / {ppu[i]} per unit) "
                             f"= {units} units")
    b = brigades_of(rule, [u[0] if u else 0 for u in out])
    for i, t in enumerate(rule.template):
        if t.per_brigade is not None:
            units = _ceil(b * t.per_brigade)
            out[i] = (units, f"ceil({b} brigades × {t.per_brigade:g} per brigade) = {units} units")
    for i, t in enumerate(rule.template):
        if t.share == "rest":
            left = rule.personnel - sum(u[0] * ppu[k] for k, u in enumerate(out) if u)
            units = max(math.floor(left / ppu[i] + 0.5), 0)
            out[i] = (units, f"round(({rule.personnel:,} − {rule.personnel - left:,} in the other "
                             f"lines) / {ppu[i]} per unit) = {units} units")
    return [u for u in out if u is not None]


def brigades_of(rule: HeadlineRule, units: list[int]) -> int:
    """A headline's brigades: the units of its template lines of the `brigade` capability."""
    return sum(n for t, n in zip(rule.template, units, strict=True)
               if t.capability == rule.brigade and isinstance(t.share, float | int))


def brigades(rule: HeadlineRule, scenario: Scenario) -> int:
    """The brigades a headline rule sizes (what enablers per brigade scale with)."""
    return brigades_of(rule, [n for n, _ in headline_units(rule, scenario)])


@derives(HeadlineRule)
def _headline(rule: HeadlineRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    """Personnel target → units per template line → regions by shares (largest remainder)."""
    out: list[Requirement] = []
    for t, (units, how) in zip(rule.template, headline_units(rule, scenario), strict=True):
        ppu = max(scenario.catalogue[t.capability].personnel_per_unit, 1)
        for region, n in split_units(units, rule.region_split).items():
            f = f"{how}; {rule.region_split[region]:g} of them in {region} = {n}"
            out.append(_line(record, f"{rule.id}-{t.capability}-{region}", t.capability, n,
                             region, f,
                             inputs={"personnel": rule.personnel, "share": t.share,
                                     "per_brigade": t.per_brigade,
                                     "personnel_per_unit": ppu,
                                     "region_share": rule.region_split[region]},
                             priority=t.priority or rule.priority, role=t.role or rule.role))
    return out


# --- enablers derived from what they support ------------------------------------------------


def _record(scenario: Scenario, rule_id: str) -> RuleRecord:
    """The sizing rule of a requirement id (the references check made sure it exists)."""
    return next(r for r in scenario.rules if r.rule.id == rule_id)


def _personnel(scenario: Scenario, rule_ids: list[str]) -> int:
    """Personnel of every line the named rules derive, in every state they apply in."""
    return sum(line.count * scenario.catalogue[line.capability].personnel_per_unit
               for rid in rule_ids for line in _derive_one(scenario, _record(scenario, rid)))


def _enabler(record: RuleRecord, rule: AarRule | IsrRule | AirliftRule | BrigadeRule, n: int,
             formula: str, **derived: Any) -> list[Requirement]:
    """An enabler's one line, its inputs the rule's fields and what was derived for it."""
    return [_line(record, rule.id, rule.capability, n, rule.region, formula,
                  inputs={**rule.model_dump(), **derived})]


@derives(AarRule)
def _aar(rule: AarRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    cap: CapRule = _record(scenario, rule.cap).rule
    sorties = cap_sorties(cap.stations, cap.endurance_h, cap.transit_h)
    t = tankers(sorties, rule.receivers_per_sortie, rule.sortie_rate, rule.mission_capable)
    n = _ceil(t)
    f = (f"{rule.cap}: {sorties:.1f} fighter sorties a day / {rule.receivers_per_sortie:g} "
         f"receivers a tanker sortie / {rule.sortie_rate:g} sorties / {rule.mission_capable:g} "
         f"MC = {t:.2f} ⇒ {n} tankers")
    return _enabler(record, rule, n, f, fighter_sorties_per_day=sorties)


@derives(IsrRule)
def _isr(rule: IsrRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    b = brigades(_record(scenario, rule.headline).rule, scenario)
    raw = isr_orbits(rule.area_km2, rule.km2_per_orbit, b, rule.orbits_per_brigade)
    orbits = _ceil(raw)
    a = isr_aircraft(orbits, rule.endurance_h, rule.transit_h, rule.sortie_rate,
                     rule.mission_capable)
    n = _ceil(a)
    on = on_station_h(rule.endurance_h, rule.transit_h)
    f = (f"ceil({rule.area_km2:,.0f} km² / {rule.km2_per_orbit:,.0f} km² an orbit + {b} brigades "
         f"× {rule.orbits_per_brigade:g}) = {orbits} orbits · 24 h / {on:g} h on station / "
         f"{rule.sortie_rate:g} sorties / {rule.mission_capable:g} MC = {a:.2f} ⇒ {n} aircraft")
    return _enabler(record, rule, n, f, brigades=b, orbits=orbits)


@derives(AirliftRule)
def _airlift(rule: AirliftRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    p = _personnel(scenario, rule.supports)
    s = airlift_sorties(p, rule.tonnes_per_person_day, rule.air_share, rule.payload_t,
                        rule.tour_days, rule.seats)
    a = s / rule.sortie_rate / rule.mission_capable
    n = _ceil(a)
    f = (f"{p:,} personnel × {rule.tonnes_per_person_day:g} t/day × {rule.air_share:g} by air "
         f"/ {rule.payload_t:g} t + 2 × {p:,} / {rule.tour_days:g} days / {rule.seats} seats = "
         f"{s:.2f} sorties a day / {rule.sortie_rate:g} / {rule.mission_capable:g} MC = "
         f"{a:.2f} ⇒ {n} aircraft")
    return _enabler(record, rule, n, f, personnel=p, sorties_per_day=s)


@derives(BrigadeRule)
def _per_brigade(rule: BrigadeRule, scenario: Scenario, record: RuleRecord) -> list[Requirement]:
    b = brigades(_record(scenario, rule.headline).rule, scenario)
    n = _ceil(b * rule.per_brigade)
    f = f"ceil({b} brigades of {rule.headline} × {rule.per_brigade:g} per brigade) = {n}"
    return _enabler(record, rule, n, f, brigades=b)
