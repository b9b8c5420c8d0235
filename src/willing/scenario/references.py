"""Cross-reference checks: every id a scenario uses must be declared, with the valid ones named."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

import pycountry

from willing.scenario.errors import PathPart, Problem, dotted
from willing.scenario.model import ScenarioSpec
from willing.scenario.packaged import NationFigures

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


def check(spec: ScenarioSpec, capability_ids: set[str],
          figures: dict[str, NationFigures]) -> list[Problem]:
    """Every problem with the ids a validated scenario refers to."""
    regions, roles, states = set(spec.regions), set(spec.roles), set(spec.states)
    out: list[Problem] = []

    if spec.default_state not in states:
        out.append(_unknown("state", spec.default_state, states, ("default_state",)))
    if spec.force_option is not None and spec.force_option not in spec.force_options:
        out.append(_unknown("force option", spec.force_option, spec.force_options, ("force_option",)))

    for cid, cap in spec.capabilities.items():
        out += _each("capability", cap.substitutes or [], capability_ids,
                     ("capabilities", cid, "substitutes"))
        if cap.parent is not None and cap.parent not in capability_ids:
            out.append(_unknown("capability", cap.parent, capability_ids,
                                ("capabilities", cid, "parent")))

    out += _check_events(spec, states)
    out += _check_entry_points(spec, regions, states)

    seen_req: dict[str, Path] = {}
    for line_id, line in spec.mission_lines.items():
        for i, rule in enumerate(line.requirements):
            base: Path = ("mission_lines", line_id, "requirements", i)
            if rule.id in seen_req:
                out.append(Problem((*base, "id"), f"duplicate requirement id '{rule.id}' "
                                   f"(first at {dotted(seen_req[rule.id])})"))
            seen_req[rule.id] = base
            if rule.role not in roles:
                out.append(_unknown("role", rule.role, roles, (*base, "role")))
            out += _each("state", rule.states, states, (*base, "states"))
            for field in ("capability", "escort_capability"):
                cap_id = getattr(rule, field, None)
                if cap_id is not None and cap_id not in capability_ids:
                    out.append(_unknown("capability", cap_id, capability_ids, (*base, field)))
            region = getattr(rule, "region", None)
            if region is not None and region not in regions:
                out.append(_unknown("region", region, regions, (*base, "region")))
            for r in getattr(rule, "region_split", {}) or {}:
                if r not in regions:
                    out.append(_unknown("region", r, regions, (*base, "region_split", r)))
            for k, t in enumerate(getattr(rule, "template", []) or []):
                if t.capability not in capability_ids:
                    out.append(_unknown("capability", t.capability, capability_ids,
                                        (*base, "template", k, "capability")))
                if t.role is not None and t.role not in roles:
                    out.append(_unknown("role", t.role, roles, (*base, "template", k, "role")))

    for opt_id, opt in spec.force_options.items():
        for req_id in opt.overrides:
            if req_id not in seen_req:
                out.append(_unknown("requirement", req_id, seen_req,
                                    ("force_options", opt_id, "overrides", req_id)))

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
    return out


def _check_entry_points(spec: ScenarioSpec, regions: set[str], states: set[str]) -> list[Problem]:
    """Entry points serve declared regions and open in declared states."""
    out: list[Problem] = []
    for eid, ep in spec.entry_points.items():
        out += _each("region", ep.regions, regions, ("entry_points", eid, "regions"))
        out += _each("state", ep.states, states, ("entry_points", eid, "states"))
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
