"""What changed from one scenario text to another, by meaning rather than by line.

A line diff of two scenario files says that line 512 changed; a planner wants "POL's third
pledge went from 3 to 2 fighter squadrons". `diff_scenarios` reads both texts as YAML (no
validation: a draft with errors still has a diff) and compares them structurally:

- **nations** added, removed, or with a field changed (willingness, tier, conditions, ...);
- **pledges** of each nation added, removed or changed field by field (old → new), named by
  their id in `b` (`pledge`) and in `a` (`pledge_a`: ids by position shift). A pledge
  with an `id` is matched by it; the others are matched in order by capability, so removing
  a nation's second pledge is one removal, not every later pledge "changed";
- **requirements** of each mission line, matched by their `id`, the same way;
- **settings**: every other value (regions, entry points, states, uncertainty, force options,
  defaults, ...) by its dotted path.

Every record is flat (one field change per row) and each per-nation record names its `nation`,
so the web service's releasability filter can drop another nation's rows before anyone sees
them; `describe` turns the records (filtered or not) into one line per change.
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import SequenceMatcher
from typing import Any

from ruamel.yaml import YAML, YAMLError

from willing.results import Field, Part, Table

NOTES = frozenset({"source", "assumption", "description"})
"""Free-text fields (they can be paragraphs): `describe` says that they changed, not how; the
records keep both texts."""

PARTS: tuple[Part, ...] = (
    Field("same"),
    Table("nations", nation="nation"),
    Table("pledges", nation="nation"),
    Table("requirements"),
    Table("settings"),
)
"""What a scenario diff is made of, for the releasability filter: nation and pledge rows
belong to their nation."""


def diff_scenarios(text_a: str, text_b: str) -> dict[str, Any]:
    """The structural changes from scenario text `text_a` to `text_b` (see the module doc).

    Raises ValueError naming the text ("a" or "b") and line when either is not a YAML mapping.
    """
    a, b = _load(text_a, "a"), _load(text_b, "b")
    nations_a, nations_b = _mapping(a.get("nations")), _mapping(b.get("nations"))
    out: dict[str, Any] = {
        "nations": list(_nations(nations_a, nations_b)),
        "pledges": [row for iso in _keys(nations_a, nations_b) if iso in nations_a and iso in nations_b
                    for row in _pledges(iso, _list(_mapping(nations_a[iso]).get("pledges")),
                                        _list(_mapping(nations_b[iso]).get("pledges")))],
        "requirements": list(_requirements(_mapping(a.get("mission_lines")),
                                           _mapping(b.get("mission_lines")))),
        "settings": [{"path": p, "a": va, "b": vb} for p, va, vb in _changes(
            {k: v for k, v in a.items() if k not in ("nations", "mission_lines")},
            {k: v for k, v in b.items() if k not in ("nations", "mission_lines")})],
    }
    out["same"] = not any(out[k] for k in ("nations", "pledges", "requirements", "settings"))
    return out


def describe(diff: dict[str, Any]) -> list[str]:
    """One line per change of a `diff_scenarios` result (as filtered for a viewer), for a
    version's change summary and the compare page."""
    lines = [_line(f"nation {r['nation']}", r) for r in diff.get("nations", [])]
    lines += [_line(f"pledge {r['pledge']}" + (f" (was {r['pledge_a']})" if r["pledge_a"] not in
                                               (None, r["pledge"]) else "")
                    + f" {r['capability']}", r) for r in diff.get("pledges", [])]
    lines += [_line(f"requirement {r['mission_line']}" + (f"/{r['requirement']}"
                                                          if r["requirement"] else ""), r)
              for r in diff.get("requirements", [])]
    lines += [_line("", {"change": "changed", "field": r["path"], "a": r["a"], "b": r["b"]})
              for r in diff.get("settings", [])]
    return lines


def _line(what: str, r: dict[str, Any]) -> str:
    if r["change"] != "changed":
        return f"{what} {r['change']}"
    field = f"{what} {r['field']}".strip()
    if str(r["field"]).rsplit(".", 1)[-1] in NOTES and r["a"] is not None and r["b"] is not None:
        return f"{field} reworded"
    return f"{field}: {_show(r['a'])} → {_show(r['b'])}"


def _load(text: str, which: str) -> dict[str, Any]:
    try:
        doc = YAML(typ="safe").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"scenario {which}{where}: not valid YAML "
                         f"({getattr(exc, 'problem', None) or exc})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ValueError(f"scenario {which}: expected a mapping of scenario fields "
                         f"(name, nations, mission_lines, ...), got {type(doc).__name__}")
    return doc


def _mapping(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Keys of `a` in their order, then those only in `b`."""
    return [*a, *(k for k in b if k not in a)]


def _show(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return "[" + ", ".join(map(_show, v)) + "]"
    return str(v)


def _changes(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(dotted path, old, new) of every changed leaf; a list of mappings with `id`s is
    compared by id, any other list as one value."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in _keys(a, b):
            yield from _changes(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
    elif _by_id(a) is not None and _by_id(b) is not None:
        yield from _changes(_by_id(a), _by_id(b), path)
    elif a != b:
        yield path, a, b


def _by_id(v: Any) -> dict[str, Any] | None:
    if isinstance(v, list) and v and all(isinstance(x, dict) and "id" in x for x in v):
        return {str(x["id"]): x for x in v}
    return None


def _nations(a: dict[str, Any], b: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for iso in _keys(a, b):
        if iso not in b:
            yield {"nation": iso, "change": "removed", "field": None, "a": None, "b": None}
        elif iso not in a:
            yield {"nation": iso, "change": "added", "field": None, "a": None, "b": None}
        else:
            na = {k: v for k, v in _mapping(a[iso]).items() if k != "pledges"}
            nb = {k: v for k, v in _mapping(b[iso]).items() if k != "pledges"}
            for path, va, vb in _changes(na, nb):
                yield {"nation": iso, "change": "changed", "field": path, "a": va, "b": vb}


def _pledge_id(iso: str, k: int, p: Any) -> str:
    """The pledge's id as the scenario gives it: its own, or `<ISO3>-<n>` by position."""
    return str(p["id"]) if isinstance(p, dict) and p.get("id") else f"{iso}-{k + 1}"


def _pledges(iso: str, a: list[Any], b: list[Any]) -> Iterator[dict[str, Any]]:
    """Pledge rows of one nation: pledges with an id matched by it, the rest aligned in
    order by capability (a longest-matching alignment, as `difflib` aligns lines)."""
    ids_a = [_pledge_id(iso, k, p) for k, p in enumerate(a)]
    ids_b = [_pledge_id(iso, k, p) for k, p in enumerate(b)]
    named_a = {i: k for k, (i, p) in enumerate(zip(ids_a, a, strict=True)) if _mapping(p).get("id")}
    named_b = {i: k for k, (i, p) in enumerate(zip(ids_b, b, strict=True)) if _mapping(p).get("id")}
    pairs = [(named_a[i], named_b[i]) for i in named_a if i in named_b]
    rest_a = [k for k in range(len(a)) if k not in {x for x, _ in pairs}]
    rest_b = [k for k in range(len(b)) if k not in {y for _, y in pairs}]
    caps_a = [str(_mapping(a[k]).get("capability")) for k in rest_a]
    caps_b = [str(_mapping(b[k]).get("capability")) for k in rest_b]
    matcher = SequenceMatcher(a=caps_a, b=caps_b, autojunk=False)
    for block in matcher.get_matching_blocks():
        pairs += [(rest_a[block.a + j], rest_b[block.b + j]) for j in range(block.size)]
    paired_a, paired_b = {x for x, _ in pairs}, {y for _, y in pairs}

    def row(change: str, pledge: str | None, was: str | None, p: Any, **more: Any
            ) -> dict[str, Any]:
        return {"nation": iso, "pledge": pledge or was, "pledge_a": was,
                "capability": _mapping(p).get("capability"), "change": change,
                "field": None, "a": None, "b": None, **more}

    for k, p in enumerate(a):
        if k not in paired_a:
            yield row("removed", None, ids_a[k], p)
    for x, y in sorted(pairs, key=lambda xy: xy[1]):
        for path, va, vb in _changes(_mapping(a[x]), _mapping(b[y])):
            if path != "id":
                yield row("changed", ids_b[y], ids_a[x], b[y], field=path, a=va, b=vb)
    for k, p in enumerate(b):
        if k not in paired_b:
            yield row("added", ids_b[k], None, p)


def _requirements(a: dict[str, Any], b: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for line in _keys(a, b):
        ma, mb = _mapping(a.get(line)), _mapping(b.get(line))
        ra = {str(r.get("id")): r for r in _list(ma.get("requirements")) if isinstance(r, dict)}
        rb = {str(r.get("id")): r for r in _list(mb.get("requirements")) if isinstance(r, dict)}
        for rid in _keys(ra, rb):
            base = {"mission_line": line, "requirement": rid, "field": None, "a": None, "b": None}
            if rid not in rb:
                yield {**base, "change": "removed"}
            elif rid not in ra:
                yield {**base, "change": "added"}
            else:
                for path, va, vb in _changes(ra[rid], rb[rid]):
                    yield {**base, "change": "changed", "field": path, "a": va, "b": vb}
        rest_a = {k: v for k, v in ma.items() if k != "requirements"}
        rest_b = {k: v for k, v in mb.items() if k != "requirements"}
        for path, va, vb in _changes(rest_a, rest_b):
            yield {"mission_line": line, "requirement": None, "change": "changed",
                   "field": path, "a": va, "b": vb}


__all__ = ["PARTS", "describe", "diff_scenarios"]
