"""A bounded fuzz of the loader: every edited file loads, or fails with located problems.

A small valid scenario (synthetic, with a force option, an entry point and a catalogue
addition) is edited at random the way a hostile or careless user would: values replaced by
NaN, infinity, huge or negative numbers, booleans, lists and mappings; keys misspelt; lines
deleted, doubled or re-indented; anchors, recursive aliases, alias bombs and deep nesting
inserted. Whatever the edit, `parse_scenario` either returns a scenario or raises
`ScenarioError` whose every problem names a line; any other exception, or a hang (the
timeout), fails the test. The seeds are fixed, so a failure is reproducible by its index.
"""

from __future__ import annotations

import io
import random
import re

import pytest
from ruamel.yaml import YAML

from willing.scenario import ScenarioError, parse_scenario
from willing.synthetic import synthetic_spec

EXAMPLES = 200

HOSTILE = [
    ".nan", ".inf", "-.inf", "1e999", "-1", "0", "-0.0", "9223372036854775808", "9007199254740993",
    "1" * 60, "0x" + "f" * 30, "true", "false", "null", "~", "''", "'3'", "3.5", "[]", "{}",
    "[1, 2]", "{a: 1}", "x" * 70, "UA_West", "*nowhere", "&a [*a]", "!!binary aGk=", "!!set {a}",
    "2001-12-14", "!!int abc", "!!float x", "!!bool maybe", "!!int ''", "!!float 3",
    "[" * 40 + "]" * 40, "{a: " * 40 + "1" + "}" * 40, "'\\x00'", "\"\\ud800\"",
]
"""Values to put where a value was: each is a class of bad input the loader must refuse."""

BOMB = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
BOMB = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB
"""A "billion laughs": nine levels of nine aliases each."""

LINE = re.compile(r"^(?P<head>\s*(?:- )?)(?P<key>[\w-]+):(?P<rest>.*)$")


def _base() -> str:
    spec = synthetic_spec(3, 4, 5, 2, 5)
    land = "mission_lines.land.requirements.land-force"
    spec["force_options"] = {"small": {"overrides": {
        f"{land}.personnel": 8000, f"{land}.region_split": {"ua-kyiv": 0.5, "ua-west": 0.5},
        "mission_lines.air.requirements.air-cap.stations": 2}}}
    spec["capabilities"] = {"crate-team": {"name": "Crate team", "component": "LAND",
                                           "personnel_per_unit": 40, "cost_musd_per_unit_year": 2.5,
                                           "lift_tonnes_per_unit": 12.0}}
    spec["entry_points"] = {"rzeszow": {"name": "Rzeszów", "mode": "air", "personnel_per_day": 3000,
                                        "tonnes_per_day": 900.0, "regions": ["ua-west", "ua-kyiv"]}}
    buf = io.StringIO()
    YAML().dump(spec, buf)
    return buf.getvalue()


BASE = _base()


def _mutate(text: str, rng: random.Random) -> str:
    """One random edit of the text; most replace a value, the others break the structure."""
    op = rng.choices(["value", "key", "delete", "double", "indent", "char", "anchor", "bomb"],
                     weights=[12, 3, 2, 2, 1, 1, 2, 1])[0]
    if op == "bomb":
        return BOMB + text
    lines = text.split("\n")
    leaves = [i for i, ln in enumerate(lines) if (m := LINE.match(ln)) and m["rest"].strip()]
    i = rng.choice(leaves if op in ("value", "key", "anchor") else range(len(lines)))
    m = LINE.match(lines[i])
    if op == "value" and m:
        lines[i] = f"{m['head']}{m['key']}: {rng.choice(HOSTILE)}"
    elif op == "key" and m:
        key = rng.choice([m["key"][::-1], m["key"] + "s", m["key"].upper(), "x", "<<", "1", "true"])
        lines[i] = f"{m['head']}{key}:{m['rest']}"
    elif op == "delete":
        del lines[i]
    elif op == "double":
        lines.insert(i, lines[i])
    elif op == "indent":
        lines[i] = rng.choice(["  " + lines[i], lines[i][2:], "\t" + lines[i]])
    elif op == "char" and lines[i]:
        k = rng.randrange(len(lines[i]))
        lines[i] = lines[i][:k] + rng.choice(":-[]{}&*!|>'\"#%@` \x00") + lines[i][k + 1:]
    elif op == "anchor" and m:  # an anchor on one value, an alias to it on another
        j = rng.choice(leaves)
        lines[i] = f"{m['head']}{m['key']}: &x{m['rest']}"
        n = LINE.match(lines[j])
        if n and j != i:
            lines[j] = f"{n['head']}{n['key']}: *x"
    return "\n".join(lines)


@pytest.mark.timeout(240)
def test_every_edited_scenario_loads_or_is_refused_with_lines() -> None:
    parse_scenario(BASE, "fuzz.yaml", force_option="small")  # the base itself is valid
    outcomes = {"loaded": 0, "refused": 0}
    for n in range(EXAMPLES):
        rng = random.Random(n)
        text = BASE
        for _ in range(rng.randint(1, 3)):
            text = _mutate(text, rng)
        option = rng.choice([None, "small"])
        try:
            parse_scenario(text, "fuzz.yaml", force_option=option)
        except ScenarioError as exc:
            assert exc.problems, f"example {n}: no problem listed"
            for p in exc.problems:
                assert p.line is not None and p.line >= 1, f"example {n}: {p.render('fuzz.yaml')}"
                assert p.render("fuzz.yaml").startswith(f"fuzz.yaml:{p.line}:"), n
            outcomes["refused"] += 1
        except Exception as exc:  # anything else is the bug this test looks for
            pytest.fail(f"example {n}: {type(exc).__name__}: {str(exc)[:500]}\n{text[:2000]}")
        else:
            outcomes["loaded"] += 1
    assert outcomes["refused"] > EXAMPLES // 2 and outcomes["loaded"] > 0, outcomes
