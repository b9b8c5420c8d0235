"""The app's own options, `--db` and `--no-store`, work after the command as well as before."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from willing.cli import app
from willing.store import Store


def test_store_options_after_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/after.db"
    runner = CliRunner()
    out = runner.invoke(app, ["plan", "--json", "--db", url])
    assert out.exit_code == 0, out.output[-2000:]
    out = runner.invoke(app, ["plan", "--no-store", f"--db={url}", "--json"])
    assert out.exit_code == 0, out.output[-2000:]
    with Store(url) as s:
        assert [r.command for r in s.list()] == ["plan"]  # the --no-store run left no record


def test_a_store_option_after_the_command_without_its_value() -> None:
    out = CliRunner().invoke(app, ["validate", "ukraine-2025", "--db"])
    assert out.exit_code == 2
    assert "Invalid value for '--db': a value is required" in out.output
