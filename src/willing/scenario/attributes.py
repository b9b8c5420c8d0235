"""Attribute tables: what each column of a packaged table means, PyPSA style.

`data/attributes/<table>.csv` declares every column of `data/<table>.csv`, one row each:
its type, unit, default, status (`Input (required)` or `Input (optional)`), range (`min`,
`max`), allowed `values` (separated by '|') and description. Reading, checking, defaults,
the scenario's `capabilities:` fields and the docs' tables all come from these rows, so a new
column is one attribute row plus its data, and no code.

Types: `id` (the key: the first attribute), `text` (free text, empty = ""), `string` (a
code word, empty = none), `integer`, `float`, `bool` (`true`/`false`) and `list` (values
separated by '|'). A default fills an empty optional cell, and every field that a
scenario-added entry leaves out; it may name another attribute in braces (`{id}`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field

from willing.scenario.errors import Problem, ScenarioError

TYPES = ("id", "text", "string", "integer", "float", "bool", "list")
STATUSES = ("Input (required)", "Input (optional)")
COLUMNS = ("attribute", "type", "unit", "default", "status", "min", "max", "values",
           "description")
"""The columns of an attribute table."""


@dataclass(frozen=True)
class Attribute:
    """One declared column of a packaged table."""

    name: str
    type: str
    unit: str
    default: str
    status: str
    min: float | None
    max: float | None
    values: tuple[str, ...]
    description: str

    @property
    def required(self) -> bool:
        return self.status == "Input (required)"

    def valid(self) -> str:
        """What a cell may hold, for an error message."""
        if self.values:
            return "one of " + ", ".join(self.values)
        kind = {"integer": "a whole number", "float": "a number", "bool": "true or false",
                "list": "values separated by '|'"}.get(self.type, "text")
        bounds = [f"{sign} {v:g}" for sign, v in (("≥", self.min), ("≤", self.max)) if v is not None]
        return " ".join([kind, " and ".join(bounds)]) if bounds else kind

    def empty(self, row: Mapping[str, str]) -> Any:
        """The value of an empty cell: the default, or nothing."""
        if self.default:
            return self.parse(self.default.format_map(row), row)
        return {"text": "", "list": ()}.get(self.type)

    def parse(self, text: str, row: Mapping[str, str]) -> Any:
        """A cell's value; `ValueError` saying what is valid when it is not."""
        text = text.strip()
        if not text:
            return self.empty(row)
        value: Any = text
        if self.type in ("integer", "float"):
            try:
                number = float(text.replace(",", ""))
            except ValueError:
                raise ValueError(f"'{text}' is not a number; valid: {self.valid()}") from None
            if not math.isfinite(number) or (self.type == "integer" and not number.is_integer()):
                raise ValueError(f"'{text}' is not {self.valid()}")
            if (self.min is not None and number < self.min) or (
                    self.max is not None and number > self.max):
                raise ValueError(f"{text} is out of range; valid: {self.valid()}")
            value = int(number) if self.type == "integer" else number
        elif self.type == "bool":
            if text.lower() not in ("true", "false"):
                raise ValueError(f"'{text}' is not true or false")
            value = text.lower() == "true"
        elif self.type == "list":
            value = tuple(s.strip() for s in text.split("|") if s.strip())
        if self.values and value not in self.values:
            raise ValueError(f"'{text}' is not valid; valid: {self.valid()}")
        return value

    def spec_field(self, id_type: Any) -> tuple[Any, Any]:
        """The optional pydantic field a scenario uses to add or override this attribute."""
        kind: Any = {"integer": int, "float": float, "bool": bool, "list": list[id_type],
                     "id": id_type}.get(self.type, str)
        if self.values:
            kind = Literal[self.values]
        unit = f" ({self.unit})" if self.unit else ""
        return kind | None, Field(None, description=f"{self.description}{unit}", ge=self.min,
                                  le=self.max)


def _number(text: str) -> float | None:
    """A bound of the attribute table: whole numbers stay whole (`≥ 1`, not `≥ 1.0`)."""
    if not text.strip():
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def _read(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and rows of a CSV file, each row with the line it starts on."""
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    header = [h.strip() for h in next(reader, [])]
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((start, dict(zip(header, cells, strict=False))))
        start = reader.line_num + 1
    return header, rows


@cache
def attributes(data: Path, table: str) -> dict[str, Attribute]:
    """The declared attributes of `data/<table>.csv`, in column order (the key first)."""
    path = data / "attributes" / f"{table}.csv"
    header, rows = _read(path)
    problems = [Problem((c,), f"missing column '{c}'; an attribute table has {', '.join(COLUMNS)}",
                        1, 1) for c in COLUMNS if c not in header]
    out: dict[str, Attribute] = {}
    for line, r in rows:
        name = r.get("attribute", "").strip()
        for col, allowed in (("type", TYPES), ("status", STATUSES)):
            if r.get(col, "").strip() not in allowed:
                problems.append(Problem((name, col), f"'{r.get(col, '')}' is not valid; valid: "
                                        f"{', '.join(allowed)}", line, header.index(col) + 1))
        try:
            bounds = _number(r.get("min", "")), _number(r.get("max", ""))
        except ValueError:
            problems.append(Problem((name, "min"), "min and max must be numbers or empty", line))
            continue
        values = tuple(v.strip() for v in r.get("values", "").split("|") if v.strip())
        out[name] = Attribute(name, r["type"].strip(), r.get("unit", ""), r.get("default", ""),
                              r["status"].strip(), *bounds, values, r.get("description", ""))
    if problems:
        raise ScenarioError(str(path), problems)
    return out


def read_table(data: Path, table: str) -> dict[str, dict[str, Any]]:
    """Every row of `data/<table>.csv` by its key, each cell typed and checked.

    Raises `ScenarioError` naming the file, line, column and attribute of every bad cell,
    and what would be valid.
    """
    attrs = attributes(data, table)
    path = data / f"{table}.csv"
    header, rows = _read(path)
    problems: list[Problem] = []
    declared = f"data/attributes/{table}.csv"
    for col, name in enumerate(header, 1):
        if name not in attrs:
            problems.append(Problem((name,), f"column '{name}' is not declared in {declared}; "
                                    f"declared: {', '.join(attrs)}", 1, col))
    for name in attrs:
        if name not in header:
            problems.append(Problem((name,), f"column '{name}' declared in {declared} is missing",
                                    1, 1))
    key = next(iter(attrs))
    out: dict[str, dict[str, Any]] = {}
    for line, raw in rows:
        ident = raw.get(key, "").strip()
        values: dict[str, Any] = {}
        for name, attr in attrs.items():
            text = raw.get(name) or ""
            where = (ident or f"line {line}", name)
            column = header.index(name) + 1 if name in header else 1
            if attr.required and not text.strip():
                problems.append(Problem(where, f"required; valid: {attr.valid()}", line, column))
                continue
            try:
                values[name] = attr.parse(text, raw)
            except ValueError as exc:
                problems.append(Problem(where, str(exc), line, column))
        if ident in out:
            problems.append(Problem((ident, key), f"duplicate {key} '{ident}'", line, 1))
        out[ident] = values
    if problems:
        raise ScenarioError(str(path), problems)
    return out


R = TypeVar("R", bound="Record")


@dataclass(frozen=True)
class Record:
    """A row of a packaged table: typed fields for what the code reads, the rest by name.

    Columns declared in the attribute table but not fields of the record class (a column
    added with its attribute row) are attributes all the same: `capability.my_column`.
    """

    extra: Mapping[str, Any] = field(default_factory=dict, kw_only=True, repr=False)

    def __getattr__(self, name: str) -> Any:
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__} has no attribute '{name}'")

    def values(self) -> dict[str, Any]:
        """Every attribute, typed fields and the rest."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**out, **self.extra}


def record(cls: type[R], values: Mapping[str, Any]) -> R:
    """A record of `cls` from every attribute's value (the typed fields must all be given)."""
    names = [f.name for f in fields(cls) if f.name != "extra"]
    missing = [n for n in names if n not in values]
    if missing:
        raise TypeError(f"{cls.__name__} reads {', '.join(missing)}, which its attribute "
                        "table does not declare")
    return cls(**{n: values[n] for n in names},
               extra={k: v for k, v in values.items() if k not in names})


def defaults(data: Path, table: str, key: str) -> dict[str, Any]:
    """The values an entry `key` that is not in the packaged table takes (its defaults)."""
    attrs = attributes(data, table)
    raw = {next(iter(attrs)): key}
    return {**{name: a.empty(raw) for name, a in attrs.items()}, **raw}
