"""Turn pydantic validation errors into problems that say what would be valid."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from willing.scenario.errors import PathPart, Problem
from willing.scenario.yamlmarks import locate


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The BaseModel classes an annotation can hold directly (unions and Annotated unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _models_in(a)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _child(annotation: Any, step: PathPart) -> Any:
    """The annotation of what sits under `step` in a value of type `annotation`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _child(typing.get_args(annotation)[0], step)
    if origin in (list, dict):
        return typing.get_args(annotation)[-1]
    if origin in (typing.Union, types.UnionType):
        for model in _models_in(annotation):
            rule = model.model_fields.get("rule")
            if rule is not None and step in typing.get_args(rule.annotation):
                return model
            if step in model.model_fields or any(f.alias == step for f in model.model_fields.values()):
                return _child(model, step)
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if step in (name, field.alias):
                return field.annotation
        return None
    return None


def valid_keys(root: type[BaseModel], parent: Sequence[PathPart]) -> list[str]:
    """The keys a mapping at `parent` may hold, for an 'unknown key' message."""
    annotation: Any = root
    for step in parent:
        annotation = _child(annotation, step)
        if annotation is None:
            return []
    keys: list[str] = []
    for model in _models_in(annotation):
        keys += [f.alias or n for n, f in model.model_fields.items()]
    return sorted(set(keys))


def _message(root: type[BaseModel], err: ErrorDetails, path: tuple[PathPart, ...]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        keys = valid_keys(root, path[:-1])
        close = difflib.get_close_matches(key, keys, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}; valid keys: {', '.join(keys)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        valid = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"unknown {str(ctx.get('discriminator', 'tag')).strip(chr(39))} " \
               f"'{ctx.get('tag')}'; valid: {valid}"
    msg = err["msg"]
    given = err.get("input")
    if isinstance(given, bool) and kind in NUMBER_ERRORS:
        msg = "true/false is not a number"
    elif "input" in err and not isinstance(given, dict | list):
        shown = repr(given)
        if len(shown) > 80:  # a value may be most of a megabyte file
            shown = f"{shown[:70]}… ({len(shown):,} characters)"
        msg += f", got {shown}"
    numbers = number_range(root, err["loc"]) if kind in NUMBER_ERRORS else None
    return f"{msg}; valid: {numbers}" if numbers else msg


NUMBER_ERRORS = frozenset({
    "int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "finite_number",
    "greater_than", "greater_than_equal", "less_than", "less_than_equal"})
"""Pydantic error types of a number field: their message also says the field's range."""


def number_range(root: type[BaseModel], loc: Sequence[PathPart]) -> str | None:
    """`a whole number from 0 to 10,000`: the range a number field declares, for its message.

    `loc` is pydantic's own error location (with union tags), so the field is found in the
    model the value was validated against.
    """
    if not loc:
        return None
    parent: Any = root
    for step in loc[:-1]:
        parent = _child(parent, step)
        if parent is None:
            return None
    annotation, metadata = _leaf(parent, loc[-1])
    kinds = {a for a in (*typing.get_args(annotation), annotation) if a in (int, float)}
    if not kinds:
        return None
    bounds = {name: getattr(m, name) for m in metadata for name in ("ge", "gt", "le", "lt")
              if getattr(m, name, None) is not None}
    what = "a whole number" if kinds == {int} else "a number"
    low = (f"from {_num(bounds['ge'])}" if "ge" in bounds else
           f"greater than {_num(bounds['gt'])}" if "gt" in bounds else "")
    high = (f"to {_num(bounds['le'])}" if "le" in bounds and "ge" in bounds else
            f"at most {_num(bounds['le'])}" if "le" in bounds else
            f"less than {_num(bounds['lt'])}" if "lt" in bounds else "")
    return " ".join(s for s in (what, low, "and" if low and high and "ge" not in bounds else "",
                                high) if s)


def _leaf(parent: Any, step: PathPart) -> tuple[Any, list[Any]]:
    """The annotation of what sits under `step`, and its constraints (`Ge`, `Le`, ...)."""
    for model in _models_in(parent):
        for name, field in model.model_fields.items():
            if step in (name, field.alias):
                return field.annotation, list(field.metadata)
    annotation = _child(parent, step)
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return inner, [c for m in extra for c in (m.metadata if isinstance(m, FieldInfo) else [m])]
    return annotation, []


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def problems_from(exc: ValidationError, doc: Any, root: type[BaseModel],
                  prefix: tuple[PathPart, ...] = ()) -> list[Problem]:
    """Problems (with line and column) for every error of a pydantic validation."""
    out: list[Problem] = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        if err["type"] == "union_tag_invalid":  # point at the tag itself (`rule: capp`)
            loc += (str(err.get("ctx", {}).get("discriminator", "")).strip("'"),)
        path, line, col = locate(doc, loc)
        out.append(Problem(path, _message(root, err, path[len(prefix):]), line, col))
    return out
