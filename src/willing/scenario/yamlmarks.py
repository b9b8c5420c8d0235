"""YAML reading that keeps line marks, and the lookup of a field path's line and column."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from willing.scenario.errors import PathPart, Problem

MAX_BYTES = 1_000_000
"""A scenario file is at most this long (the packaged one is about 40 kB)."""
MAX_DEPTH = 32
"""Nesting deeper than this is refused (a scenario needs about 7 levels)."""
MAX_VALUES = 100_000
"""Values in the document once aliases are expanded (the packaged scenario has about 2,800;
reading takes about 0.1 ms a value, so this bounds `validate` to seconds)."""
MAX_DIGITS = 40
"""Characters of a whole number: Python refuses to read decimals of more than 4,300 digits."""


def too_big(size: int) -> Problem | None:
    """The problem of a file of `size` bytes, checked before it is read or parsed."""
    if size <= MAX_BYTES:
        return None
    return Problem((), f"the file is {size:,} bytes; a scenario may have at most {MAX_BYTES:,}",
                   1, 1)


class LimitError(MarkedYAMLError):
    """A document beyond one of the limits above, marked where it went beyond."""


class _BoundedComposer(Composer):
    """ruamel's composer, refusing deep nesting, recursive aliases and alias bombs.

    Without these bounds a ten-line "billion laughs" file expands to 10⁹ values when the
    document is turned into plain data, and 500 nested brackets exhaust Python's recursion.
    Each node's expanded size (itself plus its children, aliases counted in full) is known
    when it is complete, and the document's is counted as it is read, so the bound costs an
    addition per node, expands nothing, and stops a long file early.
    """

    def compose_document(self) -> Any:
        self.warn_double_anchors = False  # YAML lets a later anchor of a name replace the first
        self._depth = 0
        self._values = 0
        self._sizes: dict[int, int] = {}
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise LimitError(None, None, f"alias *{event.anchor} refers to a node that "
                                 "contains it; a scenario cannot be recursive", event.start_mark)
            self._count(self._sizes[id(node)], event.start_mark)
            return node
        self._count(1, event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitError(None, None, f"nested more than {MAX_DEPTH} levels deep (the limit)",
                             event.start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        if isinstance(node, ScalarNode):
            self._check_scalar(node, explicit=getattr(event, "ctag", None) is not None)
        children = ([c for pair in node.value for c in pair] if isinstance(node, MappingNode)
                    else node.value if isinstance(node, SequenceNode) else [])
        self._sizes[id(node)] = 1 + sum(self._sizes[id(c)] for c in children)
        return node

    def _count(self, values: int, mark: Any) -> None:
        """Add to the running count, which ends equal to the document's expanded size.

        That size is every node written once, plus, for each alias, the expanded size of what
        it refers to; the count only grows, so it may be checked at every step.
        """
        self._values += values
        if self._values > MAX_VALUES:
            raise LimitError(None, None, f"the document expands to more than {MAX_VALUES:,} "
                             "values here (the limit), through aliases or sheer size", mark)

    def _check_scalar(self, node: ScalarNode, explicit: bool) -> None:
        """Whole numbers Python can read, and explicit tags (`!!int abc`) that fit their value.

        ruamel trusts an explicit tag and fails with a bare ValueError or KeyError, without a
        line, when the value does not fit it; a value fits if it would get the tag unasked.
        """
        tag = str(node.tag)
        if tag.endswith(":int") and len(node.value) > MAX_DIGITS:
            raise LimitError(None, None, f"a whole number of {len(node.value):,} characters; "
                             f"numbers in a scenario have at most {MAX_DIGITS}", node.start_mark)
        kind = tag.rsplit(":", 1)[-1]
        if explicit and kind in ("int", "float", "bool", "null"):
            fits = str(self.resolver.resolve(ScalarNode, node.value, (True, False))).rsplit(":", 1)[-1]
            if fits != kind and (kind, fits) != ("float", "int"):
                raise LimitError(None, None, f"'{node.value}' is not a valid !!{kind}",
                                 node.start_mark)


def _loader(allow_duplicate_keys: bool = False) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Composer = _BoundedComposer
    yaml.allow_duplicate_keys = allow_duplicate_keys
    return yaml


def parse(text: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text, keeping line marks. Returns the document or the syntax problem."""
    big = too_big(len(text.encode("utf-8")))
    if big is not None:
        return None, [big]
    try:
        return _loader().load(text), []
    except LimitError as exc:
        mark = exc.problem_mark
        return None, [Problem((), str(exc.problem), mark.line + 1, mark.column + 1)]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        dup = re.search(r'duplicate key "(.*?)" with value', exc.problem or "")
        if dup is not None:
            return None, [_duplicate(text, dup.group(1), exc.context_mark, line, col)]
        what = " ".join(s for s in (exc.context, exc.problem) if s) or "invalid YAML"
        return None, [Problem((), f"YAML syntax error: {what}", line, col)]
    except YAMLError as exc:
        return None, [Problem((), f"YAML syntax error: {exc}", 1, 1)]


def _duplicate(text: str, key: str, mapping_mark: Any, line: int | None,
               col: int | None) -> Problem:
    """A duplicate key, named by its field path (ruamel's own message dumps both values whole).

    The path is found by reading the text again with duplicates allowed and looking for the
    mapping that starts where the parser's mark says.
    """
    path: tuple[PathPart, ...] = ()
    if mapping_mark is not None:
        found = _path_to(_loader(allow_duplicate_keys=True).load(text),
                         (mapping_mark.line, mapping_mark.column), ())
        path = found if found is not None else ()
    return Problem((*path, key), f"duplicate key '{key}': each key, nation or region may appear "
                   "only once", line, col)


def _path_to(node: Any, at: tuple[int, int], path: tuple[PathPart, ...]) -> tuple[PathPart, ...] | None:
    if isinstance(node, CommentedMap | CommentedSeq) and (node.lc.line, node.lc.col) == at:
        return path
    items = node.items() if isinstance(node, CommentedMap) else (
        enumerate(node) if isinstance(node, CommentedSeq) else ())
    for k, v in items:
        found = _path_to(v, at, (*path, k))
        if found is not None:
            return found
    return None


def plain(node: Any) -> Any:
    """Round-trip YAML nodes to plain dicts, lists, str, int, float, bool."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def locate(doc: Any, path: Sequence[PathPart]) -> tuple[tuple[PathPart, ...], int | None, int | None]:
    """Line and column (1-based) of the deepest node of `path` present in `doc`.

    Pydantic puts the tag of a discriminated union (`headline`) and union branch names in its
    error paths; steps that are not in the document are dropped from the returned path.
    """
    node = doc
    line: int | None = None
    col: int | None = None
    clean: list[PathPart] = []
    if isinstance(node, CommentedMap | CommentedSeq):
        line, col = node.lc.line + 1, node.lc.col + 1
    for step in path:
        if isinstance(node, CommentedMap) and step in node:
            kl, kc = node.lc.key(step)
            line, col = kl + 1, kc + 1
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            il, ic = node.lc.item(step)
            line, col = il + 1, ic + 1
            node = node[step]
        elif isinstance(node, dict) and _is_union_step(node, step):
            continue
        elif isinstance(step, str) and "[" in step:
            continue  # a union branch below a scalar, such as `literal['LAND','AIR']`
        else:
            node = None  # a missing key, or below a scalar: keep the path, the line is the parent's
        clean.append(step)
    return tuple(clean), line, col


def _is_union_step(node: dict[Any, Any], step: PathPart) -> bool:
    """Pydantic's loc holds discriminator tags (`cap`) and branch names (`function-after[...]`)."""
    return isinstance(step, str) and (step == node.get("rule") or "[" in step or step[:1].isupper())
