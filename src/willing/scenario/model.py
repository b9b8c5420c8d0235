"""The scenario file's shape, as pydantic models.

These models describe what a planner writes in YAML and nothing more: unknown keys are errors
(a typo must not silently drop a pledge), every number has its range, and cross-references
(regions, states, capabilities, conditions) are checked in `references.py`, where each problem
can be reported with its line. Derived things (requirements, resolved pledge counts) live in
the stages that derive them.
"""

from __future__ import annotations

import typing
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from willing.scenario.attributes import attributes
from willing.scenario.keys import FairShareKey
from willing.scenario.packaged import DATA

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", min_length=1, max_length=64)]
"""Identifiers of regions, states, events, roles, requirements and capabilities: kebab-case."""

Share = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
"""A fraction from 0 to 1."""

Probability = Share


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, and numbers are finite.

    NaN or infinity would slip past a `ge`/`le` bound and then hang the solver or print NaN
    shares. Every number field also states its range with `strict=True`: YAML `true` is 1 to
    Python, and a boolean is never a count.
    """

    model_config = ConfigDict(extra="forbid", strict=False, frozen=False, allow_inf_nan=False)


class Tier(StrEnum):
    """Two-tier coalition: European framework nations lead, members contribute, the US backs."""

    LEAD = "lead"
    MEMBER = "member"
    BACKSTOP = "backstop"
    HOST = "host"


class Priority(StrEnum):
    """Requirement priority; force generation fills them lexicographically in this order."""

    ESSENTIAL = "essential"
    IMPORTANT = "important"
    DESIRABLE = "desirable"


PRIORITY_ORDER: tuple[Priority, ...] = (Priority.ESSENTIAL, Priority.IMPORTANT, Priority.DESIRABLE)


class Duration(StrEnum):
    """Enduring requirements rotate units (rule of three); surge ones use the whole count once."""

    ENDURING = "enduring"
    SURGE = "surge"


class Condition(StrEnum):
    """What must hold for a pledge to exist at all."""

    US_BACKSTOP = "us-backstop"
    CEASEFIRE = "ceasefire"
    ADVERSARY_CONSENT = "adversary-consent"
    MANDATE = "mandate"
    PARLIAMENT = "parliament"


class AccessRule(Strict):
    """A law or agreement that limits whose units may serve in a region, in some states.

    While the rule is in force (its `states`; empty = all), a unit of a nation outside `admits`
    whose capability it covers (`components`, `capabilities`, `roles`; empty = all) may not
    serve in the region, or, with `max_stay_days`, only on surge requirements: it cannot be kept
    there for an enduring tour longer than the stay allowed.
    """

    id: Id = Field(description="Named in gap reasons, e.g. montreux-closure.")
    description: str = Field(description="The rule in a few words, with its legal basis.")
    states: list[Id] = Field(default_factory=list, description="States it is in force in; empty = all.")
    components: list[Literal["LAND", "AIR", "MARITIME", "REGENERATION"]] = Field(
        default_factory=list, description="Components whose units it covers; empty = all.")
    capabilities: list[Id] = Field(default_factory=list,
                                   description="Capabilities it covers; empty = all.")
    roles: list[Id] = Field(default_factory=list,
                            description="Roles of the requirements it covers; empty = all.")
    admits: list[str] = Field(default_factory=list,
                              description="Nations (ISO3) it lets serve without limit.")
    max_stay_days: int | None = Field(
        None, ge=0, description="Others may stay this long (none: others may not serve at all).")
    source: str | None = None
    assumption: str | None = None


class Region(Strict):
    name: str
    in_ukraine: bool = Field(description="True for regions on Ukrainian soil (land operations).")
    description: str | None = None
    access: list[AccessRule] = Field(
        default_factory=list, description="Rules on whose units may serve here (law, basing).")


class State(Strict):
    description: str | None = None
    holds: list[Condition] = Field(
        default_factory=list,
        description="Conditions that hold in this state; a pledge survives only if all of its "
        "conditions (and its nation's) hold.",
    )


class Event(Strict):
    id: Id
    from_: Id = Field(alias="from")
    to: Id
    description: str | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Uncertainty(Strict):
    """Probabilities of the political unknowns, drawn by the robustness Monte Carlo."""

    us_backstop: Probability = 0.6
    adversary_consent: Probability = 0.3
    ceasefire_holds: Probability = 0.7
    mandate: Probability = 1.0
    correlation: Probability = Field(
        0.3, description="Loading of the one-factor Gaussian copula over national decisions."
    )
    source: str | None = None
    assumption: str | None = None


class FormationRules(Strict):
    """How sub-unit pledges (companies, batteries, flights) form whole units: the rules of a
    NATO enhanced Forward Presence battlegroup, a framework nation's unit with other nations'
    sub-units in it (docs/forcegen.md, "Formed units")."""

    framework_share_min: float = Field(
        0.5, gt=0.0, le=1.0,
        description="Least share of a formed unit's sub-units its framework nation brings.")
    max_nations: int = Field(4, ge=1, description="Most nations in one formed unit.")


class Defaults(Strict):
    """Scenario-wide pledge defaults, each with its source."""

    rotation: float = Field(3.0, ge=1.0, le=10.0, strict=True,
                            description="UK 'rule of three': deployed, preparing, recovering.")
    max_tour_months: int | None = Field(6, ge=1, le=60, strict=True)
    readiness_days: int = Field(30, ge=0, le=3650, strict=True)
    formations: FormationRules = Field(default_factory=FormationRules)
    source: str | None = None


if TYPE_CHECKING:
    CapabilitySpec = Strict
else:
    CapabilitySpec = create_model(
        "CapabilitySpec", __base__=Strict,
        __doc__="A catalogue entry added or overridden by the scenario: any column of "
                "capabilities.csv, as `data/attributes/capabilities.csv` declares it.",
        **{a.name: a.spec_field(Id)
           for a in list(attributes(DATA, "capabilities").values())[1:]})


class Pledge(Strict):
    """What one nation offers: units of one capability, with its caveats and conditions."""

    id: Id | None = Field(None, description="Defaults to '<ISO3>-<n>' (1-based).")
    capability: Id
    count: int | None = Field(None, ge=0, le=10_000, strict=True,
                              description="Units pledged (the whole rotation pool).")
    deployed: int | None = Field(
        None, ge=0, le=10_000, strict=True, description="Units kept deployed; the nation carries "
        "their rotation pool (ceil(deployed × rotation) units).")
    share_of_active: float | None = Field(
        None,
        strict=True,
        gt=0.0,
        le=0.2,
        description="Stated scaling rule instead of count: units = floor(share x active "
        "personnel / (personnel per unit)), at least 1.",
    )
    rotation: float | None = Field(None, ge=1.0, le=10.0, strict=True,
                                   description="Units in the pool per unit deployed.")
    max_tour_months: int | None = Field(None, ge=1, le=60, strict=True)
    readiness_days: int | None = Field(None, ge=0, le=3650, strict=True)
    regions: list[Id] = Field(min_length=1, description="Regions the pledge may serve in.")
    roles: list[Id] = Field(default_factory=list, description="Roles allowed; empty = any.")
    states: list[Id] = Field(default_factory=list, description="States it is valid in; empty = all.")
    conditions: list[Condition] = Field(default_factory=list)
    entry_points: list[Id] = Field(
        default_factory=list,
        description="Entry points its units may move through (a national route); empty = any "
        "that serves the unit's region.",
    )
    lend: bool = Field(
        False, description="Its units may also be broken into their sub-units (the catalogue's "
        "sub-unit of this capability), lent to formed units: units used whole + sub-units "
        "lent / per parent ≤ the pledge.")
    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _one_size(self) -> Pledge:
        given = [self.count, self.deployed, self.share_of_active]
        if sum(v is not None for v in given) != 1:
            raise ValueError("give exactly one of 'count' (a rotation pool), 'deployed' (units "
                             "kept in theatre) or 'share_of_active'")
        return self


class Nation(Strict):
    tier: Tier
    willingness: Probability = 0.5
    hq_capable: bool = False
    will_lead: bool = Field(True, description="False: the nation never takes a component lead.")
    conditions: list[Condition] = Field(default_factory=list)
    pledges: list[Pledge] = Field(default_factory=list)
    population: int | None = Field(None, ge=0, le=10_000_000_000, strict=True,
                                   description="Overrides nations.csv.")
    gdp_usd_bn: float | None = Field(None, ge=0, le=200_000, strict=True)
    milex_usd_bn: float | None = Field(None, ge=0, le=10_000, strict=True)
    active_personnel: int | None = Field(None, ge=0, le=10_000_000, strict=True)
    source: str | None = None
    assumption: str | None = None


# --- sizing rules -------------------------------------------------------------------------


RULES: dict[str, type[RuleBase]] = {}
"""Every sizing rule by its `rule:` tag, filled as each rule class is defined (below); the
scenario schema accepts exactly these, `references.py` checks the ids each declares and
`willing.sizing` derives requirements with the function registered for the same tag."""


class RuleBase(Strict):
    """Fields every sizing rule takes. A subclass with a `rule: Literal[...]` tag is a rule.

    `references` declares the ids a rule names, as field path → kind of id (`region`, `role`,
    `state`, `capability`); `name[]` is each item of a list, `name{}` each key of a mapping.
    """

    references: ClassVar[dict[str, str]] = {"role": "role", "states[]": "state"}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: object) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        field = cls.model_fields.get("rule")
        if field is None:
            return
        tags = typing.get_args(field.annotation)
        if len(tags) != 1 or tags[0] in RULES:
            raise TypeError(f"sizing rule {cls.__name__}: give a new `rule: Literal['tag']`")
        cls.references = {**RuleBase.references, **cls.__dict__.get("references", {})}
        RULES[tags[0]] = cls

    id: Id
    role: Id
    priority: Priority = Priority.ESSENTIAL
    required_by_day: int = Field(90, ge=0, le=3650, strict=True)
    duration: Duration = Duration.ENDURING
    states: list[Id] = Field(default_factory=list, description="States it applies in; empty = all.")
    weight: float = Field(1.0, ge=0.0, le=1000.0, strict=True, allow_inf_nan=False,
                          description="What one unit of its requirements counts in weighted "
                          "coverage (0 leaves them out); 1 = every unit alike.")
    source: str | None = None
    assumption: str | None = None


class TemplateLine(Strict):
    """One line of a headline's template: a share of the personnel, units per brigade, or the
    rest of the headline (docs/sizing.md, "headline")."""

    capability: Id
    share: Annotated[float, Field(strict=True)] | Literal["rest"] | None = Field(
        None, description="Share of the headline personnel, or `rest`: what the other lines "
        "leave of it.")
    per_brigade: float | None = Field(
        None, gt=0.0, le=100.0, strict=True,
        description="Units per brigade (brigade support that scales with the brigades).")
    priority: Priority | None = None
    role: Id | None = None

    @model_validator(mode="after")
    def _one_size(self) -> TemplateLine:
        if (self.share is None) == (self.per_brigade is None):
            raise ValueError("give exactly one of 'share' (a number, or 'rest') or 'per_brigade'")
        if isinstance(self.share, float | int) and not 0.0 < self.share <= 1.0:
            raise ValueError(f"share must be > 0 and ≤ 1, got {self.share:g}")
        return self


class HeadlineRule(RuleBase):
    """A personnel target split into units by a template and into regions by shares."""

    rule: Literal["headline"]
    references: ClassVar[dict[str, str]] = {"region_split{}": "region",
                                            "template[].capability": "capability",
                                            "template[].role": "role",
                                            "brigade": "capability"}
    personnel: int = Field(gt=0, le=1_000_000, strict=True)
    region_split: dict[Id, Share] = Field(min_length=1)
    template: list[TemplateLine] = Field(min_length=1)
    brigade: Id = Field("brigade-hq", description="The capability whose units count the "
                        "brigades (`per_brigade` lines and rules that scale with them).")

    @field_validator("region_split")
    @classmethod
    def _split_sums_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        if any(s < 0 for s in v.values()) or abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"shares must be ≥ 0 and sum to 1, got sum {sum(v.values()):g}")
        return v

    @field_validator("template")
    @classmethod
    def _template_within_total(cls, v: list[TemplateLine]) -> list[TemplateLine]:
        total = sum(t.share for t in v if isinstance(t.share, float | int))
        if total > 1.0 + 1e-9:
            raise ValueError(f"template shares must sum to at most 1, got {total:g}")
        if sum(t.share == "rest" for t in v) > 1:
            raise ValueError("at most one template line may take the 'rest' of the headline")
        return v

    @model_validator(mode="after")
    def _brigades_counted(self) -> HeadlineRule:
        if any(t.per_brigade is not None for t in self.template) and not any(
                t.capability == self.brigade and isinstance(t.share, float | int)
                for t in self.template):
            raise ValueError(f"'per_brigade' lines need a template line of '{self.brigade}' "
                             "(the brigade) with a numeric share, to count the brigades")
        return self


class PopulationRule(RuleBase):
    """Quinlivan (1995): forces = ratio x population / 1000, filled with one capability."""

    rule: Literal["population"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region"}
    capability: Id
    region: Id
    population: int = Field(gt=0, le=200_000_000, strict=True)
    ratio: float = Field(gt=0.0, le=50.0, strict=True, description="Troops per 1000 inhabitants.")


def _check_time_on_station(endurance_h: float, transit_h: float) -> None:
    """An aircraft's sortie must leave time on station after the transit there and back."""
    if endurance_h <= 2 * transit_h:
        raise ValueError(f"endurance_h ({endurance_h:g}) must exceed 2·transit_h "
                         f"({2 * transit_h:g}) to leave time on station")


class CapRule(RuleBase):
    """Continuous combat air patrol: aircraft = stations·2·24/on/sortie_rate/mission_capable."""

    rule: Literal["cap"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region"}
    capability: Id = "fighter-squadron"
    region: Id
    stations: int = Field(ge=1, le=100, strict=True)
    endurance_h: float = Field(gt=0.0, le=100.0, strict=True)
    transit_h: float = Field(ge=0.0, le=50.0, strict=True)
    sortie_rate: float = Field(gt=0.0, le=10.0, strict=True, description="Sorties per aircraft per day.")
    mission_capable: float = Field(gt=0.0, le=1.0, strict=True)
    aircraft_per_unit: int | None = Field(None, ge=1, le=1000, strict=True,
                                          description="Defaults to the unit size.")

    @model_validator(mode="after")
    def _time_on_station(self) -> CapRule:
        _check_time_on_station(self.endurance_h, self.transit_h)
        return self


class McmRule(RuleBase):
    """Mine countermeasures: vessels = area / (clearance per vessel-day · days), plus escorts."""

    rule: Literal["mcm"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region",
                                            "escort_capability": "capability"}
    capability: Id = "mcm-vessel"
    region: Id
    area_km2: float = Field(gt=0.0, le=1_000_000.0, strict=True)
    clearance_km2_per_vessel_day: float = Field(gt=0.0, le=10_000.0, strict=True)
    days: int = Field(ge=1, le=3650, strict=True)
    convoys: int = Field(0, ge=0, le=100, strict=True,
                         description="Convoys escorted at once (grain corridor).")
    escorts_per_convoy: int = Field(0, ge=0, le=50, strict=True)
    escort_capability: Id = "frigate"


class TrainingRule(RuleBase):
    """Regeneration: teams = trainees per year / (trainees per team-cycle · cycles per year)."""

    rule: Literal["training"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region"}
    capability: Id = "training-team"
    region: Id
    trainees_per_year: int = Field(gt=0, le=1_000_000, strict=True)
    trainees_per_team_cycle: int = Field(gt=0, le=10_000, strict=True)
    cycles_per_year: float = Field(gt=0.0, le=52.0, strict=True)


class AarRule(RuleBase):
    """Air-to-air refuelling for a CAP rule's fighters: tankers = fighter sorties a day /
    receivers per tanker sortie / tanker sorties a day / mission capable."""

    rule: Literal["aar"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region",
                                            "cap": "cap requirement"}
    capability: Id = "aar-tanker"
    region: Id
    cap: Id = Field(description="The `cap` requirement whose fighters the tankers refuel.")
    receivers_per_sortie: float = Field(gt=0.0, le=100.0, strict=True,
                                        description="Fighters one tanker sortie refuels.")
    sortie_rate: float = Field(gt=0.0, le=10.0, strict=True,
                               description="Sorties per tanker per day.")
    mission_capable: float = Field(gt=0.0, le=1.0, strict=True)


class IsrRule(RuleBase):
    """Airborne ISR orbits for an area to watch and the brigades of a headline, held around
    the clock: aircraft = orbits · 24 / hours on station / sortie rate / mission capable."""

    rule: Literal["isr"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region",
                                            "headline": "headline requirement"}
    capability: Id = "isr-aircraft"
    region: Id
    headline: Id = Field(description="The `headline` requirement whose brigades are watched over.")
    area_km2: float = Field(ge=0.0, le=10_000_000.0, strict=True, description="Area to watch.")
    km2_per_orbit: float = Field(gt=0.0, le=10_000_000.0, strict=True,
                                 description="Area one orbit's sensor covers.")
    orbits_per_brigade: float = Field(ge=0.0, le=10.0, strict=True)
    endurance_h: float = Field(gt=0.0, le=100.0, strict=True)
    transit_h: float = Field(ge=0.0, le=50.0, strict=True)
    sortie_rate: float = Field(gt=0.0, le=10.0, strict=True, description="Sorties per aircraft per day.")
    mission_capable: float = Field(gt=0.0, le=1.0, strict=True)

    @model_validator(mode="after")
    def _time_on_station(self) -> IsrRule:
        _check_time_on_station(self.endurance_h, self.transit_h)
        return self


class AirliftRule(RuleBase):
    """Airlift to sustain the personnel other requirements size: the air share of their daily
    tonnage and their troops' rotation, in sorties a day, over sorties per aircraft."""

    rule: Literal["airlift"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region",
                                            "supports[]": "supported requirement"}
    capability: Id = "strategic-airlift"
    region: Id
    supports: list[Id] = Field(min_length=1, description="Requirements whose personnel it sustains.")
    tonnes_per_person_day: float = Field(ge=0.0, le=1.0, strict=True)
    air_share: Share = Field(description="Share of the tonnage moved by air.")
    payload_t: float = Field(gt=0.0, le=500.0, strict=True, description="Tonnes per sortie.")
    tour_days: float = Field(gt=0.0, le=3650.0, strict=True,
                             description="Tour length: each soldier flies in and out once a tour.")
    seats: int = Field(gt=0, le=1_000, strict=True, description="Passengers per sortie.")
    sortie_rate: float = Field(gt=0.0, le=10.0, strict=True, description="Sorties per aircraft per day.")
    mission_capable: float = Field(gt=0.0, le=1.0, strict=True)


class BrigadeRule(RuleBase):
    """Support in proportion to a headline's brigades: units = ceil(brigades · per_brigade)."""

    rule: Literal["per_brigade"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region",
                                            "headline": "headline requirement"}
    capability: Id
    region: Id
    headline: Id = Field(description="The `headline` requirement whose brigades it supports.")
    per_brigade: float = Field(gt=0.0, le=100.0, strict=True)


class ExplicitRule(RuleBase):
    """A requirement line written by hand."""

    rule: Literal["explicit"]
    references: ClassVar[dict[str, str]] = {"capability": "capability", "region": "region"}
    capability: Id
    region: Id
    count: int = Field(ge=0, le=10_000, strict=True)


if TYPE_CHECKING:
    SizingRule = RuleBase
else:
    SizingRule = Annotated[Union[tuple(RULES.values())], Field(discriminator="rule")]  # noqa: UP007
    """One of the registered rules, chosen by its `rule:` tag."""


class MissionLine(Strict):
    component: str = Field(description="The component command that runs this line, e.g. LAND.")
    lead_share_min: float = Field(
        0.3, ge=0.0, le=1.0, strict=True, description="The lead brings at least this share of its personnel."
    )
    description: str | None = None
    requirements: list[SizingRule] = Field(default_factory=list)


MISSION_LINES: tuple[str, ...] = ("regeneration", "air", "maritime", "land")


class ForceOption(Strict):
    """A named override of the base scenario (Calliope style): field path → new value."""

    description: str | None = None
    source: str | None = None
    overrides: dict[str, object] = Field(
        default_factory=dict,
        description="Dotted field paths and their values, e.g. "
        "`mission_lines.air.requirements.air-cap.stations: 1` (a list item by its id).")


class EntryPoint(Strict):
    """A way into the theatre with a daily throughput, for the build-up.

    Units reach their region through an entry point that serves it; each day it moves at most
    `personnel_per_day` people and `tonnes_per_day` of equipment and supplies.
    """

    name: str
    mode: Literal["air", "rail", "road", "sea"]
    personnel_per_day: int = Field(ge=0, le=1_000_000, strict=True,
                                   description="People it can move in one day.")
    tonnes_per_day: float = Field(ge=0.0, le=10_000_000.0, strict=True,
                                  description="Tonnes of equipment it can move in one day.")
    regions: list[Id] = Field(min_length=1, description="Regions units reach through it.")
    states: list[Id] = Field(default_factory=list, description="States it is open in; empty = all.")
    conditions: list[Condition] = Field(
        default_factory=list, description="Open only in states where all of these hold."
    )
    source: str | None = None
    assumption: str | None = None


class LedgerMapping(Strict):
    """How the public ledger's dated statements become pledges when a plan is built as of a date.

    A statement brings the nation's own pledges of its capability (or of its mission line's
    component); where the nation has none, and a statement gives no count, these templates say
    what it pledges.
    """

    unstated: Literal["drop", "keep"] = Field(
        "drop", description="A nation with no statement by the date: no pledge (drop) or the "
        "scenario's pledges (keep).")
    pledges: dict[Id, list[Pledge]] = Field(
        default_factory=dict,
        description="Ledger capability id or mission line → the pledges one statement makes.")
    source: str | None = None
    assumption: str | None = None


class ScenarioSpec(Strict):
    """The whole scenario file."""

    name: Id
    title: str | None = None
    description: str | None = None
    horizon_years: int = Field(3, ge=1, le=30, strict=True)
    default_state: Id
    force_option: Id | None = None
    force_options: dict[Id, ForceOption] = Field(default_factory=dict)
    fair_share_key: FairShareKey = FairShareKey.GDP
    defaults: Defaults = Field(default_factory=Defaults)
    regions: dict[Id, Region] = Field(min_length=1)
    roles: list[Id] = Field(min_length=1)
    states: dict[Id, State] = Field(min_length=1)
    events: list[Event] = Field(default_factory=list)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    capabilities: dict[Id, CapabilitySpec] = Field(default_factory=dict)
    mission_lines: dict[Literal["regeneration", "air", "maritime", "land"], MissionLine] = Field(
        min_length=1
    )
    nations: dict[str, Nation] = Field(min_length=1)
    entry_points: dict[Id, EntryPoint] = Field(
        default_factory=dict, description="Ways into the theatre, in order of preference."
    )
    ledger: LedgerMapping | None = Field(
        None, description="How ledger statements map to pledges for plans as of a date.")
