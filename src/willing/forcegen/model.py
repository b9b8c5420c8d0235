"""The force-generation MILP, built as sparse matrices from index arrays (DESIGN §5).

Variables, in column order:

    x[k]     units of pledge p(k) on requirement j(k), one column per compatible pair
    u[j]     unmet units of requirement j
    y[n,m]   nation n takes part in component m (binary)
    L[n,m]   nation n leads component m (binary; HQ-capable nations willing to lead)
    z[m]     component m has no lead (binary; the leaderless gap, never infeasible)
    e⁺[n], e⁻[n]   deviation of nation n's personnel from its fair share
    P[n,m]   personnel nation n puts into component m (continuous, defined by a row)
    l[p,j]   baseline units of pledge p on requirement j that leave it (added by the
             `stability` stage only when a baseline plan is given, see `solve.py`)

Each constraint block is named and described in `CONSTRAINTS`, so the report can print the
mathematics it solved. The objective is lexicographic and solved in stages (see `solve.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from willing.forcegen.arrays import FloatArray, IntArray, PledgeArrays, RequirementArrays

CONSTRAINTS: dict[str, str] = {
    "pledge_capacity": "Σ_j a[p,j]·x[p,j] ≤ count[p]; a = rotation for an enduring requirement "
    "(one deployed needs `rotation` in the pool), 1 for a surge one.",
    "demand": "Σ_p x[p,j] + u[j] = d[j]: every unit required is filled or named as a gap.",
    "participation": "Σ_{p∈n} x[p,j] ≤ min(d[j], Σ_p ub[p,j])·y[n,m(j)] and Σ_{j∈m} "
    "a[p,j]·x[p,j] ≤ count[p]·y[n(p),m] (and Σ_{j∈m enduring} x[p,j] ≤ ⌊count[p]/rotation[p]⌋·y[n(p),m]): "
    "a nation contributing to a component takes part in it.",
    "rotation_floor": "Σ_{j enduring} x[p,j] ≤ ⌊count[p]/rotation[p]⌋ for rotation > 1: whole units "
    "only (the capacity row divided by the rotation, rounded down).",
    "one_lead": "Σ_n L[n,m] + z[m] = 1: exactly one lead per component, or a named leaderless gap.",
    "lead_takes_part": "L[n,m] ≤ y[n,m] and Σ_{p∈n, j∈m} x[p,j] ≥ L[n,m]: the lead contributes.",
    "lead_share": "P[n,m] − s[m]·Σ_n' P[n',m] ≥ −M[m]·(1 − L[n,m]): the lead brings at "
    "least lead_share_min of the component's personnel.",
    "personnel": "P[n,m] = Σ_{p∈n, j∈m} personnel[p]·x[p,j].",
    "fair_share": "personnel[n] − share[n]·Σ personnel = e⁺[n] − e⁻[n], share by the fair-share "
    "key among the nations that can contribute in this state.",
    "unmet_fixed": "Σ_{j∈tier k} u[j] ≤ U*_k: later stages keep the optimal unmet demand of each "
    "priority tier.",
    "nations_fixed": "(n_y+1)·Σ_m z[m] + Σ y[n,m] ≤ N*: the stability, fair-share and cost stages "
    "keep the optimal leads and nation count.",
    "stability": "x[p,j] + l[p,j] ≥ b[p,j], 0 ≤ l[p,j] ≤ b[p,j] (only with a baseline plan, b its "
    "units of pledge p on requirement j): l counts the baseline units that leave their position.",
    "stability_fixed": "Σ l[p,j] ≤ S*: the fair-share and cost stage keeps the fewest moves.",
    "participation_fixed": "y[n,m] = y*[n,m]: the fair-share and cost stage balances volumes among "
    "the participants the earlier stages chose; fair-share-open then frees y (docs/forcegen.md).",
}


TRANSPORT_BLOCKS = ("pledge_capacity", "rotation_floor", "demand")
"""The rows of stage 1 (unmet demand per tier): capacity and demand, over units alone."""


@dataclass
class Columns:
    """Offsets of each variable block."""

    n_x: int
    n_u: int
    n_y: int
    n_l: int
    n_z: int
    n_e: int

    @property
    def u0(self) -> int:
        return self.n_x

    @property
    def y0(self) -> int:
        return self.u0 + self.n_u

    @property
    def l0(self) -> int:
        return self.y0 + self.n_y

    @property
    def z0(self) -> int:
        return self.l0 + self.n_l

    @property
    def e0(self) -> int:
        return self.z0 + self.n_z

    @property
    def p0(self) -> int:
        return self.e0 + 2 * self.n_e

    @property
    def total(self) -> int:
        return self.p0 + self.n_y


@dataclass
class Milp:
    """A MILP in the shape HiGHS takes: min c·x, row_lo ≤ A·x ≤ row_hi, lo ≤ x ≤ hi."""

    a: sp.csc_matrix
    row_lo: FloatArray
    row_hi: FloatArray
    col_lo: FloatArray
    col_hi: FloatArray
    integer: np.ndarray
    row_block: list[tuple[str, int, int]] = field(default_factory=list)

    def rows(self, *names: str) -> IntArray:
        """The rows of the named blocks, in model order."""
        picked = [np.arange(lo, hi) for name, lo, hi in self.row_block if name in names]
        return np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)


@dataclass
class ForceModel:
    """The index structure of one state's model, kept to read the solution back."""

    pair_p: IntArray  # pledge index of each x column
    pair_j: IntArray  # requirement index of each x column
    nm_of_pair: IntArray  # y column of each x column
    pair_personnel: FloatArray  # personnel per unit of each x column
    nm_nation: IntArray  # nation index of each y column
    nm_comp: IntArray  # component index of each y column
    lead_nm: IntArray  # y-column index of each L column
    comp_with_demand: IntArray  # component index of each z column
    fair_nations: IntArray  # nation index of each e pair
    fair_share: FloatArray
    lead_share_min: FloatArray  # per component
    cols: Columns
    milp: Milp
    weights: dict[str, FloatArray]  # objective of stages 2a (`nations`) and 2b (`balance`)


class _Rows:
    """Accumulates constraint blocks as COO triplets."""

    def __init__(self) -> None:
        self.r: list[IntArray] = []
        self.c: list[IntArray] = []
        self.v: list[FloatArray] = []
        self.lo: list[FloatArray] = []
        self.hi: list[FloatArray] = []
        self.n = 0
        self.blocks: list[tuple[str, int, int]] = []

    def add(self, name: str, rows: IntArray, cols: IntArray, vals: FloatArray,
            lo: FloatArray, hi: FloatArray) -> None:
        count = len(lo)
        self.r.append(rows + self.n)
        self.c.append(cols)
        self.v.append(vals)
        self.lo.append(lo)
        self.hi.append(hi)
        self.blocks.append((name, self.n, self.n + count))
        self.n += count


def build(pa: PledgeArrays, ra: RequirementArrays, compatible: np.ndarray, valid: np.ndarray,
          lead_ok: np.ndarray, lead_share_min: FloatArray, fair_key: FloatArray,
          fair_ok: np.ndarray) -> ForceModel:
    """Build the model of one state.

    `compatible` is P × J (all compatibility tests), `valid` the pledges that exist in the
    state, `lead_ok[n]` nations that may lead, `lead_share_min[m]` per component,
    `fair_key[n]` the fair-share key (GDP, …) and `fair_ok[n]` the nations it applies to.
    """
    ok = compatible & valid[:, None] & (ra.demand[None, :] > 0)
    pair_p, pair_j = np.nonzero(ok)
    pair_p = pair_p.astype(np.int64)
    pair_j = pair_j.astype(np.int64)
    n_pairs, n_req = len(pair_p), len(ra)
    n_nat, n_comp = len(pa.nations), len(ra.components)

    # a[p,j]: pool units one deployed unit uses
    use = np.where(ra.enduring[pair_j], pa.rotation[pair_p], 1.0)
    per_x = pa.personnel[pair_p]
    pair_n = pa.nation[pair_p]
    pair_m = ra.component[pair_j]

    # y columns: (nation, component) pairs that occur
    nm_key = pair_n * n_comp + pair_m
    nm_unique, nm_of_pair = np.unique(nm_key, return_inverse=True)
    nm_nation, nm_comp = nm_unique // n_comp, nm_unique % n_comp
    # L columns: the y columns of nations that may lead
    lead_nm = np.nonzero(lead_ok[nm_nation])[0].astype(np.int64)
    comp_demand = np.bincount(ra.component, weights=ra.demand, minlength=n_comp) > 0
    comp_with_demand = np.nonzero(comp_demand)[0].astype(np.int64)
    comp_col = np.full(n_comp, -1, dtype=np.int64)
    comp_col[comp_with_demand] = np.arange(len(comp_with_demand))
    fair_nations = np.nonzero(fair_ok)[0].astype(np.int64)
    key = fair_key[fair_nations]
    fair_share = key / key.sum() if key.sum() > 0 else np.zeros(len(key))

    cols = Columns(n_pairs, n_req, len(nm_unique), len(lead_nm), len(comp_with_demand),
                   len(fair_nations))
    rows = _Rows()
    xs = np.arange(n_pairs, dtype=np.int64)
    inf = np.inf

    # pledge capacity: only pledges with at least one pair
    used_p, p_row = np.unique(pair_p, return_inverse=True)
    rows.add("pledge_capacity", p_row, xs, use, np.full(len(used_p), -inf),
             pa.count[used_p].astype(float))

    # demand
    j_all = np.arange(n_req, dtype=np.int64)
    rows.add("demand", np.concatenate([pair_j, j_all]),
             np.concatenate([xs, cols.u0 + j_all]),
             np.concatenate([np.ones(n_pairs), np.ones(n_req)]),
             ra.demand.astype(float), ra.demand.astype(float))

    # participation, one row per (nation, requirement): Σ_{p∈n} x[p,j] ≤ min(d[j], Σ ub)·y[n,m].
    # Per requirement rather than per pledge: the coefficient of y is then at most d[j], which
    # keeps the LP relaxation of the nation count tight (a per-pledge big-M of the whole pool
    # lets y be a small fraction and leaves the branch and bound to do all the work).
    ub = np.minimum(np.floor(pa.count[pair_p] / use + 1e-9), ra.demand[pair_j])
    nj_key = pair_n * n_req + pair_j
    nj_unique, nj_of_pair = np.unique(nj_key, return_inverse=True)
    nj_cap = np.minimum(np.bincount(nj_of_pair, weights=ub), ra.demand[nj_unique % n_req])
    nj_nm = np.zeros(len(nj_unique), dtype=np.int64)
    nj_nm[nj_of_pair] = nm_of_pair
    n_nj = len(nj_unique)
    rows.add("participation",
             np.concatenate([nj_of_pair, np.arange(n_nj)]),
             np.concatenate([xs, cols.y0 + nj_nm]),
             np.concatenate([np.ones(n_pairs), -nj_cap]),
             np.full(n_nj, -inf), np.zeros(n_nj))

    # participation, one row per (pledge, component): Σ_{j∈m} a·x[p,j] ≤ count[p]·y[n,m]. With
    # the rows above, the relaxation can no longer spread one pool thinly over many
    # requirements at a fraction of y each: y is at least the share of the pool the nation
    # uses in the component.
    pm_key = pair_p * n_comp + pair_m
    pm_unique, pm_of_pair = np.unique(pm_key, return_inverse=True)
    pm_nm = np.zeros(len(pm_unique), dtype=np.int64)
    pm_nm[pm_of_pair] = nm_of_pair
    n_pm = len(pm_unique)
    rows.add("participation",
             np.concatenate([pm_of_pair, np.arange(n_pm)]),
             np.concatenate([xs, cols.y0 + pm_nm]),
             np.concatenate([use, -pa.count[pm_unique // n_comp].astype(float)]),
             np.full(n_pm, -inf), np.zeros(n_pm))

    # rotation floor: a pledge with `count` c and rotation a > 1 deploys at most ⌊c/a⌋ units on
    # enduring requirements, in all and within a component it takes part in. The capacity row
    # alone lets the relaxation deploy c/a (5 units at 1:2 give 2.5): the Chvátal–Gomory
    # rounding of that row, divided by a, closes the difference. On the large synthetic
    # instance this alone takes the LAND component's nation count from a 30 s to a 7 s proof.
    floor = np.floor(pa.count / pa.rotation + 1e-9)
    end = ra.enduring[pair_j] & (pa.rotation[pair_p] > 1) & (
        floor[pair_p] < pa.count[pair_p] / pa.rotation[pair_p] - 1e-9)
    if end.any():
        k = xs[end]
        fp, fp_row = np.unique(pair_p[k], return_inverse=True)
        rows.add("rotation_floor", fp_row, k, np.ones(len(k)), np.full(len(fp), -inf), floor[fp])
        fpm, fpm_row = np.unique(pm_key[k], return_inverse=True)
        fpm_nm = np.zeros(len(fpm), dtype=np.int64)
        fpm_nm[fpm_row] = nm_of_pair[k]
        n_f = len(fpm)
        rows.add("participation", np.concatenate([fpm_row, np.arange(n_f)]),
                 np.concatenate([k, cols.y0 + fpm_nm]),
                 np.concatenate([np.ones(len(k)), -floor[fpm // n_comp]]),
                 np.full(n_f, -inf), np.zeros(n_f))

    # one lead per component with demand
    if cols.n_z:
        lead_comp_col = comp_col[nm_comp[lead_nm]]
        has = lead_comp_col >= 0
        rows.add("one_lead",
                 np.concatenate([lead_comp_col[has], np.arange(cols.n_z)]),
                 np.concatenate([cols.l0 + np.nonzero(has)[0], cols.z0 + np.arange(cols.n_z)]),
                 np.ones(int(has.sum()) + cols.n_z), np.ones(cols.n_z), np.ones(cols.n_z))

    if cols.n_l:
        n_l = cols.n_l
        l_idx = np.arange(n_l, dtype=np.int64)
        # L ≤ y
        rows.add("lead_takes_part", np.concatenate([l_idx, l_idx]),
                 np.concatenate([cols.l0 + l_idx, cols.y0 + lead_nm]),
                 np.concatenate([np.ones(n_l), -np.ones(n_l)]), np.full(n_l, -inf), np.zeros(n_l))
        # Σ_{p∈n, j∈m} x ≥ L
        l_of_nm = np.full(len(nm_unique), -1, dtype=np.int64)
        l_of_nm[lead_nm] = l_idx
        pl = l_of_nm[nm_of_pair]
        sel = pl >= 0
        rows.add("lead_takes_part", np.concatenate([pl[sel], l_idx]),
                 np.concatenate([xs[sel], cols.l0 + l_idx]),
                 np.concatenate([np.ones(int(sel.sum())), -np.ones(n_l)]),
                 np.zeros(n_l), np.full(n_l, inf))
        # lead share: P[n,m] − s[m]·Σ_{n'} P[n',m] − M·L ≥ −M
        lm = nm_comp[lead_nm]
        s = lead_share_min[lm]
        # M = s·(most personnel the component can hold): each requirement at its demand,
        # filled by its heaviest compatible unit; the tightest big-M that stays valid.
        heaviest = np.zeros(n_req)
        np.maximum.at(heaviest, pair_j, per_x)
        comp_pers = np.bincount(ra.component, weights=ra.demand * heaviest, minlength=n_comp)
        big = s * comp_pers[lm] + 1.0
        same = nm_comp[None, :] == lm[:, None]  # n_l × n_y
        own = np.zeros_like(same)
        own[l_idx, lead_nm] = True
        coef = own.astype(float) - s[:, None] * same
        rr, cc = np.nonzero(coef)
        rows.add("lead_share", np.concatenate([rr, l_idx]),
                 np.concatenate([cols.p0 + cc, cols.l0 + l_idx]),
                 np.concatenate([coef[rr, cc], -big]), -big, np.full(n_l, inf))

    # personnel of each nation in each component: P[n,m] − Σ pers·x = 0
    nm_idx = np.arange(cols.n_y, dtype=np.int64)
    rows.add("personnel", np.concatenate([nm_of_pair, nm_idx]),
             np.concatenate([xs, cols.p0 + nm_idx]),
             np.concatenate([-per_x, np.ones(cols.n_y)]), np.zeros(cols.n_y), np.zeros(cols.n_y))

    # fair share: Σ_m P[n,m] − share[n]·Σ_{fair n'} Σ_m P[n',m] − e⁺ + e⁻ = 0
    if cols.n_e:
        n_e = cols.n_e
        fair_pos = np.full(n_nat, -1, dtype=np.int64)
        fair_pos[fair_nations] = np.arange(n_e)
        nm_fair = fair_pos[nm_nation]
        fair_cols = np.nonzero(nm_fair >= 0)[0]
        coef_f = ((nm_fair[fair_cols][None, :] == np.arange(n_e)[:, None]).astype(float)
                  - fair_share[:, None])
        rr_f, cc_f = np.nonzero(coef_f)
        e_idx = np.arange(n_e, dtype=np.int64)
        rows.add("fair_share",
                 np.concatenate([rr_f, e_idx, e_idx]),
                 np.concatenate([cols.p0 + fair_cols[cc_f], cols.e0 + e_idx,
                                 cols.e0 + n_e + e_idx]),
                 np.concatenate([coef_f[rr_f, cc_f], -np.ones(n_e), np.ones(n_e)]),
                 np.zeros(n_e), np.zeros(n_e))

    a = sp.csc_matrix(
        (np.concatenate(rows.v), (np.concatenate(rows.r), np.concatenate(rows.c))),
        shape=(rows.n, cols.total),
    )
    col_lo = np.zeros(cols.total)
    col_hi = np.full(cols.total, np.inf)
    # x ≤ min(pool / use, demand)
    col_hi[:n_pairs] = np.minimum(np.floor(pa.count[pair_p] / use + 1e-9), ra.demand[pair_j])
    col_hi[cols.u0:cols.u0 + n_req] = ra.demand
    col_hi[cols.y0:cols.e0] = 1.0  # y, L, z are binary
    integer = np.zeros(cols.total, dtype=np.int32)
    integer[:n_pairs] = 1
    integer[cols.y0:cols.e0] = 1

    # objective terms
    total_pers = float((ra.demand * 1.0).sum() * max(pa.personnel.max(initial=1.0), 1.0)) or 1.0
    # stage 2a, integral: leaderless components, then nations per component
    nations = np.zeros(cols.total)
    nations[cols.y0:cols.y0 + cols.n_y] = 1.0
    nations[cols.z0:cols.z0 + cols.n_z] = float(cols.n_y + 1)  # a lead beats any nation count
    # stage 2b, with the nation count kept: fair-share deviation, then cost
    balance = np.zeros(cols.total)
    balance[cols.e0:cols.e0 + 2 * cols.n_e] = 0.4 / total_pers  # fair share: < 0.8 in total
    max_cost = float((pa.cost[pair_p] * col_hi[:n_pairs]).sum()) or 1.0
    balance[:n_pairs] = 0.1 * pa.cost[pair_p] / max_cost  # cost: < 0.1 in total

    milp = Milp(a=a, row_lo=np.concatenate(rows.lo), row_hi=np.concatenate(rows.hi),
                col_lo=col_lo, col_hi=col_hi, integer=integer, row_block=rows.blocks)
    return ForceModel(pair_p=pair_p, pair_j=pair_j, nm_of_pair=nm_of_pair.astype(np.int64),
                      pair_personnel=per_x, nm_nation=nm_nation, nm_comp=nm_comp,
                      lead_nm=lead_nm, comp_with_demand=comp_with_demand,
                      fair_nations=fair_nations, fair_share=fair_share,
                      lead_share_min=lead_share_min, cols=cols, milp=milp,
                      weights={"nations": nations, "balance": balance})


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


def most_personnel(fm: ForceModel) -> FloatArray:
    """The personnel each (nation, component) pair could bring, every unit column at its
    bound: how the start heuristics rank nations, largest first."""
    c = fm.cols
    return np.bincount(fm.nm_of_pair, weights=fm.pair_personnel * fm.milp.col_hi[:c.n_x],
                       minlength=c.n_y).astype(np.float64)
