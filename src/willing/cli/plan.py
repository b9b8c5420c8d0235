"""`willing plan`: force generation on a scenario, shown as rich tables or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from willing.forcegen import PlanResult

TIER_ORDER = ["lead", "member", "backstop", "host"]


@clean_errors
def plan_cmd(
    scenario: ScenarioArg = None,
    state: StateOption = None,
    all_states: Annotated[bool, typer.Option("--all-states", help="Plan every state.")] = False,
    force_option: ForceOption = None,
    time_limit: TimeLimit = 60.0,
    open_fair_share: Annotated[bool, typer.Option(
        "--open-fair-share",
        help="After fair share among the participants, search with participation free in the "
             "time left (fairer plans; no proof on large scenarios).")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Allocate national pledges to the statement of requirements (MILP, HiGHS)."""
    from willing.forcegen import plan

    sc = load(scenario, force_option)
    states = sc.states if all_states else [state or sc.default_state]
    results = [plan(sc, s, time_limit=time_limit, open_fair_share=open_fair_share)
               for s in states]
    payload = {"plans": [r.to_dict() for r in results]} if all_states else results[0].to_dict()

    def render(console: Console) -> None:
        render_coalition(console, results[0])
        for r in results:
            render_plan(console, r)

    finish("plan", sc, {"states": states, "force_option": sc.force_option,
                        "time_limit": time_limit, "open_fair_share": open_fair_share},
           payload, as_json, render)


def render_coalition(console: Console, r: PlanResult) -> None:
    nf = r.scenario.nations_frame
    t = Table(title=f"Coalition — {r.scenario.spec.title or r.scenario.name} "
              f"(force option: {r.scenario.force_option or 'base'})", title_justify="left")
    t.add_column("tier")
    t.add_column("nations", overflow="fold")
    t.add_column("count", justify="right")
    for tier in TIER_ORDER:
        members = nf[nf["tier"] == tier]
        if len(members):
            t.add_row(tier, ", ".join(members.index), str(len(members)))
    console.print(t)


def render_plan(console: Console, r: PlanResult) -> None:
    s = r.summary()
    console.rule(f"[bold]State: {r.state}[/] — {r.scenario.spec.states[r.state].description or ''}")

    t = Table(title="Requirements filled per mission line", title_justify="left")
    for col in ("mission line", "priority", "units req.", "filled", "coverage",
                "personnel req.", "filled", "coverage"):
        t.add_column(col, justify="left" if col in ("mission line", "priority") else "right")
    for _, row in r.coverage.iterrows():
        t.add_row(row["mission_line"], row["priority"], fmt_int(row["required"]),
                  fmt_int(row["filled"]), fmt_pct(row["coverage"]),
                  fmt_int(row["personnel_required"]), fmt_int(row["personnel_covered"]),
                  fmt_pct(row["personnel_coverage"]))
    console.print(t)

    t = Table(title=f"Gaps ({len(r.gaps)})", title_justify="left")
    for col in ("requirement", "priority", "unmet", "reason"):
        t.add_column(col, justify="right" if col == "unmet" else "left", overflow="fold")
    for _, g in r.gaps.iterrows():
        t.add_row(g["requirement"], g["priority"], f"{g['unmet']}/{g['required']}", g["reason"])
    console.print(t)

    t = Table(title="Lead nations", title_justify="left")
    for col in ("component", "lead", "lead share", "minimum", "nations", "Herfindahl", "status"):
        t.add_column(col)
    comp = r.by_component.set_index("component")
    for _, ld in r.leads.iterrows():
        c = comp.loc[ld["component"]] if ld["component"] in comp.index else None
        t.add_row(ld["component"], ld["lead"] or "—", fmt_pct(ld["lead_share"]),
                  fmt_pct(ld["lead_share_min"]), fmt_int(c["nations"]) if c is not None else "—",
                  f"{c['herfindahl']:.2f}" if c is not None else "—",
                  ld["status"] + (f": {ld['reason']}" if ld["reason"] else ""))
    console.print(t)

    t = Table(title=f"Contributions against fair share (key: {r.scenario.spec.fair_share_key})",
              title_justify="left")
    for col in ("nation", "tier", "units", "personnel", "fair share", "fair personnel", "ratio",
                "components"):
        t.add_column(col, justify="left" if col in ("nation", "tier", "components") else "right")
    bn = r.by_nation
    for iso, row in bn[bn["units"] > 0].sort_values("personnel", ascending=False).iterrows():
        t.add_row(str(iso), row["tier"], fmt_int(row["units"]), fmt_int(row["personnel"]),
                  fmt_pct(row["fair_share"]), fmt_int(row["fair_personnel"]),
                  "—" if row["ratio"] != row["ratio"] else f"{row['ratio']:.2f}",
                  row["components"])
    idle = [str(i) for i in bn[bn["units"] == 0].index]
    console.print(t)
    if idle:
        console.print(f"No units allocated in this state: {', '.join(idle)}", highlight=False)

    console.print(
        f"[bold]Coverage[/] {s['coverage']:.1%} of units, essential {s['essential_coverage']:.1%}, "
        f"{s['personnel_coverage']:.1%} of the required personnel"
        + (f", weighted {s['weighted_coverage']:.1%}" if "weighted_coverage" in s else "")
        + f" · {s['personnel_deployed']:,} personnel from {s['nations_contributing']} nations · "
        f"solver [bold]{s['solver_status']}[/], optimality gap {s['mip_gap']:.2%} · "
        f"{s['seconds']:.2f} s", highlight=False)
    if s["solver_status"] != "optimal":
        console.print(f"Solver {s['solver_proof']}", highlight=False)
