"""`willing timeline`: coverage as of each date of the public ledger (willing.timeline)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable

from willing.cli.common import (
    ForceOption,
    JsonFlag,
    ScenarioArg,
    StateOption,
    TimeLimit,
    clean_errors,
    finish,
    fmt_pct,
    parse_day,
)


@clean_errors
def timeline_cmd(
    scenario: ScenarioArg = None,
    start: str = typer.Option("2025-02-01", "--from", help="First date (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--to", help="Last date (YYYY-MM-DD; default today)."),
    step: str = typer.Option("month", "--step", help="week, month or quarter."),
    state: StateOption = None,
    force_option: ForceOption = None,
    draws: int = typer.Option(10_000, "--draws", "-n", min=100, max=1_000_000,
                              help="Stress draws at each date."),
    seed: int = typer.Option(1, "--seed", help="Seed; the same at every date."),
    time_limit: TimeLimit = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Coverage and P(essential met) as of each date of the public ledger, month by month."""
    from willing.scenario import load_scenario
    from willing.timeline import timeline

    first = parse_day(start, "--from")
    last = parse_day(end, "--to") if end is not None else date.today()
    path = Path(scenario) if scenario and Path(scenario).exists() else scenario
    r = timeline(path, first, last, step=step, state=state, force_option=force_option,
                 draws=draws, seed=seed, time_limit=time_limit)

    def render(console: Console) -> None:
        t = RichTable(title=f"{r.scenario} ({r.force_option}), state {r.state}: as of each date",
                      title_justify="left")
        for col in ("date", "nations", "pledges", "units", "personnel", "essential",
                    "P(essential met)"):
            t.add_column(col, justify="left" if col == "date" else "right")
        for d in r.dates.itertuples():
            t.add_row(str(d.date), str(d.nations), str(d.pledges), fmt_pct(d.coverage),
                      fmt_pct(d.personnel_coverage), fmt_pct(d.essential_coverage),
                      f"{d.p_essential_met:.1%}")
        console.print(t)

    finish("timeline", load_scenario(path, force_option=force_option),
           {"state": r.state, "force_option": r.force_option, "from": first.isoformat(),
            "to": last.isoformat(), "step": step, "draws": draws, "seed": seed},
           r.to_dict(), as_json, render)
