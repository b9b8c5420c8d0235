"""The `fair-share-cost` stage: its relaxation bounds it, a rounding of the relaxation solves it.

With participation fixed, the stage is an allocation of whole units that balances personnel
against fair shares, then cost. Its LP relaxation is tight (within 0.1 % on the large
synthetic instance), but HiGHS, searching the whole model for an incumbent that close,
took 1–30 s a state. A vertex of the relaxation is integral except on a few columns, those
that the fair-share and lead-share rows (the non-network rows) make fractional. So: solve the
relaxation (its objective is a valid bound), fix the leads to the plan so far, solve it
again, keep every whole-valued unit column and search only the fractional ones, each
between its floor and ceiling. That small MIP takes milliseconds; when its plan is within
the gap of the bound the stage is proven without branching on the whole model. Otherwise
HiGHS goes on from it, with the relaxation's bound kept.
"""

from __future__ import annotations

import time
from dataclasses import replace

import highspy
import numpy as np

from willing.forcegen.arrays import FloatArray
from willing.forcegen.highs import StageInfo, relative_gap, run_stage
from willing.forcegen.model import ForceModel


def fair_share_cost(h: highspy._core._Highs, fm: ForceModel, sol: np.ndarray, deadline: float,
                    cost: FloatArray, mip_rel_gap: float) -> tuple[StageInfo, np.ndarray]:
    """Minimise `cost` over the model loaded in `h` (participation fixed), from `sol`."""
    # HiGHS sees the costs scaled to at most 1: the stage's own terms are 1e-7..1e-5, below
    # its dual feasibility tolerance (1e-7), which left it optimising noise (and slowly)
    k = 1.0 / max(float(np.abs(cost).max()), 1e-300)
    bound, rounded = _round(h, fm, sol, deadline, cost * k)
    start = sol if rounded is None or cost @ rounded >= cost @ sol else rounded
    objective = float(cost @ start) * k
    if relative_gap(objective, bound) <= mip_rel_gap:
        info = StageInfo("fair-share-cost", "optimal", objective, relative_gap(objective, bound),
                         0.0, bound=bound)
        out = start
    else:
        info, out = run_stage(h, "fair-share-cost", start, deadline, cost * k)
        info = info.with_bound(bound, mip_rel_gap)
    return replace(info, objective=info.objective / k, bound=info.bound / k), out


def _round(h: highspy._core._Highs, fm: ForceModel, sol: np.ndarray, deadline: float,
           cost: FloatArray) -> tuple[float, np.ndarray | None]:
    """The relaxation's bound and a whole-unit plan rounded from it (None if none is found)."""
    c = fm.cols
    n = h.getNumCol()
    lo0 = np.asarray(h.getLp().col_lower_)
    hi0 = np.asarray(h.getLp().col_upper_)
    every = np.arange(n, dtype=np.int32)
    h.changeColsCost(len(cost), every[:len(cost)], np.ascontiguousarray(cost, dtype=np.float64))
    bound = float("-inf")
    try:
        h.setOptionValue("solve_relaxation", True)
        h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        h.clearSolver()
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return bound, None
        bound = float(h.getInfo().objective_function_value)
        # the leads (and leaderless components) of the plan so far
        lz = np.arange(c.l0, c.e0, dtype=np.int32)
        h.changeColsBounds(len(lz), lz, sol[lz], sol[lz])
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return bound, None
        v = np.asarray(h.getSolution().col_value)
        x = v[:c.n_x]
        frac = np.abs(x - np.round(x)) > 1e-7
        near = np.isin(fm.pair_j, fm.pair_j[frac]) | np.isin(fm.pair_p, fm.pair_p[frac])
        xi = np.arange(c.n_x, dtype=np.int32)
        h.changeColsBounds(c.n_x, xi, np.where(near, lo0[:c.n_x], np.round(x)),
                           np.where(near, hi0[:c.n_x], np.round(x)))
        h.setOptionValue("solve_relaxation", False)
        info, out = run_stage(h, "fair-share-cost:rounding", v, deadline, cost, warm=False)
        return bound, (out if info.status == "optimal" else None)
    finally:
        h.setOptionValue("solve_relaxation", False)
        h.changeColsBounds(n, every, lo0, hi0)
