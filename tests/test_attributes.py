"""The attribute tables drive the packaged tables: parsing, checks, defaults and the docs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from willing.scenario import ScenarioError, packaged
from willing.scenario.attributes import attributes, read_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the packaged tables and their attribute tables, to edit."""
    out = tmp_path / "data"
    shutil.copytree(packaged.DATA / "attributes", out / "attributes")
    for table in ("nations.csv", "capabilities.csv"):
        shutil.copy(packaged.DATA / table, out / table)
    return out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(data: Path, table: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        read_table(data, table)
    return str(exc.value)


def test_every_column_is_declared_and_every_field_the_code_reads_too() -> None:
    for table, cls in (("capabilities", packaged.Capability), ("nations", packaged.NationFigures)):
        declared = attributes(packaged.DATA, table)
        header = (packaged.DATA / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(declared)
        assert set(cls.__dataclass_fields__) - {"extra"} <= set(declared)


def test_cells_are_typed_and_empty_ones_take_the_declared_default() -> None:
    cat = packaged.capabilities()
    inf = cat["infantry-battalion"]
    assert (inf.personnel_per_unit, inf.hq_level, inf.substitutes) == (600, None, ())
    assert cat["force-hq"].substitutes == ("brigade-hq",)
    aus = packaged.nations()["AUS"]
    assert (aus.nato, aus.population, aus.year) == (False, 27_196_812, 2024)  # year: a column
    # a declared column that no code names is an attribute all the same
    assert (aus.active_personnel_nato, packaged.nations()["DEU"].active_personnel_nato) == (
        None, 185_600)
    # a capability a scenario adds takes every default of the attribute table
    new = packaged.new_capability("drone-team", {"personnel_per_unit": 12})
    assert (new.name, new.component, new.lift_mode, new.source, new.unit_size) == (
        "drone-team", "LAND", "surface", "scenario", None)


@pytest.mark.parametrize(("table", "old", "new", "where", "message"), [
    ("capabilities", "infantry-battalion,Infantry battalion (light or motorised),LAND,battalion,,600",
     "infantry-battalion,Infantry battalion (light or motorised),LAND,battalion,,six hundred",
     r":4:6 infantry-battalion\.personnel_per_unit:", r"'six hundred' is not a number; valid: a "
     r"whole number ≥ 0"),
    ("capabilities", "infantry-battalion,Infantry battalion (light or motorised),LAND,",
     "infantry-battalion,Infantry battalion (light or motorised),LANDS,",
     r":4:3 infantry-battalion\.component:", r"'LANDS' is not valid; valid: one of LAND, AIR, "
     r"MARITIME, REGENERATION"),
    ("capabilities", "infantry-battalion,Infantry battalion (light or motorised),LAND,battalion,,600",
     "infantry-battalion,Infantry battalion (light or motorised),LAND,battalion,0,600",
     r":4:5 infantry-battalion\.unit_size:", r"0 is out of range; valid: a whole number ≥ 1"),
    ("nations", "AUS,Australia,27196812,1751.68,33.820,1.88,58600,,false",
     "AUS,Australia,27196812,1751.68,33.820,1.88,58600,,no",
     r":3:9 AUS\.nato:", r"'no' is not true or false"),
    ("nations", "AUS,Australia,27196812,1751.68,33.820,1.88,58600,,false,false,2024,",
     "AUS,Australia,27196812,1751.68,33.820,1.88,58600,,false,false,2024.5,",
     r":3:11 AUS\.year:", r"'2024\.5' is not a whole number ≥ 1990 and ≤ 2100"),
    ("nations", "AUS,Australia,", "AUS,,", r":3:2 AUS\.name:", r"required; valid: text"),
])
def test_a_bad_cell_names_file_line_column_attribute_and_what_is_valid(
        data: Path, table: str, old: str, new: str, where: str, message: str) -> None:
    _edit(data / f"{table}.csv", old, new)
    text = _error(data, table)
    assert text.startswith(str(data / f"{table}.csv")), text
    assert re.search(where + " " + message, text), text


def test_undeclared_and_missing_columns_are_refused(data: Path) -> None:
    _edit(data / "nations.csv", "year,source,notes", "year,source,notes,extra")
    assert "column 'extra' is not declared in data/attributes/nations.csv" in _error(data, "nations")
    _edit(data / "attributes" / "capabilities.csv", "notes,text,,,Input (optional)",
          "notes,text,,,Input (optional)\nhull,text,,,Input (optional),,,,Hull number\nz,text,,,"
          "Input (optional)")
    text = _error(data, "capabilities")
    assert "column 'hull' declared in data/attributes/capabilities.csv is missing" in text


def test_a_bad_attribute_table_is_refused(data: Path) -> None:
    _edit(data / "attributes" / "nations.csv", "population,integer,", "population,int,")
    with pytest.raises(ScenarioError, match=r"nations\.csv:4:2 population\.type: 'int' is not "
                                            r"valid; valid: id, text, string, integer"):
        attributes(data, "nations")


def _architecture_example(heading: str) -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```[a-z]*\n(.*?)```", section, re.S)


def test_the_adding_a_catalogue_attribute_example_runs(data: Path) -> None:
    """docs/architecture.md: one attribute row plus the data, and the value is on the capability."""
    row, column = _architecture_example("Adding a catalogue attribute")[:2]
    with (data / "attributes" / "capabilities.csv").open("a", encoding="utf-8") as f:
        f.write(row.strip() + "\n")
    m = re.match(r"(\S+) \(capabilities\.csv\): (.*)", column.strip())
    assert m, column
    name, cells = m.group(1), dict(kv.split("=") for kv in m.group(2).split())
    path = data / "capabilities.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += f",{name}"
    for k in range(1, len(lines)):
        lines[k] += "," + cells.get(lines[k].split(",", 1)[0], "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cat = packaged.capabilities(data)
    declared = attributes(data, "capabilities")[name]
    for cid, cap in cat.items():
        expected = declared.parse(cells.get(cid, ""), {})
        assert getattr(cap, name) == expected
    assert any(getattr(cap, name) != declared.empty({}) for cap in cat.values())
    # and the value is checked like every other: a bad one names its place
    path.write_text(path.read_text(encoding="utf-8").replace(
        "," + next(iter(cells.values())) + "\n", ",-5\n", 1), encoding="utf-8")
    column_no = lines[0].count(",") + 1  # the new column, the last
    assert re.search(rf"capabilities\.csv:\d+:{column_no} \S+\.{name}: -5 is out of range; valid: a "
                     r"number ≥ 0", _error(data, "capabilities"))


def test_the_data_doc_is_generated_from_the_attribute_tables() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("doc_tables", ROOT / "docs" / "tables.py")
    assert spec is not None and spec.loader is not None
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert tables.render(text, tables.GENERATED["data.md"]()) == text, \
        "docs/data.md is out of date: run python docs/tables.py"
    for table in ("nations", "capabilities"):
        for name in attributes(packaged.DATA, table):
            assert f"| `{name}` |" in text, name
