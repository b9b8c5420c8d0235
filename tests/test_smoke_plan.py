"""The packaged scenario plans in every state, and the CLI prints it."""

import json

from typer.testing import CliRunner

import willing
from willing.cli import app


def test_packaged_scenario_plans_every_state() -> None:
    sc = willing.load_scenario()
    for state in sc.states:
        r = willing.plan(sc, state)
        assert r.solver.status == "optimal"
        # every requirement is either filled or a named gap
        unmet = r.requirements.set_index("requirement")["unmet"]
        assert set(r.gaps["requirement"]) == set(unmet[unmet > 0].index)
        assert (r.gaps["reason"].str.len() > 0).all()


def test_cli_plan_json_is_valid_json() -> None:
    out = CliRunner().invoke(app, ["plan", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["summary"]["state"] == "ceasefire"
    assert {ld["component"] for ld in data["leads"]} == {"LAND", "AIR", "MARITIME", "REGENERATION"}
