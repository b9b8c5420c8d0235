"""The asks MILP: force generation's transport model (stage `unmet`) with the candidate asks
as extra unit columns, their personnel held within each nation's deployment ceiling by the
registered `ask_ceiling` block, the target tiers' unmet units minimised, then the asks' cost.

The candidates are pledges appended to the scenario, so every compatibility test of force
generation (capability and substitutes, region, role, readiness, state and conditions)
applies to them by the same code (forcegen/arrays.py), and the columns of the asks are the
`x` columns of those pledges.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray
from willing.forcegen.blocks import ConstraintBlock, ModelIndex, Rows, in_stage, registered
from willing.forcegen.highs import StageInfo, new_highs, pass_model, run_stage
from willing.forcegen.model import transport_columns
from willing.forcegen.plan import Built, PlanResult, baseline_units, build_model
from willing.forcegen.solve import unmet_tiers
from willing.scenario.model import PRIORITY_ORDER
from willing.scenario.scenario import PledgeRecord, Scenario

TARGETS = {"essential": 0, "important": 1, "all": 2}
"""`--target`: the highest priority tier that must be met (and every tier above it)."""


def ceiling_block(first_ask: int, room: FloatArray) -> ConstraintBlock:
    """`ask_ceiling`: one row per asked nation, its asks' personnel within its room.

    `first_ask` is the index of the first candidate pledge (they come after the scenario's
    own); `room[n]` the personnel nation n may still deploy (ceiling less its plan).
    """

    def build(ix: ModelIndex) -> Rows | None:
        on = ix.pair_p >= first_ask
        if not on.any():
            return None
        nation = ix.pa.nation[ix.pair_p[on]]
        nations, row = np.unique(nation, return_inverse=True)
        return Rows(row.astype(np.int64), ix.col("x", ix.xs[on]), ix.pair_personnel[on],
                    np.full(len(nations), -np.inf), room[nations], (nations,))

    return ConstraintBlock(
        "ask_ceiling", "Σ_{asks a of n} personnel·x[a,j] ≤ ceiling[n]·active[n] − deployed[n]: "
        "a nation's asks stay within what it can keep deployed.", ("nation",), build,
        ("unmet",), "shared")


def pool_block(first_ask: int, asks: list[PledgeRecord],
               shared: list[tuple[int, int, int]]) -> ConstraintBlock:
    """`ask_pool`: one row per candidate with sub-unit candidates, their pools shared.

    `shared` holds (parent candidate, sub-unit candidate, k sub-units per parent); a sub-unit
    uses 1/k of the parent's pool, so the nation's spare parents bound both asks together.
    """

    def build(ix: ModelIndex) -> Rows | None:
        if not shared:
            return None
        parents = sorted({kp for kp, _, _ in shared})
        row_of = {first_ask + kp: i for i, kp in enumerate(parents)}
        share = {first_ask + kp: 1.0 for kp in parents}
        for kp, ks, k in shared:
            row_of[first_ask + ks] = row_of[first_ask + kp]
            share[first_ask + ks] = 1.0 / k
        on = np.isin(ix.pair_p, list(row_of))
        pledge = ix.pair_p[on]
        return Rows(np.array([row_of[int(q)] for q in pledge], dtype=np.int64),
                    ix.col("x", ix.xs[on]),
                    ix.use[on] * np.array([share[int(q)] for q in pledge]),
                    np.full(len(parents), -np.inf),
                    np.array([float(asks[kp].count) for kp in parents]),
                    (np.array([first_ask + kp for kp in parents], dtype=np.int64),))

    return ConstraintBlock(
        "ask_pool", "Σ_j a[p,j]·x[p,j] + Σ_j a[q,j]·x[q,j]/k ≤ spare[p]: a nation's asks of a "
        "unit p and of its sub-units q (k per unit) share its spare units.", ("pledge",), build,
        ("unmet",), "shared")


@dataclass
class Solved:
    """The asks model's solution: units on every x column, the target's unmet, the stages."""

    built: Built
    x: np.ndarray  # units per x column
    unmet: np.ndarray  # per requirement
    stages: list[StageInfo]
    first_ask: int


def solve_asks(scenario: Scenario, state: str, asks: list[PledgeRecord], room: dict[str, float],
               cost: FloatArray, target: str, time_limit: float = 60.0,
               shared: list[tuple[int, int, int]] | None = None,
               mip_rel_gap: float = 1e-6, before: PlanResult | None = None) -> Solved:
    """Minimise the target tiers' unmet units (essential first), then the cost of the asks.

    `shared` couples a candidate's pool with its sub-unit candidates' (`pool_block`).
    `asks` are candidate pledge records, `cost[k]` the cost per deployed unit of ask k;
    `before`, the plan without asks, is the solver's first solution (always feasible: it asks
    for nothing), which on a large model saves most of the first stage.
    """
    t0 = time.perf_counter()
    first = len(scenario.pledges)
    aug = replace(scenario, pledges=[*scenario.pledges, *asks])
    nations = list(scenario.spec.nations)
    room_n = np.array([room.get(n, 0.0) for n in nations])
    with registered(ceiling_block(first, room_n)), \
            registered(pool_block(first, asks, shared or [])):
        built = build_model(aug, state)
        keep = built.fm.milp.rows(*in_stage("unmet"))
    fm, ra, m = built.fm, built.ra, built.fm.milp
    n1 = transport_columns(fm)
    tiers, tier_rows = unmet_tiers(fm, ra)
    a = sp.vstack([m.a.tocsr()[keep][:, :n1], tier_rows[:, :n1]])
    tier_hi = np.full(len(tiers), np.inf)
    h = new_highs(time_limit, mip_rel_gap)
    pass_model(h, np.zeros(n1), a, np.concatenate([m.row_lo[keep], np.full(len(tiers), -np.inf)]),
               np.concatenate([m.row_hi[keep], tier_hi]), m.col_lo[:n1], m.col_hi[:n1],
               m.integer[:n1])
    deadline = t0 + time_limit
    u = fm.cols.columns("u")
    sol = np.zeros(n1)
    xcols = fm.cols.columns("x")
    if before is not None:
        sol[xcols] = baseline_units(aug, built.reqs, fm, before)
    sol[u] = ra.demand - np.bincount(fm.pair_j, weights=sol[xcols], minlength=len(ra))
    stages: list[StageInfo] = []
    for i, tier in enumerate(tiers):
        priority = int(ra.priority[tier[0]])
        if priority > TARGETS[target]:
            continue
        name = f"unmet-{PRIORITY_ORDER[priority]}"
        if sol[u[tier]].sum() < 0.5:  # the start leaves none: 0 is this tier's optimum
            stages.append(StageInfo(name, "optimal", 0.0, 0.0, 0.0, bound=0.0))
        else:
            c = np.zeros(n1)
            c[u[tier]] = 1.0
            info, sol = run_stage(h, name, sol, deadline, c, integral=True)
            stages.append(info)
        h.changeRowBounds(len(keep) + i, -np.inf, float(np.round(sol[u[tier]].sum())) + 0.5)
    c = np.zeros(n1)
    ask_pair = fm.pair_p >= first
    c[xcols[ask_pair]] = cost[fm.pair_p[ask_pair] - first]
    info, sol = run_stage(h, "ask-cost", sol, deadline, c)
    stages.append(info)
    return Solved(built, np.round(sol[xcols]), np.round(sol[u]), stages, first)
