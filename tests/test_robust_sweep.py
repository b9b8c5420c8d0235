"""Sweeps: grid parsing and validation, and the same numbers in-process and on a Dask cluster."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import willing
from willing.cli import app
from willing.robust.sweep import parse_axis, parse_grid


@pytest.fixture(scope="module")
def sc() -> willing.Scenario:
    return willing.load_scenario()


def test_grid_axes_parse(sc: willing.Scenario) -> None:
    a = parse_axis("us_backstop=0.2:1.0:5", sc)
    assert a.name == "us_backstop"
    assert np.allclose(a.values, [0.2, 0.4, 0.6, 0.8, 1.0])
    assert parse_axis("correlation=0,0.3,0.6", sc).values == (0.0, 0.3, 0.6)
    assert parse_axis("correlation=0.5:0.5:1", sc).values == (0.5,)
    assert parse_axis("force_option=small,large", sc).values == ("small", "large")
    assert parse_axis("willingness.DEU=0.1,0.9", sc).values == (0.1, 0.9)
    assert parse_axis("willingness_scale=0.5:1.5:3", sc).values == (0.5, 1.0, 1.5)


@pytest.mark.parametrize("spec, message", [
    ("us_backstop=0.2:1.0:0", "has no points"),
    ("us_backstop=", "has no points"),
    ("correlation=,", "has no points"),
    ("us_backstop=0.5:1.5:3", "must be a probability between 0 and 1, got 1.5"),
    ("correlation=-0.2", "correlation must be a probability"),
    ("corelation=0.1", "did you mean 'correlation'"),
    ("willingness.DUE=0.5", "did you mean 'DEU'"),
    ("force_option=huge", "not declared by the scenario"),
    ("us_backstop=0.2:1.0:2.5", "must be a whole number"),
    ("us_backstop=0:1", "a range is lo:hi:n"),
    ("us_backstop=abc", "'abc' is not a number"),
    ("willingness_scale=-1", "must be ≥ 0"),
    ("us_backstop", "must look like name=lo:hi:n"),
])
def test_bad_axes_are_clear_errors(sc: willing.Scenario, spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_axis(spec, sc)


def test_bad_grids_are_clear_errors(sc: willing.Scenario) -> None:
    with pytest.raises(ValueError, match="the grid is empty"):
        parse_grid([], sc)
    with pytest.raises(ValueError, match="given twice: mandate"):
        parse_grid(["mandate=1", "mandate=0.5"], sc)


def test_a_sweep_point_is_the_stress_run_with_those_assumptions(sc: willing.Scenario) -> None:
    r = willing.sweep(sc, ["us_backstop=0.3,0.9", "willingness_scale=0.5"], draws=3000, seed=8,
                      chunk=1000)
    assert len(r.table) == 2
    for (_, row), run in zip(r.table.iterrows(), r.runs, strict=True):
        a = willing.robust.Assumptions.of(sc)
        a = a.with_values(**{f"willingness.{n}": min(1.0, w * 0.5)
                             for n, w in zip(a.nations, a.willingness, strict=True)})
        alone = willing.stress(sc, draws=3000, seed=8, chunk=1000, assumptions=a,
                               us_backstop=row["us_backstop"])
        assert alone.summary == run.summary
        assert row["mean_coverage"] == alone.summary["mean_coverage"]
    # common random numbers: a likelier backstop never lowers coverage
    assert r.table["mean_coverage"].is_monotonic_increasing


def test_force_option_axis_changes_the_requirements(sc: willing.Scenario) -> None:
    r = willing.sweep(sc, {"force_option": ["small", "large"]}, draws=500)
    required = [run.summary["units_required"] for run in r.runs]
    assert required[0] < required[1]


def test_sweep_on_a_dask_cluster_equals_in_process(sc: willing.Scenario) -> None:
    distributed = pytest.importorskip("distributed")
    grid = ["us_backstop=0.2:1.0:3", "correlation=0,0.6"]
    here = willing.sweep(sc, grid, draws=4000, seed=3, chunk=1000)
    # a real TCP scheduler (what --scheduler tcp://host:8786 talks to), workers in this process
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        there = willing.sweep(sc, grid, draws=4000, seed=3, chunk=1000,
                              scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(here.table, there.table, check_exact=True)
    assert len(here.table) == 6


def test_cli_sweep_takes_axes_after_grid_and_prints_json() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["sweep", "--grid", "us_backstop=0.2:1.0:2", "correlation=0,0.5",
                              "--draws", "800", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [a["name"] for a in data["axes"]] == ["us_backstop", "correlation"]
    assert len(data["table"]) == 4
    bad = runner.invoke(app, ["sweep", "--grid", "us_backstop=0.2:1.0:0"])
    assert bad.exit_code == 2 and "has no points" in bad.output and "Traceback" not in bad.output
    text = runner.invoke(app, ["sweep", "correlation=0,0.5", "--draws", "500"])
    assert text.exit_code == 0, text.output
    assert max(len(line) for line in text.stdout.splitlines()) <= 100
