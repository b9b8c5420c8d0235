"""Solving the force-generation MILP with HiGHS, lexicographically, in stages.

Stage 1 (one solve per priority tier, essential first) minimises the unmet units of that tier
on the transport part of the model alone (pledge capacity and demand), keeping the optimum of
the tiers before it. Stage 2 solves the whole model with every tier's optimum kept, minimising
structure: leaderless components first, then the number of nations per component, then the
deviation from fair shares, then cost (weights chosen so each term is worth less than one
unit of the term before it). The stage-1 allocation is handed to stage 2 as a starting
solution, so a time limit always leaves a feasible plan, reported with its optimality gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray, RequirementArrays
from willing.forcegen.model import ForceModel, Milp

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kTimeLimit: "time-limit",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kSolutionLimit: "solution-limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
}


@dataclass
class StageInfo:
    name: str
    status: str
    objective: float
    mip_gap: float
    seconds: float


@dataclass
class SolveInfo:
    """What the solver did: overall status, the final optimality gap and time per stage."""

    status: str
    mip_gap: float
    build_seconds: float
    solve_seconds: float
    stages: list[StageInfo] = field(default_factory=list)
    unmet_by_tier: list[float] = field(default_factory=list)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


def _highs(time_limit: float, mip_rel_gap: float) -> highspy._core._Highs:
    # The low-level class: `highspy.Highs()` prints a banner on stdout, which would corrupt
    # `--json` output before any option can silence it.
    h = highspy._core._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", 2)
    return h


def _pass(h: highspy._core._Highs, cost: FloatArray, m: Milp, a: sp.csc_matrix,
          row_lo: FloatArray, row_hi: FloatArray, ncols: int) -> None:
    a = a.tocsc()
    a.sort_indices()
    status = h.passModel(
        ncols, a.shape[0], a.nnz, 1, 1, 0.0,
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(m.col_lo[:ncols]), np.ascontiguousarray(m.col_hi[:ncols]),
        np.ascontiguousarray(row_lo, dtype=np.float64), np.ascontiguousarray(row_hi, dtype=np.float64),
        a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(np.float64),
        np.ascontiguousarray(m.integer[:ncols], dtype=np.int32),
    )
    if status == highspy.HighsStatus.kError:  # pragma: no cover - a bug in the build, not input
        raise RuntimeError("HiGHS refused the force-generation model")


def _run(h: highspy._core._Highs, name: str, start: float) -> tuple[StageInfo, np.ndarray | None]:
    h.run()
    status = _STATUS.get(h.getModelStatus(), str(h.getModelStatus()))
    info = h.getInfo()
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    sol = np.asarray(h.getSolution().col_value) if has else None
    gap = float(info.mip_gap) if has else float("inf")
    if status == "optimal":
        gap = min(gap, 0.0) if gap < 1e-12 else gap
    return StageInfo(name, status, float(info.objective_function_value) if has else float("nan"),
                     gap, time.perf_counter() - start), sol


def solve(fm: ForceModel, ra: RequirementArrays, *, time_limit: float = 60.0,
          mip_rel_gap: float = 1e-3, build_seconds: float = 0.0) -> tuple[np.ndarray, SolveInfo]:
    """Solve a built model; returns the column values and what happened."""
    t0 = time.perf_counter()
    m, c = fm.milp, fm.cols
    tiers = [np.nonzero(ra.priority == k)[0] for k in range(3)]
    tiers = [t for t in tiers if len(t)]
    # unmet per tier as extra rows (bounds tightened as stages go)
    tier_rows = sp.csc_matrix(
        (np.ones(sum(len(t) for t in tiers)),
         (np.concatenate([np.full(len(t), i) for i, t in enumerate(tiers)]) if tiers
          else np.zeros(0, dtype=int),
          np.concatenate([c.u0 + t for t in tiers]) if tiers else np.zeros(0, dtype=int))),
        shape=(len(tiers), c.total))
    tier_hi = np.full(len(tiers), np.inf)
    stages: list[StageInfo] = []

    # stage 1: transport rows (capacity, demand) and x, u columns only
    n1 = c.n_x + c.n_u
    keep = np.concatenate([np.arange(lo, hi) for name, lo, hi in m.row_block
                           if name in ("pledge_capacity", "demand")])
    a1 = sp.vstack([m.a[keep][:, :n1], tier_rows[:, :n1]]).tocsc()
    x1 = np.zeros(n1)
    x1[c.u0:c.u0 + c.n_u] = ra.demand  # all unmet: always feasible
    for i, tier in enumerate(tiers):
        left = time_limit - (time.perf_counter() - t0)
        h = _highs(left, mip_rel_gap)
        cost = np.zeros(n1)
        cost[c.u0 + tier] = 1.0
        _pass(h, cost, m, a1, np.concatenate([m.row_lo[keep], np.full(len(tiers), -np.inf)]),
              np.concatenate([m.row_hi[keep], tier_hi]), n1)
        info, sol = _run(h, f"unmet-{['essential', 'important', 'desirable'][int(ra.priority[tier[0]])]}",
                         t0)
        stages.append(info)
        if sol is not None:
            x1 = sol
        tier_hi[i] = np.round(x1[c.u0 + tier].sum()) + 0.5  # integral data: unmet is integral

    # stage 2: the whole model
    start = _start(fm, x1)
    left = time_limit - (time.perf_counter() - t0)
    h = _highs(left, mip_rel_gap)
    a2 = sp.vstack([m.a, tier_rows]).tocsc()
    _pass(h, fm.weights["structure"], m, a2,
          np.concatenate([m.row_lo, np.full(len(tiers), -np.inf)]),
          np.concatenate([m.row_hi, tier_hi]), c.total)
    hs = highspy.HighsSolution()
    hs.col_value = start.tolist()
    hs.value_valid = True
    h.setSolution(hs)
    info, sol = _run(h, "structure", t0)
    stages.append(info)
    final = sol if sol is not None else start
    status = "optimal" if all(s.status == "optimal" for s in stages) else (
        "time-limit" if sol is not None or any(s.status == "time-limit" for s in stages)
        else stages[-1].status)
    unmet = [float(final[c.u0 + t].sum()) for t in tiers]
    return final, SolveInfo(status=status, mip_gap=max(s.mip_gap for s in stages) if stages else 0.0,
                            build_seconds=build_seconds, solve_seconds=time.perf_counter() - t0,
                            stages=stages, unmet_by_tier=unmet)


def _start(fm: ForceModel, x1: np.ndarray) -> np.ndarray:
    """A feasible full solution from a stage-1 allocation: no leads, everyone used takes part."""
    c = fm.cols
    v = np.zeros(c.total)
    x = np.round(x1[:c.n_x])
    v[:c.n_x] = x
    v[c.u0:c.u0 + c.n_u] = x1[c.u0:c.u0 + c.n_u]
    nm_of_pair = fm.nm_of_pair
    pers = np.bincount(nm_of_pair, weights=x * fm.pair_personnel, minlength=c.n_y)
    v[c.y0:c.y0 + c.n_y] = (np.bincount(nm_of_pair, weights=x, minlength=c.n_y) > 0)
    v[c.z0:c.z0 + c.n_z] = 1.0
    v[c.p0:c.p0 + c.n_y] = pers
    if c.n_e:
        by_nation = np.bincount(fm.nm_nation, weights=pers,
                                minlength=int(fm.fair_nations.max()) + 1)
        mine = by_nation[fm.fair_nations]
        dev = mine - fm.fair_share * mine.sum()
        v[c.e0:c.e0 + c.n_e] = np.maximum(dev, 0)
        v[c.e0 + c.n_e:c.e0 + 2 * c.n_e] = np.maximum(-dev, 0)
    return v
