"""The report shows the plan's own numbers, every assumption, and works from a stored run."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs
from ruamel.yaml import YAML
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.report import bundle, render, sections
from willing.scenario import packaged
from willing.store import Store


@pytest.fixture(scope="module")
def packaged_bundle() -> dict:
    return bundle.build(willing.load_scenario())


@pytest.fixture(scope="module")
def packaged_plan() -> willing.PlanResult:
    return willing.plan(willing.load_scenario())


class ScriptTags(HTMLParser):
    """Script elements of a page: external sources and inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.inline = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            src = dict(attrs).get("src")
            if src:
                self.sources.append(src)
            else:
                self.inline += 1


def _section(b: dict, sid: str):
    return next(s for s in sections(b) if s.id == sid)


def test_sankey_flows_add_up_to_the_plan(packaged_bundle: dict, packaged_plan) -> None:
    sankey = _section(packaged_bundle, "allocation").figure.data[0]
    labels = list(sankey.node.label)
    src = [labels[i] for i in sankey.link.source]
    val = list(sankey.link.value)
    deployed = sum(v for s, v in zip(src, val, strict=True) if s != "unfilled")
    unfilled = sum(v for s, v in zip(src, val, strict=True) if s == "unfilled")
    assert deployed == packaged_plan.allocation["personnel"].sum()
    assert unfilled == packaged_plan.gaps["unmet_personnel"].sum()
    by_nation = packaged_plan.allocation.groupby("nation")["personnel"].sum()
    for s, v in zip(src, val, strict=True):
        if s != "unfilled":
            assert v <= by_nation[s]


def test_burden_bars_are_the_contributions(packaged_bundle: dict, packaged_plan) -> None:
    bars = _section(packaged_bundle, "burden").figure.data[0]
    bn = packaged_plan.by_nation
    assert dict(zip(bars.x, bars.y, strict=True)) == {
        n: bn.loc[n, "personnel"] for n in bars.x}
    assert set(bars.x) == set(bn.index[bn["fair_personnel"].notna()])


def test_every_assumption_in_the_scenario_file_is_listed(packaged_bundle: dict) -> None:
    """Count the `assumption:` keys by walking the YAML independently of the pydantic model."""
    doc = YAML(typ="safe").load(packaged.scenario_text())

    def count(v: object) -> int:
        if isinstance(v, dict):
            return int(bool(v.get("assumption"))) + sum(count(x) for x in v.values())
        if isinstance(v, list):
            return sum(count(x) for x in v)
        return 0

    listed = [a for a in packaged_bundle["scenario"]["assumptions"]
              if not a["where"].startswith(("capabilities.csv", "nations.csv"))]
    assert len(listed) == count(doc) > 0
    table = _section(packaged_bundle, "assumptions").table
    assert len(table) == len(packaged_bundle["scenario"]["assumptions"])


def test_html_is_self_contained_with_every_section(packaged_bundle: dict) -> None:
    html = render(packaged_bundle)
    secs = sections(packaged_bundle)
    scripts = ScriptTags()
    scripts.feed(html)
    assert scripts.sources == [] and scripts.inline >= 1  # plotly inline: opens offline
    assert len(html) > len(get_plotlyjs())
    assert html.count('class="plotly-graph-div"') == sum(s.figure is not None for s in secs)
    for s in secs:
        assert f'<section id="{s.id}">' in html
        assert "Source:" in html
    for sid in ("coalition", "allocation", "gaps", "leads", "burden", "assumptions"):
        assert any(s.id == sid for s in secs)
    assert "assumption-mark" in html


def test_an_unproven_plan_says_which_objective_is_unproven(packaged_bundle: dict) -> None:
    b = copy.deepcopy(packaged_bundle)
    summary = b["plan"]["summary"]
    summary["solver_status"] = "time-limit"
    summary["solver_proof"] = "proven: unmet essential demand; not proven (time-limit): leads"
    assert f"solver time-limit ({summary['solver_proof']})" in render(b)
    del summary["solver_proof"]  # a run stored before the summary had it still renders
    assert "solver time-limit</p>" in render(b)


def test_report_of_a_stored_run_uses_its_results(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/r.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", url, "plan", "--state", "violation", "--json"]).exit_code == 0
    with Store(url) as st:
        run = st.list()[0]
        stored = st.get(run.id).payload
    out = tmp_path / "run.html"
    res = runner.invoke(app, ["--db", url, "report", "--run", str(run.id), "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["html"] == str(out) and "Gaps and why" in " ".join(info["sections"])
    html = out.read_text()
    assert f"from run {run.id}" in html and "state <b>violation</b>" in html
    with Store(url) as st:
        assert len(st.list()) == 1  # the report itself is not a run
    b = bundle.from_run(Store(url).get(run.id))
    assert b["plan"] == stored  # the stored results, not a recomputation


def test_stress_and_pivotal_sections_come_from_matching_runs(tmp_path: Path) -> None:
    pytest.importorskip("willing.robust")
    url = f"sqlite:///{tmp_path}/s.db"
    runner = CliRunner()
    sc = willing.load_scenario()
    assert runner.invoke(app, ["--db", url, "stress", "-n", "2000", "--json"]).exit_code == 0
    assert runner.invoke(app, ["--db", url, "stress", "-n", "2000", "-s", "violation",
                               "--json"]).exit_code == 0
    with Store(url) as st:
        b = bundle.build(sc, store=st)
        other = bundle.build(sc, "pre-ceasefire", store=st)
        small = bundle.build(willing.load_scenario(force_option="small"), store=st)
    assert b["stress"]["summary"]["state"] == "ceasefire"
    assert "stress" not in other and "stress" not in small  # no run for that state / option
    st_sec = _section(b, "stress")
    probs = [sum(t.y) for t in st_sec.figure.data]
    assert all(abs(p - 1) < 1e-9 for p in probs)  # each measure's distribution sums to one


def test_bad_report_input_is_a_clear_error(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path}/e.db"
    res = runner.invoke(app, ["--db", url, "report", "--run", "3", "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2 and "no run 3" in res.output
    res = runner.invoke(app, ["--db", url, "report", "-s", "peace", "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2 and "unknown state 'peace'" in res.output


@pytest.mark.browser
def test_pdf_prints_with_chromium(tmp_path: Path, packaged_bundle: dict) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (installed by .ci/run)")
    from willing.report import write_pdf

    out = tmp_path / "report.pdf"
    write_pdf(render(packaged_bundle), out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") >= 3
