"""Benchmark force generation: willing (sparse arrays + HiGHS) against PuLP + CBC.

For three synthetic sizes (`willing.synthetic.SIZES`, the largest 60 nations × 5,000 pledges
× 500 requirements × 4 states) it prints, for willing over every state: model-build seconds,
solve seconds and the worst optimality gap; then, on the default state alone, willing's
end-to-end seconds (`plan()`: sizing, arrays, build, staged solve, read-back) against the
same lexicographic model (same rows, same stages) built through PuLP and solved with CBC,
end to end (willing's arrays and matrix, then PuLP objects, then CBC per stage). PuLP gets
`--pulp-limit` seconds in all; when it runs out the time is printed as "> N s".

Per size, it also times naming the rows and columns of the default state's model (done only
when a model file is written) against building it. Last, `willing plan` is timed as a whole
command (a subprocess, imports included).

    python bench/forcegen.py [--sizes small,medium,large] [--time-limit 30] [--pulp-limit 120]
                              [--open-fair-share]
"""

from __future__ import annotations

import argparse
import subprocess
import time
from dataclasses import dataclass

import numpy as np
import pulp
import scipy.sparse as sp

import willing
from willing.forcegen.blocks import in_stage
from willing.forcegen.model import transport_columns
from willing.forcegen.plan import build_model
from willing.forcegen.solve import unmet_tiers
from willing.scenario import Scenario
from willing.synthetic import SIZES, synthetic_scenario


@dataclass
class PulpRun:
    seconds: float
    timed_out: bool
    unmet_by_tier: list[float]


def _rows(prob: pulp.LpProblem, v: list[pulp.LpVariable], a: sp.csr_matrix, lo: np.ndarray,
          hi: np.ndarray, tag: str) -> None:
    for i in range(a.shape[0]):
        s, e = a.indptr[i], a.indptr[i + 1]
        expr = pulp.LpAffineExpression(zip([v[k] for k in a.indices[s:e]], a.data[s:e], strict=True))
        if lo[i] == hi[i]:
            prob += (expr == float(lo[i])), f"{tag}{i}e"
            continue
        if np.isfinite(lo[i]):
            prob += (expr >= float(lo[i])), f"{tag}{i}l"
        if np.isfinite(hi[i]):
            prob += (expr <= float(hi[i])), f"{tag}{i}u"


def _solve(prob: pulp.LpProblem, deadline: float) -> bool:
    """One CBC stage; True if it hit the time limit."""
    left = deadline - time.perf_counter()
    if left <= 0:
        return True
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=max(int(left), 1), gapRel=1e-3))
    # CBC stopped by its time limit still reports status "Optimal" with a feasible solution;
    # only sol_status tells a proven optimum (1) from an incumbent (2)
    return time.perf_counter() >= deadline - 0.5 or prob.sol_status != pulp.LpSolutionOptimal


def pulp_plan(sc: Scenario, state: str, limit: float) -> PulpRun:
    """The lexicographic stages of `willing.forcegen.solve`, built and solved through PuLP+CBC."""
    t0 = time.perf_counter()
    deadline = t0 + limit
    built = build_model(sc, state)  # the same model `plan()` builds
    fm, ra = built.fm, built.ra
    m, c = fm.milp, fm.cols
    a = m.a.tocsr()
    tiers, _ = unmet_tiers(fm, ra)

    def variables(n: int, tag: str) -> list[pulp.LpVariable]:
        return [pulp.LpVariable(f"{tag}{k}", float(m.col_lo[k]),
                                float(m.col_hi[k]) if np.isfinite(m.col_hi[k]) else None,
                                pulp.LpInteger if m.integer[k] else pulp.LpContinuous)
                for k in range(n)]

    # stage 1: transport rows, x and u columns
    n1 = transport_columns(fm)
    u = c.columns("u")
    v1 = variables(n1, "t")
    p1 = pulp.LpProblem("transport", pulp.LpMinimize)
    keep = m.rows(*in_stage("unmet"))
    _rows(p1, v1, a[keep][:, :n1].tocsr(), m.row_lo[keep], m.row_hi[keep], "r")
    timed_out, best = False, []
    for i, tier in enumerate(tiers):
        p1.setObjective(pulp.lpSum(v1[k] for k in u[tier]))
        timed_out |= _solve(p1, deadline)
        best.append(float(round(pulp.value(p1.objective) or 0.0)))
        p1 += pulp.lpSum(v1[k] for k in u[tier]) <= best[-1] + 0.5, f"tier{i}"

    # stage 2a and 2b: the whole model
    v = variables(c.total, "v")
    p2 = pulp.LpProblem("force", pulp.LpMinimize)
    _rows(p2, v, a, m.row_lo, m.row_hi, "r")
    for i, tier in enumerate(tiers):
        p2 += pulp.lpSum(v[k] for k in u[tier]) <= best[i] + 0.5, f"tier{i}"
    w = fm.weights["nations"]
    count = pulp.LpAffineExpression([(v[k], float(w[k])) for k in np.nonzero(w)[0]])
    p2.setObjective(count)
    timed_out |= _solve(p2, deadline)
    p2 += count <= float(round(pulp.value(count) or 0.0)) + 0.5, "nations"
    wb = fm.weights["balance"]
    p2.setObjective(pulp.LpAffineExpression([(v[k], float(wb[k])) for k in np.nonzero(wb)[0]]))
    timed_out |= _solve(p2, deadline)
    return PulpRun(time.perf_counter() - t0, timed_out, best)


def _names_cost(sc: Scenario, repeat: int = 5) -> str:
    """What naming every row and column costs (`ForceModel.col_names`, `row_names`: made only
    when a model file is written) against building the model, default state, best of
    `repeat`."""
    build, names = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        fm = build_model(sc, sc.default_state).fm
        t1 = time.perf_counter()
        count = len(fm.col_names) + len(fm.row_names)
        build.append(t1 - t)
        names.append(time.perf_counter() - t1)
    return (f"names of {count:,} rows and columns: {min(names):.3f} s; build_model "
            f"{min(build):.3f} s (best of {repeat})")


def _command_seconds() -> float:
    t = time.perf_counter()
    subprocess.run(["willing", "--no-store", "plan"], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="small,medium,large")
    ap.add_argument("--time-limit", type=float, default=30.0, help="willing, per state (s)")
    ap.add_argument("--pulp-limit", type=float, default=120.0, help="PuLP+CBC, in all (s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--open-fair-share", action="store_true",
                    help="then fair share with participation free, in the time left (fair-share-open)")
    args = ap.parse_args()

    print(f"{'size':<8}{'instance':>22}{'build s':>9}{'solve s':>9}{'worst gap':>11}"
          f"{'willing s':>11}{'PuLP+CBC s':>15}{'ratio':>8}  unmet per tier (willing / PuLP)")
    for name in args.sizes.split(","):
        kw = SIZES[name]
        sc = synthetic_scenario(**kw, seed=args.seed)
        shape = f"{kw['nations']}×{kw['pledges']}×{kw['requirements']}×{kw['states']}"
        results = {s: willing.plan(sc, s, time_limit=args.time_limit,
                                   open_fair_share=args.open_fair_share) for s in sc.states}
        build_s = sum(r.solver.build_seconds for r in results.values())
        solve_s = sum(r.solver.solve_seconds for r in results.values())
        gap = max(r.solver.mip_gap for r in results.values())
        own = results[sc.default_state]
        pl = pulp_plan(sc, sc.default_state, args.pulp_limit)
        # CBC out of time: its time is at least the limit; stopped early without a proof (a
        # stage it could not solve): no ratio
        out_of_time = pl.timed_out and pl.seconds >= args.pulp_limit - 1.0
        shown = (f"> {args.pulp_limit:.0f}" if out_of_time else
                 f"{pl.seconds:.2f}" + (" unproven" if pl.timed_out else ""))
        ratio = ("–" if pl.timed_out and not out_of_time else
                 ("≥ " if out_of_time else "") + f"{max(pl.seconds, 0.0) / own.seconds:.1f}×")
        print(f"{name:<8}{shape:>22}{build_s:>9.2f}{solve_s:>9.2f}{gap:>11.3%}{own.seconds:>11.2f}"
              f"{shown:>15}{ratio:>8}  "
              f"{own.solver.unmet_by_tier} / {pl.unmet_by_tier}")
        for s, r in results.items():
            stages = ", ".join(f"{st.name} {st.status} {st.seconds:.2f} s gap {st.mip_gap:.2%}"
                               + (f" obj {st.objective:.4f}" if st.name.startswith("fair") else "")
                               for st in r.solver.stages)
            print(f"    {s:<14} {stages}")
        print(f"    {_names_cost(sc)}")
    runs = [_command_seconds() for _ in range(3)]
    print(f"`willing plan` (packaged scenario, whole command incl. imports): "
          f"best {min(runs):.2f} s, median {sorted(runs)[1]:.2f} s of 3")


if __name__ == "__main__":
    main()
