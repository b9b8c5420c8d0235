"""Plans as of a date (`--as-of`) and the timeline of coverage over the ledger's period."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML
from typer.testing import CliRunner

from willing import load_scenario, plan
from willing.cli import app
from willing.scenario.ledger import packaged_ledger
from willing.synthetic import synthetic_spec
from willing.timeline import dates_between, figures_at, timeline


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(0, 900),
       st.sampled_from(["week", "month", "quarter"]))
def test_dates_start_and_end_the_period_in_order(start: date, days: int, step: str) -> None:
    end = date.fromordinal(start.toordinal() + days)
    ds = dates_between(start, end, step)
    assert ds[0] == start and ds[-1] == end
    assert all(a < b for a, b in itertools.pairwise(ds))
    if step == "week":
        assert all((b - a).days <= 7 for a, b in itertools.pairwise(ds))


def test_bad_periods_are_refused_with_what_is_valid() -> None:
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        dates_between(date(2026, 1, 1), date(2025, 1, 1), "month")
    with pytest.raises(ValueError, match="step must be one of week, month, quarter"):
        dates_between(date(2025, 1, 1), date(2026, 1, 1), "fortnight")
    with pytest.raises(ValueError, match="more than 400 dates"):
        dates_between(date(2000, 1, 1), date(2026, 1, 1), "week")


def test_each_date_is_the_plan_of_the_scenario_as_of_it() -> None:
    r = timeline(None, date(2025, 3, 1), date(2025, 10, 1), step="quarter", draws=500)
    assert list(r.dates["date"]) == ["2025-03-01", "2025-06-01", "2025-09-01", "2025-10-01"]
    for row in r.dates.itertuples():
        sc = load_scenario(as_of=date.fromisoformat(row.date))
        s = plan(sc).summary()
        assert (row.units_filled, row.personnel_deployed) == (s["units_filled"], s["personnel_deployed"])
        assert row.nations == sc.pledges_frame["nation"].nunique()
        assert 0 <= row.p_essential_met <= 1 and 0 <= row.personnel_coverage <= 1


@pytest.mark.parametrize("synthetic", [False, True])
def test_the_timeline_gives_at_each_date_what_a_cold_load_gives(synthetic: bool,
                                                                tmp_path: Path) -> None:
    """The timeline reads the file once and skips dates the ledger left unchanged; every figure
    must still be what loading the scenario as of the date, alone, gives."""
    path: Path | None = None
    if synthetic:
        path = tmp_path / "synthetic.yaml"
        YAML().dump(synthetic_spec(10, 60, 18, 2, 2), path)
    r = timeline(path, date(2025, 2, 1), date(2026, 2, 1), step="quarter", draws=500)
    cold = pd.DataFrame([{"date": day, **figures_at(load_scenario(path, as_of=date.fromisoformat(
        day)), None, 500, 1, 60.0)} for day in r.dates["date"]])
    pd.testing.assert_frame_equal(r.dates, cold)
    assert r.dates["pledges"].nunique() > 1  # the ledger changes the scenario over the period


def test_as_of_on_any_command_reads_the_ledger_up_to_that_date() -> None:
    def nations(*args: str) -> set[str]:
        out = CliRunner().invoke(app, ["--no-store", "plan", *args, "--json"])
        assert out.exit_code == 0, out.output
        return {a["nation"] for a in json.loads(out.stdout)["allocation"]}

    early = nations("--as-of", "2025-03-01")
    spoken = {e.nation for e in packaged_ledger() if e.date <= date(2025, 3, 1)}
    assert early and early <= spoken
    assert len(nations("--as-of", "2026-11-29")) > len(early)
    bad = CliRunner().invoke(app, ["--no-store", "plan", "--as-of", "March 2025"])
    assert bad.exit_code == 2 and "valid: YYYY-MM-DD" in bad.output


def test_timeline_command_prints_json_and_stores_a_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    out = CliRunner().invoke(app, ["--db", db, "timeline", "--from", "2025-09-01", "--to",
                                   "2025-11-01", "--draws", "200", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["dates"]
    assert [r["date"] for r in rows] == ["2025-09-01", "2025-10-01", "2025-11-01"]
    listed = CliRunner().invoke(app, ["--db", db, "runs", "list", "--json"])
    assert "timeline" in listed.stdout
