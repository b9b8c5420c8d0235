"""Typed results: each result class declares its parts once, and everything else follows.

A result declares, in `PARTS`, what it is made of, in the order its JSON lists them:

- `Table`: a DataFrame, with the column that names each row's nation when the table is per
  nation, the columns of free text that may name nations, and the columns that name a nation in
  a public leadership role (a component's lead, a formation's framework nation);
- `Field`: any other value (a summary, thresholds, solver figures), with the keys inside it
  that are free text, mappings keyed by nation, lists of nation codes, or public leaders;
- `Tree`: nested nodes (the order of battle), whose nodes of some kinds belong to one nation;
- `Nested`: the parts of another result inside this one (one, or a list of them).

From that one declaration come the JSON (`to_dict`), the notebook view (`_repr_html_`), the
payload a run stores and the report bundle reads, and the releasability filter of the web
service (`willing.server.access`), so a part declared per nation is filtered everywhere it goes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from willing.records import jsonable, records


@dataclass(frozen=True)
class Table:
    """A DataFrame attribute of the result, as a list of records."""

    key: str
    nation: str | None = None  # column naming each row's nation: the table is per nation
    text: tuple[str, ...] = ()  # columns of free text that may name nations
    public: tuple[str, ...] = ()  # columns naming nations in a public leadership role
    title: str | None = None  # heading in the notebook view; None: not shown there
    attr: str | None = None  # attribute holding the frame (default: `key`)
    index: str | None = None  # name of an unnamed index that is part of each record
    public_rows: Callable[[dict[str, Any]], bool] | None = None  # rows whose `public` columns
    # are public (None: every row's): a framework nation the model chose is not announced

    def frame(self, result: Any) -> pd.DataFrame:
        df: pd.DataFrame = getattr(result, self.attr or self.key)
        if self.index is not None:
            df = df.rename_axis(self.index)
        if df.index.name is not None or isinstance(df.index, pd.MultiIndex):
            df = df.reset_index()
        return df

    def value(self, result: Any) -> Any:
        return records(self.frame(result))


@dataclass(frozen=True)
class Field:
    """Any other value; `text`, `keyed`, `nations` and `public` name keys inside it ("" is the
    value itself; in a list of dicts, keys of each) that are free text (every string inside
    them), mappings keyed by nation, lists of nation codes, or nations in a public leadership
    role. `nation`, for a list of dicts, names the key that says whose each record is."""

    key: str
    get: Callable[[Any], Any] | None = None  # default: the attribute `key`
    nation: str | None = None  # records per nation: the key naming each one's nation
    text: tuple[str, ...] = ()
    keyed: tuple[str, ...] = ()
    nations: tuple[str, ...] = ()
    public: tuple[str, ...] = ()

    def value(self, result: Any) -> Any:
        return self.get(result) if self.get is not None else getattr(result, self.key)


@dataclass(frozen=True)
class Tree:
    """Nested nodes with `children`; nodes whose `kind` is in `per_nation` belong to the nation
    in their `nation` field, the other nodes name public leaders there (lead, framework) when
    `public_nodes` says so, and otherwise a nation named as free text."""

    key: str
    get: Callable[[Any], Any]
    per_nation: frozenset[str] = frozenset({"unit"})
    text: tuple[str, ...] = ("label",)
    public_nodes: Callable[[dict[str, Any]], bool] | None = None  # nodes whose nation is
    # public (None: every node not per nation)

    def value(self, result: Any) -> Any:
        return self.get(result)


@dataclass(frozen=True)
class Nested:
    """The parts of another result inside this one: one result (`many=False`) or a list."""

    key: str
    parts: tuple[Part, ...]
    many: bool = False

    def value(self, result: Any) -> Any:
        return getattr(result, self.key)


Part = Table | Field | Tree | Nested


class Result:
    """What every result shares; a subclass declares `PARTS` and its `heading`."""

    PARTS: ClassVar[tuple[Part, ...]] = ()

    def heading(self) -> str:
        """The notebook view's headline (HTML): what the result is, and its key figures."""
        return f"<h3>{html.escape(type(self).__name__)}</h3>"

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON-ready data (what `--json` prints and a run stores)."""
        return {p.key: jsonable(p.value(self)) for p in self.PARTS}

    def _repr_html_(self) -> str:
        return self.heading() + "".join(
            f"<h4>{html.escape(p.title)}</h4>" + p.frame(self).to_html(index=False)
            for p in self.PARTS if isinstance(p, Table) and p.title is not None)


__all__ = ["Field", "Nested", "Part", "Result", "Table", "Tree"]
