"""The bad-input catalogue: every kind of broken scenario gives a clear, located message.

Each case edits the packaged scenario in one place, runs `willing validate` on it through the
CLI, and checks: exit code 2, no traceback, the message names `file:line:` (the line of the
edit), the field path, and says what is wrong (and, where there is a list, what is valid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from willing.cli import app
from willing.scenario import packaged

BASE = packaged.scenario_text()


@dataclass(frozen=True)
class Case:
    old: str  # replaced once in the packaged scenario (must occur in it)
    new: str
    path: str  # field path the message names
    message: str  # regular expression the message matches
    marker: str | None = None  # text whose line the message must name (default: `new`)


CASES: dict[str, Case] = {
    "yaml-syntax": Case("horizon_years: 3\n", "horizon_years: [3\n", "(top level)",
                        r"YAML|expected|flow", marker=None),
    "tab-indent": Case("horizon_years: 3\n", "horizon_years:\n\t3\n", "(top level)",
                       r"tab|YAML|found character"),
    "unknown-key": Case("horizon_years: 3", "horizon_yaers: 3", "horizon_yaers",
                        r"unknown key 'horizon_yaers' \(did you mean 'horizon_years'\?\); valid keys:"),
    "unknown-key-in-pledge": Case("count: 3, readiness_days: 60, regions: [ua-kyiv, ua-west]",
                                  "count: 3, readyness_days: 60, regions: [ua-kyiv, ua-west]",
                                  "nations.GBR.pledges[1].readyness_days",
                                  r"did you mean 'readiness_days'"),
    "wrong-type": Case("horizon_years: 3", "horizon_years: three", "horizon_years",
                       r"valid integer.*'three'"),
    "unknown-iso-code": Case("  GBR:\n    tier: lead", "  GBX:\n    tier: lead", "nations.GBX",
                             r"not an ISO 3166-1 alpha-3", marker="  GBX:"),
    "duplicate-nation": Case("  UKR:\n    tier: host", "  GBR:\n    tier: host", "nations.GBR",
                             r"duplicate key 'GBR': each key, nation or region may appear only "
                             r"once$", marker="  GBR:\n    tier: host"),
    "negative-count": Case("{capability: armoured-battalion, count: 3,",
                           "{capability: armoured-battalion, count: -3,",
                           "nations.GBR.pledges[1].count", r"greater than or equal to 0.*-3"),
    "negative-weight": Case("        id: forward-hq\n", "        id: forward-hq\n        weight: -1\n",
                            "mission_lines.land.requirements[1].weight",
                            r"greater than or equal to 0, got -1; valid: a number from 0 to 1,000",
                            marker="        weight: -1"),
    "weight-not-a-number": Case("        id: forward-hq\n",
                                "        id: forward-hq\n        weight: heavy\n",
                                "mission_lines.land.requirements[1].weight",
                                r"valid number, got 'heavy'; valid: a number from 0 to 1,000",
                                marker="        weight: heavy"),
    "weight-not-finite": Case("        id: forward-hq\n", "        id: forward-hq\n        weight: .inf\n",
                              "mission_lines.land.requirements[1].weight",
                              r"finite number, got inf", marker="        weight: .inf"),
    "weight-too-large": Case("        id: forward-hq\n",
                             "        id: forward-hq\n        weight: 2000\n",
                             "mission_lines.land.requirements[1].weight",
                             r"less than or equal to 1000, got 2000", marker="        weight: 2000"),
    "rotation-below-one": Case("count: 1, rotation: 1,", "count: 1, rotation: 0.5,",
                               "nations.GBR.pledges[3].rotation",
                               r"greater than or equal to 1.*0\.5"),
    "unknown-capability": Case("{capability: armoured-battalion, count: 3,",
                               "{capability: armored-battalion, count: 3,",
                               "nations.GBR.pledges[1].capability",
                               r"unknown capability 'armored-battalion' \(did you mean "
                               r"'armoured-battalion'\?\); valid:"),
    "unknown-region": Case("regions: [ua-kyiv], source:", "regions: [ua-kiev], source:",
                           "nations.GBR.pledges[3].regions[0]",
                           r"unknown region 'ua-kiev' \(did you mean 'ua-kyiv'\?\); valid: black-sea"),
    "pledge-without-region": Case("regions: [ua-kyiv], source:", "source:",
                                  "nations.GBR.pledges[3].regions", r"required field is missing",
                                  marker="{capability: force-hq"),
    "undeclared-state": Case("states: [ceasefire, violation, no-backstop]",
                             "states: [ceasefire, violaton, no-backstop]",
                             "mission_lines.land.requirements[0].states[1]",
                             r"unknown state 'violaton' \(did you mean 'violation'\?\)"),
    "event-to-undeclared-state": Case("{id: ceasefire-violated, from: ceasefire, to: violation}",
                                      "{id: ceasefire-violated, from: ceasefire, to: violated}",
                                      "events[1].to", r"unknown state 'violated'"),
    "unreachable-state": Case("  - {id: backstop-withdrawn, from: ceasefire, to: no-backstop}\n", "",
                              "states.no-backstop", r"unreachable", marker="  no-backstop:"),
    "share-above-one": Case("lead_share_min: 0.3", "lead_share_min: 1.3",
                            "mission_lines.land.lead_share_min", r"less than or equal to 1"),
    "willingness-above-one": Case("willingness: 0.85", "willingness: 1.85",
                                  "nations.GBR.willingness", r"less than or equal to 1"),
    "unknown-condition": Case("conditions: [ceasefire, us-backstop]",
                              "conditions: [ceasefire, us-backstop, nato]",
                              "nations.GBR.pledges[0].conditions[2]",
                              r"'us-backstop'.*'parliament'.*'nato'"),
    "unknown-rule": Case("      - rule: cap\n", "      - rule: capp\n",
                         "mission_lines.air.requirements[0].rule",
                         r"unknown rule 'capp'; valid: headline, population, cap, mcm, training, "
                         r"aar, isr, airlift, per_brigade, explicit",
                         marker="rule: capp"),
    "unknown-default-state": Case("default_state: ceasefire", "default_state: cease-fire",
                                  "default_state", r"unknown state 'cease-fire'.*valid:"),
    "unknown-role": Case("role: air-policing\n        stations: 2",
                         "role: air-patrol\n        stations: 2",
                         "mission_lines.air.requirements[0].role",
                         r"unknown role 'air-patrol'.*valid:", marker="role: air-patrol"),
    "split-not-one": Case("region_split: {ua-kyiv: 0.4, ua-west: 0.3, ua-south: 0.3}",
                          "region_split: {ua-kyiv: 0.5, ua-west: 0.3, ua-south: 0.3}",
                          "mission_lines.land.requirements[0].region_split", r"sum to 1, got sum 1\.1"),
    "count-and-share": Case("{capability: infantry-battalion, share_of_active: 0.04,",
                            "{capability: infantry-battalion, count: 2, share_of_active: 0.04,",
                            "nations.GBR.pledges[0]",
                            r"exactly one of 'count' \(a rotation pool\), 'deployed'"),
    "count-and-deployed": Case("{capability: armoured-battalion, count: 3,",
                               "{capability: armoured-battalion, count: 3, deployed: 1,",
                               "nations.GBR.pledges[1]", r"exactly one of 'count'"),
    "access-unknown-state": Case("states: [pre-ceasefire, violation]\n        capabilities:",
                                 "states: [pre-ceasefire, war]\n        capabilities:",
                                 "regions.black-sea.access[0].states[1]",
                                 r"unknown state 'war'.*valid:"),
    "access-not-a-nation": Case("admits: [TUR, ROU, BGR]\n", "admits: [TUR, ROU, BUL]\n",
                                "regions.black-sea.access[2].admits[2]",
                                r"'BUL' is not an ISO 3166-1 alpha-3"),
    "access-unknown-capability": Case("capabilities: [mcm-vessel]", "capabilities: [mcm-vesel]",
                                      "regions.black-sea.access[2].capabilities[0]",
                                      r"unknown capability 'mcm-vesel' \(did you mean 'mcm-vessel'\?\)"),
    "access-unknown-key": Case("max_stay_days: 21", "max_stay: 21",
                               "regions.black-sea.access[1].max_stay",
                               r"unknown key 'max_stay' \(did you mean 'max_stay_days'\?\)"),
    "access-negative-stay": Case("max_stay_days: 21", "max_stay_days: -21",
                                 "regions.black-sea.access[1].max_stay_days",
                                 r"greater than or equal to 0"),
    "access-bad-component": Case("capabilities: [mcm-vessel]", "components: [NAVY]",
                                 "regions.black-sea.access[2].components[0]",
                                 r"'LAND', 'AIR', 'MARITIME' or 'REGENERATION'"),
    "cap-no-time-on-station": Case("endurance_h: 3.5", "endurance_h: 1.0",
                                   "mission_lines.air.requirements[0]", r"must exceed 2·transit_h",
                                   marker="- rule: cap"),
    "duplicate-requirement": Case("id: forward-hq", "id: land-force",
                                  "mission_lines.land.requirements[1].id",
                                  r"duplicate requirement id 'land-force' \(first at "
                                  r"mission_lines\.land\.requirements\[0\]\)",
                                  marker="id: land-force\n        capability: force-hq"),
    "unknown-force-option": Case("force_option: medium", "force_option: huge", "force_option",
                                 r"unknown force option 'huge'.*valid: large, medium, small"),
    "aar-unknown-cap": Case("cap: air-cap", "cap: air-kap",
                            "mission_lines.air.requirements[6].cap",
                            r"unknown cap requirement 'air-kap' \(did you mean 'air-cap'\?\); "
                            r"valid: air-cap$"),
    "airlift-supports-airlift": Case("supports: [land-force]", "supports: [strategic-airlift]",
                                     "mission_lines.air.requirements[9].supports[0]",
                                     r"unknown supported requirement 'strategic-airlift'; "
                                     r"valid: .*land-force"),
    "template-line-two-sizes": Case("{capability: medical-role2, per_brigade: 1, role: medical}",
                                    "{capability: medical-role2, per_brigade: 1, share: 0.03, "
                                    "role: medical}",
                                    "mission_lines.land.requirements[0].template[5]",
                                    r"exactly one of 'share' \(a number, or 'rest'\) or "
                                    r"'per_brigade'"),
    "per-brigade-without-brigades": Case("{capability: brigade-hq, share: 0.024, role: command}",
                                         "{capability: brigade-hq, per_brigade: 1, role: "
                                         "command}", "mission_lines.land.requirements[0]",
                                         r"'per_brigade' lines need a template line of "
                                         r"'brigade-hq'", marker="- rule: headline"),
    "bad-identifier": Case("  ua-west: {name:", "  UA_West: {name:", "regions",
                           r"UA_West|pattern|identifier", marker="  UA_West:"),
}


def _run(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    f = tmp_path / "scenario.yaml"
    f.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(app, ["--no-store", "validate", str(f)])
    return out.exit_code, out.output, f


@pytest.mark.parametrize("kind", sorted(CASES))
def test_bad_scenario_gives_a_located_message(tmp_path: Path, kind: str) -> None:
    case = CASES[kind]
    assert BASE.count(case.old) >= 1, f"the packaged scenario changed: {case.old!r} not found"
    text = BASE.replace(case.old, case.new, 1)
    code, output, f = _run(tmp_path, text)
    assert code == 2, output
    assert "Traceback" not in output
    lines = [ln.strip() for ln in output.splitlines() if ln.strip().startswith(str(f))]
    assert lines, output
    hit = [ln for ln in lines if re.search(case.message, ln)]
    assert hit, f"no message matches {case.message!r}:\n{output}"
    m = re.match(rf"{re.escape(str(f))}:(\d+):(\d+) (.+?): ", hit[0])
    assert m, hit[0]
    assert m.group(3).startswith(case.path) or case.path in hit[0], hit[0]
    marker = case.marker if case.marker is not None else case.new.split("\n")[0]
    if marker and kind not in ("yaml-syntax", "tab-indent"):
        expected = text[:text.index(marker)].count("\n") + 1
        assert int(m.group(1)) == expected, hit[0]


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"),
    ("- one\n- two\n", "a scenario must be a mapping"),
    ("just words\n", "a scenario must be a mapping"),
])
def test_empty_or_not_a_mapping(tmp_path: Path, text: str, message: str) -> None:
    code, output, f = _run(tmp_path, text)
    assert code == 2 and "Traceback" not in output
    assert f"{f}:1:1 " in output and message in output


def test_missing_file_and_every_problem_listed(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["--no-store", "validate", str(tmp_path / "nope.yaml")])
    assert out.exit_code == 2 and "no such file" in out.output and "Traceback" not in out.output
    text = BASE.replace("horizon_years: 3", "horizon_yaers: 3").replace(
        "willingness: 0.85", "willingness: 1.85", 1)
    code, output, f = _run(tmp_path, text)
    assert code == 2 and output.count(str(f)) >= 2  # both problems, not just the first


def test_the_packaged_scenario_itself_is_valid(tmp_path: Path) -> None:
    code, output, _ = _run(tmp_path, BASE)
    assert code == 0, output
    # valid, with the pledges kept as published in 2025 that can never deploy as warnings only
    ok_at = output.index("\nok ") + 1 if not output.startswith("ok") else 0
    warnings = [ln for ln in output[:ok_at].splitlines() if ln.strip()]
    assert all(ln.startswith("warning [never-deployable] ") for ln in warnings), output
