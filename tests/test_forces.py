"""The packaged forces and ceilings tables: every row sourced and consistent, bad rows refused.

The packaged checks read the real tables, so a row added without a source, with an unknown id
or with more people than the nation has fails here. The refusal checks write a small table
with one bad row and expect the message to name file, line, field and what is valid.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from willing.scenario import forces
from willing.scenario.errors import ScenarioError
from willing.scenario.packaged import capabilities, nations

HEADER = "nation,capability,units,year,source,notes\n"
GOOD = 'GBR,frigate,15,2024,"UK Defence Journal 2024",6 Type 45 + 9 Type 23\n'


def test_every_row_names_a_source_or_reasons_an_assumption() -> None:
    table = forces.fielded()
    assert len(table) > 0
    for row in table.itertuples():
        assert row.source, f"{row.nation} {row.capability} has no source"
        if row.source == forces.ASSUMPTION:
            assert "assumption:" in row.notes, f"{row.nation} {row.capability}: no reasoning"
        else:
            assert re.search(r"(19|20)\d\d", row.source), f"{row.nation} {row.capability}: no year"


def test_every_capability_and_nation_is_known() -> None:
    table = forces.fielded()
    assert set(table["capability"]) <= set(capabilities())
    assert set(table["nation"]) <= set(nations())


def test_fielded_personnel_does_not_exceed_active_personnel() -> None:
    table = forces.fielded()
    per_unit = {cid: cap.personnel_per_unit for cid, cap in capabilities().items()}
    table["personnel"] = table["units"] * table["capability"].map(per_unit)
    for nation, personnel in table.groupby("nation")["personnel"].sum().items():
        active = nations()[str(nation)].active_personnel
        assert active is not None and personnel <= active, (
            f"{nation} fields {personnel} people in catalogue units but has {active} active")


def test_fielded_returns_a_copy() -> None:
    changed = forces.fielded()
    changed.loc[0, "units"] = -1
    assert (forces.fielded()["units"] >= 0).all()


@pytest.mark.parametrize(("row", "field", "message"), [
    ('XXX,frigate,1,2024,"src 2024",\n', "nation", r"unknown nation 'XXX'; valid: .*GBR"),
    ('GBR,frigat,1,2024,"src 2024",\n', "capability", r"unknown capability 'frigat'; valid: .*frigate"),
    ('GBR,mcm-vessel,-2,2024,"src 2024",\n', "units", r"units '-2' must be a whole number from 0 to 1000"),
    ('GBR,mcm-vessel,50000,2024,"src 2024",\n', "units", r"units '50000' must be a whole number"),
    ('GBR,mcm-vessel,two,2024,"src 2024",\n', "units", r"units 'two' must be a whole number"),
    ('GBR,mcm-vessel,2,24,"src 2024",\n', "year", r"year '24' must be the year"),
    ("GBR,mcm-vessel,2,2024,,\n", "source", r"missing source; name the public source"),
    ("GBR,mcm-vessel,2,2024,assumption,a guess\n", "notes", r"no reasoning; write 'assumption:"),
    (GOOD, "capability", r"GBR frigate is listed twice \(first at line 2\)"),
])
def test_reader_refuses_a_bad_row(tmp_path: Path, row: str, field: str, message: str) -> None:
    path = tmp_path / "forces.csv"
    path.write_text(HEADER + GOOD + row, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        forces.read_fielded(path)
    text = str(err.value)
    assert text.startswith(f"{path}:3:1 {field}: "), text
    assert re.search(message, text), text


def test_reader_refuses_a_table_without_a_column(tmp_path: Path) -> None:
    path = tmp_path / "forces.csv"
    path.write_text("nation,capability,units,year,notes\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r":1:1 \(header\): missing column\(s\) source"):
        forces.read_fielded(path)


def test_ceiling_of_a_listed_nation_and_the_default() -> None:
    table = forces.read_ceilings()
    listed = next(n for n in table if n != forces.DEFAULT)
    assert forces.deployment_ceiling(listed) == table[listed][0]
    unlisted = next(n for n in sorted(nations()) if n not in table)
    assert forces.deployment_ceiling(unlisted) == table[forces.DEFAULT][0]
    for share, _source in table.values():
        assert 0 < share <= forces.MAX_SHARE


def test_ceiling_of_an_unknown_nation_is_an_error() -> None:
    with pytest.raises(KeyError, match="unknown nation 'XXX'"):
        forces.deployment_ceiling("XXX")


@pytest.mark.parametrize(("body", "where", "message"), [
    ('default,0.03,"src 2020",\nGBR,0.6,"src 2011",\n', ":3:1 share", r"share '0.6' must be"),
    ('default,0.03,"src 2020",\nGBR,0.05,,\n', ":3:1 source", r"missing source"),
    ('default,0.03,"src 2020",\nGBX,0.05,"src 2011",\n', ":3:1 nation", r"unknown nation 'GBX'.*default"),
    ('GBR,0.05,"src 2011",\n', ":3:1 nation", r"no 'default' row"),
])
def test_ceilings_reader_refuses_a_bad_row(tmp_path: Path, body: str, where: str, message: str) -> None:
    path = tmp_path / "ceilings.csv"
    path.write_text("nation,share,source,notes\n" + body, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        forces.read_ceilings(path)
    text = str(err.value)
    assert f"{path}{where}: " in text, text
    assert re.search(message, text), text
