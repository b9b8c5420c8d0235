"""The ORBAT: trees, indices and verdicts of small plans checked by hand, a property test over
random plans, a 40-nation plan in 100 columns, and the `willing command` CLI."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.cli.structure import render_command
from willing.command import ROOT, Thresholds, command_structure
from willing.scenario import from_spec, parse_scenario
from willing.scenario.model import ScenarioSpec
from willing.synthetic import synthetic_scenario

DOC = (Path(__file__).parents[1] / "docs" / "command.md").read_text(encoding="utf-8")


def doc_block(kind: str) -> str:
    """The first fenced block of a kind in docs/command.md (the worked example)."""
    m = re.search(rf"```{kind}\n(.*?)```", DOC, re.S)
    if m is None:
        raise AssertionError(f"docs/command.md has no {kind} block")
    return m.group(1)


TINY = doc_block("yaml")
"""The worked example of docs/command.md: seven infantry battalions (GBR 4, EST 3) fill the
essential line and leave the desirable patrol line open; LVA alone trains and cannot run an HQ."""


@pytest.fixture(scope="module")
def tiny() -> willing.PlanResult:
    return willing.plan(parse_scenario(TINY, "tiny.yaml"))


def test_tiny_tree_by_hand(tiny: willing.PlanResult) -> None:
    cs = command_structure(tiny)
    g = cs.graph
    assert cs.force_leads == ("GBR",)
    assert list(g.successors(ROOT)) == ["LAND", "REGENERATION"]
    assert g.nodes["LAND"]["nation"] == "GBR"
    # seven battalions in r1 exceed the span of 5: one national task unit each for GBR and EST
    assert list(g.successors("LAND")) == ["LAND/r1"]
    brigade = g.nodes["LAND/r1"]
    assert brigade["nation"] == "GBR" and brigade["label"].startswith("Multinational Brigade r1")
    task_units = cs.children("LAND/r1")
    assert [g.nodes[t]["nation"] for t in task_units] == ["GBR", "EST"]
    assert [g.out_degree(t) for t in task_units] == [4, 3]
    assert all(g.nodes[t]["inserted"] for t in task_units)
    assert [g.nodes[u]["region"] for u in g.successors(task_units[0])] == ["r1"] * 4
    assert cs.inserted == 2
    span = cs.checks.set_index("check").loc["span of control"]
    assert span["status"] == "ok" and "2 intermediate formations inserted (LAND)" in span["detail"]


def test_tiny_indices_and_verdicts_by_hand(tiny: willing.PlanResult) -> None:
    comps = command_structure(tiny).components.set_index("component")
    land, regen = comps.loc["LAND"], comps.loc["REGENERATION"]
    assert land["nations"] == 2 and land["lead"] == "GBR"
    assert land["herfindahl"] == pytest.approx((4 / 7) ** 2 + (3 / 7) ** 2)
    assert land["lead_share"] == pytest.approx(4 / 7)
    assert land["verdict"] == "clear"
    # one nation: Herfindahl 1; nobody HQ-capable: leaderless, reported not crashed
    assert regen["nations"] == 1 and regen["herfindahl"] == pytest.approx(1.0)
    assert pd.isna(regen["lead"]) and regen["verdict"] == "leaderless"
    assert "HQ-capable" in regen["reason"]


def test_tiny_caveat_forbids_the_patrol_role(tiny: willing.PlanResult) -> None:
    cav = command_structure(tiny).caveats
    assert cav[["nation", "forbidden_roles", "forbidden_regions", "units"]].to_dict("records") == [
        {"nation": "EST", "forbidden_roles": "policing", "forbidden_regions": "", "units": 3}]


def test_force_hq_lead_falls_back_then_goes_leaderless() -> None:
    ok = command_structure(willing.plan(parse_scenario(TINY, "tiny.yaml")))
    assert ok.checks.set_index("check").loc["force HQ lead", "status"] == "ok"
    member = command_structure(willing.plan(parse_scenario(
        TINY.replace("tier: lead", "tier: member"), "tiny.yaml")))
    assert member.force_leads == ("GBR",) and "no lead-tier nation" in member.force_lead_basis
    assert member.checks.set_index("check").loc["force HQ lead", "status"] == "warn"
    none = command_structure(willing.plan(parse_scenario(
        TINY.replace("hq_capable: true", "hq_capable: false"), "tiny.yaml")))
    assert none.force_leads == () and none.graph.nodes[ROOT]["label"].endswith("no lead")
    assert none.checks.set_index("check").loc["force HQ lead", "status"] == "fail"
    assert set(none.components["verdict"]) == {"leaderless"}


def test_wider_span_inserts_nothing_and_narrower_goes_deeper(tiny: willing.PlanResult) -> None:
    wide = command_structure(tiny, Thresholds(span=7))
    assert wide.inserted == 0 and wide.graph.out_degree("LAND/r1") == 7
    narrow = command_structure(tiny, Thresholds(span=2))
    assert max(d for _, d in narrow.graph.out_degree()) <= 2
    # 7 units under span 2 need task units and then task groups above them
    depth = nx.shortest_path_length(narrow.graph, ROOT)
    assert max(depth.values()) > max(nx.shortest_path_length(wide.graph, ROOT).values())


def test_fragmentation_threshold_is_configurable(tiny: willing.PlanResult) -> None:
    strict = command_structure(tiny, Thresholds(fragmented_hhi=0.6)).components
    assert strict.set_index("component").loc["LAND", "verdict"] == "fragmented"  # 0.51 < 0.6
    with pytest.raises(ValueError, match="span of control must be at least 2"):
        Thresholds(span=1)


def test_herfindahl_matches_the_units_in_the_tree() -> None:
    """Independent check: the component index from force generation equals the one computed
    from the ORBAT's unit nodes."""
    cs = command_structure(willing.plan(willing.load_scenario()))
    units = [d for _, d in cs.graph.nodes(data=True) if d["kind"] == "unit"]
    for c in cs.components.to_dict("records"):
        per: dict[str, int] = {}
        for d in units:
            if d["component"] == c["component"]:
                per[d["nation"]] = per.get(d["nation"], 0) + d["personnel"]
        total = sum(per.values())
        assert c["nations"] == len(per)
        assert c["herfindahl"] == pytest.approx(sum((v / total) ** 2 for v in per.values()))


def test_packaged_force_hq_is_co_led_by_lead_tier_nations() -> None:
    r = willing.plan(willing.load_scenario())
    cs = command_structure(r)
    assert set(cs.force_leads) == {"FRA", "GBR"}
    assert "co-lead" in cs.graph.nodes[ROOT]["label"]
    # the forward HQ unit reports straight to the force HQ, not to a brigade
    fwd = [u for u in cs.graph.successors(ROOT) if cs.graph.nodes[u]["kind"] == "unit"]
    assert fwd and all(cs.graph.nodes[u]["requirement"] == "forward-hq" for u in fwd)
    assert (cs.checks["status"] != "fail").all()
    assert "<table" in cs._repr_html_() and "Component commands" in cs._repr_html_()


def test_docs_worked_example_prints_the_documented_tree(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    out = CliRunner().invoke(app, ["--no-store", "command", str(path)])
    assert out.exit_code == 0, out.output
    tree = doc_block("text")
    printed = [s.rstrip() for s in out.stdout.splitlines()]
    lines = tree.rstrip().splitlines()
    start = printed.index(lines[0])
    assert printed[start:start + len(lines)] == lines


# --- property: one root, every allocated unit exactly once, spans within the limit -----------

NATIONS = ["GBR", "FRA", "DEU", "POL", "EST", "LVA", "NLD", "BEL", "DNK", "SWE", "FIN", "ITA"]
CAPS = ["infantry-battalion", "logistics-battalion", "fighter-squadron", "frigate",
        "mcm-vessel", "training-team", "brigade-hq", "maritime-hq", "force-hq"]
REGIONS = ["r1", "r2", "r3"]


@st.composite
def small_specs(draw: st.DrawFn) -> dict[str, Any]:
    nations = draw(st.lists(st.sampled_from(NATIONS), min_size=1, max_size=8, unique=True))
    pledge = st.fixed_dictionaries({
        "capability": st.sampled_from(CAPS), "count": st.integers(1, 9),
        "regions": st.lists(st.sampled_from(REGIONS), min_size=1, max_size=3, unique=True)})
    reqs = draw(st.lists(st.tuples(st.sampled_from(CAPS), st.integers(1, 12),
                                   st.sampled_from(REGIONS)), min_size=1, max_size=8))
    lines: dict[str, Any] = {}
    comp = {"infantry-battalion": "land", "logistics-battalion": "land", "brigade-hq": "land",
            "force-hq": "land", "fighter-squadron": "air", "frigate": "maritime",
            "mcm-vessel": "maritime", "maritime-hq": "maritime", "training-team": "regeneration"}
    for k, (cap, count, region) in enumerate(reqs):
        line = lines.setdefault(comp[cap], {"component": comp[cap].upper(), "requirements": [],
                                            "lead_share_min": draw(st.sampled_from([0.0, 0.2, 0.5]))})
        line["requirements"].append({"rule": "explicit", "id": f"req-{k}", "capability": cap,
                                     "count": count, "region": region, "role": "any"})
    return {
        "name": "prop", "default_state": "s", "defaults": {"rotation": 1.0, "readiness_days": 0},
        "regions": {r: {"name": r, "in_ukraine": True} for r in REGIONS}, "roles": ["any"],
        "states": {"s": {"holds": []}}, "mission_lines": lines,
        "nations": {n: {"tier": draw(st.sampled_from(["lead", "member", "member", "backstop"])),
                        "hq_capable": draw(st.booleans()),
                        "pledges": draw(st.lists(pledge, max_size=4))} for n in nations},
    }


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=small_specs(), span=st.integers(2, 6))
def test_tree_has_one_root_and_every_unit_once(spec: dict[str, Any], span: int) -> None:
    r = willing.plan(from_spec(ScenarioSpec.model_validate(spec)), time_limit=10)
    cs = command_structure(r, Thresholds(span=span))
    g = cs.graph
    assert [n for n in g if g.in_degree(n) == 0] == [ROOT]
    assert nx.is_arborescence(g)
    expected = sorted(f"{a['pledge']}:{a['requirement']}:{k}"
                      for a in r.allocation.to_dict("records") for k in range(1, a["units"] + 1))
    assert sorted(n for n, d in g.nodes(data=True) if d["kind"] == "unit") == expected
    assert all(g.in_degree(u) == 1 for u in expected)
    assert max(d for _, d in g.out_degree()) <= span
    assert g.nodes[ROOT]["units"] == len(expected)
    checks = cs.checks.set_index("check")["status"]
    assert checks["one root"] == checks["one commander per unit"] == checks["span of control"] == "ok"
    comps = cs.components
    assert ((comps["verdict"] == "leaderless") == comps["lead"].isna()
            | ~comps["lead_hq_capable"] | (comps["units"] == 0)
            | (comps["lead_share"] + 1e-9 < comps["lead_share_min"])).all()
    one = comps[comps["nations"] == 1]
    assert (one["herfindahl"] == 1.0).all()


# --- a 40-nation plan in the terminal --------------------------------------------------------

def test_forty_nation_orbat_is_readable_in_100_columns() -> None:
    r = willing.plan(synthetic_scenario(40, 400, 80, 1, seed=3), time_limit=30)
    cs = command_structure(r)
    buf = io.StringIO()
    render_command(Console(file=buf, width=100, color_system=None), cs)
    lines = buf.getvalue().splitlines()
    assert max(len(s) for s in lines) <= 100
    # no label is wrapped: each formation and command label sits whole on one line
    for _, d in cs.graph.nodes(data=True):
        if d["kind"] != "unit":
            assert any(d["label"] in s for s in lines), d["label"]
    # identical sibling units collapse, so the tree is shorter than the graph
    tree_lines = lines[1:lines.index(next(s for s in lines if s.startswith("Force HQ lead")))]
    assert len(tree_lines) < cs.graph.number_of_nodes()
    assert r.allocation["nation"].nunique() >= 15


# --- CLI -------------------------------------------------------------------------------------

def test_cli_command_json_and_dot() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["command", "--format", "json", "--span", "4"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["tree"]["id"] == ROOT and data["thresholds"]["span"] == 4

    def count(node: dict[str, Any]) -> int:
        return (node["kind"] == "unit") + sum(count(k) for k in node.get("children", []))

    assert count(data["tree"]) == data["tree"]["units"]
    dot = runner.invoke(app, ["--no-store", "command", "--format", "dot"])
    assert dot.exit_code == 0, dot.output
    assert dot.stdout.startswith("digraph orbat {") and dot.stdout.rstrip().endswith("}")
    nodes = [s for s in dot.stdout.splitlines() if "[label=" in s]
    edges = [s for s in dot.stdout.splitlines() if " -> " in s]
    assert len(edges) == len(nodes) - 1


def test_cli_command_text_and_bad_input() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["--no-store", "command", "--state", "pre-ceasefire"])
    assert out.exit_code == 0, out.output
    assert "Multinational Force HQ" in out.stdout and "Component commands" in out.stdout
    bad = runner.invoke(app, ["--no-store", "command", "--state", "peace"])
    assert bad.exit_code == 2 and "unknown state 'peace'" in bad.output
    assert "Traceback" not in bad.output
    bad = runner.invoke(app, ["--no-store", "command", "--span", "1"])
    assert bad.exit_code == 2 and "span of control must be at least 2" in bad.output
