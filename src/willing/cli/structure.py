"""`willing command` (the order of battle and its checks) and `willing burden` (fair shares)."""

from __future__ import annotations

from enum import StrEnum
from itertools import groupby
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

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
from willing.scenario.keys import FairShareKey

if TYPE_CHECKING:
    from willing.burden import BurdenSharing
    from willing.command import CommandStructure

VERDICT_STYLE = {"clear": "green", "fragmented": "yellow", "leaderless": "bold red"}
STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red"}


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    DOT = "dot"


@clean_errors
def command_cmd(
    scenario: ScenarioArg = None,
    state: StateOption = None,
    fmt: Annotated[Format, typer.Option("--format", help="text (rich tree), json or dot "
                                        "(Graphviz).")] = Format.TEXT,
    span: Annotated[int, typer.Option(help="Span of control: most direct subordinates per "
                                      "commander (FM 3-21.8: two to five).")] = 5,
    fragmented_hhi: Annotated[float, typer.Option(help="A component whose Herfindahl index is "
                                                  "below this is fragmented.")] = 0.15,
    force_option: ForceOption = None,
    time_limit: TimeLimit = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Order of battle of the plan: force HQ, component commands, framework-nation formations,
    national units — with the checks (one commander per unit, leads, span, caveats)."""
    from willing.command import Thresholds, command_structure
    from willing.forcegen import plan

    th = Thresholds(span=span, fragmented_hhi=fragmented_hhi)
    sc = load(scenario, force_option)
    cs = command_structure(plan(sc, state, time_limit=time_limit), th)
    as_json = as_json or fmt == Format.JSON

    def render(console: Console) -> None:
        if fmt == Format.DOT:
            console.out(cs.to_dot(), highlight=False, end="")
        else:
            render_command(console, cs)

    finish("command", sc, {"state": cs.result.state, "force_option": sc.force_option,
                           "format": str(fmt), **vars(th), "time_limit": time_limit},
           cs.to_dict(), as_json, render)


@clean_errors
def burden_cmd(
    scenario: ScenarioArg = None,
    key: Annotated[FairShareKey | None, typer.Option(
        help="Fair-share key (default: the scenario's).")] = None,
    state: StateOption = None,
    force_option: ForceOption = None,
    time_limit: TimeLimit = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Burden sharing: contributions against fair shares, Gini, Herfindahl, and the
    Olson–Zeckhauser check (do large economies carry a disproportionate share?)."""
    from willing.burden import burden_sharing
    from willing.forcegen import plan

    sc = load(scenario, force_option)
    b = burden_sharing(plan(sc, state, time_limit=time_limit), key)
    finish("burden", sc, {"state": b.result.state, "force_option": sc.force_option,
                          "key": b.key, "time_limit": time_limit},
           b.to_dict(), as_json, lambda console: render_burden(console, b))


def render_command(console: Console, cs: CommandStructure) -> None:
    r = cs.result
    console.rule(f"[bold]Order of battle[/] — {r.scenario.name}, state {r.state}")
    console.print(_tree(cs))
    console.print(f"Force HQ lead: {cs.force_lead_basis}.", highlight=False)

    t = Table(title="Component commands", title_justify="left")
    for col in ("component", "lead", "share (min)", "nations", "HHI", "verdict", "why"):
        t.add_column(col, justify="right" if col in ("nations", "HHI") else "left",
                     overflow="fold")
    for c in cs.components.to_dict("records"):
        t.add_row(c["component"], c["lead"] if isinstance(c["lead"], str) else "—",
                  f"{fmt_pct(c['lead_share'])} ({fmt_pct(c['lead_share_min'])})",
                  str(c["nations"]), "—" if c["herfindahl"] != c["herfindahl"]
                  else f"{c['herfindahl']:.2f}",
                  f"[{VERDICT_STYLE[c['verdict']]}]{c['verdict']}[/]", c["reason"])
    console.print(t)

    t = Table(title="Checks", title_justify="left")
    for col in ("check", "status", "detail"):
        t.add_column(col, overflow="fold")
    for c in cs.checks.to_dict("records"):
        t.add_row(c["check"], f"[{STATUS_STYLE[c['status']]}]{c['status']}[/]", c["detail"])
    console.print(t)

    if not cs.caveats.empty:
        t = Table(title="Caveats: roles and regions the component needs that a pledge forbids",
                  title_justify="left")
        for col in ("nation", "pledge", "capability", "component", "units", "roles", "regions"):
            t.add_column(col, justify="right" if col == "units" else "left", overflow="fold",
                         no_wrap=col not in ("roles", "regions"))
        for c in cs.caveats.to_dict("records"):
            t.add_row(c["nation"], c["pledge"], c["capability"], c["component"],
                      str(c["units"]), c["forbidden_roles"].replace(",", ", ") or "—",
                      c["forbidden_regions"].replace(",", ", ") or "—")
        console.print(t)


def _tree(cs: CommandStructure) -> Tree:
    """The ORBAT as a rich tree; runs of identical sibling units print as one line (`3 ×`)."""
    g = cs.graph
    verdict = dict(zip(cs.components["component"], cs.components["verdict"], strict=True))

    def label(n: str) -> str:
        d = g.nodes[n]
        size = (f"{_n(d['units'], 'unit')}, {_n(len(d['census']), 'nation')}, "
                f"{d['personnel']:,} personnel")
        if d["kind"] == "force":
            return f"[bold]{d['label']}[/] · {size}"
        if d["kind"] == "component":
            v = verdict[n]
            return f"[bold]{d['label']}[/] · {size} · [{VERDICT_STYLE[v]}]{v}[/]"
        style = "dim" if d["inserted"] else "bold"
        return (f"[{style}]{d['label']}[/] · {_n(d['units'], 'unit')}, "
                f"{_n(len(d['census']), 'nation')}")

    def grow(node: Tree, n: str) -> None:
        kids = cs.children(n)
        for _, run in groupby(kids, key=lambda k: g.nodes[k]["label"] if g.nodes[k]["kind"] == "unit"
                              else k):
            members = list(run)
            d = g.nodes[members[0]]
            if d["kind"] == "unit":
                count = f"{len(members)} × " if len(members) > 1 else ""
                node.add(f"{count}{d['label']}", style="cyan" if d["nation"] else None)
            else:
                for m in members:
                    grow(node.add(label(m)), m)

    from willing.command import ROOT

    root = Tree(label(ROOT), guide_style="dim")
    grow(root, ROOT)
    return root


def _n(k: int, noun: str) -> str:
    return f"{k:,} {noun}{'' if k == 1 else 's'}"


def render_burden(console: Console, b: BurdenSharing) -> None:
    r, df = b.result, b.nations
    console.rule(f"[bold]Burden sharing[/] — {r.scenario.name}, state {r.state}, key {b.key}")
    t = Table(title=f"Contributions against fair share by {b.key} "
              f"({len(df)} participating nations)", title_justify="left")
    for col in ("nation", "tier", "fair share", "personnel", "fair", "ratio", "cost US$m/yr",
                "fair", "ratio"):
        t.add_column(col, justify="left" if col in ("nation", "tier") else "right")
    for iso, row in df.iterrows():
        t.add_row(str(iso), row["tier"], f"{row['fair_share']:.1%}", fmt_int(row["personnel"]),
                  fmt_int(row["fair_personnel"]), _ratio(row["personnel_ratio"]),
                  fmt_int(row["cost"]), fmt_int(row["fair_cost"]), _ratio(row["cost_ratio"]))
    console.print(t)

    t = Table(title="Inequality and concentration", title_justify="left")
    for col in ("measure", "total", "Gini", "Herfindahl", "Gini of ratios", "contributing"):
        t.add_column(col, justify="left" if col == "measure" else "right")
    for m in b.indices.to_dict("records"):
        t.add_row(m["measure"], fmt_int(m["total"]), _num(m["gini"]), _num(m["herfindahl"]),
                  _num(m["gini_of_ratios"]), f"{m['contributing']} of {m['nations']}")
    console.print(t)
    t = Table(title="Olson–Zeckhauser: Spearman rank correlation of GDP with contribution "
              "per US$ bn of GDP", title_justify="left")
    for col in ("measure", "nations", "ρ", "p-value", "verdict"):
        t.add_column(col, justify="right" if col in ("nations", "ρ", "p-value") else "left",
                     overflow="fold")
    for o in b.olson_zeckhauser.to_dict("records"):
        t.add_row(o["measure"], str(o["n"]), _num(o["rho"]), _num(o["p_value"]),
                  o["verdict"])
    console.print(t)
    console.print(f"Ratio = contribution / fair share; fair shares split the participants' "
                  f"total by {b.key}. The plan itself balanced shares by "
                  f"{r.scenario.spec.fair_share_key}.", highlight=False, style="dim")


def _ratio(v: float) -> str:
    if v != v:
        return "—"
    style = "red" if v < 0.5 else "bold" if v > 2 else ""
    return f"[{style}]{v:.2f}[/]" if style else f"{v:.2f}"


def _num(v: float) -> str:
    return "—" if v != v else f"{v:.3f}"
