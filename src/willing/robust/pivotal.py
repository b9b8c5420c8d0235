"""Pivotal nations: Shapley and Banzhaf values of the coverage game (DESIGN §8).

The game: the players are the scenario's nations; the value of a coalition S is the share of
the statement of requirements (or of its essential part) that the pledges of S can cover in
the state, with every drawn condition holding as the state assumes — the exact max-flow of
`kernel.py`. Coalitions are evaluated in large batches, so thousands of sampled permutations
cost a few matrix products.

- Shapley value: the mean marginal contribution of a nation when the coalition forms in a
  uniformly random order (permutation sampling; the values of each sampled order add up to
  v(all) − v(none) exactly, so the estimates do too).
- Banzhaf value: the mean marginal contribution over coalitions of the others drawn uniformly
  (each nation in or out with probability ½).

Each estimate comes with its standard error (sample standard deviation / √samples).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from willing.forcegen.arrays import BoolArray, FloatArray
from willing.results import Field, Result, Table
from willing.robust.distributed import Progress
from willing.robust.draws import GLOBALS, Assumptions, availability
from willing.robust.stress import StressModel, stress_model
from willing.scenario.scenario import Scenario

BATCH_ROWS = 1 << 15
"""Coalitions evaluated per kernel call."""


@dataclass
class PivotalResult(Result):
    """Shapley and Banzhaf values per nation, ranked by Shapley value."""

    scenario: str
    state: str
    measure: str  # "coverage" or "essential"
    permutations: int
    samples: int
    seed: int
    grand: float  # v(all nations)
    empty: float  # v(no nation)
    nations: pd.DataFrame
    seconds: float = 0.0

    PARTS = (
        Field("summary", lambda r: {
            "scenario": r.scenario, "state": r.state, "measure": r.measure,
            "permutations": r.permutations, "samples": r.samples, "seed": r.seed,
            "grand": r.grand, "empty": r.empty, "seconds": round(r.seconds, 3)}),
        Table("nations", nation="nation", title="Nations"),
    )

    def heading(self) -> str:
        return (f"<h3>willing pivotal — {html.escape(self.scenario)}, state {self.state} "
                f"({self.measure})</h3><p>v(all) = {self.grand:.1%}, {self.permutations:,} "
                f"permutations, {self.samples:,} Banzhaf samples</p>")


class CoverageGame:
    """v(S) for batches of coalitions (rows of a boolean coalitions × nations matrix)."""

    def __init__(self, model: StressModel, essential: bool) -> None:
        self.model = model
        self.row = 0 if essential else -1
        self.demand = float(model.kernel.tier_demand[self.row])

    def __call__(self, coalitions: BoolArray) -> FloatArray:
        n = coalitions.shape[0]
        out = np.empty(n)
        every = np.ones((min(n, BATCH_ROWS), len(GLOBALS)), dtype=bool)
        for lo in range(0, n, BATCH_ROWS):
            c = coalitions[lo:lo + BATCH_ROWS]
            avail = availability(self.model.draws, c, every[:len(c)])
            filled = self.model.kernel.reduce(avail).filled[self.row]
            out[lo:lo + len(c)] = filled / self.demand if self.demand else 1.0
        return out


def pivotal(scenario: Scenario, state: str | None = None, *, permutations: int = 2000,
            samples: int = 2000, seed: int = 1, essential: bool = False,
            progress: Progress | None = None) -> PivotalResult:
    """Who the coalition cannot do without: Shapley and Banzhaf values with standard errors."""
    for name, v in (("permutations", permutations), ("samples", samples)):
        if not isinstance(v, int) or v < 2:
            raise ValueError(f"{name} must be a whole number ≥ 2 (for a standard error), got {v!r}")
    t0 = time.perf_counter()
    state = state or scenario.default_state
    n = len(scenario.spec.nations)
    model, _ = stress_model(scenario, state, Assumptions.of(scenario),
                            draws=(permutations + samples) * (n + 1))
    game = CoverageGame(model, essential)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    tick = progress or (lambda done, total: None)
    shap = shapley_samples(game, n, permutations, rng)
    tick(1, 2)
    banz = banzhaf_samples(game, n, samples, rng)
    tick(2, 2)
    sc = scenario.spec
    df = pd.DataFrame({
        "nation": list(sc.nations), "tier": [str(x.tier) for x in sc.nations.values()],
        "shapley": shap.mean(axis=0), "shapley_se": shap.std(axis=0, ddof=1) / np.sqrt(permutations),
        "banzhaf": banz.mean(axis=0), "banzhaf_se": banz.std(axis=0, ddof=1) / np.sqrt(samples),
    })
    df = df.sort_values(["shapley", "banzhaf"], ascending=False, kind="stable").reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    ends = game(np.array([[True] * n, [False] * n]))
    return PivotalResult(scenario=scenario.name, state=state,
                         measure="essential" if essential else "coverage",
                         permutations=permutations, samples=samples, seed=seed,
                         grand=float(ends[0]), empty=float(ends[1]), nations=df,
                         seconds=time.perf_counter() - t0)


def shapley_samples(game: CoverageGame, n: int, m: int, rng: np.random.Generator) -> FloatArray:
    """Marginal contribution of each nation in each of `m` random orders (m × n)."""
    order = np.argsort(rng.random((m, n)), axis=1)
    rank = np.argsort(order, axis=1)  # position of each nation in its order
    prefix = np.arange(n + 1)
    # coalition t of order i: the nations placed before position t
    coalitions = rank[:, None, :] < prefix[None, :, None]  # m × (n+1) × n
    v = game(coalitions.reshape(-1, n)).reshape(m, n + 1)
    marginal = np.diff(v, axis=1)  # m × n, by position
    out = np.empty((m, n))
    np.put_along_axis(out, order, marginal, axis=1)
    return out


def banzhaf_samples(game: CoverageGame, n: int, m: int, rng: np.random.Generator) -> FloatArray:
    """v(S ∪ {i}) − v(S ∖ {i}) for `m` uniformly drawn coalitions S (m × n)."""
    base = rng.random((m, n)) < 0.5
    flips = np.repeat(base[:, None, :], n, axis=1)
    idx = np.arange(n)
    flips[:, idx, idx] = ~flips[:, idx, idx]
    v0 = game(base)
    v1 = game(flips.reshape(-1, n)).reshape(m, n)
    return np.where(base, v0[:, None] - v1, v1 - v0[:, None])
