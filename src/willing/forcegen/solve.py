"""Solving the force-generation MILP with HiGHS, lexicographically, in stages.

Stage 1 (one solve per priority tier, essential first) minimises the unmet units of that tier
on the transport part of the model alone (pledge capacity and demand), keeping the optimum of
the tiers before it. Stage 2a (`nations`) solves the whole model with every tier's optimum
kept and minimises leaderless components, then the number of nations per component (an
integral objective, so HiGHS can close it exactly). Given a baseline plan (the source state
of a contingency event), stage `stability` keeps that count and minimises the baseline units
that leave their position (same pledge, same requirement), so units stay put unless the new
state gives a reason. Stage 2b (`fair-share-cost`) keeps all of these, fixes which nations
take part in which component (`y`) to the solution so far, and minimises the deviation from
fair shares, then cost; `fair-share-open` (optional) then frees `y` again and improves that
optimum in the time left. Splitting 2a from 2b matters: with the small fair-share and cost
terms in the same objective, HiGHS must prove a fractional tie-breaker to 0.1 % before it
can stop, and the large instance never finishes (bench/forcegen.py).

One HiGHS instance serves each model (the transport model of stage 1, the whole model of
the later stages): between stages only costs, bounds and added rows (and the stability
columns) change, and each stage starts from the previous stage's
solution, so a time limit always leaves a feasible plan, reported with its gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray, RequirementArrays
from willing.forcegen.model import ForceModel, Milp
from willing.scenario.model import PRIORITY_ORDER

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kTimeLimit: "time-limit",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kSolutionLimit: "solution-limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
}


@dataclass
class StageInfo:
    """One stage: its objective and gap are those of the stage's own problem (`scope`)."""

    name: str
    status: str
    objective: float
    mip_gap: float
    seconds: float
    scope: str = ""  # what the stage's problem holds fixed, when more than the stages before


FAIR_SHARE_SCOPE = "participation y[n,m] fixed to the nations (or stability) stage's solution"
"""The fair-share stage's restriction; its gap is measured within it, not over all plans
with the same unmet demand and nation count."""


@dataclass
class SolveInfo:
    """What the solver did: overall status, the worst stage's optimality gap and time per stage.

    Each stage's gap is relative to its own problem: the earlier stages' optima kept and, for
    `fair-share-cost`, participation fixed too (`StageInfo.scope`), so a gap of 0 there means
    the best balance among the chosen participants, not among every plan of equal count.
    """

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


def _run(h: highspy._core._Highs, name: str, start: np.ndarray, deadline: float,
         cost: FloatArray, warm: bool = True) -> tuple[StageInfo, np.ndarray]:
    """One stage: new costs, the time left and (if `warm`) a warm start. Returns the best
    solution known: the start when the solver found nothing in time."""
    t = time.perf_counter()
    h.setOptionValue("time_limit", max(deadline - t, 0.01))
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32),
                     np.ascontiguousarray(cost, dtype=np.float64))
    h.clearSolver()
    if warm:
        hs = highspy.HighsSolution()
        hs.col_value = start.tolist()
        hs.value_valid = True
        h.setSolution(hs)
    h.run()
    status = _STATUS.get(h.getModelStatus(), str(h.getModelStatus()))
    info = h.getInfo()
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    sol = np.asarray(h.getSolution().col_value) if has else start
    objective = float(info.objective_function_value) if has else float(cost @ start)
    if warm and has and abs(objective - float(cost @ sol)) > 1e-6 * (1.0 + abs(objective)):
        # HiGHS 1.16, after a row-bound change and a warm start on a re-used MIP, has reported
        # an objective (and bound) that its own solution does not have; caught by
        # tests/test_forcegen_exact.py. Never trust such a result: solve the stage cold.
        cold_info, cold = _run(h, name, start, deadline, cost, warm=False)
        mine = float(cost @ sol)
        if cold_info.status != "optimal" and mine < cold_info.objective - 1e-9 and _feasible(h, sol):
            # the cold solve ran out of time behind it: keep the warm solution, checked here
            # against every row and bound; its gap is against 0 (the warm bound is not trusted)
            return StageInfo(name, "time-limit", mine, 1.0 if mine > 0 else 0.0,
                             time.perf_counter() - t), sol
        return cold_info, cold
    gap = max(float(info.mip_gap), 0.0) if has else float("inf")
    if not np.isfinite(gap):  # no bound of the solver's own: measure the kept solution
        bound = float(info.mip_dual_bound)
        if np.all(cost >= 0):  # every column is ≥ 0 in this model, so 0 bounds such a stage
            bound = max(bound, 0.0) if np.isfinite(bound) else 0.0
        if np.isfinite(bound):
            gap = max((objective - bound) / max(abs(objective), 1e-9), 0.0)
    if status == "optimal" and not np.isfinite(gap):
        gap = 0.0  # a stage without integer columns is an LP: optimal means no gap
    return StageInfo(name, status, objective, gap, time.perf_counter() - t), sol


def _feasible(h: highspy._core._Highs, v: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether `v` satisfies the model now loaded in `h` — rows, bounds, integrality — computed
    here from the model's own matrix, not from what the solver reports."""
    lp = h.getLp()
    am = lp.a_matrix_
    a = sp.csc_matrix((np.asarray(am.value_), np.asarray(am.index_), np.asarray(am.start_)),
                      shape=(lp.num_row_, lp.num_col_))
    act = a @ v
    lo, hi = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    clo, chi = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    integer = np.asarray([int(i) for i in lp.integrality_], dtype=int) == 1
    if not integer.size:
        integer = np.zeros(len(v), dtype=bool)
    slack = tol * (1.0 + np.abs(act))
    return bool(np.all(act >= lo - slack) and np.all(act <= hi + slack)
                and np.all(v >= clo - tol) and np.all(v <= chi + tol)
                and np.all(np.abs(v[integer] - np.round(v[integer])) <= tol))


def solve(fm: ForceModel, ra: RequirementArrays, *, time_limit: float = 60.0,
          mip_rel_gap: float = 1e-3, build_seconds: float = 0.0,
          baseline: FloatArray | None = None,
          baseline_total: float = 0.0,
          open_fair_share: bool = True) -> tuple[np.ndarray, SolveInfo]:
    """Solve a built model; returns the column values and what happened.

    `baseline[k]` is the units a previous plan put on x column k (same pledge, same
    requirement); when given, the `stability` stage keeps as many of them as it can. With
    `open_fair_share`, the time left after the fair-share stage (participation fixed) goes to
    `fair-share-open`: the same objective with participation free, from that optimum. Its
    reported objective is every baseline unit that leaves its position: those it could have
    kept plus those whose position is gone (`baseline_total` − Σ baseline: the pledge or the
    requirement no longer exists, or they are no longer compatible).
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    m, c = fm.milp, fm.cols
    tiers = [t for t in (np.nonzero(ra.priority == k)[0] for k in range(3)) if len(t)]
    names = [f"unmet-{PRIORITY_ORDER[int(ra.priority[t[0]])]}" for t in tiers]
    # unmet per tier as extra rows, bounded as the stages go
    tier_rows = sp.csr_matrix(
        (np.ones(sum(len(t) for t in tiers)),
         (np.repeat(np.arange(len(tiers)), [len(t) for t in tiers]),
          np.concatenate([c.u0 + t for t in tiers]) if tiers else np.zeros(0, dtype=int))),
        shape=(len(tiers), c.total))
    stages: list[StageInfo] = []

    # stage 1: transport rows (capacity, demand) and x, u columns only
    n1 = c.n_x + c.n_u
    keep = np.concatenate([np.arange(lo, hi) for name, lo, hi in m.row_block
                           if name in ("pledge_capacity", "demand")])
    a1 = sp.vstack([m.a.tocsr()[keep][:, :n1], tier_rows[:, :n1]])
    tier_hi = np.full(len(tiers), np.inf)
    h = _highs(time_limit, mip_rel_gap)
    _pass(h, np.zeros(n1), m, a1, np.concatenate([m.row_lo[keep], np.full(len(tiers), -np.inf)]),
          np.concatenate([m.row_hi[keep], tier_hi]), n1)
    x1 = np.zeros(n1)
    x1[c.u0:c.u0 + c.n_u] = ra.demand  # all unmet: always feasible
    for i, tier in enumerate(tiers):
        cost = np.zeros(n1)
        cost[c.u0 + tier] = 1.0
        info, x1 = _run(h, names[i], x1, deadline, cost, warm=False)
        stages.append(info)
        tier_hi[i] = np.round(x1[c.u0 + tier].sum()) + 0.5  # integral data: unmet is integral
        h.changeRowBounds(len(keep) + i, -np.inf, float(tier_hi[i]))

    # stage 2a: the whole model, leads and nations per component
    few = _few_nations(fm, ra, h, n1, tiers, tier_hi, x1, deadline)
    h = _highs(time_limit, mip_rel_gap)
    _pass(h, np.zeros(c.total), m, sp.vstack([m.a, tier_rows]),
          np.concatenate([m.row_lo, np.full(len(tiers), -np.inf)]),
          np.concatenate([m.row_hi, tier_hi]), c.total)
    start = _start(fm, few if few is not None else x1)
    info, sol = _run(h, "nations", start, deadline, fm.weights["nations"])
    stages.append(info)
    # keep the leads and count (integral: +0.5 is exact)
    _keep(h, fm.weights["nations"], sol)
    if baseline is not None:
        info, sol = _stability(h, baseline, sol, deadline)
        info.objective += baseline_total - float(baseline.sum())  # units with no place to stay
        stages.append(info)
    # stage 2b: participation fixed, balance fair shares, then cost
    y = np.arange(c.y0, c.y0 + c.n_y, dtype=np.int32)
    y_val = np.round(sol[y])
    h.changeColsBounds(len(y), y, y_val, y_val)
    balance = np.zeros(len(sol))
    balance[:c.total] = fm.weights["balance"]
    info, final = _run(h, "fair-share-cost", sol, deadline, balance)
    info.scope = FAIR_SHARE_SCOPE
    stages.append(info)
    if open_fair_share and time.perf_counter() < deadline - 0.05:
        # then with participation free again, from that optimum, in the time left
        h.changeColsBounds(len(y), y, np.zeros(len(y)), np.ones(len(y)))
        info, final = _run(h, "fair-share-open", final, deadline, balance)
        stages.append(info)
    final = final[:c.total]

    status = "optimal" if all(s.status == "optimal" for s in stages) else (
        "time-limit" if any(s.status == "time-limit" for s in stages) else stages[-1].status)
    unmet = [float(final[c.u0 + t].sum()) for t in tiers]
    return final, SolveInfo(status=status, mip_gap=max(s.mip_gap for s in stages),
                            build_seconds=build_seconds, solve_seconds=time.perf_counter() - t0,
                            stages=stages, unmet_by_tier=unmet)


def _keep(h: highspy._core._Highs, cost: FloatArray, sol: np.ndarray) -> None:
    """Add the row cost·v ≤ cost·sol: later stages keep this stage's (integral) optimum."""
    nz = np.nonzero(cost)[0]
    h.addRow(-np.inf, float(np.round(cost @ sol[:len(cost)])) + 0.5, len(nz), nz.astype(np.int32),
             cost[nz])


def _stability(h: highspy._core._Highs, baseline: FloatArray, sol: np.ndarray,
               deadline: float) -> tuple[StageInfo, np.ndarray]:
    """The `stability` stage: minimise the baseline units that leave their position.

    One continuous column l[k] ∈ [0, b[k]] per x column the baseline uses, with the row
    x[k] + l[k] ≥ b[k]; at the optimum l = max(b − x, 0), integral because x and b are, so
    Σ l counts the units that move. Afterwards Σ l ≤ its optimum is kept (`stability_fixed`).
    """
    ks = np.nonzero(baseline > 0)[0]
    b = baseline[ks].astype(np.float64)
    n = len(ks)
    if n == 0:  # nothing of the baseline can stay: the stage has nothing to decide
        return StageInfo("stability", "optimal", 0.0, 0.0, 0.0), sol
    first = h.getNumCol()
    h.addCols(n, np.zeros(n), np.zeros(n), b, 0, np.zeros(0, dtype=np.int32),
              np.zeros(0, dtype=np.int32), np.zeros(0))
    idx = np.column_stack([ks, first + np.arange(n)]).ravel().astype(np.int32)
    h.addRows(n, b, np.full(n, np.inf), 2 * n, np.arange(0, 2 * n, 2, dtype=np.int32), idx,
              np.ones(2 * n))
    start = np.concatenate([sol, np.maximum(b - np.round(sol[ks]), 0.0)])
    cost = np.zeros(first + n)
    cost[first:] = 1.0
    info, out = _run(h, "stability", start, deadline, cost)
    _keep(h, cost, out)
    return info, out


def _few_nations(fm: ForceModel, ra: RequirementArrays, h: highspy._core._Highs, n1: int,
                 tiers: list[np.ndarray], tier_hi: FloatArray, x1: np.ndarray,
                 deadline: float) -> np.ndarray | None:
    """A stage-1 optimum that uses few nations, to start the nations stage from.

    HiGHS' own heuristics start from the stage-1 allocation, which spreads units over almost
    every nation, and on large instances never get far from it. Here the transport model
    (still loaded in `h`, every tier's optimum kept as a row bound) is solved with pledges
    allowed only from a growing set of (nation, component) pairs: per component its largest
    contributor and its largest HQ-capable one first (rewarded a little for bringing
    personnel, so it can meet its lead share), then, while some tier's optimum is missed,
    the next largest in each component that falls short, twice as many each time it falls
    short again. Returns None when time runs out first (the caller then starts from the
    stage-1 allocation).
    """
    c = fm.cols
    weight = fm.pair_personnel * fm.milp.col_hi[:c.n_x]  # personnel a pair could bring
    size = np.bincount(fm.nm_of_pair, weights=weight, minlength=c.n_y)
    order = np.lexsort((-size, fm.nm_comp))  # by component, largest first
    allowed = np.zeros(c.n_y, dtype=bool)
    lead_ok = np.zeros(c.n_y, dtype=bool)
    lead_ok[fm.lead_nm] = True
    lead_pick = np.zeros(c.n_y, dtype=bool)
    for comp in np.unique(fm.nm_comp):
        mine = order[fm.nm_comp[order] == comp]
        allowed[mine[0]] = True
        leads = mine[lead_ok[mine]]
        if len(leads):
            allowed[leads[0]] = lead_pick[leads[0]] = True
    n_comp = len(ra.components)
    target = np.array([x1[c.u0 + t].sum() for t in tiers])
    stage1_unmet = np.bincount(ra.component, weights=x1[c.u0:c.u0 + c.n_u], minlength=n_comp)
    idx = np.arange(c.n_x, dtype=np.int32)
    # lexicographic weights for this heuristic only: a unit of a higher tier outweighs all below
    cost = np.zeros(n1)
    for k, t in enumerate(tiers):
        cost[c.u0 + t] = (float(ra.demand.sum()) + 1.0) ** (len(tiers) - 1 - k)
    # and, worth less than one unit of any tier in all, personnel from the intended leads, so
    # that they bring their lead share
    mine = lead_pick[fm.nm_of_pair]
    cost[:c.n_x][mine] = -0.5 * weight[mine] / max(float(weight[mine].sum()), 1.0)
    grow_by = np.ones(n_comp, dtype=np.int64)
    tier_row0 = h.getNumRow() - len(tiers)
    for k in range(len(tiers)):  # the restricted model may miss them: minimise instead
        h.changeRowBounds(tier_row0 + k, -np.inf, np.inf)
    out: np.ndarray | None = None
    while time.perf_counter() < deadline:
        hi = np.where(allowed[fm.nm_of_pair], fm.milp.col_hi[:c.n_x], 0.0)
        h.changeColsBounds(c.n_x, idx, np.zeros(c.n_x), hi)
        info, sol = _run(h, "few-nations", x1, deadline, cost, warm=False)
        if info.status != "optimal":
            break
        if all(sol[c.u0 + t].sum() <= target[k] + 0.5 for k, t in enumerate(tiers)):
            out = sol
            break
        # each component left short of its stage-1 fill gets its next largest nation
        excess = np.bincount(ra.component, weights=sol[c.u0:c.u0 + c.n_u], minlength=n_comp)
        grew = False
        for comp in np.nonzero(excess - stage1_unmet > 0.5)[0]:
            nxt = order[(fm.nm_comp[order] == comp) & ~allowed[order]][:grow_by[comp]]
            allowed[nxt] = True
            grew = grew or len(nxt) > 0
            grow_by[comp] *= 2  # short again next time: add twice as many
        if not grew:  # the shortfall only moved between components: allow everyone
            allowed[:] = True
    h.changeColsBounds(c.n_x, idx, np.zeros(c.n_x), fm.milp.col_hi[:c.n_x])
    for k in range(len(tiers)):
        h.changeRowBounds(tier_row0 + k, -np.inf, float(tier_hi[k]))
    return out


def _start(fm: ForceModel, x1: np.ndarray) -> np.ndarray:
    """A feasible full solution from a stage-1 allocation: everyone used takes part, and each
    component is led by its largest HQ-capable contributor when that one meets the share."""
    c = fm.cols
    v = np.zeros(c.total)
    x = np.round(x1[:c.n_x])
    v[:c.n_x] = x
    v[c.u0:c.u0 + c.n_u] = x1[c.u0:c.u0 + c.n_u]
    nm_of_pair = fm.nm_of_pair
    pers = np.bincount(nm_of_pair, weights=x * fm.pair_personnel, minlength=c.n_y)
    v[c.y0:c.y0 + c.n_y] = (np.bincount(nm_of_pair, weights=x, minlength=c.n_y) > 0)
    v[c.z0:c.z0 + c.n_z] = 1.0
    comp_total = np.bincount(fm.nm_comp, weights=pers, minlength=int(fm.nm_comp.max(initial=0)) + 1)
    for z, comp in enumerate(fm.comp_with_demand):
        mine = np.nonzero(fm.nm_comp[fm.lead_nm] == comp)[0]
        if len(mine) == 0:
            continue
        best = mine[np.argmax(pers[fm.lead_nm[mine]])]
        nm = fm.lead_nm[best]
        if pers[nm] > 0 and pers[nm] >= fm.lead_share_min[comp] * comp_total[comp]:
            v[c.l0 + best], v[c.z0 + z] = 1.0, 0.0
    v[c.p0:c.p0 + c.n_y] = pers
    if c.n_e:
        by_nation = np.bincount(fm.nm_nation, weights=pers,
                                minlength=int(fm.fair_nations.max()) + 1)
        mine_f = by_nation[fm.fair_nations]
        dev = mine_f - fm.fair_share * mine_f.sum()
        v[c.e0:c.e0 + c.n_e] = np.maximum(dev, 0)
        v[c.e0 + c.n_e:c.e0 + 2 * c.n_e] = np.maximum(-dev, 0)
    return v
