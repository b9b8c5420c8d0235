"""Benchmark of the robustness kernel (docs/robust.md), against per-draw HiGHS LPs in the same run.

    python bench/stress.py [--draws 1000000] [--lp-draws 200] [--large-draws 2000]
                           [--large-lp-draws 10] [--skip-large] [--repeat 3]

Prints, in one run (every timing the best of `--repeat`, kernel and LPs alike):
- draws per second of `willing.stress` on the packaged scenario (1,000,000 draws, whole run:
  compile, sampling, kernel, statistics), in-process and on 2 local processes;
- the same draws solved one by one as HiGHS LPs (the transport problem, one LP per draw with
  lexicographic tier weights), two ways: *warm* — one HiGHS instance reused, only the pledge
  rows' bounds change between draws (the strongest per-draw baseline); *cold* — the LP built
  and solved for each draw with scipy.optimize.linprog(method="highs"). A sample of draws,
  timed and scaled to the whole run, with the check that LP and kernel agree on every one;
- the same for the largest synthetic scenario of `bench/forcegen.py` (60 nations × 5,000
  pledges × 500 requirements × 4 states);
- peak memory (tracemalloc) of a stress run of 524,288 and of 4,194,304 draws: flat in the
  number of draws, because draws are processed in chunks.
"""

from __future__ import annotations

import argparse
import tracemalloc

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

import willing
from timing import best
from willing.robust.draws import Assumptions, sample
from willing.robust.kernel import Transport
from willing.robust.stress import stress_model, transport
from willing.scenario.scenario import Scenario
from willing.synthetic import SIZES, synthetic_scenario


class PerDrawLp:
    """The transport problem of one draw as a HiGHS LP, rebuilt only in its row bounds."""

    def __init__(self, tp: Transport) -> None:
        use = tp.compatible & (tp.supply > 0)[:, None] & (tp.demand > 0)[None, :]
        self.p, self.j = np.nonzero(use)
        self.tp = tp
        n_t = tp.n_tiers
        weight = (float(tp.demand.sum()) + 1.0) ** (n_t - 1 - tp.tier[self.j])
        self.pledges = np.unique(self.p)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        n = len(self.p)
        h.addVars(n, np.zeros(n), np.full(n, highspy.kHighsInf))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), -weight)
        row_of_p = np.searchsorted(self.pledges, self.p)
        self._rows(h, row_of_p, np.zeros(len(self.pledges)),
                   tp.supply[self.pledges].astype(float))
        used_j = np.unique(self.j)
        self._rows(h, np.searchsorted(used_j, self.j), np.zeros(len(used_j)),
                   tp.demand[used_j].astype(float))
        self.h = h

    @staticmethod
    def _rows(h: highspy.Highs, row: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        order = np.argsort(row, kind="stable")
        starts = np.searchsorted(row[order], np.arange(len(lo))).astype(np.int32)
        h.addRows(len(lo), np.full(len(lo), -highspy.kHighsInf), hi, len(order), starts,
                  order.astype(np.int32), np.ones(len(order)))

    def solve_cold(self, alive: np.ndarray) -> np.ndarray:
        """The same LP built from nothing for the draw (scipy.optimize.linprog, HiGHS)."""
        tp = self.tp
        keep = alive[self.p]
        p, j = self.p[keep], self.j[keep]
        out = np.zeros(tp.n_tiers)
        if len(p):
            cols = np.arange(len(p))
            a = sp.csr_matrix((np.ones(2 * len(p)), (np.concatenate([p, len(alive) + j]),
                                                      np.concatenate([cols, cols]))),
                              shape=(len(alive) + len(tp.demand), len(p)))
            weight = (float(tp.demand.sum()) + 1.0) ** (tp.n_tiers - 1 - tp.tier[j])
            res = linprog(-weight, A_ub=a, b_ub=np.concatenate([tp.supply, tp.demand]),
                          bounds=(0, None), method="highs")
            out = np.bincount(tp.tier[j], weights=res.x, minlength=tp.n_tiers)
        return np.cumsum(out)

    def solve(self, alive: np.ndarray) -> np.ndarray:
        """Filled units of the tiers 0..k (cumulative) for one draw's surviving pledges."""
        upper = self.tp.supply[self.pledges] * alive[self.pledges]
        idx = np.arange(len(self.pledges), dtype=np.int32)
        self.h.changeRowsBounds(len(idx), idx, np.full(len(idx), -highspy.kHighsInf),
                                upper.astype(float))
        self.h.run()
        x = np.asarray(self.h.getSolution().col_value)
        by_tier = np.bincount(self.tp.tier[self.j], weights=x, minlength=self.tp.n_tiers)
        return np.cumsum(by_tier)


def kernel_vs_lp(name: str, sc: Scenario, draws: int, lp_draws: int, workers: bool,
                 repeat: int) -> None:
    state = sc.default_state
    t_compile = best(lambda: stress_model(sc, state, Assumptions.of(sc), draws), repeat)[0]
    r = willing.stress(sc, draws=draws, seed=1)
    t_kernel = best(lambda: willing.stress(sc, draws=draws, seed=1), repeat)[0]
    print(f"\n== {name}: {len(sc.spec.nations)} nations, {len(sc.pledges)} pledges, "
          f"{r.summary['units_required']} units required in state {state}")
    print(f"kernel: {r.summary['pieces']} pieces, {r.summary['cuts']} enumerated cuts, "
          f"{r.summary['fallback_pieces']} max-flow fallbacks")
    print(f"willing.stress, {draws:,} draws in-process: {t_kernel:.2f} s "
          f"({draws / t_kernel:,.0f} draws/s; mean coverage {r.summary['mean_coverage']:.2%}); "
          f"of which compiling the state {t_compile:.2f} s, so "
          f"{draws / max(t_kernel - t_compile, 1e-9):,.0f} draws/s once compiled")
    if workers:
        r2 = willing.stress(sc, draws=draws, seed=1, workers=2)
        t_pool = best(lambda: willing.stress(sc, draws=draws, seed=1, workers=2), repeat)[0]
        same = r2.summary == r.summary
        print(f"willing.stress, {draws:,} draws on 2 processes: {t_pool:.2f} s "
              f"({draws / t_pool:,.0f} draws/s; same numbers as in-process: {same})")

    model, _ = stress_model(sc, state, Assumptions.of(sc))
    tp, _ = transport(sc, state)
    d = sample(model.draws, np.random.default_rng(99), lp_draws)
    alive = d.avail[:, model.draws.pledge_key] > 0
    want = model.kernel.tier_flows(model.kernel.evaluate(d.avail).flows)
    per_kernel = t_kernel / draws
    lp = PerDrawLp(tp)
    for name, solve in (("warm: one HiGHS instance, row bounds changed per draw", lp.solve),
                        ("cold: built and solved per draw, scipy linprog/HiGHS", lp.solve_cold)):
        got = np.array([solve(a) for a in alive]).T
        t_lp = best(lambda s=solve: [s(a) for a in alive], repeat)[0] / lp_draws
        agree = bool(np.all(np.abs(got - want) <= 1e-6))
        print(f"per-draw LP ({name}; {len(lp.p):,} columns): {t_lp * 1e3:.2f} ms per draw on "
              f"{lp_draws} sampled draws ⇒ {t_lp * draws:,.0f} s for {draws:,} draws; agrees "
              f"with the kernel on every sampled draw: {agree}; ratio LP / kernel "
              f"{t_lp / per_kernel:,.0f} × (whole run), "
              f"{t_lp * draws / max(t_kernel - t_compile, 1e-9):,.0f} × (once compiled)")


def peak_memory(sc: Scenario) -> None:
    print("\n== peak memory of willing.stress (tracemalloc, packaged scenario)")
    peaks = []
    for n in (1 << 19, 1 << 22):
        tracemalloc.start()
        willing.stress(sc, draws=n, seed=1)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        print(f"{n:>10,} draws: peak {peaks[-1] / 2**20:,.1f} MiB")
    print(f"ratio peak(4,194,304) / peak(524,288) = {peaks[1] / peaks[0]:.2f} "
          "(8× the draws; flat means the chunks bound memory)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--lp-draws", type=int, default=200)
    ap.add_argument("--large-draws", type=int, default=2000)
    ap.add_argument("--large-lp-draws", type=int, default=10)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="best of N timings (kernel and LPs)")
    args = ap.parse_args()
    sc = willing.load_scenario()
    kernel_vs_lp("packaged ukraine-2025", sc, args.draws, args.lp_draws, workers=True,
                 repeat=args.repeat)
    if not args.skip_large:
        big = synthetic_scenario(**SIZES["large"], seed=0)
        kernel_vs_lp("synthetic large (bench/forcegen.py)", big, args.large_draws,
                     args.large_lp_draws, workers=False, repeat=args.repeat)
    peak_memory(sc)


if __name__ == "__main__":
    main()
