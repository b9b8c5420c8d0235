"""Solving the force-generation MILP with HiGHS, lexicographically, in stages.

Stage 1 (one solve per priority tier, essential first) minimises the unmet units of that tier
on the transport part of the model alone (pledge capacity and demand), keeping the optimum of
the tiers before it; a tier the plan so far already fills is 0 without a solve. Stage 2a
(`nations`) solves the whole model with every tier's optimum kept and minimises leaderless
components, then the number of nations per component (an integral objective, so HiGHS can close
it exactly). Given a baseline plan (the source state of a contingency event), stage `stability`
keeps that count and minimises the baseline units that leave their position (same pledge, same
requirement), so units stay put unless the new state gives a reason. Stage 2b
(`fair-share-cost`) keeps all of these, fixes which nations take part in which component (`y`)
to the solution so far, and minimises the deviation from fair shares, then cost;
`fair-share-open` (optional) then frees `y` again and improves that optimum in the time left.
Splitting 2a from 2b matters: with the small fair-share and cost terms in the same objective,
HiGHS must prove a fractional tie-breaker to 0.1 % before it can stop, and the large instance
never finishes (bench/forcegen.py).

One HiGHS instance serves each model (the transport model of stage 1, the whole model of the
later stages): between stages only costs, bounds and added rows (and the stability columns)
change, and each stage starts from the previous stage's solution, so a time limit always leaves
a feasible plan, reported with its gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray, RequirementArrays
from willing.forcegen.blocks import in_stage
from willing.forcegen.decompose import nations_by_component
from willing.forcegen.highs import StageInfo, new_highs, pass_model, relative_gap, run_stage
from willing.forcegen.model import (
    ForceModel,
    complete_fair_share,
    most_personnel,
    transport_columns,
)
from willing.scenario.model import PRIORITY_ORDER

FAIR_SHARE_SCOPE = "participation y[n,m] fixed to the nations (or stability) stage's solution"
"""The fair-share stage's restriction; its gap is measured within it, not over all plans
with the same unmet demand and nation count."""


BY_COMPONENT_FROM = 1000
"""Unit columns (pledge × requirement pairs) from which the nations stage is solved by
component. Below, HiGHS proves the whole model in milliseconds and the slices' overhead
(a HiGHS instance and a Benders master per slice, the tier caps, the threads) is most of
the time: 0.13–0.15 s a state whole against 0.27–0.28 s by component on the small
synthetic instance (~170 columns); on the medium one (~2,900) by component took 0.8–5.6 s
and the whole model 2.0–4.1 s, and on the large one (~30,000) the whole model is not proven
in minutes (bench/README.md)."""


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

    def proof(self) -> str:
        """Which objectives are proven best, in the order they rank, and the first that is not.

        One gap for the whole plan hides which objective it belongs to: at a time limit on a
        large scenario the unmet demand and the nation count are usually proven and only the
        fair-share balance is not, and the planner should know that the gaps and leads are
        then settled. Stages after an unproven one are solved for its plan, so they are not
        listed as proven.
        """
        proven: list[str] = []
        for s in self.stages:
            if s.status != "optimal":
                gap = f", gap {s.mip_gap:.2%}" if np.isfinite(s.mip_gap) else ""
                head = f"proven: {', '.join(proven)}; " if proven else ""
                return f"{head}not proven ({s.status}{gap}): {_meaning(s.name)}"
            proven.append(_meaning(s.name))
        return "every objective proven" + (f": {', '.join(proven)}" if proven else "")


_STAGE_MEANING = {
    "nations": "leads and nations per component",
    "stability": "units kept in place",
    "fair-share-cost": "fair shares and cost",
    "fair-share-open": "fair shares with participation free",
}


def _meaning(name: str) -> str:
    """A stage's objective in a planner's words (`unmet-essential`: unmet essential demand)."""
    if name.startswith("unmet-"):
        return f"unmet {name.removeprefix('unmet-')} demand"
    return _STAGE_MEANING.get(name, name)


def solve(fm: ForceModel, ra: RequirementArrays, *, time_limit: float = 60.0,
          mip_rel_gap: float = 1e-3, build_seconds: float = 0.0,
          baseline: FloatArray | None = None,
          baseline_total: float = 0.0,
          open_fair_share: bool = False,
          by_component: bool | None = None) -> tuple[np.ndarray, SolveInfo]:
    """Solve a built model; returns the column values and what happened.

    `baseline[k]` is the units a previous plan put on x column k (same pledge, same
    requirement); when given, the `stability` stage keeps as many of them as it can. With
    `open_fair_share`, the time left after the fair-share stage (participation fixed) goes to
    `fair-share-open`: the same objective with participation free, from that optimum. Its
    reported objective is every baseline unit that leaves its position: those it could have
    kept plus those whose position is gone (`baseline_total` − Σ baseline: the pledge or the
    requirement no longer exists, or they are no longer compatible). `by_component` solves the
    nations stage one component at a time (`decompose.py`); False solves the whole model at
    once; None (the default) chooses by size (`BY_COMPONENT_FROM`).
    """
    t0 = time.perf_counter()
    if by_component is None:
        by_component = fm.cols.size("x") >= BY_COMPONENT_FROM
    deadline = t0 + time_limit
    m, c = fm.milp, fm.cols
    u = c.columns("u")
    tiers, tier_rows = unmet_tiers(fm, ra)  # extra rows, bounded as the stages go
    names = [f"unmet-{PRIORITY_ORDER[int(ra.priority[t[0]])]}" for t in tiers]
    stages: list[StageInfo] = []

    # stage 1: transport rows (capacity, demand) and x, u columns only
    n1 = transport_columns(fm)
    keep = m.rows(*in_stage("unmet"))
    a1 = sp.vstack([m.a.tocsr()[keep][:, :n1], tier_rows[:, :n1]])
    tier_hi = np.full(len(tiers), np.inf)
    h = new_highs(time_limit, mip_rel_gap)
    pass_model(h, np.zeros(n1), a1, np.concatenate([m.row_lo[keep], np.full(len(tiers), -np.inf)]),
               np.concatenate([m.row_hi[keep], tier_hi]), m.col_lo[:n1], m.col_hi[:n1],
               m.integer[:n1])
    x1 = np.zeros(n1)
    fm.values(x1, "u")[:] = ra.demand  # all unmet: always feasible
    for i, tier in enumerate(tiers):
        if x1[u[tier]].sum() < 0.5:  # the plan so far leaves none: 0 is this tier's optimum
            stages.append(StageInfo(names[i], "optimal", 0.0, 0.0, 0.0, bound=0.0))
        else:
            later = np.concatenate(tiers[i + 1:]) if i + 1 < len(tiers) else tier[:0]
            info, x1 = _tier_stage(h, names[i], x1, deadline, u[tier], u[later],
                                   float(ra.demand[later].sum()))
            stages.append(info)
        tier_hi[i] = np.round(x1[u[tier]].sum()) + 0.5  # integral data: unmet is integral
        h.changeRowBounds(len(keep) + i, -np.inf, float(tier_hi[i]))

    # stage 2a: the whole model, leads and nations per component
    h1 = h  # the transport model, for the few-nations start
    h = new_highs(time_limit, mip_rel_gap)
    pass_model(h, np.zeros(c.total), sp.vstack([m.a, tier_rows]),
               np.concatenate([m.row_lo, np.full(len(tiers), -np.inf)]),
               np.concatenate([m.row_hi, tier_hi]), m.col_lo, m.col_hi, m.integer)
    start = _start(fm, x1)
    part, by_part = (nations_by_component(fm, ra, h, tier_rows, tier_hi - 0.5, start, deadline,
                                          mip_rel_gap) if by_component
                     else (StageInfo("nations", "", 0.0, 0.0, 0.0), None))
    if by_part is not None and part.status == "optimal":
        info, sol = part, by_part
    else:  # the whole model, from the slices' plan when they made one, their bound kept
        if by_part is None:  # else a start with few nations and every component led
            few = _few_nations(fm, ra, h1, n1, tiers, tier_hi, x1, deadline)
            by_part = start = _start(fm, few) if few is not None else start
        elif fm.weights["nations"] @ by_part > fm.weights["nations"] @ start:
            by_part = start
        info, sol = run_stage(h, "nations", by_part, deadline, fm.weights["nations"],
                              integral=True)
        info = replace(info.with_bound(part.bound, mip_rel_gap),
                       seconds=info.seconds + part.seconds)  # the slices' time counts too
    stages.append(info)
    # keep the leads and count (integral: +0.5 is exact)
    _keep(h, fm.weights["nations"], sol)
    if baseline is not None:
        info, sol = _stability(h, baseline, sol, deadline)
        info.objective += baseline_total - float(baseline.sum())  # units with no place to stay
        stages.append(info)
    # stage 2b: participation fixed, balance fair shares, then cost
    y = c.columns("y").astype(np.int32)
    y_val = np.round(sol[y])
    h.changeColsBounds(len(y), y, y_val, y_val)
    balance = np.zeros(len(sol))
    balance[:c.total] = fm.weights["balance"]
    info, final = _scaled(h, "fair-share-cost", sol, deadline, balance)
    info.scope = FAIR_SHARE_SCOPE
    stages.append(info)
    if open_fair_share and time.perf_counter() < deadline - 0.05:
        # then with participation free again, from that optimum, in the time left
        h.changeColsBounds(len(y), y, np.zeros(len(y)), np.ones(len(y)))
        info, final = _scaled(h, "fair-share-open", final, deadline, balance)
        stages.append(info)
    final = final[:c.total]
    # units are whole and demand is whole, so unmet is too: drop the solver's 1e-14 noise
    units = c.columns("x", "u", "w")
    final[units] = np.round(final[units])

    status = "optimal" if all(s.status == "optimal" for s in stages) else (
        "time-limit" if any(s.status == "time-limit" for s in stages) else stages[-1].status)
    unmet = [float(final[u[t]].sum()) for t in tiers]
    return final, SolveInfo(status=status, mip_gap=max(s.mip_gap for s in stages),
                            build_seconds=build_seconds, solve_seconds=time.perf_counter() - t0,
                            stages=stages, unmet_by_tier=unmet)


def unmet_tiers(fm: ForceModel, ra: RequirementArrays) -> tuple[list[np.ndarray], sp.csr_matrix]:
    """The requirements of each priority tier that has any, essential first, and one row per
    tier summing its unmet columns."""
    tiers = [t for t in (np.nonzero(ra.priority == k)[0] for k in range(3)) if len(t)]
    c, u = fm.cols, fm.cols.columns("u")
    rows = sp.csr_matrix(
        (np.ones(sum(len(t) for t in tiers)),
         (np.repeat(np.arange(len(tiers)), [len(t) for t in tiers]),
          np.concatenate([u[t] for t in tiers]) if tiers else np.zeros(0, dtype=int))),
        shape=(len(tiers), c.total))
    return tiers, rows


def _tier_stage(h: highspy._core._Highs, name: str, start: np.ndarray, deadline: float,
                mine: np.ndarray, later: np.ndarray,
                later_most: float) -> tuple[StageInfo, np.ndarray]:
    """Minimise the unmet units of one tier (columns `mine`), nudging the later tiers' unmet
    (columns `later`, at most `later_most` units) towards 0 at a weight too small to trade
    one unit of this tier.

    The nudge lets the next tiers' stages be skipped whenever this plan leaves them nothing
    (on the large synthetic instance, two of three solves: 0.5 s of stage 1's 1.0 s). With w
    the weight, w·Σ later ≤ ¼; HiGHS stops at an absolute gap of ½, which proves this tier
    exactly (its unmet is integral: ≤ bound + ½ ≤ optimum + ¾; beyond 500 units the 0.1 %
    relative gap may stop it first, as before) without proving the nudge, and the tier's
    bound is the combined bound less ¼, rounded up.
    """
    cost = np.zeros(len(start))
    cost[mine] = 1.0
    cost[later] = 0.25 / (later_most + 1.0)
    info, sol = run_stage(h, name, start, deadline, cost, warm=False, abs_gap=0.5)
    objective = float(np.round(sol[mine].sum()))
    bound = max(float(np.ceil(info.bound - 0.25 - 1e-9)), 0.0)
    return replace(info, objective=objective, bound=bound,
                   mip_gap=relative_gap(objective, bound)), sol


def _scaled(h: highspy._core._Highs, name: str, start: np.ndarray, deadline: float,
            cost: FloatArray) -> tuple[StageInfo, np.ndarray]:
    """A stage whose costs HiGHS sees scaled to at most 1, its objective reported unscaled.

    The fair-share and cost terms are 1e-7 to 1e-5 per column, at HiGHS' dual feasibility
    tolerance (1e-7); HiGHS warns that such a model is badly scaled and may be solved
    inaccurately. The scaling changes neither the plan nor the relative gap.
    """
    k = 1.0 / max(float(np.abs(cost).max()), 1e-300)
    info, sol = run_stage(h, name, start, deadline, cost * k)
    return replace(info, objective=info.objective / k, bound=info.bound / k), sol


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
    info, out = run_stage(h, "stability", start, deadline, cost)
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
    c, u = fm.cols, fm.cols.columns("u")
    x_hi = fm.values(fm.milp.col_hi, "x")
    weight = fm.pair_personnel * x_hi  # personnel a pair could bring
    order = np.lexsort((-most_personnel(fm), fm.nm_comp))  # by component, largest first
    n_y, n_x = c.size("y"), c.size("x")
    allowed = np.zeros(n_y, dtype=bool)
    lead_ok = np.zeros(n_y, dtype=bool)
    lead_ok[fm.lead_nm] = True
    lead_pick = np.zeros(n_y, dtype=bool)
    for comp in np.unique(fm.nm_comp):
        mine = order[fm.nm_comp[order] == comp]
        allowed[mine[0]] = True
        leads = mine[lead_ok[mine]]
        if len(leads):
            allowed[leads[0]] = lead_pick[leads[0]] = True
    n_comp = len(ra.components)
    target = np.array([x1[u[t]].sum() for t in tiers])
    stage1_unmet = np.bincount(ra.component, weights=fm.values(x1, "u"), minlength=n_comp)
    idx = c.columns("x").astype(np.int32)
    # lexicographic weights for this heuristic only: a unit of a higher tier outweighs all below
    cost = np.zeros(n1)
    for k, t in enumerate(tiers):
        cost[u[t]] = (float(ra.demand.sum()) + 1.0) ** (len(tiers) - 1 - k)
    # and, worth less than one unit of any tier in all, personnel from the intended leads, so
    # that they bring their lead share
    mine = lead_pick[fm.nm_of_pair]
    fm.values(cost, "x")[mine] = -0.5 * weight[mine] / max(float(weight[mine].sum()), 1.0)
    grow_by = np.ones(n_comp, dtype=np.int64)
    tier_row0 = h.getNumRow() - len(tiers)
    for k in range(len(tiers)):  # the restricted model may miss them: minimise instead
        h.changeRowBounds(tier_row0 + k, -np.inf, np.inf)
    out: np.ndarray | None = None
    while time.perf_counter() < deadline:
        hi = np.where(allowed[fm.nm_of_pair], x_hi, 0.0)
        h.changeColsBounds(n_x, idx, np.zeros(n_x), hi)
        info, sol = run_stage(h, "few-nations", x1, deadline, cost, warm=False)
        if info.status != "optimal":
            break
        if all(sol[u[t]].sum() <= target[k] + 0.5 for k, t in enumerate(tiers)):
            out = sol
            break
        if allowed.all():  # missed within the relative gap even with everyone: no start
            break
        # each component left short of its stage-1 fill gets its next largest nation
        excess = np.bincount(ra.component, weights=fm.values(sol, "u"), minlength=n_comp)
        grew = False
        for comp in np.nonzero(excess - stage1_unmet > 0.5)[0]:
            nxt = order[(fm.nm_comp[order] == comp) & ~allowed[order]][:grow_by[comp]]
            allowed[nxt] = True
            grew = grew or len(nxt) > 0
            grow_by[comp] *= 2  # short again next time: add twice as many
        if not grew:  # the shortfall only moved between components: allow everyone
            allowed[:] = True
    h.changeColsBounds(n_x, idx, np.zeros(n_x), x_hi)
    for k in range(len(tiers)):
        h.changeRowBounds(tier_row0 + k, -np.inf, float(tier_hi[k]))
    return out


def _start(fm: ForceModel, x1: np.ndarray) -> np.ndarray:
    """A feasible full solution from a stage-1 allocation: everyone used takes part, and each
    component is led by its largest HQ-capable contributor when that one meets the share."""
    v = np.zeros(fm.cols.total)
    v[:len(x1)] = x1  # the transport columns: units, unmet and formed units
    x = np.round(fm.values(x1, "x"))
    fm.values(v, "x")[:] = x
    nm_of_pair, n_y = fm.nm_of_pair, fm.cols.size("y")
    pers = np.bincount(nm_of_pair, weights=x * fm.pair_personnel, minlength=n_y)
    fm.values(v, "y")[:] = np.bincount(nm_of_pair, weights=x, minlength=n_y) > 0
    lead, leaderless = fm.values(v, "L"), fm.values(v, "z")
    leaderless[:] = 1.0
    comp_total = np.bincount(fm.nm_comp, weights=pers, minlength=int(fm.nm_comp.max(initial=0)) + 1)
    for z, comp in enumerate(fm.comp_with_demand):
        mine = np.nonzero(fm.nm_comp[fm.lead_nm] == comp)[0]
        if len(mine) == 0:
            continue
        best = mine[np.argmax(pers[fm.lead_nm[mine]])]
        nm = fm.lead_nm[best]
        if pers[nm] > 0 and pers[nm] >= fm.lead_share_min[comp] * comp_total[comp]:
            lead[best], leaderless[z] = 1.0, 0.0
    complete_fair_share(fm, v)
    return v
