"""`willing contingency`, `willing buildup`, `willing sustain`: the phases after force generation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from willing.cli.common import (
    ForceOption,
    JsonFlag,
    ScenarioArg,
    StateOption,
    TimeLimit,
    clean_errors,
    finish,
    fmt_int,
    fmt_pct,
    load,
)
from willing.defaults import (
    DEFAULT_BUDGET_THRESHOLD,
    DEFAULT_DWELL_TOURS,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_PERSONNEL_THRESHOLD,
)

if TYPE_CHECKING:
    import pandas as pd

    from willing.buildup import BuildupResult
    from willing.contingency import ContingencyResult
    from willing.sustain import SustainResult

MILESTONES = (0, 7, 14, 30, 45, 60, 90, 120, 180, 270, 364)


def _missing(v: object) -> bool:
    import pandas as pd

    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def _day(v: object) -> str:
    return "—" if _missing(v) else str(v)


def _move(m: pd.Series) -> str:
    """`ua-west → nato-east`, with the roles when they change."""
    src, dst = m["from_region"], m["to_region"]
    if _missing(src) or _missing(dst) or m["from_role"] == m["to_role"]:
        return f"{_day(src)} → {_day(dst)}"
    return f"{src}/{m['from_role']} → {dst}/{m['to_role']}"


@clean_errors
def contingency_cmd(
    scenario: ScenarioArg = None,
    event: Annotated[str | None, typer.Option("--event", "-e", help="Event of the scenario's "
                                              "state graph, e.g. ceasefire-declared.")] = None,
    all_events: Annotated[bool, typer.Option("--all", help="Every event of the scenario.")] = False,
    force_option: ForceOption = None,
    time_limit: TimeLimit = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Contingency plan of an event: units that deploy, stay, redeploy or withdraw, and gaps."""
    sc = load(scenario, force_option)
    if event is None and not all_events:
        valid = ", ".join(ev.id for ev in sc.spec.events) or "none declared"
        raise ValueError(f"give --event (one of: {valid}) or --all")
    if event is not None and all_events:
        raise ValueError("give either --event or --all, not both")
    from willing.contingency import contingency

    c = contingency(sc, event, time_limit=time_limit)
    finish("contingency", sc, {"event": event, "all": all_events, "force_option": sc.force_option,
                               "time_limit": time_limit}, c.to_dict(), as_json,
           lambda console: render_contingency(console, c))


def render_contingency(console: Console, c: ContingencyResult) -> None:
    for _, ev in c.events.iterrows():
        console.rule(f"[bold]Event {ev['event']}[/]: {ev['from_state']} → {ev['to_state']}")
        moves = c.moves[(c.moves["event"] == ev["event"]) & (c.moves["action"] != "stay")]
        t = Table(title="Units that move", title_justify="left")
        for col in ("action", "pledge", "capability", "units", "move", "why"):
            t.add_column(col, justify="right" if col == "units" else "left", overflow="fold")
        for _, m in moves.iterrows():
            t.add_row(m["action"], m["pledge"], m["capability"], str(m["units"]), _move(m),
                      m["reason"])
        console.print(t)
        gaps = c.gaps[c.gaps["event"] == ev["event"]]
        t = Table(title="Gaps that open, close, widen or narrow", title_justify="left")
        for col in ("requirement", "priority", "change", "unmet", "why"):
            t.add_column(col, overflow="fold", max_width={"requirement": 30, "why": 36}.get(col))
        for _, g in gaps.iterrows():
            t.add_row(g["requirement"], g["priority"], g["change"],
                      f"{_day(g['unmet_before'])} → {_day(g['unmet_after'])}", g["reason"])
        console.print(t)
        console.print(
            f"deploy {ev['deploy_units']} units ({ev['deploy_personnel']:,} personnel) · stay "
            f"{ev['stay_units']} ({ev['stay_personnel']:,}) · redeploy {ev['redeploy_units']} "
            f"({ev['redeploy_personnel']:,}) · withdraw {ev['withdraw_units']} "
            f"({ev['withdraw_personnel']:,}) · gaps open {ev['gaps_opens']}, close "
            f"{ev['gaps_closes']}, widen {ev['gaps_widens']}, narrow {ev['gaps_narrows']} · "
            f"{ev['reallocated_units']} units move to keep coverage and nation count optimal",
            highlight=False)


@clean_errors
def buildup_cmd(
    scenario: ScenarioArg = None,
    state: StateOption = None,
    event: Annotated[str | None, typer.Option(
        "--event", "-e", help="Start from this event: units that stay are in place on day 0, "
        "units that redeploy are ready on day 0.")] = None,
    force_option: ForceOption = None,
    horizon: Annotated[int, typer.Option("--horizon", help="Days to simulate from D-day.")]
    = DEFAULT_HORIZON_DAYS,
    time_limit: TimeLimit = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Day-by-day build-up from D-day through the entry points: who closes when, and why late."""
    sc = load(scenario, force_option)
    from willing.buildup import buildup

    b = buildup(sc, state, event=event, horizon_days=horizon, time_limit=time_limit)
    finish("buildup", sc, {"state": b.state, "event": event, "force_option": sc.force_option,
                           "horizon": horizon, "time_limit": time_limit}, b.to_dict(), as_json,
           lambda console: render_buildup(console, b))


def render_buildup(console: Console, b: BuildupResult) -> None:
    s = b.summary()
    start = b.units["start"].value_counts()
    origin = (f"{start.get('in-place', 0)} units in place, {start.get('redeploy', 0)} redeploying"
              if (b.units["start"] != "new").any() else "every unit from home")
    console.rule(f"[bold]Build-up[/] — state {b.state}, from D-day (day 0); {origin}")
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
        used = "—" if _missing(e["first_day"]) else \
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


@clean_errors
def sustain_cmd(
    scenario: ScenarioArg = None,
    state: StateOption = None,
    years: Annotated[int | None, typer.Option("--years", help="Horizon in years (default: the "
                                              "scenario's horizon_years).")] = None,
    budget_threshold: Annotated[float, typer.Option(
        "--budget-threshold", help="Flag a nation whose cost passes this share of its defence "
        "budget.")] = DEFAULT_BUDGET_THRESHOLD,
    personnel_threshold: Annotated[float, typer.Option(
        "--personnel-threshold", help="Flag a nation whose pool passes this share of its active "
        "personnel.")] = DEFAULT_PERSONNEL_THRESHOLD,
    dwell_tours: Annotated[float, typer.Option(
        "--dwell-tours", help="Tours a unit spends at home before it deploys again.")]
    = DEFAULT_DWELL_TOURS,
    force_option: ForceOption = None,
    all_options: Annotated[bool, typer.Option(
        "--all-options", help="Compare the demand of every force option as sized (no plan; not "
                              "stored).")] = False,
    time_limit: TimeLimit = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Rotation pools, cost against defence budgets and rotation cliffs over the horizon."""
    from willing.demand import demand
    from willing.sustain import sustain

    sc = load(scenario, force_option)
    if all_options:
        rows = [demand(load(scenario, option), state).figures for option in sc.spec.force_options]
        finish("sustain", None, {}, {"demand_by_option": rows}, as_json,
               lambda console: render_demand(console, rows))
        return
    r = sustain(sc, state, years=years, budget_threshold=budget_threshold,
                personnel_threshold=personnel_threshold, dwell_tours=dwell_tours,
                time_limit=time_limit)
    finish("sustain", sc, {"state": r.plan.state, "force_option": sc.force_option, "years": r.years,
                           "budget_threshold": budget_threshold,
                           "personnel_threshold": personnel_threshold, "dwell_tours": dwell_tours,
                           "time_limit": time_limit}, r.to_dict(), as_json,
           lambda console: render_sustain(console, r))


def render_demand(console: Console, rows: list[dict[str, Any]]) -> None:
    """The force options side by side: what each asks of the coalition as sized, and its verdict."""
    t = Table(title="Demand of each force option as sized (enduring lines; pool = deployed × "
                    "rotation)", title_justify="left")
    for col in ("option", "deployed", "pool", "of coalition active", "of Europe's active",
                "US$ m/yr", "of coalition budgets", "verdict"):
        t.add_column(col, justify="left" if col in ("option", "verdict") else "right")
    for d in rows:
        t.add_row(str(d["force_option"]), fmt_int(d["deployed_personnel"]),
                  fmt_int(d["pool_personnel"]), _pct1(d["share_of_active"]),
                  _pct1(d["share_of_europe_active"]), f"{d['annual_cost_musd']:,.0f}",
                  _pct1(d["share_of_budget"]), d["verdict"])
    console.print(t)
    for th in rows[0]["thresholds"] if rows else []:
        console.print(f"[dim]{th['measure']}: strained above {th['strained']:.1%}, unsustainable "
                      f"above {th['unsustainable']:.1%} — {th['source']}[/]", highlight=False)


def render_sustain(console: Console, r: SustainResult) -> None:
    s = r.summary()
    console.rule(f"[bold]Sustainability[/] — state {r.plan.state}, {r.years} years")
    t = Table(title="Per nation: rotation pool and annual cost of its enduring commitments",
              title_justify="left")
    for col in ("nation", "deployed", "pool", "pool pers.", "of active", "US$ m/yr",
                "of budget", "cliffs", "flags"):
        t.add_column(col, justify="left" if col in ("nation", "flags") else "right")
    for _, n in r.nations.iterrows():
        t.add_row(n["nation"], str(n["deployed_units"]), str(n["pool_units"]),
                  fmt_int(n["pool_personnel"]), _pct1(n["share_active"]),
                  f"{n['annual_cost_musd']:,.0f}", _pct1(n["share_budget"]), str(n["cliffs"]),
                  f"[bold red]{n['flags']}[/]" if n["flags"] else "")
    console.print(t)

    t = Table(title=f"Rotation cliffs: tours that run out with no relief ({len(r.cliffs)})",
              title_justify="left")
    for col in ("pledge", "capability", "deployed", "units", "tour", "month", "short (pers.)",
                "gap months", "relief from"):
        t.add_column(col, justify="left" if col in ("pledge", "capability", "relief from")
                     else "right", overflow="fold")
    for _, c in r.cliffs.iterrows():
        t.add_row(c["pledge"], c["capability"], str(c["deployed"]), str(c["units"]),
                  f"{c['max_tour_months']} mo", str(c["month"]),
                  f"{c['units_short']} ({c['personnel_short']:,})", str(c["gap_months"]),
                  c["relief"] or "none")
    console.print(t)

    t = Table(title="Cost figures used (catalogue, US$ m per unit-year)", title_justify="left")
    t.add_column("capability")
    t.add_column("US$ m", justify="right")
    t.add_column("source", overflow="fold")
    figures = r.requirements.drop_duplicates("capability")
    for _, f in figures.iterrows():
        t.add_row(f["capability"], _day(f["cost_musd_per_unit_year"]), f["cost_source"])
    console.print(t)

    t = Table(title="Cost by year (US$ m; the 12 largest, all in --json)", title_justify="left")
    t.add_column("nation")
    for y in range(1, r.years + 1):
        t.add_column(f"year {y}", justify="right")
    t.add_column("gap unit-months", justify="right")
    by = r.by_year
    for iso in r.nations["nation"].head(12):
        rows = by[by["nation"] == iso].set_index("year")
        t.add_row(iso, *(f"{rows.at[y, 'cost_musd']:,.0f}" if y in rows.index else "—"
                         for y in range(1, r.years + 1)), fmt_int(rows["gap_unit_months"].sum()))
    console.print(t)
    console.print(
        f"pool {s['pool_personnel']:,} personnel · US${s['annual_cost_musd']:,.0f} m a year · "
        f"{s['cliffs']} rotation cliffs · flagged: {', '.join(s['flagged']) or 'none'} (above "
        f"{fmt_pct(r.budget_threshold)} of defence budget or {fmt_pct(r.personnel_threshold)} of "
        f"active personnel) · a unit rests {r.dwell_tours:g} tour(s) at home between tours",
        highlight=False)


def _pct1(v: object) -> str:
    return "—" if _missing(v) else f"{float(v):.1%}"  # type: ignore[arg-type]
