"""Hostile scenario files, one named case per class: each is refused with a located message.

The classes: YAML that would exhaust time or memory (alias bombs, deep nesting, recursive
aliases, huge literals, huge files); broken force options other than the one planned; numbers
out of any sensible range (NaN, infinity, 2^63, 2^53 + 1); booleans where a number belongs.
Each case edits the packaged scenario in one place and checks that `willing validate` exits 2
without a traceback, naming the file, the line of the edit, the field and what is valid.
Force-option cases also run `willing plan -f <option>` on the file, which must fail the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from test_scenario_errors import Case as EditCase
from willing.cli import app
from willing.scenario import packaged

BASE = packaged.scenario_text()

BOMB = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
"""Ten lines that expand to 9⁹ strings ("billion laughs")."""


@dataclass(frozen=True)
class Case(EditCase):
    option: str | None = None  # force option to plan with, for the force-option cases


OPT = "force_options.{}.overrides.mission_lines.{}"
SMALL_CAP = "      mission_lines.air.requirements.air-cap.stations: 1"
SMALL_AD = "      mission_lines.air.requirements.air-defence-south.count: 1"
SMALL_LAND = "      mission_lines.land.requirements.land-force.region_split: {ua-kyiv: 0.5, ua-west: 0.5}"
LARGE_CAP = "      mission_lines.air.requirements.air-cap.stations: 4"
LARGE_MCM = "      mission_lines.maritime.requirements.black-sea-mcm.area_km2: 3000"
CAPABILITY = ("capabilities:\n  drone-company: {name: Drone company, component: LAND, "
              "personnel_per_unit: 120, cost_musd_per_unit_year: COST}\n")
WHOLE = r"valid: a whole number from 0 to 10,000$"

CASES: dict[str, Case] = {
    # YAML that would run for minutes or exhaust the stack
    "alias-bomb": Case("name: ukraine-2025\n", BOMB + "name: ukraine-2025\n", "(top level)",
                       r"expands to more than 100,000 values here \(the limit\)", marker="lol5:"),
    "deep-nesting": Case("horizon_years: 3", "horizon_years: " + "[" * 500 + "]" * 500,
                         "(top level)", r"nested more than 32 levels deep \(the limit\)"),
    "recursive-alias": Case("roles: [deterrence,", "roles: &r [*r, deterrence,", "(top level)",
                            r"alias \*r refers to a node that contains it"),
    "huge-integer-literal": Case("horizon_years: 3", "horizon_years: " + "9" * 5000, "(top level)",
                                 r"a whole number of 5,000 characters; numbers in a scenario "
                                 r"have at most 40"),
    "tag-that-does-not-fit": Case("horizon_years: 3", "horizon_years: !!int three", "(top level)",
                                  r"'three' is not a valid !!int"),
    # force options other than the one planned (each override is a field path)
    "option-unknown-key": Case(SMALL_CAP, SMALL_CAP.replace("stations", "statons"),
                               OPT.format("small", "air.requirements.air-cap.statons"),
                               r"unknown key 'statons' \(did you mean 'stations'\?\).*valid keys:",
                               option="small"),
    "option-wrong-type": Case(SMALL_AD, SMALL_AD.replace(": 1", ": one"),
                              OPT.format("small", "air.requirements.air-defence-south.count"),
                              r"valid integer.*'one'; " + WHOLE, option="small"),
    "option-negative-count": Case(SMALL_AD, SMALL_AD.replace(": 1", ": -1"),
                                  OPT.format("small", "air.requirements.air-defence-south.count"),
                                  r"greater than or equal to 0, got -1; " + WHOLE, option="small"),
    "option-unknown-region": Case(SMALL_LAND, SMALL_LAND.replace("ua-west", "ua-wets"),
                                  OPT.format("small", "land.requirements.land-force.region_split"),
                                  r"unknown region 'ua-wets' \(did you mean 'ua-west'\?\); valid: "
                                  r"black-sea, nato-east", option="small"),
    "option-unknown-capability": Case(LARGE_CAP, LARGE_CAP + "\n      mission_lines.air.requirements."
                                      "air-cap.capability: fighter-squadorn",
                                      OPT.format("large", "air.requirements.air-cap.capability"),
                                      r"unknown capability 'fighter-squadorn' \(did you mean "
                                      r"'fighter-squadron'\?\); valid:", option="large",
                                      marker="      mission_lines.air.requirements.air-cap.capability"),
    "option-unknown-state": Case(SMALL_CAP, SMALL_CAP + "\n      mission_lines.air.requirements."
                                 "air-cap.states: [ceasfire]",
                                 OPT.format("small", "air.requirements.air-cap.states"),
                                 r"unknown state 'ceasfire' \(did you mean 'ceasefire'\?\); valid:",
                                 option="small", marker="      mission_lines.air.requirements.air-cap.states"),
    "option-reused-id": Case(SMALL_CAP, SMALL_CAP + "\n      mission_lines.air.requirements."
                             "air-cap.id: land-force",
                             OPT.format("small", "air.requirements.air-cap.id"),
                             r"duplicate requirement id 'land-force'", option="small",
                             marker="      mission_lines.air.requirements.air-cap.id"),
    "option-nan": Case(LARGE_MCM, LARGE_MCM.replace("3000", ".nan"),
                       OPT.format("large", "maritime.requirements.black-sea-mcm.area_km2"),
                       r"finite number, got nan; valid: a number greater than 0 and at most "
                       r"1,000,000$", option="large"),
    # numbers out of any sensible range
    "nan-region-split": Case("region_split: {ua-kyiv: 0.4, ua-west: 0.3, ua-south: 0.3}",
                             "region_split: {ua-kyiv: .nan, ua-west: 0.3, ua-south: 0.3}",
                             "mission_lines.land.requirements[0].region_split.ua-kyiv",
                             r"finite number, got nan; valid: a number from 0 to 1$"),
    "inf-capability-cost": Case("\nmission_lines:\n",
                                "\n" + CAPABILITY.replace("COST", ".inf") + "mission_lines:\n",
                                "capabilities.drone-company.cost_musd_per_unit_year",
                                r"finite number, got inf; valid: a number from 0 to 100,000$",
                                marker="  drone-company:"),
    "nan-gdp": Case("  GBR:\n    tier: lead", "  GBR:\n    gdp_usd_bn: .nan\n    tier: lead",
                    "nations.GBR.gdp_usd_bn", r"finite number, got nan; valid: a number from 0 "
                    r"to 200,000$", marker="    gdp_usd_bn: .nan"),
    "inf-area": Case("area_km2: 2000", "area_km2: .inf",
                     "mission_lines.maritime.requirements", r"finite number, got inf; valid:"),
    "nan-entry-point-tonnes": Case("tonnes_per_day: 500\n", "tonnes_per_day: .nan\n",
                                   "entry_points.air-rzeszow.tonnes_per_day",
                                   r"finite number, got nan; valid: a number from 0 to 10,000,000$"),
    "minus-inf-personnel": Case("personnel: 25000", "personnel: -.inf",
                                "mission_lines.land.requirements[0].personnel",
                                r"valid integer, got -inf; valid: a whole number greater than 0 "
                                r"and at most 1,000,000$"),
    "count-2-to-the-63": Case("{capability: armoured-battalion, count: 3,",
                              "{capability: armoured-battalion, count: 9223372036854775808,",
                              "nations.GBR.pledges[1].count",
                              r"less than or equal to 10000, got 9223372036854775808; " + WHOLE),
    "count-near-2-to-the-53": Case("{capability: armoured-battalion, count: 3,",
                                   "{capability: armoured-battalion, count: 9007199254740993,",
                                   "nations.GBR.pledges[1].count", r"got 9007199254740993; " + WHOLE),
    # a boolean is not a number
    "true-as-count": Case("{capability: armoured-battalion, count: 3,",
                          "{capability: armoured-battalion, count: true,",
                          "nations.GBR.pledges[1].count", r"true/false is not a number; " + WHOLE),
    "false-as-share": Case("share_of_active: 0.04, readiness_days: 45",
                           "share_of_active: false, readiness_days: 45",
                           "nations.GBR.pledges[0].share_of_active",
                           r"true/false is not a number; valid: a number greater than 0 and at "
                           r"most 0.2$"),
    "true-as-willingness": Case("willingness: 0.85", "willingness: true", "nations.GBR.willingness",
                                r"true/false is not a number; valid: a number from 0 to 1$"),
}


def _invoke(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(app, ["--no-store", *args])
    return out.exit_code, out.output


def _located(output: str, f: Path, case: Case, text: str) -> None:
    """The output has a line `file:line:col path: message` for this case, at the edit's line."""
    assert "Traceback" not in output
    hit = [ln.strip() for ln in output.splitlines()
           if ln.strip().startswith(str(f)) and re.search(case.message, ln.strip())]
    assert hit, f"no message matches {case.message!r}:\n{output[:3000]}"
    m = re.match(rf"{re.escape(str(f))}:(\d+):(\d+) (.+?): ", hit[0])
    assert m, hit[0]
    assert m.group(3).startswith(case.path), hit[0]
    marker = case.marker or case.new.split("\n")[0]
    assert int(m.group(1)) == text[:text.index(marker)].count("\n") + 1, hit[0]


@pytest.mark.parametrize("kind", sorted(CASES))
def test_hostile_scenario_is_refused_with_a_located_message(tmp_path: Path, kind: str) -> None:
    case = CASES[kind]
    assert BASE.count(case.old) >= 1, f"the packaged scenario changed: {case.old!r} not found"
    text = BASE.replace(case.old, case.new, 1)
    f = tmp_path / "scenario.yaml"
    f.write_text(text, encoding="utf-8")
    code, output = _invoke("validate", str(f))
    assert code == 2, output[:3000]
    _located(output, f, case, text)
    if case.option is not None:  # the option planned fails the same way, not with a KeyError
        code, output = _invoke("plan", str(f), "-f", case.option, "--json")
        assert code == 2, output[:3000]
        _located(output, f, case, text)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text(BASE + "#" * 1_000_000 + "\n", encoding="utf-8")
    code, output = _invoke("validate", str(f))
    assert code == 2 and "Traceback" not in output
    size = f.stat().st_size
    assert f"{f}:1:1 (top level): the file is {size:,} bytes; a scenario may have at most " \
           "1,000,000" in output, output


def test_a_packaged_force_option_other_than_the_default_still_plans() -> None:
    code, output = _invoke("plan", "ukraine-2025", "-f", "small", "--json")
    assert code == 0, output[:2000]
    assert '"force_option": "small"' in output


def test_the_packaged_tables_hold_finite_non_negative_figures() -> None:
    """The scenario's ranges guard what a user writes; the shipped tables are checked here."""
    rows = [*packaged.nations().values(), *packaged.capabilities().values()]
    for row in rows:
        for name, value in vars(row).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert math.isfinite(value) and value >= 0, (row, name)
