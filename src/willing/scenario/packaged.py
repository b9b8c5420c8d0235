"""Packaged data: the nations table, the capability catalogue and the bundled scenarios.

The CSV files under `willing/data/` are the single place these figures live; each row names
its public source (see `data/SOURCES.md`). Their columns are declared, typed and documented
in `data/attributes/*.csv` (see `attributes.py`): the record classes below name the columns the
code reads, and any other declared column is an attribute of the record all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from willing.scenario.attributes import R, Record, defaults, read_table, record

DATA = Path(str(resources.files("willing") / "data"))
DEFAULT_SCENARIO = "ukraine-2025"


@dataclass(frozen=True)
class Capability(Record):
    """A type of unit from the catalogue (columns: `data/attributes/capabilities.csv`)."""

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
    parent: str | None  # a sub-unit's parent capability (a company's battalion)
    per_parent: int | None  # sub-units per parent unit (4 companies to a battalion)


@dataclass(frozen=True)
class NationFigures(Record):
    """Public figures of one nation (columns: `data/attributes/nations.csv`)."""

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


@cache
def capabilities(data: Path = DATA) -> dict[str, Capability]:
    """The capability catalogue of `data` (default: the packaged one), by id."""
    return {k: record(Capability, v) for k, v in read_table(data, "capabilities").items()}


@cache
def nations(data: Path = DATA) -> dict[str, NationFigures]:
    """The nations table of `data` (default: the packaged one), by ISO 3166 alpha-3 code."""
    return {k: record(NationFigures, v) for k, v in read_table(data, "nations").items()}


def new_capability(cid: str, values: Mapping[str, Any]) -> Capability:
    """A capability that is not in the catalogue: `values`, and the defaults for the rest."""
    return record(Capability, {**defaults(DATA, "capabilities", cid), **values})


def new_nation(iso3: str, values: Mapping[str, Any]) -> NationFigures:
    """Figures of a nation that is not in the nations table: `values`, defaults for the rest."""
    return record(NationFigures, {**defaults(DATA, "nations", iso3), **values})


def updated(base: R, values: Mapping[str, Any]) -> R:
    """`base` with some attributes changed (typed fields or declared columns alike)."""
    return record(type(base), {**base.values(), **values})


def scenario_names() -> list[str]:
    """Names of the bundled scenarios."""
    return sorted(p.name.removesuffix(".yaml") for p in (DATA / "scenarios").iterdir()
                  if p.name.endswith(".yaml"))


def scenario_text(name: str = DEFAULT_SCENARIO) -> str:
    """The YAML text of a bundled scenario."""
    return (DATA / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")


def scenario_data(name: str = DEFAULT_SCENARIO) -> Any:
    """A bundled scenario as plain data, read by libyaml (about 20 times faster than the
    line-marking reader, a third of `willing plan`'s time otherwise).

    Bundled files are ours and valid (tests/test_startup.py checks that both readers read the same),
    so they need neither the limits the marking reader puts on a user's file nor its marks,
    which only place a problem: a caller that meets one reads the text again with them.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # pure Python without libyaml
    return yaml.load(scenario_text(name), Loader=loader)


def scenario_display_path(name: str = DEFAULT_SCENARIO) -> str:
    """How errors in a bundled scenario name their file."""
    return str(Path("willing/data/scenarios") / f"{name}.yaml")
