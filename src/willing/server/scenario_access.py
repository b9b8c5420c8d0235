"""What of a scenario text and its versions each role receives, and what a national
representative may change.

A scenario holds every nation's pledges, so it follows the service's releasability rules
(`willing.server.access`, docs/service.md):
- a **planner** receives the text as written;
- a **national representative** of X receives it with every other nation's entry reduced to
  its tier (their pledges, willingness, conditions, figures, sources and assumptions left out)
  and without comments. What is per nation lives in `nations`; the rest — regions, states,
  requirements, entry points, rules — is the coalition's shared planning frame, which they need
  to check their own pledges against, and is passed as written (text about one nation belongs
  in that nation's entry);
- an **observer** receives no text: of a version, its header and aggregate figures only.

A representative changes only `nations.X.pledges`; their edit is put into the full text of the
version they started from, and saved as a proposal for a planner to accept or reject.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from willing.scenario import ScenarioError
from willing.scenario import diff as scenario_diff
from willing.scenario.editing import dump
from willing.scenario.errors import PathPart
from willing.scenario.yamlmarks import parse, plain
from willing.server import scenarios
from willing.server.access import Role, Viewer, releasable
from willing.store import Version


class Forbidden(Exception):
    """The viewer's role may not do this (HTTP 403); the message says what they may do."""


def own_pledges(viewer: Viewer) -> tuple[PathPart, ...]:
    """Where in a scenario a national representative may change anything."""
    return ("nations", str(viewer.nation), "pledges")


def may_change(viewer: Viewer, paths: Sequence[str]) -> None:
    """Raise `Forbidden` when `viewer` may not change the fields at `paths` (dotted)."""
    if viewer.role is Role.OBSERVER:
        raise Forbidden("an observer cannot change or save scenarios; they see versions' "
                        "aggregate figures only")
    if viewer.role is Role.NATIONAL and paths:
        mine = f"nations.{viewer.nation}.pledges"
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        raise Forbidden(f"a national representative of {viewer.nation} may change only "
                        f"{viewer.nation}'s pledges ({mine}); this edit also changes {shown}")


def visible_yaml(text: str, viewer: Viewer) -> str:
    """The scenario text as `viewer` may receive it (see the module docstring)."""
    if viewer.role is Role.PLANNER:
        return text
    if viewer.role is Role.OBSERVER:
        raise Forbidden("an observer receives no scenario text; versions' aggregate figures "
                        "are at GET /api/versions")
    doc, _problems = parse(text)
    data = plain(doc) if isinstance(doc, dict) else {}
    listed = data.get("nations")
    nations: dict[str, Any] = listed if isinstance(listed, dict) else {}
    data["nations"] = {iso: n if iso == viewer.nation or not isinstance(n, dict)
                       else {"tier": n.get("tier")} for iso, n in nations.items()}
    return dump(_flowed(data))


def _flowed(v: Any) -> Any:
    """Plain data styled as the packaged scenarios write it: a mapping or list of plain values
    (a pledge, a list of regions) on one line, the rest in blocks."""
    if isinstance(v, dict):
        m = CommentedMap((k, _flowed(x)) for k, x in v.items())
        if v and all(_short(x) for x in v.values()):
            m.fa.set_flow_style()
        return m
    if isinstance(v, list):
        seq = CommentedSeq(_flowed(x) for x in v)
        if all(not isinstance(x, dict | list) for x in v):
            seq.fa.set_flow_style()
        return seq
    return v


def _short(v: Any) -> bool:
    return not isinstance(v, dict | list) or (
        isinstance(v, list) and all(not isinstance(x, dict | list) for x in v))


def version_view(v: Version, viewer: Viewer, text: bool = True) -> dict[str, Any] | None:
    """A version as `viewer` may receive it, with its text (an observer: its aggregates) unless
    `text` is False (a listing); None when they may not see it at all (another nation's
    proposal, to a representative)."""
    body = {k: x for k, x in v.to_dict().items() if k != "yaml"}
    changes = releasable(v.changes, viewer, scenario_diff.PARTS) if v.changes else {}
    body |= {"changes": changes, "summary": scenario_diff.describe(changes)}
    if viewer.role is Role.PLANNER:
        return {**body, "yaml": v.yaml} if text else body
    if viewer.role is Role.OBSERVER:
        seen = {"id": v.id, "name": v.name, "role": v.role, "created": body["created"],
                "note": releasable(v.note, viewer), "parent": v.parent, "status": v.status}
        return {**seen, "aggregates": aggregates(v.yaml)} if text else seen
    if v.nation not in (None, viewer.nation):
        return None
    seen = {**releasable({k: x for k, x in body.items() if k not in ("changes", "summary")},
                         viewer), "changes": changes, "summary": body["summary"],
            "nation": v.nation}
    return {**seen, "yaml": visible_yaml(v.yaml, viewer)} if text else seen


def aggregates(text: str) -> dict[str, Any]:
    """What any viewer may know of a scenario: how many nations and pledges, and the units
    pledged by capability (coalition totals, no nation named)."""
    try:
        sc, _info = scenarios.parsed(text, "<version>", None)
    except ScenarioError:
        return {}
    units = Counter[str]()
    for p in sc.pledges:
        units[p.capability] += p.count
    return {"nations": len(sc.spec.nations), "pledges": len(sc.pledges),
            "units_by_capability": dict(sorted(units.items()))}


__all__ = ["Forbidden", "aggregates", "may_change", "own_pledges", "version_view",
           "visible_yaml"]
