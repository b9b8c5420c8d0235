"""Overrides: one vocabulary of field paths for force options, sweeps and what-if edits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import willing
from willing import sizing
from willing.cli import app
from willing.robust.sweep import overrides_of, parse_axis
from willing.scenario import ScenarioError, apply_overrides, packaged
from willing.scenario.overrides import parse_path


@pytest.fixture(scope="module")
def sc() -> willing.Scenario:
    return willing.load_scenario()


def test_paths_read_like_the_error_messages() -> None:
    assert parse_path("nations.FRA.pledges[0].count") == ("nations", "FRA", "pledges", 0, "count")
    assert parse_path("uncertainty.us_backstop") == ("uncertainty", "us_backstop")
    assert parse_path("mission_lines.land.requirements.land-force.region_split") == (
        "mission_lines", "land", "requirements", "land-force", "region_split")
    for bad in ("", "[0].count", "nations..FRA", "nations.FRA[x]"):
        with pytest.raises(ValueError, match="is not a field path"):
            parse_path(bad)


def test_a_what_if_changes_the_field_and_nothing_else(sc: willing.Scenario) -> None:
    w = apply_overrides(sc, {"nations.FRA.willingness": 0.2, "uncertainty.us_backstop": 0.1,
                             "nations.FRA.pledges[1].count": 5})
    assert (w.spec.nations["FRA"].willingness, w.spec.uncertainty.us_backstop) == (0.2, 0.1)
    assert [p.count for p in w.pledges if p.id == "FRA-2"] == [5]
    assert sc.spec.nations["FRA"].willingness == 0.85  # the scenario itself is unchanged
    changed = {p.id for p, q in zip(sc.pledges, w.pledges, strict=True) if p != q}
    assert changed == {"FRA-2"}
    # what-ifs add up, and `force_option` chooses another option under them
    w2 = apply_overrides(w, {"force_option": "small"})
    assert (w2.force_option, w2.spec.nations["FRA"].willingness) == ("small", 0.2)
    assert w2.base is sc.base


def test_every_force_option_is_the_base_with_its_overrides(sc: willing.Scenario) -> None:
    base = {r.id: r.count for r in sizing.derive(sc)}
    for name, option in sc.spec.force_options.items():
        by_option = {r.id: r.count for r in sizing.derive(willing.load_scenario(force_option=name))}
        by_hand = {r.id: r.count for r in sizing.derive(apply_overrides(sc, option.overrides))}
        assert by_option == by_hand, name
        assert (by_option != base) == bool(option.overrides), name
    small = willing.load_scenario(force_option="small")
    land = small.spec.mission_lines["land"].requirements[0]
    assert (land.personnel, land.region_split) == (10000, {"ua-kyiv": 0.5, "ua-west": 0.5})


@pytest.mark.parametrize(("overrides", "message"), [
    ({"nations.FRA.willingnes": 0.2},
     r"^<s> nations\.FRA\.willingnes: unknown key 'willingnes' \(did you mean 'willingness'\?\) "
     r"at nations\.FRA; valid keys: .*willingness"),
    ({"nations.FRX.willingness": 0.2},
     r"nations\.FRX\.willingness: no 'FRX' \(did you mean 'FRA'\?\) in nations; valid: GBR, FRA"),
    ({"nations.FRA.pledges[40].count": 1},
     r"nations\.FRA\.pledges\[40\]\.count: nations\.FRA\.pledges has 13 items; \[40\] is not one"),
    ({"mission_lines.land.requirements.land-forc.personnel": 1},
     r"no item with id 'land-forc' \(did you mean 'land-force'\?\) in "
     r"mission_lines\.land\.requirements; valid: land-force, forward-hq"),
    ({"nations.FRA.willingness": 1.5},
     r"nations\.FRA\.willingness: Input should be less than or equal to 1, got 1\.5"),
    ({"nations.FRA.pledges[0].count": 3},
     r"nations\.FRA\.pledges\[0\]\.count: nations\.FRA\.pledges\[0\]: .*exactly one of 'count' "
     r"\(a rotation pool\), 'deployed' \(units kept in theatre\) or 'share_of_active'"),
    ({"mission_lines.land.requirements.land-force.region_split": {"ua-kiev": 1.0}},
     r"region_split: ua-kiev: unknown region 'ua-kiev' \(did you mean 'ua-kyiv'\?\)"),
    ({"uncertainty.us_backstop.x": 1},
     r"uncertainty\.us_backstop is a value, not a mapping or list"),
    ({"force_option": "huge"}, r"unknown force option 'huge'; valid: small, medium, large"),
])
def test_a_bad_override_says_which_path_and_what_is_valid(sc: willing.Scenario, overrides: dict,
                                                          message: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        apply_overrides(willing.scenario.from_spec(sc.spec, "<s>"), overrides)
    assert re.search(message, str(exc.value)), str(exc.value)


@pytest.mark.parametrize(("old", "new", "key", "message"), [
    ("mission_lines.air.requirements.air-cap.stations: 1",
     "mission_lines.air.requirements.air-kap.stations: 1", "air-kap",
     r"no item with id 'air-kap' \(did you mean 'air-cap'\?\)"),
    ("mission_lines.air.requirements.air-cap.stations: 4",
     "mission_lines.air.requirements.air-cap.station: 4", "air-cap.station:",
     r"unknown key 'station' \(did you mean 'stations'\?\)"),
    ("mission_lines.air.requirements.air-cap.stations: 4",
     "mission_lines.air.requirements.air-cap.count: 4", "air-cap.count:",
     r"unknown key 'count' at mission_lines\.air\.requirements\[\d+\] \(a rule 'cap'\); "
     r"valid keys: (?!.*\bcount\b).*stations"),
    ("mission_lines.air.requirements.air-cap.stations: 4", "air-cap: {stations: 4}",
     "air-cap: {", r"unknown key 'air-cap' at the top level.*overridden by its path, e\.g\. "
     r"mission_lines\.air\.requirements\.air-cap\.<field>"),
])
def test_a_bad_force_option_override_is_told_at_its_line(tmp_path: Path, old: str, new: str,
                                                         key: str, message: str) -> None:
    text = packaged.scenario_text()
    assert old in text
    text = text.replace(old, new, 1)
    f = tmp_path / "s.yaml"
    f.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(app, ["--no-store", "validate", str(f)])
    assert out.exit_code == 2 and "Traceback" not in out.output
    line = text[:text.index(key)].count("\n") + 1
    assert re.search(rf"{re.escape(str(f))}:{line}:\d+ force_options\.\w+\.overrides\.\S+: .*"
                     + message, out.output), out.output


def test_a_valid_path_with_a_bad_value_in_the_chosen_option_is_told_at_the_override(
        tmp_path: Path) -> None:
    text = packaged.scenario_text().replace(
        "mission_lines.air.requirements.air-cap.stations: 1",
        "mission_lines.air.requirements.air-cap.stations: 0", 1)
    with pytest.raises(ScenarioError) as exc:
        willing.scenario.parse_scenario(text, "s.yaml", force_option="small")
    line = text[:text.index("air-cap.stations: 0")].count("\n") + 1
    assert re.search(rf"s\.yaml:{line}:\d+ force_options\.small\.overrides\.mission_lines\.air\."
                     r"requirements\.air-cap\.stations: Input should be greater than or equal "
                     r"to 1, got 0", str(exc.value)), str(exc.value)


def test_sweep_axes_are_overrides(sc: willing.Scenario) -> None:
    assert overrides_of({"us_backstop": 0.3, "willingness.DEU": 0.9, "force_option": "small"},
                        sc) == {"uncertainty.us_backstop": 0.3, "nations.DEU.willingness": 0.9,
                                "force_option": "small"}
    scaled = overrides_of({"willingness_scale": 0.5, "willingness.DEU": 0.9}, sc)
    assert scaled["nations.FRA.willingness"] == pytest.approx(0.425)
    assert scaled["nations.DEU.willingness"] == 0.9  # the nation's axis wins over the scale
    axis = parse_axis("mission_lines.land.requirements.land-force.personnel=10000,40000", sc)
    assert axis.values == (10000, 40000)
    assert parse_axis("nations.FRA.willingness=0.2:0.6:3", sc).values == (0.2, 0.4, 0.6)
    with pytest.raises(ValueError, match=r"grid axis nations\.FRA\.willingnes: unknown key"):
        parse_axis("nations.FRA.willingnes=0.5", sc)
    with pytest.raises(ValueError, match=r"greater than 0, got -5"):
        parse_axis("mission_lines.land.requirements.land-force.personnel=-5", sc)


def test_a_path_axis_is_the_same_sweep_as_its_short_name(sc: willing.Scenario) -> None:
    short = willing.sweep(sc, ["us_backstop=0.3", "willingness.DEU=0.2"], draws=400, chunk=200)
    path = willing.sweep(sc, ["uncertainty.us_backstop=0.3", "nations.DEU.willingness=0.2"],
                         draws=400, chunk=200)
    assert short.runs[0].summary == path.runs[0].summary
