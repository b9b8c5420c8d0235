"""`stress()`: how likely the plan is to hold when members may not show up.

Each draw decides who shows up (`draws.py`); the exact kernel (`kernel.py`) says how much of
the statement of requirements the surviving pledges can cover. Chunks of draws reduce to
integer counts (histograms of filled units by the drawn global variables, how often each
requirement is short, ...), which merge exactly in any order and on any machine.

The transport problem: a pledge keeps `floor(count / rotation)` units deployed on enduring
requirements (the rule of three: one deployed needs `rotation` in the pool) and its whole
`count` on surge ones. This is exactly the MILP's capacity row `Σ_j a[p,j]·x[p,j] ≤ count[p]`
when the pledge serves only one kind of requirement — the packaged scenario has only enduring
requirements. A pledge compatible with both kinds is given `floor(count / rotation)` for all
of them: a conservative rule (every flow it allows is feasible for the MILP, which may do
slightly better by spending the spare pool units on surge requirements).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from willing import coverage, sizing
from willing.forcegen.arrays import (
    FloatArray,
    IntArray,
    masks,
    pledge_arrays,
    requirement_arrays,
    valid_in_state,
)
from willing.results import Field, Result, Table
from willing.robust.attendance import full_attendance
from willing.robust.distributed import CHUNK, Progress, chunks, execute
from willing.robust.draws import GLOBALS, Assumptions, DrawModel, Draws, draw_model, sample
from willing.robust.kernel import Kernel, Transport, compile_kernel
from willing.scenario.model import PRIORITY_ORDER
from willing.scenario.scenario import Scenario

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
CURVE = tuple(i / 20 for i in range(21))
"""The coverage levels x of the exceedance curve P(coverage ≥ x)."""
BINS = 1000
"""Personnel and weighted coverage are counted in bins of 1/BINS (exact at multiples of it)."""


def transport(scenario: Scenario, state: str) -> tuple[Transport, list[sizing.Requirement]]:
    """The transport problem of a state, over force generation's compatibility masks."""
    if state not in scenario.spec.states:
        raise ValueError(f"unknown state '{state}'; valid: {', '.join(scenario.states)}")
    reqs = sizing.for_state(sizing.derive(scenario), state)
    pa = pledge_arrays(scenario)
    ra = requirement_arrays(scenario, reqs)
    compat = masks(scenario, pa, ra, state).all & valid_in_state(scenario, state)[:, None]
    per_rotation = np.floor(pa.count / pa.rotation + 1e-9).astype(np.int64)
    serves_enduring = (compat & ra.enduring[None, :]).any(axis=1)
    supply = np.where(serves_enduring, per_rotation, pa.count)
    return Transport(supply=supply, demand=ra.demand, tier=ra.priority, compatible=compat,
                     value=coverage.per_unit(scenario, reqs)), reqs


@dataclass(frozen=True)
class StressModel:
    """A state compiled for draws: the kernel and the draw model (picklable, small)."""

    kernel: Kernel
    draws: DrawModel
    value_required: FloatArray  # coverage.MEASURES: the value of every unit required


def stress_model(scenario: Scenario, state: str, assumptions: Assumptions,
                 draws: int | None = None) -> tuple[StressModel, list[sizing.Requirement]]:
    """Compile a state for `draws` draws (None: as many as it takes to tabulate)."""
    tp, reqs = transport(scenario, state)
    dm = draw_model(scenario, state, assumptions)
    return StressModel(compile_kernel(tp, dm.pledge_key, dm.n_keys, draws=draws), dm,
                       tp.value_required), reqs


@dataclass
class ChunkStats:
    """What a chunk of draws reduces to: integer counts that add up exactly."""

    draws: int
    total: IntArray  # global-variable code × filled units (all tiers)
    essential: IntArray  # global-variable code × filled essential units
    short: IntArray  # per requirement: draws in which it is short
    piece_unmet: IntArray  # per piece: unmet units summed over draws
    piece_short: IntArray  # per piece: draws with unmet units
    present: IntArray  # per nation: draws in which it takes part
    measures: IntArray  # coverage.MEASURES × (BINS + 1): draws by coverage bin in each measure
    measure_sum: FloatArray  # coverage.MEASURES: value filled, summed over draws

    def __add__(self, other: ChunkStats) -> ChunkStats:
        return ChunkStats(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[Any, ...]:
        return (self.draws, self.total, self.essential, self.short, self.piece_unmet,
                self.piece_short, self.present, self.measures, self.measure_sum)


def run_chunk(model: StressModel, seed: np.random.SeedSequence, n: int) -> ChunkStats:
    """Draw `n` coalitions from `seed` and count what they cover."""
    d = sample(model.draws, np.random.Generator(np.random.PCG64(seed)), n)
    red = model.kernel.reduce(d.avail)
    total, essential = histograms(model.kernel, d, red.filled)
    return ChunkStats(
        draws=n, total=total, essential=essential,
        short=red.short, piece_unmet=red.piece_unmet, piece_short=red.piece_short,
        present=d.present.sum(axis=0).astype(np.int64),
        measures=np.stack([np.bincount(_bin(v, t), minlength=BINS + 1)
                           for v, t in zip(red.value, model.value_required, strict=True)]
                          ).astype(np.int64).reshape(len(coverage.MEASURES), BINS + 1),
        measure_sum=red.value.sum(axis=1),
    )


def histograms(k: Kernel, d: Draws, filled: np.ndarray) -> tuple[IntArray, IntArray]:
    """Draws by global-variable code and filled units, of all tiers and of essential ones."""
    n_codes = 1 << len(GLOBALS)
    units = filled.astype(np.int64)
    return (_hist2(d.code, units[-1], n_codes, int(k.tier_demand[-1])),
            _hist2(d.code, units[0], n_codes, int(k.tier_demand[0])))


def _bin(value: FloatArray, required: float) -> IntArray:
    """The coverage bin of each value: floor(BINS · value / required), BINS when none required."""
    if required <= 0:
        return np.full(len(value), BINS, dtype=np.int64)
    return np.clip(np.floor(value * BINS / required + 1e-9), 0, BINS).astype(np.int64)


def _hist2(code: IntArray, value: IntArray, n_codes: int, top: int) -> IntArray:
    return np.bincount(code * (top + 1) + value, minlength=n_codes * (top + 1)).reshape(
        n_codes, top + 1).astype(np.int64)


@dataclass
class StressResult(Result):
    """The coverage distribution of a plan under political uncertainty.

    Tables: `quantiles`, `distribution` (probability of each coverage level), `curve`
    (P(coverage ≥ x) for x from 0 to 1), `conditional` (by each drawn global variable),
    `requirements` (how often each is met, least often first), `groups` (unmet units per
    capability group and tier), `nations` (how often each takes part); `full_attendance`
    names the essential requirements short even when every nation shows up.
    """

    scenario: str
    state: str
    draws: int
    seed: int
    assumptions: Assumptions
    summary: dict[str, Any]
    quantiles: pd.DataFrame
    distribution: pd.DataFrame
    curve: pd.DataFrame
    conditional: pd.DataFrame
    requirements: pd.DataFrame
    groups: pd.DataFrame
    nations: pd.DataFrame
    attendance: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    stats: ChunkStats | None = field(default=None, repr=False)

    def assumption_values(self) -> dict[str, Any]:
        """The probabilities drawn from, and each nation's willingness."""
        a = self.assumptions
        return ({name: getattr(a, name) for name, _ in GLOBALS}
                | {"correlation": a.correlation,
                   "willingness": dict(zip(a.nations, a.willingness, strict=True))})

    PARTS = (
        Field("summary", lambda r: {**r.summary, "seconds": round(r.seconds, 3)}),
        Field("assumptions", lambda r: r.assumption_values(), keyed=("willingness",)),
        Table("quantiles", title="Coverage quantiles"),
        Table("distribution"),
        Table("curve", title="P(coverage ≥ x)"),
        Field("full_attendance", lambda r: r.attendance),
        Table("conditional", title="Conditional"),
        Table("requirements", title="Requirements by how often they are met"),
        Table("groups"),
        Table("nations", nation="nation"),
    )

    def heading(self) -> str:
        s = self.summary
        return (f"<h3>willing stress — {html.escape(self.scenario)}, state {self.state}, "
                f"{self.draws:,} draws</h3><p>mean coverage {s['mean_coverage']:.1%} · essential "
                f"{s['mean_essential']:.1%} · personnel {s['mean_personnel']:.1%} · "
                f"P(every essential requirement met) {s['p_essential_met']:.1%}</p><p>"
                f"{html.escape(self.attendance.get('statement', ''))}</p>")


def stress(scenario: Scenario, state: str | None = None, *, draws: int = 1_000_000, seed: int = 1,
           workers: int | None = None, scheduler: str | None = None,
           progress: Progress | None = None, assumptions: Assumptions | None = None,
           chunk: int = CHUNK, **values: float) -> StressResult:
    """Monte Carlo over who shows up; `values` override assumptions (e.g. `us_backstop=0.9`).

    Same seed (and chunk size), same numbers: in-process, on `workers` local processes or on
    the Dask cluster at `scheduler` (`tcp://host:8786`).
    """
    t0 = time.perf_counter()
    state = state or scenario.default_state
    a = (assumptions or Assumptions.of(scenario)).with_values(**values)
    seeds = chunks(draws, seed, chunk)  # checks draws and seed before any work
    model, reqs = stress_model(scenario, state, a, draws)
    parts = execute(run_chunk, [(model, s, n) for s, n in seeds], workers=workers,
                    scheduler=scheduler, progress=progress)
    return summarise(scenario, state, seed, a, model, reqs, parts, time.perf_counter() - t0)


def summarise(scenario: Scenario, state: str, seed: int, a: Assumptions, model: StressModel,
              reqs: list[sizing.Requirement], parts: list[ChunkStats], seconds: float) -> StressResult:
    stats = parts[0]
    for p in parts[1:]:
        stats = stats + p
    k = model.kernel
    summary = headline(scenario, state, seed, k, stats.total, stats.essential,
                       model.value_required, reqs, stats.measure_sum)
    n = stats.draws
    tot, ess = stats.total.sum(axis=0), stats.essential.sum(axis=0)
    d_all, d_ess = int(k.tier_demand[-1]), int(k.tier_demand[0])
    share_all, share_ess = _shares(d_all), _shares(d_ess)
    shown = _shown(reqs)
    quant = pd.DataFrame({"quantile": QUANTILES,
                          "coverage": [share_all[_quantile(tot, q)] for q in QUANTILES],
                          "essential": [share_ess[_quantile(ess, q)] for q in QUANTILES],
                          **{m: [_quantile(stats.measures[i], q) / BINS for q in QUANTILES]
                             for i, m in shown}})
    dist = pd.DataFrame({"measure": ["all"] * len(tot) + ["essential"] * len(ess),
                         "units_filled": np.concatenate([np.arange(len(tot)), np.arange(len(ess))]),
                         "coverage": np.concatenate([share_all, share_ess]),
                         "probability": np.concatenate([tot, ess]) / n})
    dist = dist[dist["probability"] > 0].reset_index(drop=True)
    return StressResult(
        scenario=scenario.name, state=state, draws=n, seed=seed, assumptions=a, summary=summary,
        quantiles=quant, distribution=dist, curve=_curve(stats, d_all, d_ess, shown),
        conditional=_conditional(stats, share_all, share_ess),
        requirements=_requirements(reqs, stats), groups=_groups(k, reqs, stats),
        nations=_nations(scenario, a, stats), attendance=full_attendance(scenario, state, k, reqs),
        seconds=seconds, stats=stats)


def _shown(reqs: list[sizing.Requirement]) -> list[tuple[int, str]]:
    """The measures reported (index in coverage.MEASURES, name): personnel always, weighted
    only when some weight differs from 1 (otherwise it is the units measure)."""
    return [(i, m) for i, m in enumerate(coverage.MEASURES)
            if m != "weighted" or coverage.weighted(reqs)]


def _means(value_required: FloatArray, reqs: list[sizing.Requirement], measure_sum: FloatArray,
          draws: int) -> dict[str, float]:
    """Mean coverage in each reported measure besides units, from the value filled summed over
    `draws` draws (`measure_sum`, one per measure of coverage.MEASURES)."""
    return {f"mean_{m}": float(measure_sum[i] / draws / value_required[i])
            if value_required[i] > 0 else 1.0 for i, m in _shown(reqs)}


def _curve(stats: ChunkStats, d_all: int, d_ess: int, shown: list[tuple[int, str]]
           ) -> pd.DataFrame:
    """P(coverage ≥ x) at each x of CURVE: essential and all units, and each measure."""
    x = np.array(CURVE)

    def units(hist: IntArray, demand: int) -> FloatArray:
        if not demand:
            return np.ones(len(x))
        tail = np.cumsum(hist[::-1])[::-1] / stats.draws  # P(units filled ≥ u)
        return tail[np.ceil(x * demand - 1e-9).astype(np.int64)]

    def binned(hist: IntArray) -> FloatArray:
        tail = np.cumsum(hist[::-1])[::-1] / stats.draws
        return tail[np.rint(x * BINS).astype(np.int64)]

    return pd.DataFrame({"x": x, "essential": units(stats.essential.sum(axis=0), d_ess),
                         "coverage": units(stats.total.sum(axis=0), d_all),
                         **{m: binned(stats.measures[i]) for i, m in shown}})


def headline(scenario: Scenario, state: str, seed: int, k: Kernel, total: IntArray,
             essential: IntArray, value_required: FloatArray, reqs: list[sizing.Requirement],
             measure_sum: FloatArray) -> dict[str, Any]:
    """The summary of a stress run from its histograms (`histograms`, summed over chunks) and
    the value filled in each coverage measure, summed over the draws (`measure_sum`)."""
    d_all, d_ess = int(k.tier_demand[-1]), int(k.tier_demand[0])
    tot, ess = total.sum(axis=0), essential.sum(axis=0)
    n = int(tot.sum())
    return {
        "scenario": scenario.name, "force_option": scenario.force_option, "state": state,
        "draws": n, "seed": seed, "units_required": d_all, "essential_units_required": d_ess,
        "mean_coverage": float(tot @ _shares(d_all) / n),
        "mean_essential": float(ess @ _shares(d_ess) / n),
        **_means(value_required, reqs, measure_sum, n),
        "p_essential_met": float(ess[-1] / n), "p_all_met": float(tot[-1] / n),
        "cuts": k.n_cuts, "pieces": k.n_pieces, "fallback_pieces": len(k.fallbacks),
    }


def _shares(demand: int) -> np.ndarray:
    """The coverage of each count of filled units, 0..demand."""
    return np.arange(demand + 1) / demand if demand else np.ones(1)


def _quantile(hist: IntArray, q: float) -> int:
    """Inverted-CDF quantile of a histogram: the least value with P(X ≤ x) ≥ q."""
    cdf = np.cumsum(hist)
    return int(np.searchsorted(cdf, q * cdf[-1] - 1e-9 * cdf[-1]))


def _conditional(stats: ChunkStats, share_all: np.ndarray, share_ess: np.ndarray) -> pd.DataFrame:
    codes = np.arange(stats.total.shape[0])
    rows = []
    for g, (name, cond) in enumerate(GLOBALS):
        for value in (True, False):
            sel = ((codes >> g) & 1) == int(value)
            tot, ess = stats.total[sel].sum(axis=0), stats.essential[sel].sum(axis=0)
            m = int(tot.sum())
            rows.append({"variable": name, "condition": cond, "value": value,
                         "probability": m / stats.draws,
                         "mean_coverage": float(tot @ share_all / m) if m else np.nan,
                         "mean_essential": float(ess @ share_ess / m) if m else np.nan,
                         "p_essential_met": float(ess[-1] / m) if m else np.nan})
    return pd.DataFrame(rows)


def _requirements(reqs: list[sizing.Requirement], stats: ChunkStats) -> pd.DataFrame:
    df = pd.DataFrame({
        "requirement": [r.id for r in reqs], "mission_line": [r.mission_line for r in reqs],
        "capability": [r.capability for r in reqs], "region": [r.region for r in reqs],
        "priority": [str(r.priority) for r in reqs], "units": [r.count for r in reqs],
        "p_met": 1.0 - stats.short / stats.draws, "p_short": stats.short / stats.draws})
    return df.sort_values(["p_met", "priority"], ascending=[True, True],
                          key=lambda s: s.map({str(p): i for i, p in enumerate(PRIORITY_ORDER)})
                          if s.name == "priority" else s, kind="stable").reset_index(drop=True)


def _groups(k: Kernel, reqs: list[sizing.Requirement], stats: ChunkStats) -> pd.DataFrame:
    caps: dict[int, list[str]] = {}
    for j, g in enumerate(k.requirement_group.tolist()):
        caps.setdefault(g, [])
        if reqs[j].capability not in caps[g]:
            caps[g].append(reqs[j].capability)
    tiers = [str(p) for p in PRIORITY_ORDER]
    df = pd.DataFrame({
        "group": k.piece_group, "capabilities": [",".join(caps[g]) for g in k.piece_group.tolist()],
        "tiers": ["..".join(dict.fromkeys([tiers[0], tiers[t]])) for t in k.piece_tier.tolist()],
        "units_required": k.piece_demand, "mean_unmet": stats.piece_unmet / stats.draws,
        "p_unmet": stats.piece_short / stats.draws})[k.closes_tier]  # a tier's whole pieces
    return df.sort_values(["p_unmet", "mean_unmet"], ascending=False, kind="stable").reset_index(
        drop=True)


def _nations(scenario: Scenario, a: Assumptions, stats: ChunkStats) -> pd.DataFrame:
    return pd.DataFrame({"nation": list(a.nations),
                         "tier": [str(n.tier) for n in scenario.spec.nations.values()],
                         "willingness": list(a.willingness),
                         "takes_part": stats.present / stats.draws})
