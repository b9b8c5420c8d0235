"""The `nations` stage, one component at a time (docs/forcegen.md, "Nations by component").

The nation count is a sum over components, and every row of the model stays within one
component except three kinds: pledge capacity and its rotation floor (a pledge whose
capability or substitutes serve two components shares its count between them), the unmet
units of each priority tier (summed over components) and fair share (not part of this
stage). A component's slice — its own columns, every row that touches them with the shared
capacity rows keeping only its own terms, and its unmet per tier capped at what the other
components leave over at their least — is therefore a relaxation of the whole: the sum of
the slices' optima bounds the joint optimum from below, and when their solutions together
fit every pledge's capacity and every tier, they are the joint optimum.

Why: branch and bound on the joint model must prove a sum of nearly independent problems,
exploring the product of their search trees and rounding only the sum of their bounds up to
an integer. By component the trees add up instead, and each bound rounds up on its own: on
the large synthetic instance LAND's bound of 8.08 proves 9 nations, where the joint model
with bounds 7.96 + 4.2 + … is left with a gap for minutes.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray, IntArray, RequirementArrays
from willing.forcegen.highs import StageInfo, feasible, new_highs, pass_model, relative_gap, run_stage
from willing.forcegen.model import ForceModel

SHARED_BLOCKS = ("pledge_capacity", "rotation_floor")
"""Row blocks that may span components: ≤ rows over non-negative columns, so dropping the
other components' terms only relaxes them (tests/test_forcegen_decompose.py checks that no
other block does)."""


@dataclass
class Slice:
    """One component's columns and rows in the whole model."""

    comp: int
    cols: IntArray
    rows: IntArray


def column_component(fm: ForceModel, ra: RequirementArrays) -> IntArray:
    """The component of every column of the nations stage (−1: fair-share deviations)."""
    c = fm.cols
    out = np.full(c.total, -1, dtype=np.int64)
    out[:c.n_x] = ra.component[fm.pair_j]
    out[c.u0:c.u0 + c.n_u] = ra.component
    out[c.y0:c.y0 + c.n_y] = fm.nm_comp
    out[c.l0:c.l0 + c.n_l] = fm.nm_comp[fm.lead_nm]
    out[c.z0:c.z0 + c.n_z] = fm.comp_with_demand
    out[c.p0:c.p0 + c.n_y] = fm.nm_comp
    return out


def slices(fm: ForceModel, ra: RequirementArrays) -> list[Slice]:
    """Every component with demand, its columns and the rows that touch them (fair share aside)."""
    col_comp = column_component(fm, ra)
    a = fm.milp.a.tocsc()
    in_stage = np.ones(a.shape[0], dtype=bool)
    for name, lo, hi in fm.milp.row_block:
        if name == "fair_share":
            in_stage[lo:hi] = False
    out = []
    for m in fm.comp_with_demand:
        cols = np.nonzero(col_comp == m)[0]
        touched = np.bincount(a[:, cols].indices, minlength=a.shape[0]) > 0
        out.append(Slice(int(m), cols, np.nonzero(touched & in_stage)[0]))
    return out


def _solve_slice(fm: ForceModel, s: Slice, tier_rows: sp.csr_matrix, tier_hi: FloatArray,
                 cost: FloatArray, start: np.ndarray, deadline: float, mip_rel_gap: float,
                 integral: bool) -> tuple[StageInfo, np.ndarray]:
    """Minimise `cost` over one slice, its unmet per tier ≤ `tier_hi`."""
    m = fm.milp
    a = sp.vstack([m.a.tocsr()[s.rows][:, s.cols], tier_rows[:, s.cols]])
    h = new_highs(deadline - time.perf_counter(), mip_rel_gap)
    pass_model(h, np.zeros(len(s.cols)), a,
               np.concatenate([m.row_lo[s.rows], np.full(len(tier_hi), -np.inf)]),
               np.concatenate([m.row_hi[s.rows], tier_hi]),
               m.col_lo[s.cols], m.col_hi[s.cols], m.integer[s.cols])
    return run_stage(h, f"nations:{s.comp}", start[s.cols], deadline, cost[s.cols],
                     integral=integral)


def _tier_caps(fm: ForceModel, parts: list[Slice], tier_rows: sp.csr_matrix, unmet: FloatArray,
               start: np.ndarray, deadline: float) -> np.ndarray | None:
    """Per slice and tier, the unmet units it may leave: the tier's optimum less what every
    other component leaves unmet at its least, alone with every pledge's whole count. None
    when a least is not proven in time (the slices would then not be a relaxation)."""
    caps = np.zeros((len(parts), len(unmet)))
    free = np.full(len(unmet), np.inf)
    for k in np.nonzero(unmet > 0.5)[0]:
        cost = np.zeros(fm.cols.total)
        cost[tier_rows[k].indices] = 1.0
        least = np.zeros(len(parts))
        for i, s in enumerate(parts):
            info, _ = _solve_slice(fm, s, tier_rows, free, cost, start, deadline, 0.0,
                                   integral=True)
            if info.status != "optimal":
                return None
            least[i] = info.objective
        caps[:, k] = unmet[k] - (least.sum() - least)
    return caps


def nations_by_component(fm: ForceModel, ra: RequirementArrays, h: highspy._core._Highs,
                         tier_rows: sp.csr_matrix, unmet: FloatArray, start: np.ndarray,
                         deadline: float, mip_rel_gap: float) -> tuple[StageInfo, np.ndarray | None]:
    """The nations stage by component, two slices at a time (one per core).

    `h` holds the whole model with every tier's optimum `unmet` kept; `start` is feasible
    there. Returns the stage, whose bound is the sum of the slices' bounds, and the whole
    solution when the slices' solutions fit together, else None: the caller then solves the
    whole model, and the slices' bound still holds.
    """
    t = time.perf_counter()
    parts = sorted(slices(fm, ra), key=lambda s: -len(s.cols))
    cost = fm.weights["nations"]
    caps = _tier_caps(fm, parts, tier_rows, unmet, start, deadline)
    if caps is None:
        return StageInfo("nations", "time-limit", float(cost @ start), float("inf"), 0.0), None

    def one(i: int) -> tuple[StageInfo, np.ndarray]:
        return _solve_slice(fm, parts[i], tier_rows, caps[i], cost, start, deadline,
                            mip_rel_gap, integral=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, range(len(parts))))
    bound = float(sum(info.bound for info, _ in results))
    v = start.copy()
    for s, (_, sol) in zip(parts, results, strict=True):
        v[s.cols] = sol
    complete_fair_share(fm, v)
    fitted = v if feasible(h, v) else _fit_together(fm, h, v, deadline)
    if fitted is None:
        return StageInfo("nations", "time-limit", float(cost @ start), float("inf"), 0.0,
                         bound=bound), None
    v = fitted
    objective = float(cost @ v)
    worst = [info.status for info, _ in results if info.status != "optimal"]
    gap = relative_gap(objective, bound)
    status = "optimal" if not worst or gap <= mip_rel_gap else worst[0]
    return StageInfo("nations", status, objective, gap, time.perf_counter() - t,
                     scope=f"by component ({len(parts)} slices)", bound=bound), v


def complete_fair_share(fm: ForceModel, v: np.ndarray) -> None:
    """Set the personnel and fair-share deviation columns of `v` from its x columns."""
    c = fm.cols
    pers = np.bincount(fm.nm_of_pair, weights=np.round(v[:c.n_x]) * fm.pair_personnel,
                       minlength=c.n_y)
    v[c.p0:c.p0 + c.n_y] = pers
    if c.n_e:
        by_nation = np.bincount(fm.nm_nation, weights=pers,
                                minlength=int(fm.fair_nations.max()) + 1)
        mine = by_nation[fm.fair_nations]
        dev = mine - fm.fair_share * mine.sum()
        v[c.e0:c.e0 + c.n_e] = np.maximum(dev, 0)
        v[c.e0 + c.n_e:c.e0 + 2 * c.n_e] = np.maximum(-dev, 0)


def _fit_together(fm: ForceModel, h: highspy._core._Highs, v: np.ndarray,
                  deadline: float) -> np.ndarray | None:
    """Participation, leads and leaderless components as the slices chose them, units
    re-allocated over the whole model: the slices may each count on all of a pledge shared
    between components. None when no such allocation exists (or none is found in time)."""
    c = fm.cols
    fixed = np.arange(c.y0, c.e0, dtype=np.int32)  # y, L, z
    h.changeColsBounds(len(fixed), fixed, v[fixed], v[fixed])
    try:
        info, sol = run_stage(h, "nations:together", v, deadline, fm.weights["nations"],
                              warm=False, integral=True)
    finally:
        h.changeColsBounds(len(fixed), fixed, fm.milp.col_lo[fixed], fm.milp.col_hi[fixed])
    return sol if info.status == "optimal" else None
