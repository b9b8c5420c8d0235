"""Overrides: one vocabulary of dotted paths that changes any field of a scenario, Calliope style.

A path names a field the way an error message does: `uncertainty.us_backstop`,
`nations.FRA.willingness`, `nations.FRA.pledges[0].count`. In a list, a step that is not a
number picks the item with that `id` (`mission_lines.land.requirements.land-force.personnel`).
The value replaces what is at the path (a mapping replaces the whole mapping); a new key of a
mapping (a new nation, region or capability) may be added. Overrides are applied to the scenario
as written, before validation, so an overridden scenario is checked exactly like a written one.

Force options (`force_options.<name>.overrides`), sweep axes and what-if edits
(`willing.scenario.apply_overrides`) all use it.
"""

from __future__ import annotations

import copy
import difflib
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from willing.scenario.errors import PathPart, Problem, dotted
from willing.scenario.validation import _models_in, valid_keys

Path = tuple[PathPart, ...]

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(text: str) -> Path:
    """`nations.FRA.pledges[0].count` → `('nations', 'FRA', 'pledges', 0, 'count')`."""
    steps: list[PathPart] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        if text[pos] == "." and steps and pos + 1 < len(text):
            pos += 1
        m = _STEP.match(text, pos)
        if m is None:
            raise ValueError(f"'{text}' is not a field path (e.g. nations.FRA.willingness or "
                             "nations.FRA.pledges[0].count)")
        steps.append(int(m.group(2)) if m.group(2) is not None else m.group(1))
        pos = m.end()
    if not steps or not isinstance(steps[0], str):
        raise ValueError(f"'{text}' is not a field path (e.g. uncertainty.us_backstop)")
    return tuple(steps)


def _close(value: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(value, valid, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _model_of(annotation: Any, node: Any) -> type[BaseModel] | None:
    """The model a mapping holds: for a union of rules, the one its `rule:` tag names."""
    models = _models_in(annotation)
    if len(models) > 1 and isinstance(node, dict):
        for model in models:
            tag = model.model_fields.get("rule")
            if tag is not None and node.get("rule") in typing.get_args(tag.annotation):
                return model
    return models[0] if models else None


def _container(annotation: Any) -> Any:
    """`dict[K, V]` / `list[V]` (Annotated and `| None` unwrapped) or None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _container(typing.get_args(annotation)[0])
    if origin in (list, dict):
        return annotation
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _container(arg)
            if found is not None:
                return found
    return None


def resolve(data: dict[str, Any], path: Path, root: type[BaseModel]) -> tuple[Any, PathPart, Path]:
    """The container and key where `path` points in `data`, and the path with list indices.

    Raises `ValueError` naming the step that does not exist and what would be valid.
    """
    node: Any = data
    annotation: Any = root
    concrete: list[PathPart] = []
    for k, step in enumerate(path):
        last = k == len(path) - 1
        model = _model_of(annotation, node) if isinstance(node, dict) else None
        if model is not None and _container(annotation) is None:
            fields = {f.alias or n: f for n, f in model.model_fields.items()}
            if step not in fields:
                keys = [k for k in valid_keys(root, tuple(concrete)) if k in fields]
                kind = f" (a rule '{node['rule']}')" if "rule" in fields and "rule" in node else ""
                raise ValueError(f"unknown key '{step}'{_close(str(step), keys)} at "
                                 f"{_text(concrete) or 'the top level'}{kind}; valid keys: "
                                 f"{', '.join(keys)}")
            annotation = fields[str(step)].annotation
            if not last and node.get(step) is None:
                node[step] = [] if typing.get_origin(_container(annotation)) is list else {}
        elif isinstance(node, dict):
            annotation = typing.get_args(_container(annotation))[-1]
            if step not in node and not last:
                valid = [str(x) for x in node]
                raise ValueError(f"no '{step}'{_close(str(step), valid)} in "
                                 f"{_text(concrete)}; valid: {', '.join(valid) or 'none'}")
        elif isinstance(node, list):
            annotation = typing.get_args(_container(annotation))[-1]
            if isinstance(step, str):
                ids = [str(x.get("id")) for x in node if isinstance(x, dict) and "id" in x]
                if step not in ids:
                    raise ValueError(f"no item with id '{step}'{_close(step, ids)} in "
                                     f"{_text(concrete)}; valid: {', '.join(ids) or 'none'}")
                step = ids.index(step)
            elif not 0 <= step < len(node):
                raise ValueError(f"{_text(concrete)} has {len(node)} items; [{step}] is not one")
        else:
            raise ValueError(f"{_text(concrete)} is a value, not a mapping or list; it has no "
                             f"'{step}'")
        concrete.append(step)
        if not last:  # copy on write: the containers on the path, not the whole scenario
            node[step] = copy.copy(node[step])
            node = node[step]
    return node, concrete[-1], tuple(concrete)


def _text(path: list[PathPart] | Path) -> str:
    return dotted(path) if path else ""


def override(data: dict[str, Any], overrides: Mapping[str, Any], root: type[BaseModel],
             where: Path = ()) -> tuple[dict[str, Any], dict[Path, Path], list[Problem]]:
    """`data` (a scenario as plain data) with `overrides` applied (`data` is left as it is).

    Returns the new data, the concrete path of each override (→ where it was given, under
    `where`, so that validation problems point at the override) and the problems.
    """
    out = dict(data)
    given: dict[Path, Path] = {}
    problems: list[Problem] = []
    for key, value in overrides.items():
        at: Path = (*where, key) if where else (key,)
        try:
            node, step, concrete = resolve(out, parse_path(key), root)
        except ValueError as exc:
            problems.append(Problem(at, str(exc)))
            continue
        node[step] = copy.deepcopy(value)
        given[concrete] = at
    return out, given, problems


def in_data(data: Any, loc: Path) -> Path:
    """A pydantic error location as a path in `data`: union tags (`headline`) and branch names
    (`function-after[...]`) dropped."""
    node, out = data, []
    for step in loc:
        if isinstance(node, dict) and step not in node and isinstance(step, str) and (
                step == node.get("rule") or "[" in step or step[:1].isupper()):
            continue
        out.append(step)
        inside = (isinstance(node, dict) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node))
        node = node[step] if inside else None
    return tuple(out)


def relocate(problem: Problem, given: Mapping[Path, Path]) -> Problem | None:
    """A problem at, below or above an overridden path, told at the override (else None)."""
    for concrete, at in given.items():
        if problem.path[:len(concrete)] == concrete:
            rest = problem.path[len(concrete):]
            message = f"{_text(rest)}: {problem.message}" if rest else problem.message
            return Problem(at, message)
        if concrete[:len(problem.path)] == problem.path:
            return Problem(at, f"{_text(problem.path) or 'the scenario'}: {problem.message}")
    return None
