"""Edits to scenario YAML that keep the file as its author wrote it.

The builder page's forms (a nation on or off, a pledge's count, a willingness, conditions) and a
national representative's proposal change a few values of a scenario; loading and dumping it
round-trip (ruamel.yaml) keeps every comment and flow mapping of the rest. What the dump still
rewrites (a flow list written over several lines comes out on one, quotes it does not need are
dropped) is undone by applying only the dump's changed lines to the original text, so the saved
version differs from its parent only where it was edited.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from willing.scenario.errors import PathPart, dotted
from willing.scenario.yamlmarks import parse, plain

WIDTH = 4096
"""Line width when dumping: wide enough that no line of a scenario is re-wrapped."""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = WIDTH
    yaml.indent(mapping=2, sequence=4, offset=2)  # `  - item` under its key, as packaged
    return yaml


def _load(text: str) -> Any:
    """The document of `text` as the scenario loader reads it (its bounds, its messages), which
    must be a YAML mapping (ValueError naming the problem)."""
    doc, problems = parse(text)
    if problems:
        p = problems[0]
        raise ValueError(f"line {p.line}: {p.message}" if p.line else p.message)
    if not isinstance(doc, dict):
        raise ValueError("a scenario must be a YAML mapping (key: value)")
    return doc


def dump(doc: Any) -> str:
    """YAML text of a round-trip document (or of plain data)."""
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def apply_changes(text: str, changes: Iterable[tuple[Sequence[PathPart], Any]]) -> str:
    """`text` with each (path, value) set, in order; a value of None deletes the key or item
    (a nation turned off). A mapping on the path that does not exist yet is created; a path
    through something that is not a mapping or a list is a ValueError naming it."""
    doc = _load(text)
    canonical = dump(doc)
    for path, value in changes:
        _put(doc, path, value)
    return _onto(text, canonical, dump(doc))


def _onto(original: str, canonical: str, edited: str) -> str:
    """The changes from `canonical` (`original` as dumped) to `edited`, made to `original`'s
    own lines; `edited` itself when a changed line has no counterpart there."""
    if original == canonical:
        return edited
    o, c, e = (t.splitlines(keepends=True) for t in (original, canonical, edited))
    at = {a + k: b + k for a, b, size in
          SequenceMatcher(None, c, o, autojunk=False).get_matching_blocks() for k in range(size)}
    out: list[str] = []
    done = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, c, e, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2:  # an insertion: after the original of the line before, or at the start
            start = end = at[i1 - 1] + 1 if i1 - 1 in at else 0 if i1 == 0 else -1
        elif all(i in at for i in range(i1, i2)) and at[i2 - 1] - at[i1] == i2 - 1 - i1:
            start, end = at[i1], at[i2 - 1] + 1
        else:
            start = end = -1
        if start < done:
            return edited
        out += o[done:start] + e[j1:j2]
        done = end
    return "".join(out + o[done:])


def _put(doc: Any, path: Sequence[PathPart], value: Any) -> None:
    if not path:
        raise ValueError("a change names the field it sets, e.g. nations.POL.willingness")
    node = doc
    for i, step in enumerate(path[:-1]):
        node = _child(node, step, path[: i + 1])
    _set(node, path[-1], value, path)


def _child(node: Any, step: PathPart, where: Sequence[PathPart]) -> Any:
    if isinstance(node, dict):
        if step not in node:
            node[step] = CommentedMap()
        return node[step]
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    raise ValueError(f"{dotted(where)}: no such field in the scenario")


def _set(node: Any, key: PathPart, value: Any, path: Sequence[PathPart]) -> None:
    if isinstance(node, dict):
        if value is None:
            node.pop(key, None)
        else:
            node[key] = _styled(value, node.get(key))
        return
    if isinstance(node, list) and isinstance(key, int) and 0 <= key <= len(node):
        if value is None:
            if key < len(node):
                del node[key]
        elif key == len(node):
            node.append(_styled(value, None))
        else:
            node[key] = _styled(value, node[key])
        return
    raise ValueError(f"{dotted(path)}: no such field in the scenario")


def _styled(value: Any, old: Any) -> Any:
    """A list of short values (conditions, regions) stays on one line as `[a, b]`, as the
    packaged scenarios write them; a list replacing a flow list keeps its style."""
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict) and isinstance(old, CommentedMap) and old.fa.flow_style():
        m = CommentedMap(value)
        m.fa.set_flow_style()
        return m
    return value


def nations_form(text: str) -> list[dict[str, Any]]:
    """What the builder's forms show of each nation: tier, willingness, conditions, and each
    pledge's index, id, capability, count (or share of active personnel) and conditions."""
    nations = plain(_load(text)).get("nations")
    out = []
    for iso, n in (nations.items() if isinstance(nations, dict) else ()):
        if not isinstance(n, dict):
            continue
        listed = n.get("pledges")
        pledges: list[Any] = listed if isinstance(listed, list) else []
        out.append({"nation": iso, "tier": n.get("tier"), "willingness": n.get("willingness"),
                    "conditions": n.get("conditions") or [], "entry": n,
                    "pledges": [{"index": i, "id": p.get("id") or f"{iso}-{i + 1}",
                                 "capability": p.get("capability"), "count": p.get("count"),
                                 "share_of_active": p.get("share_of_active"),
                                 "conditions": p.get("conditions") or []}
                                for i, p in enumerate(pledges) if isinstance(p, dict)]})
    return out


def changed_outside(before: str, after: str, keep: Sequence[PathPart]) -> list[str]:
    """Dotted paths where the data of `after` differs from `before`, except under `keep` (a
    national representative's own pledges): what an edit changed that it may not."""
    a, b = plain(_load(before)), plain(_load(after))
    out: list[str] = []
    _differences(a, b, (), tuple(keep), out)
    return out


def _differences(a: Any, b: Any, at: tuple[PathPart, ...], keep: tuple[PathPart, ...],
                 out: list[str]) -> None:
    if at == keep:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in dict.fromkeys([*a, *b]):
            _differences(a.get(k), b.get(k), (*at, k), keep, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _differences(x, y, (*at, i), keep, out)
    elif a != b:
        out.append(dotted(at))


def with_part(text: str, source: str, path: Sequence[PathPart]) -> str:
    """`text` with the value at `path` taken from `source` (as written there): a proposal's
    pledges put into the full scenario the representative saw only part of."""
    doc, node = _load(text), _load(source)
    for step in path:
        node = node[step]
    canonical = dump(doc)
    _put(doc, path, node)
    return _onto(text, canonical, dump(doc))


__all__ = ["apply_changes", "changed_outside", "dump", "nations_form", "with_part"]
