"""Cross-reference checks: every id a scenario uses must be declared, with the valid ones named."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import pycountry

from willing.scenario.errors import PathPart, Problem, dotted
from willing.scenario.model import AirliftRule, CapRule, HeadlineRule, RuleBase, ScenarioSpec
from willing.scenario.overrides import override
from willing.scenario.packaged import Capability, NationFigures

Path = tuple[PathPart, ...]


def _unknown(kind: str, value: str, valid: Iterable[str], path: Path) -> Problem:
    names = sorted(valid)
    close = difflib.get_close_matches(value, names, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    shown = ", ".join(names) if len(names) <= 40 else ", ".join(names[:40]) + ", …"
    return Problem(path, f"unknown {kind} '{value}'{hint}; valid: {shown}")


def _each(kind: str, values: Iterable[str], valid: set[str], path: Path,
          indexed: bool = True) -> Iterator[Problem]:
    for i, v in enumerate(values):
        if v not in valid:
            yield _unknown(kind, v, valid, (*path, i) if indexed else path)


def check(spec: ScenarioSpec, catalogue: Mapping[str, Capability],
          figures: dict[str, NationFigures]) -> list[Problem]:
    """Every problem with the ids a validated scenario refers to."""
    capability_ids = set(catalogue)
    parents = {c.parent for c in catalogue.values() if c.parent}  # what a pledge may lend
    regions, roles, states = set(spec.regions), set(spec.roles), set(spec.states)
    valid = {"region": regions, "role": roles, "state": states, "capability": capability_ids,
             **_requirement_kinds(spec)}
    out: list[Problem] = []

    if spec.default_state not in states:
        out.append(_unknown("state", spec.default_state, states, ("default_state",)))
    if spec.force_option is not None and spec.force_option not in spec.force_options:
        out.append(_unknown("force option", spec.force_option, spec.force_options, ("force_option",)))

    for cid, cap in spec.capabilities.items():
        out += _each("capability", getattr(cap, "substitutes", None) or [], capability_ids,
                     ("capabilities", cid, "substitutes"))
        parent = getattr(cap, "parent", None)
        if parent is not None and parent not in capability_ids:
            out.append(_unknown("capability", parent, capability_ids,
                                ("capabilities", cid, "parent")))

    out += _check_events(spec, states)
    out += _check_entry_points(spec, regions, states)
    out += _check_access(spec, roles, states, capability_ids)

    seen_req: dict[str, Path] = {}
    for line_id, line in spec.mission_lines.items():
        for i, rule in enumerate(line.requirements):
            base: Path = ("mission_lines", line_id, "requirements", i)
            if rule.id in seen_req:
                out.append(Problem((*base, "id"), f"duplicate requirement id '{rule.id}' "
                                   f"(first at {dotted(seen_req[rule.id])})"))
            seen_req[rule.id] = base
            out += _rule_references(rule, base, valid)

    data = spec.model_dump(by_alias=True, exclude_unset=True)
    for opt_id, opt in spec.force_options.items():
        where: Path = ("force_options", opt_id, "overrides")
        for problem in override(data, opt.overrides, ScenarioSpec, where)[2]:
            key = str(problem.path[-1])
            if key in seen_req:  # the form before field paths: `<requirement id>: {field: value}`
                owner = seen_req[key][1]
                problem = replace(problem, message=f"{problem.message}; a requirement is "
                                  f"overridden by its path, e.g. mission_lines.{owner}."
                                  f"requirements.{key}.<field>")
            out.append(problem)

    pledge_ids: set[str] = set()
    for iso, nation in spec.nations.items():
        npath: Path = ("nations", iso)
        if len(iso) != 3 or not iso.isupper() or pycountry.countries.get(alpha_3=iso) is None:
            out.append(Problem(npath, f"'{iso}' is not an ISO 3166-1 alpha-3 country code "
                               "(e.g. GBR, FRA, POL)"))
        elif iso not in figures:
            missing = [f for f in ("population", "gdp_usd_bn", "milex_usd_bn", "active_personnel")
                       if getattr(nation, f) is None]
            if missing:
                out.append(Problem(npath, f"{iso} is not in the packaged nations table; give "
                                   f"{', '.join(missing)}"))
        for k, pledge in enumerate(nation.pledges):
            ppath: Path = (*npath, "pledges", k)
            pid = pledge.id or f"{iso}-{k + 1}"
            if pid in pledge_ids:
                out.append(Problem((*ppath, "id"), f"duplicate pledge id '{pid}'"))
            pledge_ids.add(pid)
            if pledge.capability not in capability_ids:
                out.append(_unknown("capability", pledge.capability, capability_ids,
                                    (*ppath, "capability")))
            out += _each("region", pledge.regions, regions, (*ppath, "regions"))
            out += _each("role", pledge.roles, roles, (*ppath, "roles"))
            out += _each("state", pledge.states, states, (*ppath, "states"))
            out += _each("entry point", pledge.entry_points, set(spec.entry_points),
                         (*ppath, "entry_points"))
            if pledge.lend and pledge.capability in capability_ids \
                    and pledge.capability not in parents:
                out.append(Problem((*ppath, "lend"), f"'{pledge.capability}' has no sub-unit in "
                                   "the catalogue to lend; capabilities with one: "
                                   f"{', '.join(sorted(parents))}"))
    return out


def _requirement_kinds(spec: ScenarioSpec) -> dict[str, set[str]]:
    """The requirement ids a rule may derive from, by kind: enabler rules name the `cap` or
    `headline` rule they support; airlift names any requirement but another airlift one (so
    that no derivation can come back to itself)."""
    rules = [r for line in spec.mission_lines.values() for r in line.requirements]
    return {"cap requirement": {r.id for r in rules if isinstance(r, CapRule)},
            "headline requirement": {r.id for r in rules if isinstance(r, HeadlineRule)},
            "supported requirement": {r.id for r in rules if not isinstance(r, AirliftRule)}}


def _rule_references(rule: RuleBase, base: Path, valid: dict[str, set[str]]) -> list[Problem]:
    """Every id a sizing rule names, as its class declares them (`RuleBase.references`)."""
    out: list[Problem] = []
    for field_path, kind in type(rule).references.items():
        for value, path in _ids_at(rule, field_path.split("."), base):
            if value not in valid[kind]:
                out.append(_unknown(kind, value, valid[kind], path))
    return out


def _ids_at(node: Any, steps: list[str], path: Path) -> Iterator[tuple[str, Path]]:
    """The values at a declared field path: `name` a field, `name[]` each item, `name{}` each key."""
    if not steps:
        if node is not None:
            yield str(node), path
        return
    step, rest = steps[0], steps[1:]
    name = step.rstrip("[]{}")
    value = getattr(node, name, None)
    if value is None:
        return
    if step.endswith("[]"):
        for i, item in enumerate(value):
            yield from _ids_at(item, rest, (*path, name, i))
    elif step.endswith("{}"):
        for key in value:
            yield str(key), (*path, name, key)
    else:
        yield from _ids_at(value, rest, (*path, name))


def _check_entry_points(spec: ScenarioSpec, regions: set[str], states: set[str]) -> list[Problem]:
    """Entry points serve declared regions and open in declared states."""
    out: list[Problem] = []
    for eid, ep in spec.entry_points.items():
        out += _each("region", ep.regions, regions, ("entry_points", eid, "regions"))
        out += _each("state", ep.states, states, ("entry_points", eid, "states"))
    return out


def _check_access(spec: ScenarioSpec, roles: set[str], states: set[str],
                  capability_ids: set[str]) -> list[Problem]:
    """Access rules name declared states, roles and capabilities, and real nations."""
    out: list[Problem] = []
    for rid, region in spec.regions.items():
        for k, rule in enumerate(region.access):
            base: Path = ("regions", rid, "access", k)
            out += _each("state", rule.states, states, (*base, "states"))
            out += _each("role", rule.roles, roles, (*base, "roles"))
            out += _each("capability", rule.capabilities, capability_ids, (*base, "capabilities"))
            for i, iso in enumerate(rule.admits):
                if pycountry.countries.get(alpha_3=iso) is None or iso != iso.upper():
                    out.append(Problem((*base, "admits", i), f"'{iso}' is not an ISO 3166-1 "
                                       "alpha-3 country code (e.g. TUR, ROU, BGR)"))
    return out


def _check_events(spec: ScenarioSpec, states: set[str]) -> list[Problem]:
    """Events join declared states, and every state can be reached from the default state."""
    out: list[Problem] = []
    seen: set[str] = set()
    links: dict[str, set[str]] = {s: set() for s in states}
    for i, ev in enumerate(spec.events):
        if ev.id in seen:
            out.append(Problem(("events", i, "id"), f"duplicate event id '{ev.id}'"))
        seen.add(ev.id)
        for field, value in (("from", ev.from_), ("to", ev.to)):
            if value not in states:
                out.append(_unknown("state", value, states, ("events", i, field)))
        if ev.from_ in states and ev.to in states:
            links[ev.from_].add(ev.to)
            links[ev.to].add(ev.from_)
    if spec.events and spec.default_state in states:
        reached, todo = {spec.default_state}, [spec.default_state]
        while todo:
            for nxt in links[todo.pop()] - reached:
                reached.add(nxt)
                todo.append(nxt)
        for s in sorted(states - reached):
            out.append(Problem(("states", s), f"state '{s}' is unreachable: no event links it to "
                               f"the default state '{spec.default_state}'"))
    return out
