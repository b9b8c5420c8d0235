"""A loaded scenario: the validated file, resolved against the packaged data."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from willing.scenario import ledger, packaged
from willing.scenario.attributes import attributes
from willing.scenario.errors import PathPart, Problem, ScenarioError
from willing.scenario.model import (
    MISSION_LINES,
    Condition,
    Nation,
    ScenarioSpec,
    SizingRule,
)
from willing.scenario.overrides import in_data, override, relocate
from willing.scenario.references import check
from willing.scenario.validation import problems_from
from willing.scenario.yamlmarks import locate, parse, plain, too_big

NATION_FIGURES = tuple(f for f, a in attributes(packaged.DATA, "nations").items()
                       if f in Nation.model_fields and a.type in ("integer", "float"))
"""The figures of the nations table a scenario may state for a nation (`population`, ...)."""


@dataclass(frozen=True)
class PledgeRecord:
    """A pledge with its defaults and its nation's conditions applied, and its count resolved."""

    id: str
    nation: str
    capability: str
    count: int
    rotation: float
    max_tour_months: int | None
    readiness_days: int
    regions: tuple[str, ...]
    roles: tuple[str, ...]
    states: tuple[str, ...]
    conditions: tuple[str, ...]
    source: str | None
    assumption: str | None
    count_rule: str
    deployed: int | None = None
    """Units the nation keeps deployed, when it pledged them so (`count` is then their pool)."""
    lend: bool = False
    """Its units may also be lent as sub-units to formed units (`Pledge.lend`)."""


@dataclass(frozen=True)
class RuleRecord:
    """A sizing rule of a mission line, after the overrides."""

    mission_line: str
    component: str
    rule: Any  # one of the SizingRule models


@dataclass
class Scenario:
    """A validated scenario, ready for sizing and force generation.

    `spec` is the scenario with its force option and overrides applied: what every analysis
    reads; `base` is the scenario as written, from which other options are derived.
    """

    spec: ScenarioSpec
    file: str
    text: str
    force_option: str | None
    catalogue: dict[str, packaged.Capability]
    figures: dict[str, packaged.NationFigures]
    pledges: list[PledgeRecord]
    rules: list[RuleRecord]
    base: ScenarioSpec | None = None
    """The spec as written, before the force option's and `overrides`' changes."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """What-if overrides applied after the force option's (see `apply_overrides`)."""
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def states(self) -> list[str]:
        return list(self.spec.states)

    @property
    def default_state(self) -> str:
        return self.spec.default_state

    def holds(self, state: str) -> set[str]:
        """The conditions that hold in a state."""
        return {str(c) for c in self.spec.states[state].holds}

    def component_of(self, mission_line: str) -> str:
        return self.spec.mission_lines[mission_line].component  # type: ignore[index]

    @cached_property
    def nations_frame(self) -> pd.DataFrame:
        """Nations in the scenario with tier, willingness and public figures."""
        rows = []
        for iso, n in self.spec.nations.items():
            f = self.figures[iso]
            rows.append({
                "nation": iso, "name": f.name, "tier": str(n.tier), "willingness": n.willingness,
                "hq_capable": n.hq_capable, "will_lead": n.will_lead,
                "conditions": ",".join(map(str, n.conditions)),
                "population": f.population, "gdp_usd_bn": f.gdp_usd_bn,
                "milex_usd_bn": f.milex_usd_bn, "active_personnel": f.active_personnel,
                "nato": f.nato, "eu": f.eu,
                "pledged_units": sum(p.count for p in self.pledges if p.nation == iso),
            })
        return pd.DataFrame(rows).set_index("nation")

    @cached_property
    def pledges_frame(self) -> pd.DataFrame:
        """Every pledge, one row each, lists joined with commas."""
        rows = []
        for p in self.pledges:
            cap = self.catalogue[p.capability]
            rows.append({
                "pledge": p.id, "nation": p.nation, "capability": p.capability,
                "component": cap.component, "count": p.count, "rotation": p.rotation,
                "personnel_per_unit": cap.personnel_per_unit,
                "readiness_days": p.readiness_days, "max_tour_months": p.max_tour_months,
                "regions": ",".join(p.regions), "roles": ",".join(p.roles),
                "states": ",".join(p.states), "conditions": ",".join(p.conditions),
                "count_rule": p.count_rule, "source": p.source or "", "assumption": p.assumption or "",
            })
        return pd.DataFrame(rows)


def load_scenario(path: str | Path | None = None, *, force_option: str | None = None,
                  as_of: date | None = None) -> Scenario:
    """Load and validate a scenario file, or the packaged `ukraine-2025` when no path is given.

    With `as_of`, the pledges are those of the packaged public ledger's statements up to that
    date (see `willing.scenario.ledger.as_of`). Raises `ScenarioError` listing every problem
    with file, line, column and field path.
    """
    text, file, name = _read(path)
    if name is not None:  # a bundled scenario: valid, read fast (`packaged.scenario_data`)
        try:
            return _validated(None, packaged.scenario_data(name), text, file, force_option, as_of)
        except ScenarioError:
            pass  # a problem of the arguments (a force option, a date): told below, with lines
    return parse_scenario(text, file, force_option=force_option, as_of=as_of)


def load_as_of_each(path: str | Path | None, days: Sequence[date], *,
                    force_option: str | None = None) -> Iterator[Scenario]:
    """The scenario as of each of `days`, in order, like `load_scenario(path, as_of=day)`.

    The file is read and its YAML parsed once: parsing is most of the cost of loading the
    packaged scenario (about 1.3 s of 1.4 s), and only the ledger's pledges change by date.
    """
    text, file, name = _read(path)
    doc, data = (None, packaged.scenario_data(name)) if name is not None else _document(text, file)
    for day in days:
        try:
            yield _validated(doc, data, text, file, force_option, day)
        except ScenarioError:
            if doc is not None:
                raise
            yield parse_scenario(text, file, force_option=force_option, as_of=day)  # with lines


def _read(path: str | Path | None) -> tuple[str, str, str | None]:
    """The text of a scenario file (the packaged `ukraine-2025` when None, or a packaged
    scenario by name), the name its errors are reported under, and the bundled scenario's
    name (None for a user's file)."""
    if path is None:
        return (packaged.scenario_text(), packaged.scenario_display_path(),
                packaged.DEFAULT_SCENARIO)
    p = Path(path)
    if not p.is_file():
        if str(path) in packaged.scenario_names():
            return (packaged.scenario_text(str(path)),
                    packaged.scenario_display_path(str(path)), str(path))
        raise ScenarioError(str(path), [Problem((), "no such file (nor a packaged scenario: "
                                               f"{', '.join(packaged.scenario_names())})")])
    big = too_big(p.stat().st_size)
    if big is not None:
        raise ScenarioError(str(path), [big])
    try:
        return p.read_text(encoding="utf-8"), str(path), None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [Problem((), f"cannot read the file: {exc}")]) from None


def parse_scenario(text: str, file: str = "<scenario>", *,
                   force_option: str | None = None, as_of: date | None = None) -> Scenario:
    """Validate scenario text; `file` is the name errors are reported under.

    With `as_of`, the pledges are rebuilt from the packaged ledger up to that date before
    validation, and the text (which the run store hashes) records the date.
    """
    doc, data = _document(text, file)
    return _validated(doc, data, text, file, force_option, as_of)


def _document(text: str, file: str) -> tuple[Any, dict[str, Any]]:
    """The parsed YAML (with its line marks) and its plain data; syntax problems raised."""
    doc, problems = parse(text)
    if problems:
        raise ScenarioError(file, problems)
    if doc is None:
        raise ScenarioError(file, [Problem((), "the file is empty; a scenario is a mapping with "
                                           "at least name, default_state, regions, roles, "
                                           "states, mission_lines and nations", 1, 1)])
    if not isinstance(doc, dict):
        raise ScenarioError(file, [Problem((), "a scenario must be a mapping (key: value), got "
                                           f"a {type(plain(doc)).__name__}", 1, 1)])
    return doc, plain(doc)


def _validated(doc: Any, data: dict[str, Any], text: str, file: str,
               force_option: str | None, as_of: date | None) -> Scenario:
    """The scenario of parsed data, as of a date when one is given (`data` is not changed)."""
    if as_of is not None:
        data, text = _as_of(data, doc, text, as_of, file)
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(file, problems_from(exc, doc, ScenarioSpec)) from None
    return from_spec(spec, file, text, force_option=force_option, doc=doc)


def from_spec(spec: ScenarioSpec, file: str = "<generated>", text: str | None = None, *,
              force_option: str | None = None, overrides: Mapping[str, Any] | None = None,
              doc: Any = None) -> Scenario:
    """Resolve a validated spec (built in code, e.g. by the synthetic generator).

    The force option's overrides apply first, then `overrides` (dotted paths, see
    `overrides.py`; `force_option` among them chooses the option). `doc` is the parsed YAML
    when there is one, so that problems carry their lines; `text` defaults to the spec dumped
    as JSON (it is what the run store hashes).
    """
    if text is None:
        text = spec.model_dump_json(by_alias=True, exclude_none=True)
    overrides = dict(overrides or {})
    chosen = overrides.get("force_option", force_option)
    option = chosen if chosen is not None else spec.force_option
    if chosen is not None and chosen not in spec.force_options:
        valid = ", ".join(spec.force_options) or "none declared"
        raise ScenarioError(file, [Problem(("force_option",), f"unknown force option '{chosen}'; "
                                           f"valid: {valid}")])
    resolved, problems = _resolve(spec, option, overrides, doc)
    for other in sorted(set(spec.force_options) - {option}):  # `validate` checks every option
        problems += _resolve(spec, other, {}, doc)[1]
    problems = list(dict.fromkeys(problems))  # the references check sees every option's paths too
    if problems:
        raise ScenarioError(file, problems)
    catalogue = _catalogue(resolved)
    figures = {iso: _figures(iso, resolved, packaged.nations()) for iso in resolved.nations}
    return Scenario(spec=resolved, file=file, text=text, force_option=option, catalogue=catalogue,
                    figures=figures, pledges=_pledges(resolved, catalogue, figures),
                    rules=_rules(resolved), base=spec, overrides=overrides)


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """The scenario with some fields changed, for a what-if: `{"nations.FRA.willingness": 0.2}`.

    Paths are those of `overrides.py` (`force_option` chooses another force option); they
    add to the overrides the scenario already has. Raises `ScenarioError` naming each path
    that does not exist or each value that is not valid, and what is.
    """
    return from_spec(scenario.base or scenario.spec, scenario.file, scenario.text,
                     force_option=scenario.force_option,
                     overrides={**scenario.overrides, **overrides})


def _resolve(spec: ScenarioSpec, option: str | None, overrides: dict[str, Any],
             doc: Any) -> tuple[ScenarioSpec, list[Problem]]:
    """The spec with its force option's overrides, then `overrides`, applied and checked.

    Problems an override causes are told at the override (in the file, at its key).
    """
    layers: list[tuple[Mapping[str, Any], tuple[PathPart, ...]]] = [
        (spec.force_options[option].overrides, ("force_options", option, "overrides"))
    ] if option in spec.force_options else []
    layers += [(overrides, ())] if overrides else []
    if not any(values for values, _ in layers):
        found = check(spec, _catalogue(spec), packaged.nations())
        return spec, [_located(doc, p) for p in found]
    data = spec.model_dump(by_alias=True, exclude_unset=True)
    given: dict[tuple[PathPart, ...], tuple[PathPart, ...]] = {}
    problems: list[Problem] = []
    for values, where in layers:
        data, at, wrong = override(data, values, ScenarioSpec, where)
        given.update(at)
        problems += wrong
    if problems:
        return spec, [_located(doc, p) for p in problems]
    try:
        resolved = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        found = [replace(p, path=in_data(data, p.path))
                 for p in problems_from(exc, None, ScenarioSpec)]
        return spec, [_located(doc, relocate(p, given) or p) for p in found]
    found = check(resolved, _catalogue(resolved), packaged.nations())
    return resolved, [_located(doc, relocate(p, given) or p) for p in found]


def _as_of(data: dict[str, Any], doc: Any, text: str, day: date,
           file: str) -> tuple[dict[str, Any], str]:
    """The scenario's data with its pledges as of `day`, and its text marked with the date."""
    components = {cid: c.component for cid, c in packaged.capabilities().items()}
    for cid, over in (data.get("capabilities") or {}).items():
        if isinstance(over, dict) and over.get("component"):
            components[cid] = over["component"]
    keys = ((data.get("ledger") or {}).get("pledges") or {})
    unknown = [k for k in keys if k not in components and k not in MISSION_LINES]
    if unknown:
        raise ScenarioError(file, [_located(doc, Problem(
            ("ledger", "pledges", k), "must be a capability id or a mission line "
            f"({', '.join(MISSION_LINES)})")) for k in unknown])
    out, _ = ledger.as_of(data, ledger.packaged_ledger(), day, components)
    return out, f"{text.rstrip()}\n# as of {day.isoformat()}: pledges from the public ledger\n"


def _located(doc: Any, problem: Problem) -> Problem:
    if doc is None:
        return problem
    path, line, col = locate(doc, problem.path)
    return replace(problem, path=path, line=line, column=col)


def _catalogue(spec: ScenarioSpec) -> dict[str, packaged.Capability]:
    """The packaged catalogue with the scenario's additions and overrides."""
    cat = dict(packaged.capabilities())
    for cid, over in spec.capabilities.items():
        values = {k: v for k, v in over.model_dump().items() if v is not None}
        if "substitutes" in values:
            values["substitutes"] = tuple(values["substitutes"])
        base = cat.get(cid)
        cat[cid] = packaged.updated(base, values) if base else packaged.new_capability(cid, values)
    return cat


def _rules(spec: ScenarioSpec) -> list[RuleRecord]:
    """Sizing rules of every mission line (the force option's overrides already applied)."""
    return [RuleRecord(line_id, line.component, rule)
            for line_id, line in spec.mission_lines.items() for rule in line.requirements]


def _figures(iso: str, spec: ScenarioSpec,
             table: dict[str, packaged.NationFigures]) -> packaged.NationFigures:
    """Packaged figures for a nation, overridden by what the scenario states."""
    n = spec.nations[iso]
    over = {k: getattr(n, k) for k in NATION_FIGURES if getattr(n, k) is not None}
    base = table.get(iso)
    return packaged.updated(base, over) if base else packaged.new_nation(iso, over)


def _pledges(spec: ScenarioSpec, catalogue: dict[str, packaged.Capability],
             figures: dict[str, packaged.NationFigures]) -> list[PledgeRecord]:
    d = spec.defaults
    out: list[PledgeRecord] = []
    for iso, nation in spec.nations.items():
        for k, p in enumerate(nation.pledges):
            rotation = p.rotation if p.rotation is not None else d.rotation
            if p.count is not None:
                count, rule = p.count, "stated count"
            elif p.deployed is not None:
                count = math.ceil(p.deployed * rotation - 1e-9)
                rule = f"ceil({p.deployed} deployed × rotation {rotation:g})"
            else:
                share = p.share_of_active or 0.0
                active = figures[iso].active_personnel or 0
                ppu = max(catalogue[p.capability].personnel_per_unit, 1)
                count = max(1, math.floor(share * active / ppu))
                rule = f"floor({share:g} × {active:,} active / {ppu} per unit), at least 1"
            conditions = tuple(dict.fromkeys([*map(str, nation.conditions), *map(str, p.conditions)]))
            out.append(PledgeRecord(
                id=p.id or f"{iso}-{k + 1}", nation=iso, capability=p.capability, count=count,
                rotation=rotation, deployed=p.deployed,
                max_tour_months=p.max_tour_months if p.max_tour_months is not None
                else d.max_tour_months,
                readiness_days=p.readiness_days if p.readiness_days is not None
                else d.readiness_days,
                regions=tuple(p.regions), roles=tuple(p.roles), states=tuple(p.states),
                conditions=conditions, source=p.source, assumption=p.assumption, count_rule=rule,
                lend=p.lend,
            ))
    return out


__all__ = ["Condition", "PledgeRecord", "RuleRecord", "Scenario", "SizingRule", "apply_overrides",
           "from_spec", "load_as_of_each", "load_scenario", "parse_scenario"]
