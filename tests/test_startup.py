"""The command line starts without the heavy libraries: they load in the commands that use them
(bench/startup.py measures the time; this checks the cause, which does not depend on load)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from willing import analyses
from willing.cli import app
from willing.scenario import ScenarioError, load_scenario, packaged, parse_scenario
from willing.scenario.yamlmarks import parse, plain

HEAVY = ("pandas", "highspy", "plotly", "dask", "sqlalchemy", "spacy", "fastapi", "scipy")


def _loaded_by(code: str) -> set[str]:
    """The HEAVY modules in sys.modules after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _loaded_by("import willing.cli") == set()
    assert _loaded_by("import willing") == set()


def test_help_loads_no_heavy_library_and_lists_every_analysis() -> None:
    code = ("import sys\nfrom willing.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass")
    assert _loaded_by(code) == set()
    shown = CliRunner().invoke(app, ["--help"]).output
    assert all(a.name in shown for a in analyses.registered())


def test_the_package_still_exports_its_api() -> None:
    import willing

    assert willing.plan.__module__ == "willing.forcegen.plan"
    import willing.sustain  # the module of the same name, imported: the name stays the function

    assert callable(willing.sustain) and willing.sustain.__module__ == "willing.sustain"
    assert "plan" in dir(willing)
    with pytest.raises(AttributeError, match="no_such_name"):
        willing.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", packaged.scenario_names())
def test_a_bundled_scenario_reads_the_same_fast(name: str) -> None:
    text = packaged.scenario_text(name)
    assert packaged.scenario_data(name) == plain(parse(text)[0])
    assert load_scenario(name) == parse_scenario(text, packaged.scenario_display_path(name))


def test_a_bad_argument_to_a_bundled_scenario_is_told_as_by_the_marking_reader() -> None:
    with pytest.raises(ScenarioError) as fast:
        load_scenario(force_option="huge")
    with pytest.raises(ScenarioError) as marked:
        parse_scenario(packaged.scenario_text(), packaged.scenario_display_path(),
                       force_option="huge")
    assert fast.value.problems == marked.value.problems
    assert "valid: small, medium, large" in fast.value.problems[0].message
