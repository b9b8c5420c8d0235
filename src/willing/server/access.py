"""Who may see what: roles and the releasability filter of the web service.

Users are API tokens configured at startup (`willing serve --users users.yaml`):

```yaml
tokens:
  s3cret-planner: {role: planner, name: J5 plans cell}
  pol-rep-token:  {role: national, nation: POL, name: Polish national representative}
  press-token:    {role: observer}
```

A request names its token in `Authorization: Bearer <token>` (or `?token=` for download
links). Without a users file the service is single-user and everyone is a coalition planner.

What each role is released (see docs/service.md, "Roles and releasability"):
- **planner** (coalition planner): everything, including the scenario text.
- **national** (representative of nation X): the coalition aggregates and, of every part a
  result declares per nation (`willing.results`: table rows by their nation column, mappings
  keyed by nation, lists of nations, order-of-battle units), only X's. Never the scenario text.
- **observer**: the coalition aggregates only; nothing per nation.

Leadership roles are public: the force HQ's lead nations, each component's lead nation and each
formation's framework nation — coalitions announce them. Every other nation named in declared
free text is rewritten to "another nation" for a non-planner.

The filter is applied to the results (bundle or payload) before any chart, table, report or
download is made from them, so nothing built from the filtered data can leak a row. It works
from the parts each result type declares; a value nobody declared (a run's header, the ledger)
gets the cautious treatment: records of another nation dropped, mappings keyed by other
nations' codes dropped, every string rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import pycountry
from ruamel.yaml import YAML, YAMLError

from willing.results import Field, Nested, Part, Table, Tree
from willing.scenario import packaged


class Role(StrEnum):
    PLANNER = "planner"
    NATIONAL = "national"
    OBSERVER = "observer"


@dataclass(frozen=True)
class Viewer:
    role: Role
    nation: str | None = None
    name: str = ""

    @property
    def sees_everything(self) -> bool:
        return self.role is Role.PLANNER

    @property
    def may_run(self) -> bool:
        """Observers only read; planners and national representatives may start runs."""
        return self.role is not Role.OBSERVER


PLANNER = Viewer(Role.PLANNER, name="coalition planner (no users configured)")
ISO3 = re.compile(r"\b[A-Z]{3}\b")
OTHER = "another nation"
"""What a named nation the viewer may not see is rewritten to in free text."""


def load_users(path: Path) -> dict[str, Viewer]:
    """Tokens → viewers from a YAML file; a bad file is a clear error naming the entry."""
    try:
        doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ValueError(f"cannot read the users file {path}: {exc}") from None
    tokens = doc.get("tokens") if isinstance(doc, dict) else None
    if not isinstance(tokens, dict) or not tokens:
        raise ValueError(f"{path}: expected a mapping `tokens: {{TOKEN: {{role: ..., nation: ...}}}}`")
    out = {}
    for token, entry in tokens.items():
        if not isinstance(entry, dict) or entry.get("role") not in {r.value for r in Role}:
            raise ValueError(f"{path}: tokens.{token}.role must be one of "
                             f"{', '.join(r.value for r in Role)}")
        role = Role(entry["role"])
        nation = entry.get("nation")
        if role is Role.NATIONAL and not (isinstance(nation, str) and ISO3.fullmatch(nation)):
            raise ValueError(f"{path}: tokens.{token}.nation must be an ISO 3166 alpha-3 code "
                             "(e.g. POL) for a national representative")
        out[str(token)] = Viewer(role, nation if role is Role.NATIONAL else None,
                                 str(entry.get("name", "")))
    return out


def releasable(data: Any, viewer: Viewer, parts: tuple[Part, ...] | None = None) -> Any:
    """A copy of `data` with what `viewer` may not see taken out; `parts` declares what `data`
    is (a result's `PARTS`, a bundle's parts), None for undeclared data (see the module doc)."""
    if viewer.sees_everything:
        return data
    seen = _Seen(viewer.nation, frozenset(leaders(data, parts)))
    return seen.value(data, parts)


def leaders(data: Any, parts: tuple[Part, ...] | None) -> set[str]:
    """The nations `data` names in a public leadership role (lead, co-lead, framework nation)."""
    out: set[str] = set()
    if parts is None or not isinstance(data, dict):
        return out
    for p in parts:
        v = data.get(p.key)
        if v is None:
            continue
        if isinstance(p, Table) and isinstance(v, list):
            out |= {c for r in v if isinstance(r, dict) and _public_row(p, r)
                    for col in p.public for c in ISO3.findall(str(r.get(col) or ""))}
        elif isinstance(p, Field):
            out |= {c for key in p.public for c in ISO3.findall(str(_at(v, key) or ""))}
        elif isinstance(p, Tree):
            out |= _tree_leaders(v, p)
        elif isinstance(p, Nested):
            for x in v if p.many and isinstance(v, list) else [v]:
                out |= leaders(x, p.parts)
    return out


def _public_row(p: Table, row: dict[str, Any]) -> bool:
    return p.public_rows is None or p.public_rows(row)


def _public_node(p: Tree, node: dict[str, Any]) -> bool:
    return node.get("kind") not in p.per_nation and (p.public_nodes is None or p.public_nodes(node))


def _tree_leaders(node: Any, p: Tree) -> set[str]:
    if not isinstance(node, dict):
        return set()
    own = set(ISO3.findall(str(node.get("nation") or ""))) if _public_node(p, node) else set()
    return own.union(*(_tree_leaders(c, p) for c in node.get("children", [])))


def _at(v: Any, key: str) -> Any:
    return v if key == "" else v.get(key) if isinstance(v, dict) else None


@dataclass(frozen=True)
class _Seen:
    """What one viewer is released: its own nation's parts and the public leaders' names."""

    nation: str | None
    public: frozenset[str]

    def mine(self, code: Any) -> bool:
        return code is None or code == self.nation

    def value(self, v: Any, parts: tuple[Part, ...] | None) -> Any:
        if parts is None:
            return self.undeclared(v)
        if not isinstance(v, dict):
            return self.undeclared(v)
        declared = {p.key: p for p in parts}
        return {k: self.part(x, declared[k]) if k in declared else self.undeclared(x)
                for k, x in v.items()}

    def part(self, v: Any, p: Part) -> Any:
        if isinstance(p, Table):
            return [self.row(r, p) for r in v
                    if not (p.nation and isinstance(r, dict) and not self.mine(r.get(p.nation)))] \
                if isinstance(v, list) else self.undeclared(v)
        if isinstance(p, Field):
            return self.field(v, p)
        if isinstance(p, Tree):
            return self.node(v, p)
        if p.many and isinstance(v, list):
            return [self.value(x, p.parts) for x in v]
        return self.value(v, p.parts)

    def row(self, r: Any, p: Table) -> Any:
        if not isinstance(r, dict):
            return self.undeclared(r)
        private = () if _public_row(p, r) else p.public
        return {self.text(k): self.text(x, bool(p.public)) if k in (*p.text, *private)
                and isinstance(x, str) else x for k, x in r.items()}

    def field(self, v: Any, p: Field) -> Any:
        def one(x: Any, key: str) -> Any:
            if key in p.keyed and isinstance(x, dict):
                return {k: y for k, y in x.items() if self.mine(k)}
            if key in p.nations and isinstance(x, list):
                return [y for y in x if self.mine(y)]
            if key in p.text:
                return self.strings(x, bool(p.public))
            return x

        def each(x: Any) -> Any:
            return {k: one(y, k) for k, y in x.items()} if isinstance(x, dict) else x

        if "" in (*p.keyed, *p.nations, *p.text):
            return one(v, "")
        if isinstance(v, list):
            return [each(x) for x in v if not (p.nation and isinstance(x, dict)
                                               and not self.mine(x.get(p.nation)))]
        return each(v)

    def strings(self, v: Any, leadership: bool) -> Any:
        """Every string inside `v` (free text, or a structure of it) rewritten by `text`."""
        if isinstance(v, str):
            return self.text(v, leadership)
        if isinstance(v, dict):
            return {k: self.strings(x, leadership) for k, x in v.items()}
        if isinstance(v, list):
            return [self.strings(x, leadership) for x in v]
        return v

    def node(self, v: Any, p: Tree) -> Any:
        if not isinstance(v, dict):
            return v
        texts = (*p.text, "nation") if not _public_node(p, v) else p.text
        out = {k: self.text(x, True) if k in texts and isinstance(x, str) else x
               for k, x in v.items() if k != "children"}
        if "children" in v:
            out["children"] = [self.node(c, p) for c in v["children"] if not (
                isinstance(c, dict) and c.get("kind") in p.per_nation
                and not self.mine(c.get("nation")))]
        return out

    def undeclared(self, v: Any) -> Any:
        """Data no part declares, filtered cautiously: records and keys of other nations
        dropped, every string rewritten, a scenario's text (it holds every pledge) dropped."""
        if isinstance(v, dict):
            return {k: self.undeclared(x) for k, x in v.items()
                    if not (k in ("scenario_text", "text") and isinstance(x, str) and len(x) > 2000)
                    and self.released(_countries().get(k, self.nation))}
        if isinstance(v, list):
            return [self.undeclared(x) for x in v
                    if not (isinstance(x, dict) and "nation" in x and not self.mine(x["nation"]))]
        return self.text(v) if isinstance(v, str) else v

    def released(self, code: str | None) -> bool:
        return code == self.nation or code in self.public

    def text(self, s: str, leadership: bool = False) -> str:
        """`s` with every nation the viewer may not see, by code (or pledge id) or by name,
        rewritten to "another nation". The public leaders keep their names only in the text of
        a part about leadership (one that declares public columns or keys): elsewhere, as in a
        gap's reason, naming them would tell whose pledges are used where."""
        def swap(m: re.Match[str]) -> str:
            code = _countries().get(m.group("name")) if m.group("name") else m.group("code")
            keep = code == self.nation or (leadership and code in self.public)
            return m.group(0) if code is None or keep else OTHER

        return _named().sub(swap, s)


@cache
def _countries() -> dict[str, str]:
    """Every ISO 3166 alpha-3 code and country name → its alpha-3 code."""
    out = {c.alpha_3: c.alpha_3 for c in pycountry.countries}
    for c in pycountry.countries:
        for attr in ("name", "common_name"):
            if hasattr(c, attr):
                out[getattr(c, attr)] = c.alpha_3
    out.update({f.name: iso for iso, f in packaged.nations().items() if f.name})
    return out


@cache
def _named() -> re.Pattern[str]:
    """A code (with a pledge or unit suffix such as `FRA-2#1`) or a country name."""
    codes = sorted(c for c in _countries() if ISO3.fullmatch(c))
    names = sorted((n for n in _countries() if not ISO3.fullmatch(n)), key=len, reverse=True)
    return re.compile(r"\b(?:(?P<code>" + "|".join(codes) + r")(?:-[\w#:.-]+)?"
                      r"|(?P<name>" + "|".join(map(re.escape, names)) + r"))\b")


__all__ = ["OTHER", "PLANNER", "Role", "Viewer", "leaders", "load_users", "releasable"]
