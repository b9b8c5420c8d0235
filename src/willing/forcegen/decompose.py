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


def _load_slice(fm: ForceModel, s: Slice, tier_rows: sp.csr_matrix, tier_hi: FloatArray,
                deadline: float, mip_rel_gap: float) -> highspy._core._Highs:
    """A HiGHS instance holding one slice, its unmet per tier ≤ `tier_hi`."""
    m = fm.milp
    a = sp.vstack([m.a.tocsr()[s.rows][:, s.cols], tier_rows[:, s.cols]])
    h = new_highs(deadline - time.perf_counter(), mip_rel_gap)
    pass_model(h, np.zeros(len(s.cols)), a,
               np.concatenate([m.row_lo[s.rows], np.full(len(tier_hi), -np.inf)]),
               np.concatenate([m.row_hi[s.rows], tier_hi]),
               m.col_lo[s.cols], m.col_hi[s.cols], m.integer[s.cols])
    return h


def _solve_slice(fm: ForceModel, s: Slice, tier_rows: sp.csr_matrix, tier_hi: FloatArray,
                 cost: FloatArray, start: np.ndarray, deadline: float, mip_rel_gap: float,
                 integral: bool) -> tuple[StageInfo, np.ndarray]:
    """Minimise `cost` over one slice, its unmet per tier ≤ `tier_hi`."""
    h = _load_slice(fm, s, tier_rows, tier_hi, deadline, mip_rel_gap)
    return run_stage(h, f"nations:{s.comp}", start[s.cols], deadline, cost[s.cols],
                     integral=integral)


def _nations_slice(fm: ForceModel, s: Slice, tier_rows: sp.csr_matrix, tier_hi: FloatArray,
                   start: np.ndarray, deadline: float,
                   mip_rel_gap: float) -> tuple[StageInfo, np.ndarray]:
    """The fewest nations in one slice: a rounding of its relaxation first, then HiGHS."""
    h = _load_slice(fm, s, tier_rows, tier_hi, deadline, mip_rel_gap)
    cost = fm.weights["nations"][s.cols]
    mine = start[s.cols]
    fewer = _round_relaxation(fm, s, h, cost, deadline)
    if fewer is not None and cost @ fewer < cost @ mine:
        mine = fewer
    return run_stage(h, f"nations:{s.comp}", mine, deadline, cost, integral=True)


def _round_relaxation(fm: ForceModel, s: Slice, h: highspy._core._Highs, cost: FloatArray,
                      deadline: float) -> np.ndarray | None:
    """A few-nations plan of one slice, from its LP relaxation.

    Nations enter in order of their participation in the relaxation, as many as its
    objective says at least, then one by one until the slice is feasible with them alone
    (led, when it can be); then each leaves again, least-used first, if the rest still
    suffice. A test is the slice's relaxation with participation fixed (milliseconds; the
    rotation floor keeps it close to whole units); the final set is tested with whole units,
    the relaxation's lead fixed first. HiGHS' own heuristics, from the start the whole model
    offers, found the LAND optimum of the large synthetic instance only after 20–40 s; this
    finds it in about 2 s (None when time runs out first).
    """
    c = fm.cols
    iy = np.nonzero((s.cols >= c.y0) & (s.cols < c.y0 + c.n_y))[0].astype(np.int32)
    iz = np.nonzero((s.cols >= c.z0) & (s.cols < c.z0 + c.n_z))[0].astype(np.int32)
    il = np.nonzero((s.cols >= c.l0) & (s.cols < c.l0 + c.n_l))[0].astype(np.int32)
    lo, hi = fm.milp.col_lo[s.cols], fm.milp.col_hi[s.cols]
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.setOptionValue("solve_relaxation", True)
    h.run()
    h.setOptionValue("solve_relaxation", False)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    y_lp = np.asarray(h.getSolution().col_value)[iy]
    order = np.argsort(-y_lp, kind="stable")
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), np.zeros(len(cost)))

    def fits(allowed: np.ndarray, led: bool, whole: bool = False) -> np.ndarray | None:
        # the relaxation (with the rotation floor) for the search, whole units to conclude
        if time.perf_counter() >= deadline:
            return None
        y = allowed.astype(float)
        h.changeColsBounds(len(iy), iy, y, y)
        z = np.full(len(iz), 0.0 if led else 1.0)
        h.changeColsBounds(len(iz), iz, z, z)
        h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        h.setOptionValue("solve_relaxation", not whole)
        h.run()
        h.setOptionValue("solve_relaxation", False)
        if h.getInfo().primal_solution_status != 2:
            return None
        return np.asarray(h.getSolution().col_value)

    def grow(allowed: np.ndarray, led: bool, whole: bool) -> np.ndarray | None:
        found = fits(allowed, led, whole)
        for n in order[~allowed[order]]:
            if found is not None:
                break
            allowed[n] = True
            found = fits(allowed, led, whole)
        return found

    try:
        led = fits(np.ones(len(iy), dtype=bool), True) is not None
        allowed = np.zeros(len(iy), dtype=bool)
        allowed[order[:max(int(np.ceil(y_lp.sum() - 1e-6)), 1)]] = True
        last = grow(allowed, led, whole=False)
        if last is None:
            return None
        for n in order[::-1]:
            if allowed[n]:
                allowed[n] = False
                fewer = fits(allowed, led)
                allowed[n] = fewer is None
                last = last if fewer is None else fewer
        if led and len(il):
            # whole units with the lead the relaxation chose: one binary choice less to search
            one = (np.arange(len(il)) == np.argmax(last[il])).astype(float)
            h.changeColsBounds(len(il), il, one, one)
            found = fits(allowed, led, whole=True)
            h.changeColsBounds(len(il), il, lo[il], hi[il])
            if found is not None:
                return found
        return grow(allowed, led, whole=True)
    finally:
        h.changeColsBounds(len(iy), iy, lo[iy], hi[iy])
        h.changeColsBounds(len(iz), iz, lo[iz], hi[iz])


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
    solution when the slices' solutions fit together (after splitting shared pledges and
    tiers, perhaps with a gap), else None. Unless the stage is optimal, the caller solves the
    whole model from there; the slices' bound still holds.
    """
    t = time.perf_counter()
    parts = sorted(slices(fm, ra), key=lambda s: -len(s.cols))
    cost = fm.weights["nations"]
    caps = _tier_caps(fm, parts, tier_rows, unmet, start, deadline)
    if caps is None:
        return StageInfo("nations", "time-limit", float(cost @ start), float("inf"), 0.0), None

    def solve_all(todo: list[int], rows: sp.csr_matrix,
                  hi: np.ndarray) -> list[tuple[StageInfo, np.ndarray]]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(lambda i: _nations_slice(fm, parts[i], rows, hi[i], start,
                                                          deadline, mip_rel_gap), todo))

    results = solve_all(list(range(len(parts))), tier_rows, caps)
    bound = float(sum(info.bound for info, _ in results))  # the slices are a relaxation
    v = _together(fm, parts, start, [sol for _, sol in results])
    fitted = v if feasible(h, v) else _fit_together(fm, h, v, deadline)
    if fitted is None:
        # the slices together over-use a shared pledge or leave more unmet than a tier's
        # optimum: each gets its share of the pledge, and the unmet units the start leaves it
        # in that tier, and is solved again (no longer a relaxation; the bound above holds)
        rows, hi, todo = _split_shared(fm, parts, v)
        over = np.nonzero(tier_rows @ v > unmet + 0.5)[0]
        own = np.array([tier_rows[over][:, s.cols] @ start[s.cols] for s in parts])
        todo = sorted(set(todo) | set(np.nonzero((own < caps[:, over]).any(axis=1))[0].tolist()))
        caps[:, over] = own
        again = solve_all(todo, sp.vstack([tier_rows, rows]).tocsr(),
                          np.hstack([caps, np.broadcast_to(hi, (len(parts), len(hi)))]))
        for i, r in zip(todo, again, strict=True):
            results[i] = r
        if todo:
            v = _together(fm, parts, start, [sol for _, sol in results])
            fitted = v if feasible(h, v) else _fit_together(fm, h, v, deadline)
    if fitted is None:
        return StageInfo("nations", "time-limit", float(cost @ start), float("inf"), 0.0,
                         bound=bound), None
    objective = float(cost @ fitted)
    gap = relative_gap(objective, bound)
    worst = [info.status for info, _ in results if info.status != "optimal"]
    status = "optimal" if gap <= mip_rel_gap else (worst or ["feasible"])[0]
    return StageInfo("nations", status, objective, gap, time.perf_counter() - t,
                     scope=f"by component ({len(parts)} slices)", bound=bound), fitted


def _together(fm: ForceModel, parts: list[Slice], start: np.ndarray,
              sols: list[np.ndarray]) -> np.ndarray:
    """The slices' solutions as one vector of the whole model."""
    v = start.copy()
    for s, sol in zip(parts, sols, strict=True):
        v[s.cols] = sol
    complete_fair_share(fm, v)
    return v


def _split_shared(fm: ForceModel, parts: list[Slice],
                  v: np.ndarray) -> tuple[sp.csr_matrix, FloatArray, list[int]]:
    """Rows giving each component its share of every pledge the slices over-use together
    (its count or rotation floor, in proportion to what each used, rounded down), and the
    slices they touch."""
    m = fm.milp
    shared = np.concatenate([np.arange(lo, hi) for name, lo, hi in m.row_block
                             if name in SHARED_BLOCKS])
    cap, cap_hi = m.a.tocsr()[shared], m.row_hi[shared]
    over = np.nonzero(cap @ v > cap_hi + 1e-6)[0]
    part_of = np.full(fm.cols.total, -1, dtype=np.int64)
    for i, s in enumerate(parts):
        part_of[s.cols] = i
    r_idx: list[np.ndarray] = []
    c_idx: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    shares: list[float] = []
    todo: set[int] = set()
    for r in over:
        cols, coef = cap[r].indices, cap[r].data
        used = coef * v[cols]
        for i in np.unique(part_of[cols]):
            mine = part_of[cols] == i
            shares.append(float(np.floor(cap_hi[r] * used[mine].sum() / used.sum() + 1e-9)))
            r_idx.append(np.full(int(mine.sum()), len(shares) - 1))
            c_idx.append(cols[mine])
            vals.append(coef[mine])
            todo.add(int(i))
    if not shares:
        return sp.csr_matrix((0, fm.cols.total)), np.zeros(0), []
    rows = sp.csr_matrix((np.concatenate(vals), (np.concatenate(r_idx), np.concatenate(c_idx))),
                         shape=(len(shares), fm.cols.total))
    return rows, np.array(shares), sorted(todo)


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
