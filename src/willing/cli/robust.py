"""`willing stress`, `willing pivotal`, `willing sweep`: robustness under political uncertainty."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from willing.cli.common import (
    ForceOption,
    JsonFlag,
    ScenarioArg,
    StateOption,
    clean_errors,
    err,
    finish,
    fmt_pct,
    load,
)

if TYPE_CHECKING:
    from willing.robust import PivotalResult, StressResult, SweepResult

SeedOpt = Annotated[int, typer.Option("--seed", help="Seed; the same seed gives the same numbers.")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", "-w",
                                                help="Run chunks on N local processes.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Run chunks on a Dask cluster, e.g. tcp://host:8786.")]


def _prob(name: str) -> Any:
    return typer.Option(f"--{name.replace('_', '-')}", help=f"Override uncertainty.{name} (0..1).")


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (never on stdout, so --json output stays clean)."""
    with Progress(TextColumn(f"[bold]{what}[/]"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("chunks"), TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tick


@clean_errors
def stress_cmd(
    scenario: ScenarioArg = None,
    draws: Annotated[int, typer.Option("--draws", "-n", help="Monte Carlo draws.")] = 1_000_000,
    seed: SeedOpt = 1,
    state: StateOption = None,
    force_option: ForceOption = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    us_backstop: Annotated[float | None, _prob("us_backstop")] = None,
    adversary_consent: Annotated[float | None, _prob("adversary_consent")] = None,
    ceasefire_holds: Annotated[float | None, _prob("ceasefire_holds")] = None,
    mandate: Annotated[float | None, _prob("mandate")] = None,
    correlation: Annotated[float | None, _prob("correlation")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Monte Carlo over who shows up: coverage distribution, what breaks first, conditionals."""
    from willing.robust import Assumptions, stress

    sc = load(scenario, force_option)
    overrides = {k: v for k, v in {"us_backstop": us_backstop, "adversary_consent": adversary_consent,
                                   "ceasefire_holds": ceasefire_holds, "mandate": mandate,
                                   "correlation": correlation}.items() if v is not None}
    with progress_bar(f"stress {draws:,} draws") as tick:
        r = stress(sc, state, draws=draws, seed=seed, workers=workers, scheduler=scheduler,
                   progress=tick, assumptions=Assumptions.of(sc).with_values(**overrides))
    params = {"state": r.state, "draws": draws, "seed": seed, "force_option": sc.force_option,
              "workers": workers, "scheduler": scheduler, **overrides}
    finish("stress", sc, params, r.to_dict(), as_json, lambda c: render_stress(c, r))


CURVE_SHOWN = (0.5, 0.8, 0.9, 1.0)
"""The coverage levels of the curve the terminal shows (JSON and the report have all)."""


def render_stress(console: Console, r: StressResult) -> None:
    s = r.summary
    console.rule(f"[bold]stress[/] {r.scenario} ({s['force_option'] or 'base'}) — state {r.state}, "
                 f"{r.draws:,} draws, seed {r.seed}")
    measures = [m for m in ("personnel", "weighted") if m in r.quantiles.columns]
    t = Table(title="Coverage distribution (share of units required, and of personnel)",
              title_justify="left")
    for col in ("quantile", f"all ({s['units_required']} units)",
                f"essential ({s['essential_units_required']} units)", *measures):
        t.add_column(col, justify="right")
    for _, q in r.quantiles.iterrows():
        t.add_row(f"{q['quantile']:.0%}", fmt_pct(q["coverage"]), fmt_pct(q["essential"]),
                  *(fmt_pct(q[m]) for m in measures))
    console.print(t)
    console.print(f"mean coverage [bold]{s['mean_coverage']:.1%}[/], essential "
                  f"[bold]{s['mean_essential']:.1%}[/], personnel [bold]{s['mean_personnel']:.1%}[/]"
                  + (f", weighted {s['mean_weighted']:.1%}" if "mean_weighted" in s else ""),
                  highlight=False)
    console.print(f"P(every essential requirement met) [bold]{s['p_essential_met']:.1%}[/] · "
                  f"P(all met) {s['p_all_met']:.1%}", highlight=False)
    console.print(r.attendance["statement"], highlight=False)

    t = Table(title="P(coverage ≥ x)", title_justify="left")
    for col in ("x", "essential", "all", *measures):
        t.add_column(col, justify="right")
    for _, c in r.curve[r.curve["x"].round(2).isin(CURVE_SHOWN)].iterrows():
        t.add_row(f"{c['x']:.0%}", fmt_pct(c["essential"]), fmt_pct(c["coverage"]),
                  *(fmt_pct(c[m]) for m in measures))
    console.print(t)

    t = Table(title="Coverage conditional on each global variable", title_justify="left")
    for col in ("variable", "value", "probability", "mean coverage", "mean essential",
                "P(essential met)"):
        t.add_column(col, justify="left" if col in ("variable", "value") else "right")
    for _, c in r.conditional.iterrows():
        t.add_row(c["variable"], "yes" if c["value"] else "no", fmt_pct(c["probability"]),
                  fmt_pct(c["mean_coverage"]), fmt_pct(c["mean_essential"]),
                  fmt_pct(c["p_essential_met"]))
    console.print(t)

    t = Table(title="Requirements least often met (met: by every best allocation)",
              title_justify="left")
    for col in ("requirement", "priority", "units", "P(met)"):
        t.add_column(col, justify="right" if col in ("units", "P(met)") else "left",
                     overflow="fold")
    for _, q in r.requirements.head(12).iterrows():
        t.add_row(q["requirement"], q["priority"], str(q["units"]), f"{q['p_met']:.1%}")
    console.print(t)

    t = Table(title="Capability groups: unmet units (tiers filled in priority order)",
              title_justify="left")
    for col in ("capabilities", "tiers", "units", "mean unmet", "P(unmet)"):
        t.add_column(col, justify="left" if col in ("capabilities", "tiers") else "right",
                     overflow="fold", max_width=44 if col == "capabilities" else None)
    for _, g in r.groups.head(10).iterrows():
        t.add_row(g["capabilities"], g["tiers"], str(g["units_required"]), f"{g['mean_unmet']:.1f}",
                  f"{g['p_unmet']:.1%}")
    console.print(t)
    console.print(f"kernel: {s['pieces']} pieces, {s['cuts']} enumerated cuts, "
                  f"{s['fallback_pieces']} max-flow fallbacks · {r.seconds:.2f} s", highlight=False)


@clean_errors
def pivotal_cmd(
    scenario: ScenarioArg = None,
    state: StateOption = None,
    force_option: ForceOption = None,
    permutations: Annotated[int, typer.Option(help="Sampled orders for Shapley values.")] = 2000,
    samples: Annotated[int, typer.Option(help="Sampled coalitions for Banzhaf values.")] = 2000,
    seed: SeedOpt = 1,
    essential: Annotated[bool, typer.Option("--essential",
                                            help="Value = essential coverage only.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Shapley and Banzhaf values of each nation in the coverage game: who is indispensable."""
    from willing.robust import pivotal

    sc = load(scenario, force_option)
    with progress_bar("pivotal") as tick:
        r = pivotal(sc, state, permutations=permutations, samples=samples, seed=seed,
                    essential=essential, progress=tick)
    params = {"state": r.state, "permutations": permutations, "samples": samples, "seed": seed,
              "essential": essential, "force_option": sc.force_option}
    finish("pivotal", sc, params, r.to_dict(), as_json, lambda c: render_pivotal(c, r))


def render_pivotal(console: Console, r: PivotalResult) -> None:
    console.rule(f"[bold]pivotal[/] {r.scenario} — state {r.state}, value: {r.measure}")
    t = Table(title=f"Pivotal nations: {r.measure} {r.grand:.1%} with all, {r.empty:.1%} with none",
              title_justify="left", caption="± one standard error of the sampled estimate",
              caption_justify="left")
    for col in ("rank", "nation", "tier", "Shapley", "± s.e.", "Banzhaf", "± s.e."):
        t.add_column(col, justify="left" if col in ("nation", "tier") else "right")
    for _, n in r.nations.iterrows():
        t.add_row(str(n["rank"]), n["nation"], n["tier"], f"{n['shapley']:.2%}",
                  f"{n['shapley_se']:.2%}", f"{n['banzhaf']:.2%}", f"{n['banzhaf_se']:.2%}")
    console.print(t)
    console.print(f"{r.permutations:,} permutations, {r.samples:,} coalitions · {r.seconds:.2f} s",
                  highlight=False)


@clean_errors
def sweep_cmd(
    args: Annotated[list[str] | None, typer.Argument(
        help="Optional scenario, then grid axes name=lo:hi:n or name=a,b,c.")] = None,
    grid: Annotated[list[str] | None, typer.Option(
        "--grid", "-g", help="Grid axis name=lo:hi:n or name=a,b,c (repeatable).")] = None,
    draws: Annotated[int, typer.Option("--draws", "-n", help="Draws per grid point.")] = 100_000,
    seed: SeedOpt = 1,
    state: StateOption = None,
    force_option: ForceOption = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Stress runs over a grid of assumptions (us_backstop, correlation, willingness, ...)."""
    from willing.robust import sweep

    words = list(args or [])
    axes = [*(grid or []), *(w for w in words if "=" in w)]
    rest = [w for w in words if "=" not in w]
    if len(rest) > 1:
        raise ValueError(f"one scenario at most, got {', '.join(rest)} (grid axes need name=...)")
    sc = load(rest[0] if rest else None, force_option)
    with progress_bar("sweep") as tick:
        r = sweep(sc, axes, state=state, draws=draws, seed=seed, workers=workers,
                  scheduler=scheduler, progress=tick)
    params = {"state": r.state, "grid": axes, "draws": draws, "seed": seed,
              "force_option": sc.force_option, "workers": workers, "scheduler": scheduler}
    finish("sweep", sc, params, r.to_dict(), as_json, lambda c: render_sweep(c, r))


def render_sweep(console: Console, r: SweepResult) -> None:
    console.rule(f"[bold]sweep[/] {r.scenario} — state {r.state}, {r.draws:,} draws per point, "
                 f"seed {r.seed}")
    names = [a.name for a in r.axes]
    t = Table(title=f"{len(r.table)} grid points (same seed: common random numbers)",
              title_justify="left")
    for col in (*names, "mean cov.", "5 %", "median", "95 %", "essential", "P(ess. met)"):
        t.add_column(col, justify="right")
    for _, row in r.table.iterrows():
        t.add_row(*(str(row[n]) if isinstance(row[n], str) else f"{row[n]:g}" for n in names),
                  fmt_pct(row["mean_coverage"]), fmt_pct(row["q05"]), fmt_pct(row["median"]),
                  fmt_pct(row["q95"]), fmt_pct(row["mean_essential"]),
                  f"{row['p_essential_met']:.1%}")
    console.print(t)
    console.print(f"{r.seconds:.2f} s", highlight=False)
