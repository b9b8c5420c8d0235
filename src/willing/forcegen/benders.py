"""The fewest nations of one component, by Benders decomposition over participation.

A slice of the `nations` stage (decompose.py) asks which set of nations, as few as possible,
can fill the component. Branch and bound on the slice spends seconds in cut rounds on an LP
of ten thousand columns to lift a bound of 7.96 past 8 (the large synthetic instance's LAND).
Here the choice of nations is a small MIP over the participation binaries y alone (the
master), and whether a set suffices is an LP over units (the subproblem):

    v(ȳ) = min Σ_k t_k   s.t. the slice's demand and participation rows with y = ȳ, units
           continuous, and Σ_{j in tier k} u_j − t_k ≤ cap_k (and any rows of a split,
           made soft the same way).

v is convex in y and zero exactly when the set ȳ fills the component (units continuous).
Its LP duals give a cut valid for every y: Σ_n α_n y_n ≥ β, with α_n the value of nation n's
participation rows (read from the subproblem for the nations in ȳ; for the others, completed
from the demand duals, which is dual feasible because their units are zero). With y binary,
α_n may be cut down to β. The master — any set with fewer nations than the target that
meets every cut so far — either has none, or proposes one; a set that fills the component
with continuous units becomes the target. When the master has no set left, the target is
tried with whole units and leads (`whole`): if it passes it is optimal, else a no-good cut
excludes it and the search goes on below the best plan known.

Every cut holds for every plan in whole units, so a master with no set left proves the best
plan known. Leads and leaderless components are not in the master (dropping them only
relaxes it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import highspy
import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray, IntArray
from willing.forcegen.blocks import in_subproblem
from willing.forcegen.highs import new_highs, pass_model
from willing.forcegen.model import ForceModel


class Subproblem:
    """The units LP of one slice, for one set of nations at a time.

    Its rows are the blocks registered with `subproblem=True` (`in_subproblem`): those that
    decide whether a set of nations fills a component. Within one component a pledge's
    capacity and rotation-floor rows have the same terms as its participation rows with
    y = 1, so they add nothing; left in, the LP may put their duals there, on a constant
    right-hand side, and the cut would not see that dropping the nation loses the pledge. The
    lead rows are left out: a relaxation.
    """

    def __init__(self, fm: ForceModel, cols: IntArray, rows: IntArray, tier_rows: sp.csr_matrix,
                 tier_hi: FloatArray) -> None:
        m = fm.milp
        rows = rows[np.isin(rows, m.rows(*in_subproblem()))]
        self.x = np.nonzero(fm.cols.mask("x", cols))[0]
        self.y = np.nonzero(fm.cols.mask("y", cols))[0]
        master_of_nm = np.full(fm.cols.size("y"), -1, dtype=np.int64)
        master_of_nm[cols[self.y] - fm.cols["y"].start] = np.arange(len(self.y))
        self.x_master = master_of_nm[fm.nm_of_pair[cols[self.x]]]  # each x's nation
        # the slice's rows, and its tiers made soft: Σ_{j in k} u_j − t_k ≤ cap_k, t costs 1
        a, t = m.a.tocsr()[rows][:, cols], tier_rows[:, cols]
        n_t = t.shape[0]
        self.a = sp.vstack([sp.hstack([a, sp.csr_matrix((a.shape[0], n_t))]),
                            sp.hstack([t, -sp.identity(n_t)])]).tocsc()
        self.row_lo = np.concatenate([m.row_lo[rows], np.full(n_t, -np.inf)])
        self.row_hi = np.concatenate([m.row_hi[rows], tier_hi])
        self.col_lo = np.concatenate([m.col_lo[cols], np.zeros(n_t)])
        self.col_hi = np.concatenate([m.col_hi[cols], np.full(n_t, np.inf)])
        self.cost = np.concatenate([np.zeros(len(cols)), np.ones(n_t)])

        # what completes the duals of a nation outside the set, from the demand rows' duals:
        # (A) per requirement, the most it can put there, min(d_j, Σ_p ub) (the coefficient
        # of its per-requirement participation row), or (B) per pledge, its count over the
        # pool units one deployed unit uses (its per-pledge participation row)
        demand = m.rows("demand")  # row demand[j] is requirement j's
        self.demand_rows = np.nonzero(np.isin(rows, demand))[0]
        pos = np.full(fm.cols.size("u"), -1, dtype=np.int64)
        pos[rows[self.demand_rows] - demand[0]] = np.arange(len(self.demand_rows))
        self.x_row = pos[fm.pair_j[cols[self.x]]]  # each x's demand row among the slice's
        n_y, n_d = len(self.y), len(self.demand_rows)
        most = np.bincount(self.x_master * n_d + self.x_row, weights=m.col_hi[cols[self.x]],
                           minlength=n_y * n_d).reshape(n_y, n_d)
        self.reach = np.minimum(most, m.row_hi[rows[self.demand_rows]][None, :])
        capacity = m.rows("pledge_capacity", "lending")  # one entry per x column
        cap = m.a.tocsr()[capacity].tocsc()[:, cols[self.x]]
        cap.sort_indices()
        pledges, self.x_pledge = np.unique(cap.indices, return_inverse=True)
        self.x_use = cap.data
        first = np.zeros(len(pledges), dtype=np.int64)
        first[self.x_pledge] = np.arange(len(self.x_pledge))
        self.pledge_master = self.x_master[first]
        self.pledge_count = m.row_hi[capacity[pledges]]

    def value(self, on: np.ndarray, deadline: float) -> tuple[float, FloatArray] | None:
        """v(ȳ) for the nations `on` (a mask over master variables) and the cut's α."""
        keep = np.ones(self.a.shape[1], dtype=bool)
        keep[self.x] = on[self.x_master]
        keep[self.y] = on
        idx = np.nonzero(keep)[0]
        lo, hi = self.col_lo[idx].copy(), self.col_hi[idx].copy()
        is_y = np.isin(idx, self.y)
        lo[is_y] = hi[is_y] = 1.0
        h = new_highs(deadline - time.perf_counter(), 0.0)
        pass_model(h, self.cost[idx], self.a[:, idx], self.row_lo, self.row_hi, lo, hi,
                   np.zeros(len(idx), dtype=np.int32))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        v = float(h.getInfo().objective_function_value)
        pi = np.maximum(np.asarray(sol.row_dual)[self.demand_rows], 0.0)
        # completion for the nations not in the set, the lesser of two dual-feasible ones:
        # the duals on their per-requirement rows (A) or on their per-pledge rows (B)
        by_req = self.reach @ pi
        per_x = pi[self.x_row] / self.x_use
        best = np.zeros(len(self.pledge_count))
        np.maximum.at(best, self.x_pledge, per_x)
        by_pledge = np.bincount(self.pledge_master, weights=best * self.pledge_count,
                                minlength=len(self.y))
        alpha = np.minimum(by_req, by_pledge)
        rc = np.asarray(sol.col_dual)[is_y]
        alpha[np.nonzero(on)[0]] = np.maximum(-rc, 0.0)
        return v, alpha


Cut = tuple[np.ndarray, FloatArray, float]
"""Σ coef·y[idx] ≥ lower over the master's variables."""


def fewest_nations(sub: Subproblem, best: float,
                   whole: Callable[[np.ndarray], tuple[str, tuple[float, np.ndarray] | None]],
                   deadline: float,
                   cuts: list[Cut] | None = None) -> tuple[float, tuple[float, np.ndarray] | None]:
    """Benders on the nation count, below `best` (the nations objective of a plan known).

    `whole(on)` solves the slice in whole units, leads included, with participation fixed to
    `on` (a mask over `sub`'s master variables) and returns its status and, unless
    infeasible, its objective and plan.
    Returns the bound proven (−inf if none in time) and the best plan found, if any beats
    `best`. A set that fills the component with continuous units is kept as the target and
    the search goes on below it; only the smallest is tried in whole units, when the master
    has proven that no smaller set exists. If it fails there, it is excluded (a no-good cut)
    and the search goes on below `best` again.

    `cuts` starts the master with the Benders cuts of an earlier search and collects this
    one's: they hold for the same slice with rows added or tightened (a shared pledge split,
    a tier capped lower), which only removes plans.
    """
    cuts = [] if cuts is None else cuts
    n = len(sub.y)
    if n == 0:  # no nation can serve the component: nothing to choose
        verdict, plan = whole(np.zeros(0, dtype=bool))
        return (plan[0], plan) if plan is not None else (float("-inf"), None)
    master = new_highs(deadline - time.perf_counter(), 0.0)
    # a feasibility problem: any set below the target will do (proving each master optimal
    # took ten times as long on the large instance, for no fewer iterations)
    pass_model(master, np.zeros(n), sp.csr_matrix(np.ones((1, n))), np.array([-np.inf]),
               np.array([best - 0.5]), np.zeros(n), np.ones(n), np.ones(n, dtype=np.int32))

    def add(cut: Cut) -> None:
        idx, coef, lower = cut
        master.addRow(lower, np.inf, len(idx), idx.astype(np.int32), coef)

    for cut in cuts:
        add(cut)
    found: tuple[float, np.ndarray] | None = None
    target: np.ndarray | None = None  # the smallest set that fills with continuous units
    on = np.zeros(n, dtype=bool)
    while time.perf_counter() < deadline:
        got = sub.value(on, deadline)
        if got is None:
            break
        v, alpha = got
        if v <= 1e-7:
            target = on.copy()
            master.changeRowBounds(0, -np.inf, float(on.sum()) - 0.5)
        else:
            beta = v + float(alpha[on].sum())
            alpha = np.minimum(alpha, beta)
            nz = np.nonzero(alpha > 1e-9)[0].astype(np.int32)
            cuts.append((nz, alpha[nz], beta - 1e-6 * (1.0 + beta)))
            add(cuts[-1])
        while True:  # the master again, after a no-good cut
            master.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
            master.run()
            status = master.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                on = np.asarray(master.getSolution().col_value) > 0.5
                break
            if status != highspy.HighsModelStatus.kInfeasible:
                return float("-inf"), found
            if target is None:  # no set below `best` fills the component
                return best, found
            verdict, plan = whole(target)
            if verdict not in ("optimal", "infeasible"):
                return float("-inf"), found
            if plan is not None and plan[0] <= target.sum() + 0.5:
                return plan[0], plan  # and no smaller set fills it even with continuous units
            if plan is not None and plan[0] < best - 0.5:
                best, found = plan[0], plan
            # not this set again (kept out of `cuts`: what it excludes depends on `best`)
            add((np.arange(n), np.where(target, -1.0, 1.0), 1.0 - target.sum()))
            master.changeRowBounds(0, -np.inf, best - 0.5)
            target = None
    return float("-inf"), found
