"""Contingency plans: a hand-checked event, conservation of units, the state graph's errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.contingency import contingency
from willing.scenario import ScenarioError, parse_scenario

# calm holds the ceasefire, storm does not. GBR serves only under a ceasefire, FRA anywhere in
# the east or west, ITA in the east. In calm: hold-east (2) ← GBR + ITA, watch-west (1) ← FRA.
# In storm: GBR falls away, watch-west ends, patrol-east (important) starts; hold-east (2)
# ← ITA + FRA, which leaves patrol-east with no unit: a gap opens.
TINY = """
name: tiny
default_state: calm
regions: {east: {name: East, in_ukraine: true}, west: {name: West, in_ukraine: true}}
roles: [guard]
states: {calm: {holds: [ceasefire]}, storm: {holds: []}}
events:
  - {id: storm-breaks, from: calm, to: storm}
  - {id: calm-returns, from: storm, to: calm}
capabilities:
  crate-team: {name: Crate team, component: LAND, unit: team, personnel_per_unit: 10,
               lift_tonnes_per_unit: 1, lift_mode: surface, cost_musd_per_unit_year: 1}
mission_lines:
  land:
    component: LAND
    requirements:
      - {rule: explicit, id: hold-east, capability: crate-team, count: 2, region: east, role: guard}
      - {rule: explicit, id: watch-west, capability: crate-team, count: 1, region: west,
         role: guard, states: [calm]}
      - {rule: explicit, id: patrol-east, capability: crate-team, count: 1, region: east,
         role: guard, states: [storm], priority: important}
nations:
  GBR:
    tier: lead
    hq_capable: true
    pledges:
      - {capability: crate-team, count: 1, rotation: 1, regions: [east], conditions: [ceasefire]}
  FRA:
    tier: member
    pledges:
      - {capability: crate-team, count: 1, rotation: 1, regions: [east, west]}
  ITA:
    tier: member
    pledges:
      - {capability: crate-team, count: 1, rotation: 1, regions: [east]}
"""


def test_hand_checked_event_lists_every_action_with_its_reason() -> None:
    c = contingency(parse_scenario(TINY, "tiny.yaml"), "storm-breaks")
    m = c.moves.set_index("pledge")
    assert m.loc["ITA-1", "action"] == "stay"
    assert m.loc["GBR-1", "action"] == "withdraw"
    assert m.loc["GBR-1", "reason_code"] == "condition"
    assert "ceasefire" in m.loc["GBR-1", "reason"]
    assert m.loc["FRA-1", "action"] == "redeploy"
    assert (m.loc["FRA-1", "from_region"], m.loc["FRA-1", "to_region"]) == ("west", "east")
    assert m.loc["FRA-1", "reason_code"] == "requirement-ended"
    gaps = c.gaps.set_index("requirement")
    assert gaps.loc["patrol-east", "change"] == "opens"
    assert gaps.loc["patrol-east", "unmet_after"] == 1
    assert "watch-west" not in gaps.index  # it was filled and simply ends: no gap to close
    ev = c.events.iloc[0]
    assert (ev["stay_units"], ev["redeploy_units"], ev["withdraw_units"], ev["deploy_units"]) == (1, 1, 1, 0)


def test_the_way_back_deploys_what_the_condition_allows_again() -> None:
    c = contingency(parse_scenario(TINY, "tiny.yaml"), "calm-returns")
    m = c.moves.set_index("pledge")
    assert m.loc["GBR-1", "action"] == "deploy"
    assert m.loc["GBR-1", "reason_code"] == "condition-now-holds"
    assert m.loc["FRA-1", "action"] == "redeploy"
    assert c.gaps.set_index("requirement").loc["patrol-east", "change"] == "closes"


def test_every_unit_is_accounted_for_in_every_packaged_event() -> None:
    sc = willing.load_scenario()
    c = contingency(sc)
    assert list(c.events["event"]) == [ev.id for ev in sc.spec.events]
    for _, ev in c.events.iterrows():
        moves = c.moves[c.moves["event"] == ev["event"]]
        before = c.plans[ev["from_state"]].allocation.groupby("pledge")["units"].sum()
        after = c.targets[ev["event"]].allocation.groupby("pledge")["units"].sum()
        out = moves[moves["action"].isin(["stay", "redeploy", "withdraw"])].groupby("pledge")["units"].sum()
        into = moves[moves["action"].isin(["stay", "redeploy", "deploy"])].groupby("pledge")["units"].sum()
        assert out.sort_index().to_dict() == before.sort_index().to_dict()
        assert into.sort_index().to_dict() == after.sort_index().to_dict()
    # a ceasefire violation withdraws every unit whose pledge needs the ceasefire
    v = c.moves[(c.moves["event"] == "ceasefire-violated") & (c.moves["action"] == "withdraw")]
    pledges = {p.id: p for p in sc.pledges}
    assert all("ceasefire" in pledges[p].conditions for p in v.loc[v["reason_code"] == "condition", "pledge"])
    assert (v["reason_code"] == "condition").any()


def test_unknown_event_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown event 'peace'; valid: storm-breaks, calm-returns"):
        contingency(parse_scenario(TINY, "tiny.yaml"), "peace")


def test_event_from_or_to_an_undeclared_state_is_an_error_with_its_line() -> None:
    bad = TINY.replace("{id: storm-breaks, from: calm,", "{id: storm-breaks, from: clam,")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(bad, "bad.yaml")
    p = exc.value.problems[0]
    assert p.line == 8 and p.path == ("events", 0, "from")
    assert "unknown state 'clam' (did you mean 'calm'?)" in p.message
    bad = TINY.replace("from: storm, to: calm}", "from: storm, to: peace}")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(bad, "bad.yaml")
    assert exc.value.problems[0].line == 9 and "unknown state 'peace'" in str(exc.value)


def test_unreachable_state_is_an_error_with_its_line() -> None:
    bad = TINY.replace("states: {calm: {holds: [ceasefire]}, storm: {holds: []}}",
                       "states: {calm: {holds: [ceasefire]}, storm: {holds: []}, limbo: {}}")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(bad, "bad.yaml")
    p = exc.value.problems[0]
    assert p.path == ("states", "limbo") and p.line == 6 and "unreachable" in p.message


def test_cli_contingency_event_all_and_errors() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["--no-store", "contingency", "--event", "ceasefire-declared", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [e["event"] for e in data["events"]] == ["ceasefire-declared"]
    assert {m["action"] for m in data["moves"]} <= {"deploy", "stay", "redeploy", "withdraw"}
    table = runner.invoke(app, ["--no-store", "contingency", "--all"])
    assert table.exit_code == 0, table.output
    assert table.stdout.count("Event ") == 4
    assert max(len(line) for line in table.stdout.splitlines()) <= 100
    missing = runner.invoke(app, ["--no-store", "contingency"])
    assert missing.exit_code == 2 and "--event" in missing.output
    wrong = runner.invoke(app, ["--no-store", "contingency", "--event", "nope"])
    assert wrong.exit_code == 2 and "unknown event 'nope'" in wrong.output
