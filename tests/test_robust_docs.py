"""The worked example of docs/robust.md is true: its commands run and print the lines shown."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from willing.cli import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "robust.md"


def test_robust_worked_example_is_true() -> None:
    block = re.search(r"## Worked example.*?```console\n(.*?)```", DOC.read_text("utf-8"), re.S)
    assert block, "docs/robust.md lost its worked example"
    runner = CliRunner()
    steps = re.split(r"^\$ ", block.group(1), flags=re.M)[1:]
    assert len(steps) == 3
    for step in steps:
        command, *expected = step.rstrip("\n").split("\n")
        args = shlex.split(command)
        assert args[0] == "willing"
        out = runner.invoke(app, args[1:])
        assert out.exit_code == 0, out.output
        lines = [line.rstrip() for line in out.stdout.splitlines()]
        for want in expected:
            assert want.rstrip() in lines, (command, want)
