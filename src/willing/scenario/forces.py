"""What each nation fields, in the catalogue's unit types, and how much of it it can keep deployed.

Force generation only knows what nations have pledged. To ask a nation for more, a planner
needs to know what it has: `data/forces.csv` counts, per nation and catalogue capability,
the units a nation fields, each row with its public source. `data/ceilings.csv` gives the
share of its active personnel a nation can keep deployed for years, read from historical
sustained peaks. Column meanings are in `data/attributes/forces.csv` and
`data/attributes/ceilings.csv`; sources in `data/SOURCES.md`.

Both tables are checked on load, and a bad row is refused with its file, line, field and what
is valid, because a wrong count here would silently turn into a wrong ask.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pandas as pd

from willing.scenario.errors import Problem, ScenarioError
from willing.scenario.packaged import DATA, capabilities, nations

FORCES_FILE = "forces.csv"
CEILINGS_FILE = "ceilings.csv"
ASSUMPTION = "assumption"
DEFAULT = "default"
# Far above any nation's holding of one unit type (the largest packaged row is 60); a larger
# count is a typing error, not a force.
MAX_UNITS = 1000
# Above this no nation has sustained a deployment (the UK's Afghanistan peak was 5.3 %).
MAX_SHARE = 0.25

FIELDED_COLUMNS = ["nation", "capability", "units", "year", "source", "notes"]
CEILING_COLUMNS = ["nation", "share", "source", "notes"]


def _read(path: Path | None, name: str, columns: list[str]) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """The rows of a packaged table (or of `path`), each with its 1-based line number."""
    shown = str(path) if path is not None else f"willing/data/{name}"
    text = path.read_text(encoding="utf-8") if path is not None else (DATA / name).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError(shown, [Problem(("(header)",), f"missing column(s) {', '.join(missing)}; "
                                            f"expected: {', '.join(columns)}", 1)])
    rows = [(reader.line_num, row) for row in reader]
    return shown, rows


def _source_problems(row: dict[str, str], line: int) -> Iterator[Problem]:
    """A row names a public source, or says `assumption` and gives the reasoning in `notes`."""
    source, notes = (row.get("source") or "").strip(), (row.get("notes") or "").strip()
    if not source:
        yield Problem(("source",), "missing source; name the public source and year, or write "
                      f"'{ASSUMPTION}' and give the reasoning in notes", line)
    elif source.lower() == ASSUMPTION and f"{ASSUMPTION}:" not in notes.lower():
        yield Problem(("notes",), f"source is '{ASSUMPTION}' but notes give no reasoning; "
                      f"write 'assumption: <how the figure was derived>'", line)


def _nation_problem(value: str, line: int, allow_default: bool = False) -> Problem | None:
    valid = set(nations())
    if value in valid or (allow_default and value == DEFAULT):
        return None
    shown = sorted(valid) + ([DEFAULT] if allow_default else [])
    return Problem(("nation",), f"unknown nation '{value}'; valid: {', '.join(shown)}", line)


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def read_fielded(path: Path | None = None) -> pd.DataFrame:
    """Checked rows of `forces.csv` (the packaged one unless `path` is given)."""
    shown, rows = _read(path, FORCES_FILE, FIELDED_COLUMNS)
    caps = capabilities()
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    records = []
    for line, row in rows:
        nation, cap = row["nation"].strip(), row["capability"].strip()
        bad_nation = _nation_problem(nation, line)
        if bad_nation:
            problems.append(bad_nation)
        if cap not in caps:
            problems.append(Problem(("capability",), f"unknown capability '{cap}'; valid: "
                                    f"{', '.join(sorted(caps))}", line))
        units = _int(row["units"])
        if units is None or not 0 <= units <= MAX_UNITS:
            problems.append(Problem(("units",), f"units '{row['units']}' must be a whole number "
                                    f"from 0 to {MAX_UNITS}", line))
        year = _int(row["year"])
        if year is None or not 1990 <= year <= 2100:
            problems.append(Problem(("year",), f"year '{row['year']}' must be the year the "
                                    "figure refers to, e.g. 2024", line))
        problems += _source_problems(row, line)
        key = (nation, cap)
        if key in seen:
            problems.append(Problem(("capability",), f"{nation} {cap} is listed twice "
                                    f"(first at line {seen[key]})", line))
        seen[key] = line
        records.append({"nation": nation, "capability": cap, "units": units, "year": year,
                        "source": row["source"].strip(), "notes": (row["notes"] or "").strip()})
    if problems:
        raise ScenarioError(shown, problems)
    return pd.DataFrame.from_records(records, columns=FIELDED_COLUMNS)


@cache
def _packaged_fielded() -> pd.DataFrame:
    return read_fielded()


def fielded() -> pd.DataFrame:
    """What each nation fields: nation, capability, units, year, source, notes (a copy)."""
    return _packaged_fielded().copy()


def read_ceilings(path: Path | None = None) -> dict[str, tuple[float, str]]:
    """Checked rows of `ceilings.csv`: nation (or `default`) → (share, source)."""
    shown, rows = _read(path, CEILINGS_FILE, CEILING_COLUMNS)
    problems: list[Problem] = []
    out: dict[str, tuple[float, str]] = {}
    for line, row in rows:
        nation = row["nation"].strip()
        bad_nation = _nation_problem(nation, line, allow_default=True)
        if bad_nation:
            problems.append(bad_nation)
        try:
            share = float(row["share"])
        except ValueError:
            share = -1.0
        if not 0 < share <= MAX_SHARE:
            problems.append(Problem(("share",), f"share '{row['share']}' must be a fraction of "
                                    f"active personnel above 0 and at most {MAX_SHARE}", line))
        problems += _source_problems(row, line)
        if nation in out:
            problems.append(Problem(("nation",), f"{nation} is listed twice", line))
        out[nation] = (share, row["source"].strip())
    if DEFAULT not in out:
        problems.append(Problem(("nation",), f"no '{DEFAULT}' row: nations without their own "
                                "ceiling need one", rows[-1][0] + 1 if rows else 2))
    if problems:
        raise ScenarioError(shown, problems)
    return out


@cache
def _packaged_ceilings() -> dict[str, tuple[float, str]]:
    return read_ceilings()


def deployment_ceiling(nation: str) -> float:
    """Share of `nation`'s active personnel it can keep deployed; the default where none is stated."""
    if nation not in nations():
        raise KeyError(f"unknown nation '{nation}'; valid: {', '.join(sorted(nations()))}")
    table = _packaged_ceilings()
    return table.get(nation, table[DEFAULT])[0]
