"""`willing asks`: the cheapest additional pledges that close the gaps of a state."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
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
    from willing.asks import AsksResult


@clean_errors
def asks_cmd(
    scenario: ScenarioArg = None,
    state: StateOption = None,
    target: Annotated[str, typer.Option(
        help="Tiers to meet: essential, important (and essential) or all.")] = "essential",
    robust: Annotated[float | None, typer.Option(
        help="Also ask until P(every requirement of the target met) ≥ this (0 < P < 1), "
             "under the scenario's uncertainty.")] = None,
    forces: Annotated[Path | None, typer.Option(
        help="CSV of what each nation fields (nation, capability, units); default: packaged.")]
    = None,
    ceiling: Annotated[float | None, typer.Option(
        help="Share of active personnel every nation can keep deployed (default: packaged, "
             "per nation).")] = None,
    draws: Annotated[int, typer.Option(help="Draws for P(met) before and after (0: skip).")]
    = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the draws.")] = 1,
    whole_units: Annotated[bool, typer.Option(
        "--whole-units", help="Ask for whole units only, no sub-units into formed units "
                              "(always so with --robust).")] = False,
    apply: Annotated[bool, typer.Option(
        "--apply", help="Write the scenario with the asks as pledges (needs -o).")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File --apply writes.")]
    = None,
    force_option: ForceOption = None,
    time_limit: TimeLimit = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """The least-cost asks, by nation, that let force generation meet the target tiers."""
    if apply and output is None:
        raise ValueError("--apply needs -o FILE: the scenario with the asks is written there")
    if ceiling is not None and not 0.0 <= ceiling <= 1.0:
        raise ValueError(f"--ceiling is a share of active personnel in [0, 1], got {ceiling}")
    import pandas as pd

    from willing.asks import asks
    from willing.asks.apply import applied_text

    sc = load(scenario, force_option)
    fielded = None if forces is None else pd.read_csv(forces)
    command = "willing " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "willing asks"
    share = ceiling
    result = asks(sc, state, target=target, robust=robust, draws=draws, seed=seed,
                  fielded=fielded, time_limit=time_limit, command=command,
                  subunits=not whole_units,
                  ceiling=None if share is None else (lambda _nation: share))
    if apply and output is not None:
        output.write_text(applied_text(sc, result.pledges), encoding="utf-8")
    finish("asks", sc, {"state": result.state, "target": target, "robust": robust,
                        "draws": draws, "seed": seed, "ceiling": ceiling,
                        "whole_units": whole_units,
                        "force_option": sc.force_option, "time_limit": time_limit},
           result.to_dict(), as_json, lambda console: render(console, result, output))


def render(console: Console, r: AsksResult, written: Path | None) -> None:
    s = r.summary()
    console.print(f"[bold]{r.scenario}[/] · {r.state} · target {r.target}: "
                  f"{'reachable' if r.reachable else '[red]not reachable[/] from what nations field'}")
    for line in r.lines["line"]:
        console.print("  " + line, highlight=False)
    console.print(f"{s['units']} units · {fmt_int(s['personnel'])} personnel · "
                  f"US$ {s['cost_musd_per_year']:,.0f} m a year · solver {s['solver_status']}, "
                  f"gap {fmt_pct(s['mip_gap'])}", highlight=False)
    if not r.short.empty:
        t = Table("requirement", "priority", "unmet", "why", title="Still short with every ask")
        for row in r.short.itertuples():
            t.add_row(str(row.requirement), str(row.priority), str(row.unmet), str(row.reason))
        console.print(t)
    t = Table("nation", "asked", "personnel before", "after", "fair share before", "after",
              title="Asked nations against their fair share")
    for row in r.by_nation.itertuples():
        t.add_row(str(row.nation), str(row.asked_units), fmt_int(row.personnel_before),
                  fmt_int(row.personnel_after), _ratio(row.ratio_before), _ratio(row.ratio_after))
    console.print(t)
    e = r.effect
    console.print(f"coverage {fmt_pct(e['coverage_before'])} → {fmt_pct(e['coverage_after'])}, "
                  f"essential {fmt_pct(e['essential_coverage_before'])} → "
                  f"{fmt_pct(e['essential_coverage_after'])}", highlight=False)
    if "p_essential_met_before" in e:
        console.print(f"P(every essential requirement met) {e['p_essential_met_before']:.1%} → "
                      f"{e['p_essential_met_after']:.1%}", highlight=False)
    if r.robust:
        b = r.robust
        console.print(f"robust ({b['method']}, {b['sample_draws']:,} draws, seed "
                      f"{b['sample_seed']}): P {b['p_sample']:.1%} on the sample, "
                      f"{b['p_check']:.1%} [{b['ci95'][0]:.1%}, {b['ci95'][1]:.1%}] on "
                      f"{b['check_draws']:,} fresh draws (seed {b['check_seed']}); target "
                      f"{b['p_target']:.0%} {'reached' if b['reached'] else 'not reached'}; "
                      f"every spare unit asked (ceilings aside) would give "
                      f"{b['p_every_spare_unit']:.1%}", highlight=False)
    if written is not None:
        console.print(f"written: {written} (willing plan {written})", highlight=False)


def _ratio(v: object) -> str:
    f = float(v)  # type: ignore[arg-type]
    return "—" if f != f else f"{f:.2f}×"
