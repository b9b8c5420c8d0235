"""The packaged `ukraine-2026` scenario: it plans, and it says what the 2026 positions say.

The positions are public statements (Paris declaration of 6 January 2026, Germany on adjacent
NATO territory, Türkiye's maritime lead within Montreux); these tests check that the file
encodes them, so an edit that quietly moves German troops into Ukraine or a non-littoral
warship into the Black Sea fails.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.scenario import Scenario, packaged

LITTORAL = {"TUR", "ROU", "BGR"}
"""Black Sea allies whose navies the MCM Black Sea group and the Montreux regime admit."""
WARSHIPS = {"frigate", "mcm-vessel", "patrol-vessel"}
PARTICIPANTS = {
    # the 28 NATO members in the coalition (all but the US, Hungary, North Macedonia, Slovakia)
    "ALB", "BEL", "BGR", "CAN", "HRV", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "ISL",
    "ITA", "LVA", "LTU", "LUX", "MNE", "NLD", "NOR", "POL", "PRT", "ROU", "SVN", "ESP", "SWE",
    "TUR", "GBR",
    # and six more
    "AUS", "AUT", "CYP", "IRL", "JPN", "NZL",
}
"""The coalition's participants as listed publicly in December 2025 (34 countries)."""


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return willing.load_scenario("ukraine-2026")


def test_it_is_packaged_beside_the_2025_scenario() -> None:
    assert {"ukraine-2025", "ukraine-2026"} <= set(packaged.scenario_names())


def test_every_participant_plus_host_and_backstop(sc: Scenario) -> None:
    assert set(sc.spec.nations) == PARTICIPANTS | {"UKR", "USA"}
    assert set(sc.spec.nations) <= set(packaged.nations()), "every nation has packaged figures"


def test_every_position_names_a_dated_source(sc: Scenario) -> None:
    for iso, nation in sc.spec.nations.items():
        assert nation.source and re.search(r"\b20\d\d\b", nation.source), iso


def test_the_co_leads_deploy_in_ukraine_and_the_us_backs(sc: Scenario) -> None:
    in_ukraine = {r for r, region in sc.spec.regions.items() if region.in_ukraine}
    for lead in ("GBR", "FRA"):
        assert str(sc.spec.nations[lead].tier) == "lead"
        assert any(set(p.regions) & in_ukraine for p in sc.pledges if p.nation == lead)
    assert str(sc.spec.nations["USA"].tier) == "backstop"
    us_roles = {r for p in sc.pledges if p.nation == "USA" for r in p.roles}
    assert "monitoring" in us_roles


@pytest.mark.parametrize("iso", ["DEU", "POL", "ITA", "GRC", "HRV"])
def test_nations_that_ruled_out_troops_in_ukraine_pledge_none_there(sc: Scenario, iso: str) -> None:
    in_ukraine = {r for r, region in sc.spec.regions.items() if region.in_ukraine}
    pledges = [p for p in sc.pledges if p.nation == iso]
    assert pledges
    assert all(not set(p.regions) & in_ukraine for p in pledges), iso


def test_black_sea_warships_are_the_littoral_allies_only(sc: Scenario) -> None:
    ships = {p.nation for p in sc.pledges if p.capability in WARSHIPS and "black-sea" in p.regions}
    assert ships and ships <= LITTORAL


def test_it_plans_in_every_state_with_turkiye_leading_at_sea(sc: Scenario) -> None:
    for state in sc.states:
        r = willing.plan(sc, state)
        assert r.solver.status == "optimal", state
        unmet = r.requirements.set_index("requirement")["unmet"]
        assert set(r.gaps["requirement"]) == set(unmet[unmet > 0].index)
    leads = willing.plan(sc).leads.set_index("component")["lead"]
    assert leads["MARITIME"] == "TUR"


def test_willing_plan_runs_on_the_packaged_file() -> None:
    path = str(packaged.DATA / "scenarios" / "ukraine-2026.yaml")
    out = CliRunner().invoke(app, ["--no-store", "plan", path, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["summary"]["scenario"] == "ukraine-2026"
