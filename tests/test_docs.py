"""The documentation says what the code does: generated tables are current, examples are true."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tables_module():  # docs/tables.py is a script, not part of the package
    spec = importlib.util.spec_from_file_location("doc_tables", ROOT / "docs" / "tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("doc", ["scenario.md", "forcegen.md"])
def test_generated_tables_are_current(doc: str) -> None:
    tables = _tables_module()
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    assert tables.render(text, tables.GENERATED[doc]()) == text, \
        f"docs/{doc} is out of date: run python docs/tables.py"


def test_scenario_doc_covers_every_field() -> None:
    from willing.scenario.model import ScenarioSpec

    text = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
    schema = ScenarioSpec.model_json_schema(by_alias=True)
    for model in [schema, *schema["$defs"].values()]:
        for attr in model.get("properties", {}):
            assert f"| `{attr}` |" in text, attr


def test_readme_validate_example_is_true(tmp_path: Path) -> None:
    """Run the README's worked example in a scratch directory and compare the output."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n(.*?)```", readme, re.S)
    assert block, "README lost its worked example"
    lines = block.group(1).splitlines()
    env = {**os.environ, "COLUMNS": "400", "WILLING_DB": f"sqlite:///{tmp_path / 'runs.db'}"}
    i = 0
    while i < len(lines):
        cmd = lines[i].removeprefix("$ ").split("    #")[0].strip()
        expected = []
        i += 1
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        if "--state violation" in cmd:  # the last step runs on the fixed file
            subprocess.run(["sed", "-i", "s/horizon_yaers: 3/horizon_years: 3/", "my.yaml"],
                           cwd=tmp_path, check=True)
        out = subprocess.run(cmd, shell=True, cwd=tmp_path, capture_output=True, text=True, env=env)
        assert "Traceback" not in out.stderr
        if expected:
            assert (out.stdout + out.stderr).strip().splitlines() == expected, cmd
        elif "--json" in cmd:
            assert out.returncode == 0 and '"state": "violation"' in out.stdout, out.stderr
