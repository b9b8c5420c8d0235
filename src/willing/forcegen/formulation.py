"""The force-generation MILP, block by block: each variable and constraint block is registered
here once, with its meaning and its builder over the index arrays (blocks.py). model.py
assembles them in this order into the sparse matrices HiGHS takes.

Two formulation choices keep the relaxation tight, which is what decides solve time; both are
explained where they are built (`participation`, `participation_pool`, `rotation_floor`,
`lead_share`) and in docs/forcegen.md.
"""

from __future__ import annotations

import numpy as np

from willing.forcegen.arrays import FloatArray, IntArray
from willing.forcegen.blocks import (
    EVERY_STAGE,
    STAGES,
    WHOLE_MODEL,
    ConstraintBlock,
    ModelIndex,
    Rows,
    VariableBlock,
    register,
)

INF = np.inf


def _ones(n: int) -> FloatArray:
    return np.ones(n)


def _free(n: int) -> FloatArray:
    return np.full(n, INF)


def _positions(members: IntArray, size: int) -> IntArray:
    """Each of `size` entries' position among `members` (−1: not a member)."""
    out = np.full(size, -1, dtype=np.int64)
    out[members] = np.arange(len(members))
    return out


def _formed_keys(ix: ModelIndex) -> tuple[IntArray, IntArray]:
    n_req = len(ix.ra)
    return ix.formed[0] // n_req, ix.formed[0] % n_req


def _formed_most(ix: ModelIndex) -> FloatArray:
    """Per (nation, requirement) with sub-units: the most parent units its sub-units make,
    at most the demand."""
    k = ix.subs
    most = np.bincount(ix.formed[1], weights=ix.pair_frac[k] * ix.upper[k],
                       minlength=len(ix.formed[0]))
    return np.minimum(most, ix.ra.demand[ix.formed[0] % len(ix.ra)])


def _framework_upper(ix: ModelIndex) -> FloatArray:
    """A framework nation frames at most its own sub-units over its least share."""
    return np.minimum(np.floor(_formed_most(ix) / ix.framework_share_min + 1e-9),
                      ix.ra.demand[ix.formed[0] % len(ix.ra)])


# -- variables, in column order ------------------------------------------------------------

def _all_requirements(ix: ModelIndex) -> tuple[IntArray]:
    return (np.arange(len(ix.ra), dtype=np.int64),)


for _v in (
    VariableBlock("x", "units of pledge p on requirement j, one column per compatible pair, "
                  "≤ min(⌊count/a⌋, d[j])", ("pledge", "requirement"),
                  lambda ix: (ix.pair_p, ix.pair_j), lambda ix: ix.upper, "integer",
                  EVERY_STAGE),
    VariableBlock("u", "unmet units of requirement j", ("requirement",), _all_requirements,
                  lambda ix: ix.ra.demand.astype(float), "continuous", EVERY_STAGE),
    VariableBlock("w", "units of requirement j formed by framework nation n out of sub-units",
                  ("nation", "requirement"), lambda ix: _formed_keys(ix), _framework_upper,
                  "integer", EVERY_STAGE),
    VariableBlock("v", "nation n has sub-units in the formed units of requirement j",
                  ("nation", "requirement"), lambda ix: _formed_keys(ix),
                  lambda ix: _ones(len(ix.formed[0])), "binary", EVERY_STAGE),
    VariableBlock("y", "nation n takes part in component m", ("nation", "component"),
                  lambda ix: (ix.nm_nation, ix.nm_comp), lambda ix: _ones(len(ix.nm_nation)),
                  "binary", WHOLE_MODEL),
    VariableBlock("L", "nation n leads component m (HQ-capable, willing to lead, tier lead or "
                  "member)", ("nation", "component"),
                  lambda ix: (ix.nm_nation[ix.lead_nm], ix.nm_comp[ix.lead_nm]),
                  lambda ix: _ones(len(ix.lead_nm)), "binary", WHOLE_MODEL),
    VariableBlock("z", "component m has no lead: a reported gap, never an infeasible model",
                  ("component",), lambda ix: (ix.comp_with_demand,),
                  lambda ix: _ones(len(ix.comp_with_demand)), "binary", WHOLE_MODEL),
    VariableBlock("e_plus", "personnel of nation n above its fair share", ("nation",),
                  lambda ix: (ix.fair_nations,), lambda ix: _free(len(ix.fair_nations)),
                  "continuous", WHOLE_MODEL),
    VariableBlock("e_minus", "personnel of nation n below its fair share", ("nation",),
                  lambda ix: (ix.fair_nations,), lambda ix: _free(len(ix.fair_nations)),
                  "continuous", WHOLE_MODEL),
    VariableBlock("P", "personnel nation n puts into component m (defined by a row)",
                  ("nation", "component"), lambda ix: (ix.nm_nation, ix.nm_comp),
                  lambda ix: _free(len(ix.nm_nation)), "continuous", WHOLE_MODEL),
):
    register(_v)


# -- constraints, in row order -------------------------------------------------------------

def _capacity(ix: ModelIndex, pairs: IntArray) -> Rows | None:
    """One row per pledge of `pairs`: Σ a[p,j]·x[p,j] over them ≤ count[p]."""
    if not len(pairs):
        return None
    used_p, p_row = np.unique(ix.pair_p[pairs], return_inverse=True)
    return Rows(p_row.astype(np.int64), ix.col("x", pairs), ix.use[pairs],
                np.full(len(used_p), -INF), ix.pa.count[used_p].astype(float),
                (used_p.astype(np.int64),))


def _lenders(ix: ModelIndex) -> np.ndarray:
    """Per pair: its pledge lends sub-units somewhere (it has a lent column)."""
    return np.isin(ix.pair_p, ix.pair_p[ix.pair_lent])


def pledge_capacity(ix: ModelIndex) -> Rows | None:
    """One row per pledge with at least one pair, but those that lend (`lending`)."""
    return _capacity(ix, np.nonzero(~_lenders(ix))[0].astype(np.int64))


def lending(ix: ModelIndex) -> Rows | None:
    """One row per pledge that lends sub-units: its units used whole and its sub-units lent
    (each a/k of the pool, k sub-units to its unit) share its count."""
    return _capacity(ix, np.nonzero(_lenders(ix))[0].astype(np.int64))


def demand(ix: ModelIndex) -> Rows:
    """Whole units and formed units count one each; sub-units count through their formed unit."""
    n_req = len(ix.ra)
    j_all = np.arange(n_req, dtype=np.int64)
    d = ix.ra.demand.astype(float)
    whole = np.nonzero(ix.pair_frac >= 1.0)[0]
    w_j = ix.formed[0] % n_req
    w_idx = np.arange(len(w_j), dtype=np.int64)
    return Rows(np.concatenate([ix.pair_j[whole], w_j, j_all]),
                np.concatenate([ix.col("x", whole), ix.col("w", w_idx), ix.col("u", j_all)]),
                _ones(len(whole) + len(w_j) + n_req), d, d, (j_all,))


def formation_size(ix: ModelIndex) -> Rows | None:
    """One row per requirement with sub-units: they make whole formed units, no fraction left."""
    if not len(ix.subs):
        return None
    n_req = len(ix.ra)
    w_j = ix.formed[0] % n_req
    reqs, row = np.unique(np.concatenate([ix.pair_j[ix.subs], w_j]), return_inverse=True)
    w_idx = np.arange(len(w_j), dtype=np.int64)
    return Rows(row.astype(np.int64), np.concatenate([ix.col("x", ix.subs), ix.col("w", w_idx)]),
                np.concatenate([ix.pair_frac[ix.subs], -_ones(len(w_j))]), np.zeros(len(reqs)),
                np.zeros(len(reqs)), (reqs.astype(np.int64),))


def _per_formed(ix: ModelIndex, block: str, coef: FloatArray, lo: FloatArray,
                hi: FloatArray) -> Rows | None:
    """Rows per (nation, requirement) with sub-units: the nation's sub-units there, each as
    its fraction f of a unit, plus `coef` times its own column of `block` (w or v)."""
    if not len(ix.subs):
        return None
    f_idx = np.arange(len(ix.formed[0]), dtype=np.int64)
    return Rows(np.concatenate([ix.formed[1], f_idx]),
                np.concatenate([ix.col("x", ix.subs), ix.col(block, f_idx)]),
                np.concatenate([ix.pair_frac[ix.subs], coef]), lo, hi, _formed_keys(ix))


def framework_share(ix: ModelIndex) -> Rows | None:
    """One row per (nation, requirement) with sub-units."""
    n_f = len(ix.formed[0])
    return _per_formed(ix, "w", np.full(n_f, -ix.framework_share_min), np.zeros(n_f),
                       np.full(n_f, INF))


def formation_member(ix: ModelIndex) -> Rows | None:
    """One row per (nation, requirement) with sub-units; the coefficient of v is the most the
    nation's sub-units can fill there, which keeps the relaxation tight."""
    n_f = len(ix.formed[0])
    return _per_formed(ix, "v", -_formed_most(ix), np.full(n_f, -INF), np.zeros(n_f))


def formation_nations(ix: ModelIndex) -> Rows | None:
    """One row per requirement with sub-units."""
    if not len(ix.subs):
        return None
    f_j = ix.formed[0] % len(ix.ra)
    reqs, row = np.unique(f_j, return_inverse=True)
    f_idx = np.arange(len(f_j), dtype=np.int64)
    row = row.astype(np.int64)
    return Rows(np.concatenate([row, row]), np.concatenate([ix.col("v", f_idx),
                                                             ix.col("w", f_idx)]),
                np.concatenate([_ones(len(f_j)), np.full(len(f_j), -float(ix.max_nations))]),
                np.full(len(reqs), -INF), np.zeros(len(reqs)), (reqs.astype(np.int64),))


def participation(ix: ModelIndex) -> Rows:
    """One row per (nation, requirement): Σ_{p∈n} f·x[p,j] ≤ min(d[j], Σ f·ub)·y[n,m], f the
    share of a unit each unit fills (1, or 1/k for a sub-unit).

    Per requirement rather than per pledge: the coefficient of y is then at most d[j], which
    keeps the LP relaxation of the nation count tight (a per-pledge big-M of the whole pool
    lets y be a small fraction and leaves the branch and bound to do all the work).
    """
    n_req = len(ix.ra)
    pair_n = ix.pa.nation[ix.pair_p]
    nj_unique, nj_of_pair = np.unique(pair_n * n_req + ix.pair_j, return_inverse=True)
    cap = np.minimum(np.bincount(nj_of_pair, weights=ix.upper * ix.pair_frac),
                     ix.ra.demand[nj_unique % n_req])
    nj_nm = np.zeros(len(nj_unique), dtype=np.int64)
    nj_nm[nj_of_pair] = ix.nm_of_pair
    n = len(nj_unique)
    return Rows(np.concatenate([nj_of_pair, np.arange(n)]),
                np.concatenate([ix.col("x", ix.xs), ix.col("y", nj_nm)]),
                np.concatenate([ix.pair_frac, -cap]), np.full(n, -INF), np.zeros(n),
                (nj_unique // n_req, nj_unique % n_req))


def participation_pool(ix: ModelIndex) -> Rows:
    """One row per (pledge, component): Σ_{j∈m} a·x[p,j] ≤ count[p]·y[n,m].

    With `participation`, the relaxation can no longer spread one pool thinly over many
    requirements at a fraction of y each: y is at least the share of the pool the nation uses
    in the component.
    """
    n_comp = len(ix.ra.components)
    pm_unique, pm_of_pair = ix.pm
    pm_nm = np.zeros(len(pm_unique), dtype=np.int64)
    pm_nm[pm_of_pair] = ix.nm_of_pair
    n = len(pm_unique)
    return Rows(np.concatenate([pm_of_pair, np.arange(n)]),
                np.concatenate([ix.col("x", ix.xs), ix.col("y", pm_nm)]),
                np.concatenate([ix.use, -ix.pa.count[pm_unique // n_comp].astype(float)]),
                np.full(n, -INF), np.zeros(n), (pm_unique // n_comp, pm_unique % n_comp))


def rotation_floor(ix: ModelIndex) -> Rows | None:
    """A pledge with `count` c and rotation a > 1 deploys at most ⌊c/a⌋ units on enduring
    requirements. The capacity row alone lets the relaxation deploy c/a (5 units at 1:2 give
    2.5): this Chvátal–Gomory rounding of that row, divided by a, closes the difference. On
    the large synthetic instance it takes the LAND component's nation count from a 30 s to a
    7 s proof."""
    k = ix.floored
    if not len(k):
        return None
    fp, fp_row = np.unique(ix.pair_p[k], return_inverse=True)
    return Rows(fp_row.astype(np.int64), ix.col("x", k), _ones(len(k)), np.full(len(fp), -INF),
                ix.floor[fp], (fp.astype(np.int64),))


def participation_floor(ix: ModelIndex) -> Rows | None:
    """The rotation floor within each component the pledge's nation takes part in."""
    k = ix.floored
    if not len(k):
        return None
    n_comp = len(ix.ra.components)
    pm_key = ix.pm[0][ix.pm[1][k]]
    fpm, fpm_row = np.unique(pm_key, return_inverse=True)
    fpm_nm = np.zeros(len(fpm), dtype=np.int64)
    fpm_nm[fpm_row] = ix.nm_of_pair[k]
    n = len(fpm)
    return Rows(np.concatenate([fpm_row, np.arange(n)]),
                np.concatenate([ix.col("x", k), ix.col("y", fpm_nm)]),
                np.concatenate([_ones(len(k)), -ix.floor[fpm // n_comp]]),
                np.full(n, -INF), np.zeros(n), (fpm // n_comp, fpm % n_comp))


def one_lead(ix: ModelIndex) -> Rows | None:
    n_z = len(ix.comp_with_demand)
    if not n_z:
        return None
    lead_comp_col = _positions(ix.comp_with_demand, len(ix.ra.components))[ix.nm_comp[ix.lead_nm]]
    has = lead_comp_col >= 0
    return Rows(np.concatenate([lead_comp_col[has], np.arange(n_z)]),
                np.concatenate([ix.col("L", np.nonzero(has)[0]), ix.col("z", np.arange(n_z))]),
                _ones(int(has.sum()) + n_z), _ones(n_z), _ones(n_z), (ix.comp_with_demand,))


def _lead_keys(ix: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    return ix.nm_nation[ix.lead_nm], ix.nm_comp[ix.lead_nm]


def lead_takes_part(ix: ModelIndex) -> Rows | None:
    """L[n,m] ≤ y[n,m]."""
    n_l = len(ix.lead_nm)
    if not n_l:
        return None
    l_idx = np.arange(n_l, dtype=np.int64)
    return Rows(np.concatenate([l_idx, l_idx]),
                np.concatenate([ix.col("L", l_idx), ix.col("y", ix.lead_nm)]),
                np.concatenate([_ones(n_l), -_ones(n_l)]), np.full(n_l, -INF), np.zeros(n_l),
                _lead_keys(ix))


def lead_contributes(ix: ModelIndex) -> Rows | None:
    """Σ_{p∈n, j∈m} x[p,j] ≥ L[n,m]."""
    n_l = len(ix.lead_nm)
    if not n_l:
        return None
    l_idx = np.arange(n_l, dtype=np.int64)
    pl = _positions(ix.lead_nm, len(ix.nm_nation))[ix.nm_of_pair]
    sel = pl >= 0
    return Rows(np.concatenate([pl[sel], l_idx]),
                np.concatenate([ix.col("x", ix.xs[sel]), ix.col("L", l_idx)]),
                np.concatenate([_ones(int(sel.sum())), -_ones(n_l)]), np.zeros(n_l),
                np.full(n_l, INF), _lead_keys(ix))


def lead_share(ix: ModelIndex) -> Rows | None:
    """P[n,m] − s[m]·Σ_{n'} P[n',m] − M·L ≥ −M, with M = s·(most personnel the component can
    hold): each requirement at its demand, filled by its heaviest compatible unit; the
    tightest big-M that stays valid."""
    n_l = len(ix.lead_nm)
    if not n_l:
        return None
    l_idx = np.arange(n_l, dtype=np.int64)
    n_req, n_comp = len(ix.ra), len(ix.ra.components)
    lm = ix.nm_comp[ix.lead_nm]
    s = ix.lead_share_min[lm]
    heaviest = np.zeros(n_req)
    np.maximum.at(heaviest, ix.pair_j, ix.pair_personnel / ix.pair_frac)
    comp_pers = np.bincount(ix.ra.component, weights=ix.ra.demand * heaviest, minlength=n_comp)
    big = s * comp_pers[lm] + 1.0
    same = ix.nm_comp[None, :] == lm[:, None]  # n_l × n_y
    own = np.zeros_like(same)
    own[l_idx, ix.lead_nm] = True
    coef = own.astype(float) - s[:, None] * same
    rr, cc = np.nonzero(coef)
    return Rows(np.concatenate([rr, l_idx]), np.concatenate([ix.col("P", cc), ix.col("L", l_idx)]),
                np.concatenate([coef[rr, cc], -big]), -big, np.full(n_l, INF), _lead_keys(ix))


def personnel(ix: ModelIndex) -> Rows:
    """P[n,m] − Σ personnel·x = 0."""
    n_y = len(ix.nm_nation)
    nm_idx = np.arange(n_y, dtype=np.int64)
    return Rows(np.concatenate([ix.nm_of_pair, nm_idx]),
                np.concatenate([ix.col("x", ix.xs), ix.col("P", nm_idx)]),
                np.concatenate([-ix.pair_personnel, _ones(n_y)]), np.zeros(n_y), np.zeros(n_y),
                (ix.nm_nation, ix.nm_comp))


def fair_share(ix: ModelIndex) -> Rows | None:
    """Σ_m P[n,m] − share[n]·Σ_{fair n'} Σ_m P[n',m] − e⁺ + e⁻ = 0."""
    n_e = len(ix.fair_nations)
    if not n_e:
        return None
    nm_fair = _positions(ix.fair_nations, len(ix.pa.nations))[ix.nm_nation]
    fair_cols = np.nonzero(nm_fair >= 0)[0]
    coef = ((nm_fair[fair_cols][None, :] == np.arange(n_e)[:, None]).astype(float)
            - ix.fair_share[:, None])
    rr, cc = np.nonzero(coef)
    e_idx = np.arange(n_e, dtype=np.int64)
    return Rows(np.concatenate([rr, e_idx, e_idx]),
                np.concatenate([ix.col("P", fair_cols[cc]), ix.col("e_plus", e_idx),
                                ix.col("e_minus", e_idx)]),
                np.concatenate([coef[rr, cc], -_ones(n_e), _ones(n_e)]), np.zeros(n_e),
                np.zeros(n_e), (ix.fair_nations,))


AFTER_NATIONS = STAGES[2:]
FAIR_SHARE = ("fair-share-cost", "fair-share-open")

for _c in (
    ConstraintBlock("pledge_capacity", "Σ_j a[p,j]·x[p,j] ≤ count[p]; a = rotation for an "
                    "enduring requirement (one deployed needs `rotation` in the pool), 1 for a "
                    "surge one.", ("pledge",), pledge_capacity, EVERY_STAGE, slicing="shared"),
    ConstraintBlock("lending", "Σ_j a[p,j]·x[p,j] + Σ_j (a[p,j]/k)·s[p,j] ≤ count[p] for a "
                    "pledge that lends (`lend: true`), s its sub-units lent to formed units of j, "
                    "k of them to its unit: units used whole + sub-units lent / k ≤ pledged.",
                    ("pledge",), lending, EVERY_STAGE, slicing="shared"),
    ConstraintBlock("demand", "Σ_{p whole} x[p,j] + Σ_n w[n,j] + u[j] = d[j]: every unit "
                    "required is filled, by a whole unit or a formed one, or named as a gap.",
                    ("requirement",), demand, EVERY_STAGE, subproblem=True),
    ConstraintBlock("formation_size", "Σ_{q sub-unit} f[q]·x[q,j] = Σ_n w[n,j], f = 1/k (k "
                    "sub-units per unit): sub-units make whole formed units.", ("requirement",),
                    formation_size, EVERY_STAGE, subproblem=True),
    ConstraintBlock("framework_share", "Σ_{q∈n sub-unit} f[q]·x[q,j] ≥ s_f·w[n,j]: a "
                    "framework nation brings at least framework_share_min of its formed units.",
                    ("nation", "requirement"), framework_share, EVERY_STAGE, subproblem=True),
    ConstraintBlock("formation_member", "Σ_{q∈n sub-unit} f[q]·x[q,j] ≤ min(d[j], Σ f·ub)·"
                    "v[n,j]: a nation with sub-units in a formed unit is one of its nations.",
                    ("nation", "requirement"), formation_member, EVERY_STAGE, subproblem=True),
    ConstraintBlock("formation_nations", "Σ_n v[n,j] ≤ K·Σ_n w[n,j]: at most max_nations "
                    "nations per formed unit.", ("requirement",), formation_nations, EVERY_STAGE,
                    subproblem=True),
    ConstraintBlock("participation", "Σ_{p∈n} f[p]·x[p,j] ≤ min(d[j], Σ_p f[p]·ub[p,j])·"
                    "y[n,m(j)] (f = 1 for a whole unit): a nation contributing to a requirement "
                    "takes part in its component.",
                    ("nation", "requirement"), participation, WHOLE_MODEL, subproblem=True),
    ConstraintBlock("participation_pool", "Σ_{j∈m} a[p,j]·x[p,j] ≤ count[p]·y[n(p),m]: y is at "
                    "least the share of a pledge's pool its nation uses in the component.",
                    ("pledge", "component"), participation_pool, WHOLE_MODEL, subproblem=True),
    ConstraintBlock("rotation_floor", "Σ_{j enduring} x[p,j] ≤ ⌊count[p]/rotation[p]⌋ for "
                    "rotation > 1: whole units only (the capacity row divided by the rotation, "
                    "rounded down).", ("pledge",), rotation_floor, EVERY_STAGE,
                    slicing="shared"),
    ConstraintBlock("participation_floor", "Σ_{j∈m enduring} x[p,j] ≤ "
                    "⌊count[p]/rotation[p]⌋·y[n(p),m]: the rotation floor within a component "
                    "the nation takes part in.", ("pledge", "component"), participation_floor,
                    WHOLE_MODEL, subproblem=True),
    ConstraintBlock("one_lead", "Σ_n L[n,m] + z[m] = 1: exactly one lead per component, or a "
                    "named leaderless gap.", ("component",), one_lead, WHOLE_MODEL),
    ConstraintBlock("lead_takes_part", "L[n,m] ≤ y[n,m]: the lead takes part.",
                    ("nation", "component"), lead_takes_part, WHOLE_MODEL),
    ConstraintBlock("lead_contributes", "Σ_{p∈n, j∈m} x[p,j] ≥ L[n,m]: the lead contributes "
                    "units.", ("nation", "component"), lead_contributes, WHOLE_MODEL),
    ConstraintBlock("lead_share", "P[n,m] − s[m]·Σ_n' P[n',m] ≥ −M[m]·(1 − L[n,m]): the lead "
                    "brings at least lead_share_min of the component's personnel.",
                    ("nation", "component"), lead_share, WHOLE_MODEL),
    ConstraintBlock("personnel", "P[n,m] = Σ_{p∈n, j∈m} personnel[p]·x[p,j].",
                    ("nation", "component"), personnel, WHOLE_MODEL),
    ConstraintBlock("fair_share", "personnel[n] − share[n]·Σ personnel = e⁺[n] − e⁻[n], share "
                    "by the fair-share key among the nations that can contribute in this state.",
                    ("nation",), fair_share, WHOLE_MODEL, slicing="none"),
    # the rows the solver adds as the stages go (solve.py)
    ConstraintBlock("unmet_fixed", "Σ_{j∈tier k} u[j] ≤ U*_k: later stages keep the optimal "
                    "unmet demand of each priority tier.", (), None, EVERY_STAGE),
    ConstraintBlock("nations_fixed", "(n_y+1)·Σ_m z[m] + Σ y[n,m] ≤ N*: the stability, "
                    "fair-share and cost stages keep the optimal leads and nation count.", (),
                    None, AFTER_NATIONS),
    ConstraintBlock("stability", "x[p,j] + l[p,j] ≥ b[p,j], 0 ≤ l[p,j] ≤ b[p,j] (only with a "
                    "baseline plan, b its units of pledge p on requirement j): l counts the "
                    "baseline units that leave their position.", (), None, AFTER_NATIONS),
    ConstraintBlock("stability_fixed", "Σ l[p,j] ≤ S*: the fair-share and cost stage keeps the "
                    "fewest moves.", (), None, FAIR_SHARE),
    ConstraintBlock("participation_fixed", "y[n,m] = y*[n,m]: the fair-share and cost stage "
                    "balances volumes among the participants the earlier stages chose; "
                    "fair-share-open then frees y.", (), None,
                    ("fair-share-cost",)),
):
    register(_c)
