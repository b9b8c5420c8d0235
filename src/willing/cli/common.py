"""What every command shares: loading a scenario with clean errors, and emitting results."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pandas as pd
import typer
from rich.console import Console

from willing.scenario import Scenario, ScenarioError, load_scenario

console = Console(width=max(100, min(Console().width, 160)))
err = Console(stderr=True)

ScenarioArg = Annotated[
    str | None,
    typer.Argument(help="Scenario YAML file or packaged scenario name (default: ukraine-2025)."),
]
ForceOption = Annotated[
    str | None,
    typer.Option("--force-option", "-f", help="Force option of the scenario (small, medium, large)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]

F = TypeVar("F", bound=Callable[..., Any])


def clean_errors(fn: F) -> F:
    """Bad input ends with a message naming file, line and field, and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScenarioError as exc:
            err.print(f"[bold red]error:[/] scenario {exc.file} is not valid "
                      f"({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}):",
                      highlight=False)
            for p in exc.problems:
                err.print("  " + p.render(exc.file), highlight=False, markup=False)
            raise typer.Exit(2) from None
        except (ValueError, OSError) as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def load(path: str | None, force_option: str | None = None) -> Scenario:
    return load_scenario(Path(path) if path and Path(path).exists() else path,
                         force_option=force_option)


def jsonable(o: Any) -> Any:
    """Plain JSON data: NumPy scalars unwrapped, NaN and infinities as null, frames as records."""
    if isinstance(o, dict):
        return {str(k): jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [jsonable(v) for v in o]
    if isinstance(o, pd.DataFrame):
        return jsonable(o.reset_index().to_dict(orient="records"))
    if hasattr(o, "item") and not isinstance(o, str):
        o = o.item()
    if isinstance(o, float) and (o != o or o in (float("inf"), float("-inf"))):
        return None
    if o is None or isinstance(o, str | int | float | bool):
        return o
    return str(o)


def finish(command: str, scenario: Scenario | None, params: dict[str, Any],
           payload: dict[str, Any], as_json: bool, render: Callable[[Console], None]) -> None:
    """Print the result: JSON on stdout for machines, or rich tables for people."""
    if as_json:
        sys.stdout.write(json.dumps(jsonable(payload), indent=2, allow_nan=False) + "\n")
    else:
        render(console)


def fmt_int(v: Any) -> str:
    try:
        return f"{int(v):,}"
    except (TypeError, ValueError):
        return "—"


def fmt_pct(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "—"
    return "—" if f != f else f"{f:.0%}"
