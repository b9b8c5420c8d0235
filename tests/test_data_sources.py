"""Every packaged figure traces to a named public source, within rounding.

`tests/reference/nations_2024.csv` records, for each figure of `data/nations.csv`, the value the
source gives at full precision and where it was read. A packaged figure must be that value
rounded to the decimals the table shows, so an edit that drifts (or a figure typed from memory)
fails here. Every row of every packaged data file names its source, or says `assumption:` and
why; and the source notes name public sources only.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest

from willing.scenario import packaged

REFERENCE = Path(__file__).parent / "reference" / "nations_2024.csv"
FIGURES = ("population", "gdp_usd_bn", "milex_usd_bn", "milex_pct_gdp", "active_personnel",
           "active_personnel_nato")
DATA_FILES = ("nations.csv", "capabilities.csv")
INTERNAL = re.compile(r"positions\.md|LEADS\.md|reference-2024|shared/|/work/|DESIGN §", re.I)
"""Project-internal notes and machine paths: a reader of the package cannot open them."""


def _rows(name: str) -> list[dict[str, str]]:
    text = (packaged.DATA / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _reference() -> dict[tuple[str, str], dict[str, str]]:
    with REFERENCE.open(encoding="utf-8", newline="") as fh:
        return {(r["iso3"], r["column"]): r for r in csv.DictReader(fh)}


def within_rounding(shown: str, exact: float) -> bool:
    """`shown` is `exact` rounded to the decimals `shown` has, and keeps 3 significant digits.

    The second half stops a figure being rounded so coarsely (88 for 88.46) that any value
    would pass: the shown value must be within 0.5 % of the source.
    """
    places = max(0, -Decimal(shown).as_tuple().exponent)  # type: ignore[operator]
    value = float(shown)
    half_unit = 0.5 * 10.0 ** -places
    return abs(value - exact) <= half_unit + 1e-9 and abs(value - exact) <= 0.005 * abs(exact)


def test_within_rounding_accepts_the_rounded_value_only() -> None:
    assert within_rounding("88.458", 88.458476)
    assert within_rounding("1.89", 1.8919)
    assert not within_rounding("1.90", 1.8919)
    assert not within_rounding("88", 88.458476)  # too coarse: 0.5 % off
    assert not within_rounding("164100", 164099)


def test_reference_rows_name_their_source() -> None:
    ref = _reference()
    assert ref
    for (iso, column), row in ref.items():
        assert column in FIGURES, f"{REFERENCE.name}: {iso}: unknown column {column!r}"
        assert row["source"].strip(), f"{REFERENCE.name}: {iso} {column}: no source"
        float(row["value"])


@pytest.mark.parametrize("row", _rows("nations.csv"), ids=lambda r: r["iso3"])
def test_every_packaged_figure_matches_its_reference(row: dict[str, str]) -> None:
    ref = _reference()
    for column in FIGURES:
        shown = row[column].strip()
        if not shown:
            assert (row["iso3"], column) not in ref, (
                f"nations.csv: {row['iso3']}: {column} is empty but the source gives "
                f"{ref[(row['iso3'], column)]['value']}")
            continue
        key = (row["iso3"], column)
        assert key in ref, (f"nations.csv: {row['iso3']}: {column} = {shown} has no reference "
                            f"value in tests/reference/{REFERENCE.name}")
        exact = float(ref[key]["value"])
        assert within_rounding(shown, exact), (
            f"nations.csv: {row['iso3']}: {column} = {shown}, but {ref[key]['source']} gives "
            f"{exact:g}")


def test_the_share_of_gdp_is_sipris_not_a_derivation() -> None:
    """Both SIPRI columns cite SIPRI for every nation that has armed forces."""
    ref = _reference()
    for row in _rows("nations.csv"):
        if row["milex_usd_bn"]:
            for column in ("milex_usd_bn", "milex_pct_gdp"):
                assert "SIPRI" in ref[(row["iso3"], column)]["source"], (row["iso3"], column)


def test_the_reader_sees_the_packaged_figures() -> None:
    table = packaged.nations()
    rows = _rows("nations.csv")
    assert set(table) == {r["iso3"] for r in rows}
    pol = table["POL"]
    assert (pol.milex_usd_bn, pol.milex_pct_gdp, pol.active_personnel) == (38.001, 4.15, 164100)


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_row_names_a_source_or_an_assumption(name: str) -> None:
    rows = _rows(name)
    assert rows
    for line, row in enumerate(rows, start=2):
        source = (row.get("source") or "").strip()
        reasoning = (row.get("notes") or "").partition("assumption:")[2].strip()
        assert source or reasoning, (f"{name}, line {line}: no source; name one in 'source' or "
                                     "explain the figure after 'assumption:' in 'notes'")


@pytest.mark.parametrize("name", [*DATA_FILES, "SOURCES.md", "scenarios/ukraine-2026.yaml"])
def test_sources_are_public(name: str) -> None:
    text = (packaged.DATA / name).read_text(encoding="utf-8")
    for line, content in enumerate(text.splitlines(), start=1):
        hit = INTERNAL.search(content)
        assert hit is None, f"{name}, line {line}: names {hit.group(0)!r}, not a public source"


def test_every_short_name_in_the_nations_table_is_listed_in_sources_md() -> None:
    listed = set(re.findall(r"\*\*(.+?)\*\*", (packaged.DATA / "SOURCES.md").read_text("utf-8")))
    for row in _rows("nations.csv"):
        for name in filter(None, (s.strip() for s in row["source"].split(";"))):
            assert name in listed, f"nations.csv: {row['iso3']}: source {name!r} not in SOURCES.md"


def test_a_nato_count_far_from_iiss_is_shown_beside_it_in_sources_md() -> None:
    """Where NATO's personnel count differs from IISS's by more than 10 %, both are kept.

    SOURCES.md must then list the nation in its two-source table, so a reader sees the
    spread and which figure the model uses, instead of meeting it only in the CSV.
    """
    text = (packaged.DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert "The model uses `active_personnel` (IISS)" in text
    far = [n for n in packaged.nations().values()
           if n.active_personnel and n.active_personnel_nato
           and abs(n.active_personnel_nato / n.active_personnel - 1) > 0.10]
    assert far, "no nation's NATO count differs from IISS by 10 %; the check would be vacuous"
    for nation in far:
        assert re.search(rf"^\| {re.escape(nation.name)} \| [\d,]+ \| ", text, re.M), (
            f"SOURCES.md: {nation.name}'s NATO count ({nation.active_personnel_nato}) differs "
            f"from IISS ({nation.active_personnel}) by more than 10 % but is not in the table")
