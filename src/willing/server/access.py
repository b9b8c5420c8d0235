"""Who may see what: roles and the releasability filter of the web service (DESIGN §10).

Users are API tokens configured at startup (`willing serve --users users.yaml`):

```yaml
tokens:
  s3cret-planner: {role: planner, name: J5 plans cell}
  pol-rep-token:  {role: national, nation: POL, name: Polish national representative}
  press-token:    {role: observer}
```

A request names its token in `Authorization: Bearer <token>` (or `?token=` for download
links). Without a users file the service is single-user and everyone is a coalition planner.

What each role is released:
- **planner** (coalition planner): everything, including the scenario text.
- **national** (representative of nation X): the coalition aggregates (coverage, per-component
  figures, leads, summaries) and, of every table that is per nation, only X's rows. A table
  is per nation when its records carry a `nation` field: pledges, allocation, contributions,
  pivotal values, ORBAT units. Free-text explanations that name other nations (gap reasons,
  the force-HQ basis) are withheld. Never the scenario text (it holds every pledge).
- **observer**: the coalition aggregates only; no per-nation rows at all.

The filter is applied to the results (bundle or payload) before any chart, table, report or
download is made from them, so nothing built from the filtered data can leak a row.
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
FREE_TEXT = {"reason", "basis", "detail", "label", "text"}
"""Fields whose prose may name nations; withheld from non-planners when they name another one."""
ISO3 = re.compile(r"\b[A-Z]{3}\b")


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


def releasable(data: Any, viewer: Viewer) -> Any:
    """A copy of results with what `viewer` may not see taken out (see the module docstring)."""
    if viewer.sees_everything:
        return data
    return _filter(data, viewer)


def _filter(v: Any, viewer: Viewer) -> Any:
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k in ("scenario_text", "text") and isinstance(x, str) and len(x) > 2000:
                continue  # a scenario's text holds every pledge
            if k in FREE_TEXT and isinstance(x, str) and _names_other(x, viewer):
                out[k] = "[withheld: names other nations]"
            else:
                out[k] = _filter(x, viewer)
        return out
    if isinstance(v, list):
        kept = [x for x in v if not (isinstance(x, dict) and "nation" in x and not _own(x, viewer))]
        return [_filter(x, viewer) for x in kept]
    return v


def _own(record: dict[str, Any], viewer: Viewer) -> bool:
    n = record.get("nation")
    return n is None or (viewer.nation is not None and n == viewer.nation)


def _names_other(text: str, viewer: Viewer) -> bool:
    return any(code != viewer.nation and code in _countries() for code in ISO3.findall(text))


@cache
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


__all__ = ["PLANNER", "Role", "Viewer", "load_users", "releasable"]
