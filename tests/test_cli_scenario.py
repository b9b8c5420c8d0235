"""`willing validate`, `schema`, `init` and `plan` as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from willing.cli import app
from willing.scenario import packaged


def invoke(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(app, ["--no-store", *args])
    assert "Traceback" not in out.output
    return out.exit_code, out.output


def packaged_doc() -> dict:
    return YAML(typ="safe").load(packaged.scenario_text())


def test_validate_reports_what_it_checked() -> None:
    sc_file = packaged.scenario_display_path()
    code, out = invoke("validate", "ukraine-2025")
    assert code == 0, out
    ok_at = ("\n" + out).index(f"\nok {sc_file}")  # after the consistency warnings, if any
    assert all(ln.startswith("warning [") for ln in out[:ok_at].splitlines()), out
    flat = " ".join(out.split())  # the console wraps at its width
    doc = packaged_doc()
    pledges = sum(len(n.get("pledges", [])) for n in doc["nations"].values())
    assert f"{len(doc['nations'])} nations, {pledges} pledges" in flat
    assert "states pre-ceasefire, ceasefire, violation, no-backstop" in flat


def test_schema_is_a_json_schema_that_accepts_the_packaged_scenario(tmp_path: Path) -> None:
    code, out = invoke("schema")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(packaged_doc())) == []
    # and it refuses what the loader refuses: an unknown key, a count below zero
    bad = packaged_doc()
    bad["horizon_yaers"] = 3
    bad["nations"]["GBR"]["pledges"][1]["count"] = -1
    messages = " ".join(e.message for e in validator.iter_errors(bad))
    assert "horizon_yaers" in messages and "-1" in messages
    # -o writes the same schema to a file
    target = tmp_path / "schema.json"
    code, _ = invoke("schema", "-o", str(target))
    assert code == 0 and json.loads(target.read_text()) == schema


def test_init_writes_a_scenario_that_validates_and_plans(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    code, out = invoke("init", str(target))
    assert code == 0 and target.read_text() == packaged.scenario_text()
    assert invoke("validate", str(target))[0] == 0
    code, out = invoke("init", str(target))
    assert code == 2 and "exists; use --force" in out
    assert invoke("init", str(target), "--force")[0] == 0


def test_plan_default_state_as_json() -> None:
    code, out = invoke("plan", "--json")
    assert code == 0
    data = json.loads(out)
    s = data["summary"]
    assert (s["scenario"], s["force_option"], s["state"]) == ("ukraine-2025", "medium", "ceasefire")
    assert s["solver_status"] == "optimal" and s["mip_gap"] <= 1e-3
    assert {c["tier"] for c in data["coalition"]} == {"lead", "member", "backstop", "host"}
    assert {row["mission_line"] for row in data["coverage"]} == {"land", "air", "maritime",
                                                                 "regeneration"}
    assert all(g["reason"] for g in data["gaps"])
    assert {ld["component"] for ld in data["leads"]} == {"LAND", "AIR", "MARITIME", "REGENERATION"}


def test_plan_state_and_all_states() -> None:
    code, out = invoke("plan", "--state", "violation", "--json")
    assert code == 0 and json.loads(out)["summary"]["state"] == "violation"
    code, out = invoke("plan", "--all-states", "--json")
    assert code == 0
    plans = json.loads(out)["plans"]
    assert [p["summary"]["state"] for p in plans] == ["pre-ceasefire", "ceasefire", "violation",
                                                     "no-backstop"]


def test_plan_rich_output_shows_every_section_within_100_columns() -> None:
    code, out = invoke("plan")
    assert code == 0
    for section in ("Coalition", "Requirements filled per mission line", "Gaps (",
                    "Lead nations", "Contributions against fair share", "solver optimal",
                    "optimality gap"):
        assert section in out, section
    assert max(len(line) for line in out.splitlines()) <= 100


def test_plan_a_user_file(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    text = packaged.scenario_text().replace("name: ukraine-2025", "name: my-coalition", 1)
    text = text.replace("default_state: ceasefire", "default_state: no-backstop", 1)
    target.write_text(text, encoding="utf-8")
    code, out = invoke("plan", str(target), "--json", "--force-option", "small")
    assert code == 0, out
    s = json.loads(out)["summary"]
    assert (s["scenario"], s["state"], s["force_option"]) == ("my-coalition", "no-backstop", "small")


@pytest.mark.parametrize(("args", "message"), [
    (("plan", "--state", "peace"), "unknown state 'peace'; valid: pre-ceasefire, ceasefire"),
    (("plan", "--force-option", "huge"), "unknown force option 'huge'"),
    (("plan", "no-such-file.yaml"), "no such file"),
])
def test_plan_bad_arguments_exit_2_with_a_message(args: tuple[str, ...], message: str) -> None:
    code, out = invoke(*args)
    assert code == 2 and message in out
