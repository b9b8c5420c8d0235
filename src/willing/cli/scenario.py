"""`willing validate`, `willing schema`, `willing init`: working with scenario files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from willing.cli.app import app
from willing.cli.common import clean_errors, console, err, load


@app.command("validate")
@clean_errors
def validate_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario YAML file to check.")],
) -> None:
    """Check a scenario file; every problem is listed with file, line, column and field.

    Then the consistency checks warn, without failing, about what is valid but cannot work as
    written (a pledge that can never deploy).
    """
    from willing.scenario.consistency import consistency_check

    sc = load(scenario)
    for name, problem in consistency_check(sc):
        err.print(f"[yellow]warning[/] {escape(f'[{name}] {problem.render(sc.file)}')}",
                  highlight=False, soft_wrap=True)
    console.print(f"[green]ok[/] {sc.file}: {len(sc.spec.nations)} nations, {len(sc.pledges)} "
                  f"pledges, {len(sc.rules)} sizing rules, states {', '.join(sc.states)}",
                  highlight=False)


@app.command("schema")
def schema_cmd(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checks)."""
    from willing.scenario.model import ScenarioSpec

    text = json.dumps(ScenarioSpec.model_json_schema(by_alias=True), indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {output}")
    else:
        typer.echo(text)


@app.command("init")
@clean_errors
def init_cmd(
    path: Annotated[Path, typer.Argument(help="Where to write the scenario.")] = Path(
        "ukraine-2025.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the packaged scenario to a file to edit."""
    if path.exists() and not force:
        raise ValueError(f"{path} exists; use --force to overwrite it")
    from willing.scenario import packaged

    path.write_text(packaged.scenario_text(), encoding="utf-8")
    console.print(f"wrote {path} — edit it, then run: willing plan {path}", highlight=False)
