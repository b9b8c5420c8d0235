"""What every command shares: loading a scenario with clean errors, and emitting results."""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from willing import analyses
from willing.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from willing.scenario import Scenario

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
StateOption = Annotated[
    str | None,
    typer.Option("--state", "-s", help="Contingency state (default: the scenario's default state)."),
]
TimeLimit = Annotated[float, typer.Option(help="Solver time limit per state, seconds.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class StoreSettings:
    """Where `finish` records runs, and the date scenarios are read as of; set by the app's
    global `--db`, `--no-store` and `--as-of` options."""

    url: str | None = None  # None: $WILLING_DB or ./willing-runs.db
    enabled: bool = True
    as_of: date | None = None  # None: the pledges as the scenario file writes them
    started: float = field(default_factory=time.perf_counter)


store_settings = StoreSettings()

def clean_errors(fn: F) -> F:
    """Bad input ends with a message naming file, line and field, and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        store_settings.started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        except ScenarioError as exc:
            err.print(f"[bold red]error:[/] scenario {exc.file} is not valid "
                      f"({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}):",
                      highlight=False)
            for p in exc.problems:
                # one line per problem, never wrapped: editors jump to `file:line:col`
                err.print("  " + p.render(exc.file), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except (ValueError, OSError) as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def load(path: str | None, force_option: str | None = None) -> Scenario:
    """The scenario of a command, as of the global `--as-of` date when one is given."""
    from willing.scenario import load_scenario

    return load_scenario(Path(path) if path and Path(path).exists() else path,
                         force_option=force_option, as_of=store_settings.as_of)


def parse_day(text: str, option: str) -> date:
    """A `YYYY-MM-DD` date from the command line, or a message saying what is valid."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a date; valid: YYYY-MM-DD, e.g. 2026-01-06",
                                 param_hint=f"'{option}'") from None


def finish(command: str, scenario: Scenario | None, params: dict[str, Any],
           payload: dict[str, Any], as_json: bool, render: Callable[[Console], None]) -> None:
    """Record the run in the store (when `command` is a registered analysis), then print the
    result: JSON for machines, or rich tables."""
    from willing.records import jsonable

    payload = jsonable(payload)
    run_id = None
    if scenario is not None and store_settings.enabled and analyses.get(command) is not None:
        run_id = record(command, scenario, params, payload)
    if as_json:
        sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    else:
        render(console)
        if run_id is not None:
            err.print(f"[dim]run {run_id} stored · willing runs show {run_id}[/]", highlight=False)


def record(command: str, scenario: Scenario, params: dict[str, Any],
           payload: dict[str, Any]) -> int | None:
    """Keep the run; a store that cannot be written costs a warning, never the result."""
    from sqlalchemy.exc import SQLAlchemyError

    from willing.records import jsonable
    from willing.store import Store

    seconds = time.perf_counter() - store_settings.started
    try:
        with Store(store_settings.url) as st:
            run_id = st.add(command, payload, scenario=scenario, params=jsonable(params),
                            seconds=seconds, timings={"total_seconds": round(seconds, 3)})
    except (ValueError, SQLAlchemyError, OSError) as exc:
        err.print(f"[yellow]warning:[/] run not stored: {exc}", highlight=False)
        return None
    return run_id


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
