"""`willing contingency`, `willing buildup`, `willing sustain`: the phases after force generation."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from willing.buildup import DEFAULT_HORIZON_DAYS, BuildupResult, buildup
from willing.cli.app import app
from willing.cli.common import (
    ForceOption,
    JsonFlag,
    ScenarioArg,
    clean_errors,
    finish,
    fmt_int,
    load,
)

StateOption = Annotated[str | None, typer.Option("--state", "-s", help="Contingency state "
                                                 "(default: the scenario's default state).")]
TimeLimit = Annotated[float, typer.Option(help="Solver time limit per state, seconds.")]

MILESTONES = (0, 7, 14, 30, 45, 60, 90, 120, 180, 270, 364)


def _day(v: object) -> str:
    return "—" if v is None or v != v else str(v)  # NaN and pd.NA print as a dash


@app.command("buildup")
@clean_errors
def buildup_cmd(
    scenario: ScenarioArg = None,
    state: StateOption = None,
    force_option: ForceOption = None,
    horizon: Annotated[int, typer.Option("--horizon", help="Days to simulate from D-day.")]
    = DEFAULT_HORIZON_DAYS,
    time_limit: TimeLimit = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Day-by-day build-up from D-day through the entry points: who closes when, and why late."""
    sc = load(scenario, force_option)
    b = buildup(sc, state, horizon_days=horizon, time_limit=time_limit)
    finish("buildup", sc, {"state": b.state, "force_option": sc.force_option, "horizon": horizon,
                           "time_limit": time_limit}, b.to_dict(), as_json,
           lambda console: render_buildup(console, b))


def render_buildup(console: Console, b: BuildupResult) -> None:
    s = b.summary()
    console.rule(f"[bold]Build-up[/] — state {b.state}, from D-day (day 0)")
    comps = [c for c in b.daily.columns if c not in ("day", "personnel_in_theatre")]
    t = Table(title="Personnel in theatre", title_justify="left")
    t.add_column("day", justify="right")
    t.add_column("total", justify="right")
    for c in comps:
        t.add_column(c, justify="right")
    last = s["closure_day"] if s["closure_day"] is not None else b.horizon_days - 1
    days = sorted({d for d in (*MILESTONES, last) if d < b.horizon_days})
    for _, row in b.daily[b.daily["day"].isin(days)].iterrows():
        t.add_row(str(row["day"]), fmt_int(row["personnel_in_theatre"]),
                  *(fmt_int(row[c]) for c in comps))
    console.print(t)

    t = Table(title="Closure by component", title_justify="left")
    for col in ("component", "requirements", "units", "personnel", "closure day", "late"):
        t.add_column(col, justify="left" if col == "component" else "right")
    for _, row in b.components.iterrows():
        t.add_row(row["component"], str(row["requirements"]), str(row["units"]),
                  fmt_int(row["personnel"]), _day(row["closure_day"]), str(row["late_requirements"]))
    console.print(t)

    late = b.late
    t = Table(title=f"Requirements closing after their required-by day ({len(late)})",
              title_justify="left")
    for col in ("requirement", "priority", "due", "closes", "late", "bottleneck"):
        t.add_column(col, justify="right" if col in ("due", "closes", "late") else "left",
                     overflow="fold", max_width=44 if col == "bottleneck" else None)
    for _, r in late.iterrows():
        t.add_row(r["requirement"], r["priority"], str(r["required_by_day"]), _day(r["closure_day"]),
                  _day(r["late_days"]), f"{r['bottleneck']}: {r['detail']}")
    console.print(t)

    t = Table(title="Entry points (in order of preference)", title_justify="left")
    for col in ("entry point", "mode", "open", "pers./day", "t/day", "personnel", "tonnes",
                "days full", "used"):
        t.add_column(col, justify="left" if col in ("entry point", "mode", "open") else "right",
                     no_wrap=col == "entry point")
    for _, e in b.entry_points.iterrows():
        used = "—" if e["first_day"] is None or e["first_day"] != e["first_day"] else \
            f"{int(e['first_day'])}–{int(e['last_day'])}"
        t.add_row(e["entry_point"], e["mode"], "yes" if e["open"] else "no",
                  fmt_int(e["personnel_per_day"]), fmt_int(e["tonnes_per_day"]),
                  fmt_int(e["personnel_moved"]), fmt_int(e["tonnes_moved"]),
                  str(e["days_full"]), used)
    console.print(t)
    console.print(
        f"[bold]{s['units']}[/] units, {s['personnel']:,} personnel and {s['tonnes']:,.0f} t · "
        f"all closed by day {_day(s['closure_day'])} · {s['units_not_closed']} not closed within "
        f"{s['horizon_days']} days · {s['late_requirements']} requirements late · self-deploying "
        f"transit {', '.join(f'{k} {v} d' for k, v in b.self_deploy_days.items())}",
        highlight=False)
