"""Packaged data: the nations table, the capability catalogue and the bundled scenarios.

The CSV files under `willing/data/` are the single place these figures live; each row names
its public source (see `data/SOURCES.md`). Column meanings are documented in
`data/attributes/*.csv`, PyPSA style.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

DATA = resources.files("willing") / "data"
DEFAULT_SCENARIO = "ukraine-2025"


@dataclass(frozen=True)
class Capability:
    """A type of unit from the catalogue."""

    id: str
    name: str
    component: str
    unit: str
    unit_size: int | None
    personnel_per_unit: int
    lift_tonnes_per_unit: float
    lift_mode: str
    cost_musd_per_unit_year: float | None
    hq_level: str | None
    substitutes: tuple[str, ...]
    source: str
    notes: str
    parent: str | None = None  # a sub-unit's parent capability (a company's battalion)
    per_parent: int | None = None  # sub-units per parent unit (4 companies to a battalion)


@dataclass(frozen=True)
class NationFigures:
    """Public figures of one nation (SIPRI, IISS, IMF/World Bank; see SOURCES.md)."""

    iso3: str
    name: str
    population: int | None
    gdp_usd_bn: float | None
    milex_usd_bn: float | None
    milex_pct_gdp: float | None
    active_personnel: int | None
    nato: bool
    eu: bool
    source: str
    notes: str


def _num(text: str | None, kind: type[int] | type[float]) -> int | float | None:
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    return kind(float(text)) if kind is int else float(text)


def _rows(name: str) -> list[dict[str, str]]:
    text = (DATA / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@cache
def capabilities() -> dict[str, Capability]:
    """The packaged capability catalogue, by id."""
    out: dict[str, Capability] = {}
    for r in _rows("capabilities.csv"):
        out[r["id"]] = Capability(
            id=r["id"],
            name=r["name"],
            component=r["component"],
            unit=r["unit"],
            unit_size=_num(r.get("unit_size"), int),  # type: ignore[arg-type]
            personnel_per_unit=int(_num(r["personnel_per_unit"], int) or 0),
            lift_tonnes_per_unit=float(_num(r.get("lift_tonnes_per_unit"), float) or 0.0),
            lift_mode=r.get("lift_mode") or "surface",
            cost_musd_per_unit_year=_num(r.get("cost_musd_per_unit_year"), float),
            hq_level=r.get("hq_level") or None,
            substitutes=tuple(s for s in (r.get("substitutes") or "").split("|") if s),
            source=r.get("source", ""),
            notes=r.get("notes", ""),
            parent=r.get("parent") or None,
            per_parent=_num(r.get("per_parent"), int),  # type: ignore[arg-type]
        )
    return out


@cache
def nations() -> dict[str, NationFigures]:
    """The packaged nations table, by ISO 3166 alpha-3 code."""
    out: dict[str, NationFigures] = {}
    for r in _rows("nations.csv"):
        out[r["iso3"]] = NationFigures(
            iso3=r["iso3"],
            name=r["name"],
            population=_num(r["population"], int),  # type: ignore[arg-type]
            gdp_usd_bn=_num(r["gdp_usd_bn"], float),
            milex_usd_bn=_num(r["milex_usd_bn"], float),
            milex_pct_gdp=_num(r["milex_pct_gdp"], float),
            active_personnel=_num(r["active_personnel"], int),  # type: ignore[arg-type]
            nato=r["nato"].strip().lower() == "true",
            eu=r["eu"].strip().lower() == "true",
            source=r.get("source", ""),
            notes=r.get("notes", ""),
        )
    return out


def scenario_names() -> list[str]:
    """Names of the bundled scenarios."""
    return sorted(p.name.removesuffix(".yaml") for p in (DATA / "scenarios").iterdir()
                  if p.name.endswith(".yaml"))


def scenario_text(name: str = DEFAULT_SCENARIO) -> str:
    """The YAML text of a bundled scenario."""
    return (DATA / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")


def scenario_display_path(name: str = DEFAULT_SCENARIO) -> str:
    """How errors in a bundled scenario name their file."""
    return str(Path("willing/data/scenarios") / f"{name}.yaml")
