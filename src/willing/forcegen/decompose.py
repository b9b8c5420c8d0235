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
an integer. By component the trees add up instead, and each slice is proven on its own, by
Benders over its participation binaries (benders.py): on the large synthetic instance LAND's
9 nations in about 2 s, where the joint model with bounds 7.96 + 4.2 + … is left with a gap
for minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray, IntArray, RequirementArrays
from willing.forcegen.benders import Cut, Subproblem, fewest_nations
from willing.forcegen.blocks import sliced
from willing.forcegen.highs import StageInfo, feasible, new_highs, pass_model, relative_gap, run_stage
from willing.forcegen.model import (
    ForceModel,
    column_key,
    column_participation,
    complete_fair_share,
    most_personnel,
)

SPLIT_ROUNDS = 3
"""How many times the slices may be given shares and solved again before the whole model
takes over (each round keeps the shares of the rounds before, so conflicts only shrink)."""

SHARED_BLOCKS = sliced("shared")
"""Row blocks that may span components: ≤ rows over non-negative columns, so dropping the
other components' terms only relaxes them (tests/test_forcegen_decompose.py checks that no
other block does). The code reads `sliced("shared")` when it runs, so a block registered
later counts too."""


@dataclass
class Slice:
    """One component's columns and rows in the whole model."""

    comp: int
    cols: IntArray
    rows: IntArray


def column_component(fm: ForceModel, ra: RequirementArrays) -> IntArray:
    """The component of every column of the nations stage (−1: fair-share deviations), read
    from each variable block's keys (`ra`, the requirements the model was built from, is the
    model's own: `fm.index.ra`)."""
    return column_key(fm, "component")


def slices(fm: ForceModel, ra: RequirementArrays) -> list[Slice]:
    """Every component with demand, its columns and the rows that touch them (fair share aside)."""
    col_comp = column_component(fm, ra)
    a = fm.milp.a.tocsc()
    in_stage = np.ones(a.shape[0], dtype=bool)
    in_stage[fm.milp.rows(*sliced("none"))] = False
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
                   start: np.ndarray, deadline: float, mip_rel_gap: float,
                   cuts: list[Cut]) -> tuple[StageInfo, np.ndarray]:
    """The fewest nations in one slice: Benders over participation (benders.py; `cuts` in
    and out), then, if that has not proven its plan in time, HiGHS on the slice from the
    best plan known."""
    t = time.perf_counter()
    h = _load_slice(fm, s, tier_rows, tier_hi, deadline, mip_rel_gap)
    cost = fm.weights["nations"][s.cols]
    mine = start[s.cols]
    whole = _whole_units(fm, s, h, deadline)
    sub = Subproblem(fm, s.cols, s.rows, tier_rows, tier_hi)
    bound, found = fewest_nations(sub, float(cost @ mine), whole, deadline, cuts)
    if found is not None:
        mine = found[1]
    best = float(cost @ mine)
    if bound >= best - 0.5:
        return StageInfo(f"nations:{s.comp}", "optimal", best, 0.0, time.perf_counter() - t,
                         scope="Benders", bound=best), mine
    info, sol = run_stage(h, f"nations:{s.comp}", mine, deadline, cost, integral=True)
    return info.with_bound(bound, mip_rel_gap), sol


def _whole_units(fm: ForceModel, s: Slice, h: highspy._core._Highs, deadline: float
                 ) -> Callable[[np.ndarray], tuple[str, tuple[float, np.ndarray] | None]]:
    """A test of one set of nations in whole units, for the slice loaded in `h`.

    `on` masks the slice's participation columns. With the set fixed, the nations objective
    is fixed too unless no member can lead; so the lead is fixed as well, each capable member
    in turn, largest first, and HiGHS only has to find a plan (its first is enough). Asked to
    minimise leaderless components instead, it spent 3–4 s in cut rounds on a bound it already
    had, the set of 9 for LAND of the large synthetic instance; each fixed lead takes 0.3 s.
    """
    cols = s.cols
    nm = column_participation(fm)[cols]  # the (nation, component) of each column
    iy = np.nonzero(fm.cols.mask("y", cols))[0]
    il = np.nonzero(fm.cols.mask("L", cols))[0]
    iz = np.nonzero(fm.cols.mask("z", cols))[0]
    il = il[np.argsort(-most_personnel(fm)[nm[il]], kind="stable")]  # largest lead first
    lo0, hi0 = fm.milp.col_lo[cols], fm.milp.col_hi[cols]
    every = np.arange(len(cols), dtype=np.int32)
    cost = fm.weights["nations"][cols]
    zero = np.zeros(len(cols))

    def whole(on: np.ndarray) -> tuple[str, tuple[float, np.ndarray] | None]:
        members = nm[iy[on]]
        leads = il[np.isin(nm[il], members)]
        set_lo, set_hi = lo0.copy(), hi0.copy()
        set_hi[(nm >= 0) & ~np.isin(nm, members)] = 0.0  # no one else's units
        set_lo[iy], set_hi[iy] = on, on
        set_hi[il] = 0.0
        try:
            for lead in [*leads, None]:
                lo, hi = set_lo.copy(), set_hi.copy()
                if lead is None:  # leaderless, when no member can lead
                    lo[iz] = 1.0
                else:
                    lo[lead] = hi[lead] = 1.0
                    hi[iz] = 0.0
                h.changeColsBounds(len(cols), every, lo, hi)
                info, sol = run_stage(h, f"nations:{s.comp}:whole", zero, deadline, zero,
                                      warm=False)
                if info.status == "optimal":
                    return "optimal", (float(cost @ sol), sol)
                if info.status != "infeasible":
                    return info.status, None
            return "infeasible", None
        finally:
            h.changeColsBounds(len(cols), every, lo0, hi0)

    return whole


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
        return StageInfo("nations", "time-limit", float(cost @ start), float("inf"),
                         time.perf_counter() - t), None

    cuts: list[list[Cut]] = [[] for _ in parts]  # each slice's Benders cuts, kept for a split

    def solve_all(todo: list[int], rows: sp.csr_matrix,
                  hi: np.ndarray) -> list[tuple[StageInfo, np.ndarray]]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(lambda i: _nations_slice(fm, parts[i], rows, hi[i], start,
                                                          deadline, mip_rel_gap, cuts[i]), todo))

    results = solve_all(list(range(len(parts))), tier_rows, caps)
    bound = float(sum(info.bound for info, _ in results))  # the slices are a relaxation
    v = _together(fm, parts, start, [sol for _, sol in results])
    fitted = _fit(fm, h, v, parts, tier_rows, unmet, deadline)
    shares, share_hi = sp.csr_matrix((0, fm.cols.total)), np.zeros(0)
    for _ in range(SPLIT_ROUNDS):
        if fitted is not None or time.perf_counter() >= deadline:
            break
        # the slices together over-use a shared pledge or leave more unmet than a tier's
        # optimum: each gets its share of the pledge, and the unmet units the start leaves it
        # in that tier, and is solved again (no longer a relaxation; the bound above holds).
        # Shares of earlier rounds stay.
        rows, hi, todo = _split_shared(fm, parts, v)
        over = np.nonzero(tier_rows @ v > unmet + 0.5)[0]
        own = np.array([tier_rows[over][:, s.cols] @ start[s.cols] for s in parts])
        todo = sorted(set(todo) | set(np.nonzero((own < caps[:, over]).any(axis=1))[0].tolist()))
        if not todo:
            break
        for raised in np.nonzero((own > caps[:, over]).any(axis=1))[0].tolist():
            cuts[raised].clear()  # a tier cap raised: the slice's old cuts may not hold
        caps[:, over] = own
        shares, share_hi = sp.vstack([shares, rows]).tocsr(), np.concatenate([share_hi, hi])
        again = solve_all(todo, sp.vstack([tier_rows, shares]).tocsr(),
                          np.hstack([caps, np.broadcast_to(share_hi,
                                                           (len(parts), len(share_hi)))]))
        for i, r in zip(todo, again, strict=True):
            results[i] = r
        v = _together(fm, parts, start, [sol for _, sol in results])
        fitted = _fit(fm, h, v, parts, tier_rows, unmet, deadline)
    if fitted is None:
        return StageInfo("nations", "time-limit", float(cost @ start), float("inf"),
                         time.perf_counter() - t, bound=bound), None
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
    cap, cap_hi, over = _over_shared(fm, v)
    part_of = _part_of(fm, parts)
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


def _over_shared(fm: ForceModel, v: np.ndarray) -> tuple[sp.csr_matrix, FloatArray, IntArray]:
    """The shared rows (capacity, rotation floor), their bounds, and those `v` over-uses."""
    m = fm.milp
    shared = m.rows(*sliced("shared"))
    cap, cap_hi = m.a.tocsr()[shared], m.row_hi[shared]
    return cap, cap_hi, np.nonzero(cap @ v > cap_hi + 1e-6)[0]


def _part_of(fm: ForceModel, parts: list[Slice]) -> IntArray:
    """The slice of every column (−1: none)."""
    out = np.full(fm.cols.total, -1, dtype=np.int64)
    for i, s in enumerate(parts):
        out[s.cols] = i
    return out


def _fit(fm: ForceModel, h: highspy._core._Highs, v: np.ndarray, parts: list[Slice],
         tier_rows: sp.csr_matrix, unmet: FloatArray, deadline: float) -> np.ndarray | None:
    """`v` when it is feasible in the whole model, else the slices in conflict — over a
    shared pledge or a tier's optimum — re-allocated together, the others' units held."""
    if feasible(h, v):
        return v
    cap, _, over = _over_shared(fm, v)
    tiers = np.nonzero(tier_rows @ v > unmet + 0.5)[0]
    part_of = _part_of(fm, parts)
    touched = np.concatenate([cap[over].indices, tier_rows[tiers].indices])
    conflict = np.unique(part_of[touched])
    units = np.isin(np.arange(len(v)), fm.cols.columns("x", "u"))
    held = np.nonzero(~np.isin(part_of, conflict) & units)[0]
    return _fit_together(fm, h, v, deadline, held)


def _fit_together(fm: ForceModel, h: highspy._core._Highs, v: np.ndarray, deadline: float,
                  held: IntArray) -> np.ndarray | None:
    """Participation, leads and leaderless components as the slices chose them, units
    re-allocated over the whole model (but for the columns `held` at their values): the
    slices may each count on all of a pledge shared between components. None when no such
    allocation exists (or none is found in time)."""
    fixed = np.concatenate([held, fm.cols.columns("y", "L", "z")]).astype(np.int32)
    h.changeColsBounds(len(fixed), fixed, v[fixed], v[fixed])
    try:
        info, sol = run_stage(h, "nations:together", v, deadline, fm.weights["nations"],
                              warm=False, integral=True)
    finally:
        h.changeColsBounds(len(fixed), fixed, fm.milp.col_lo[fixed], fm.milp.col_hi[fixed])
    return sol if info.status == "optimal" else None
