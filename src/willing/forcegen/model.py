"""The force-generation MILP of one state, assembled from its registered blocks as sparse
matrices from index arrays (no Python loop per allocation pair).

The blocks — variables x, u, y, L, z, e⁺, e⁻, P and the constraint blocks — are declared
once each in formulation.py (blocks.py holds the registry); this module lays their columns
and rows out in registry order, names them for HiGHS and reads values back by block name.
The objective is lexicographic and solved in stages (see `solve.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import highspy
import numpy as np
import scipy.sparse as sp

from willing.forcegen import formulation  # noqa: F401  (registers the model's blocks)
from willing.forcegen.arrays import FloatArray, IntArray, PledgeArrays, RequirementArrays
from willing.forcegen.blocks import CONSTRAINT_BLOCKS, VARIABLES, ModelIndex, Rows, label
from willing.forcegen.highs import new_highs, pass_model, pass_names

CONSTRAINTS: dict[str, str] = {name: b.description for name, b in CONSTRAINT_BLOCKS.items()}
"""Each constraint block's mathematics, so the docs and the report can print what was solved."""


@dataclass(frozen=True)
class Layout:
    """Where each variable block's columns are, and the keys of each column."""

    spans: dict[str, slice]
    keys: dict[str, tuple[IntArray, ...]]

    def __getitem__(self, name: str) -> slice:
        return self.spans[name]

    def size(self, name: str) -> int:
        span = self.spans[name]
        return span.stop - span.start

    def columns(self, *names: str) -> IntArray:
        """The columns of the named blocks, in the order named."""
        return np.concatenate([np.arange(self.spans[n].start, self.spans[n].stop, dtype=np.int64)
                               for n in names])

    def mask(self, name: str, cols: IntArray) -> np.ndarray:
        """Which of `cols` are the named block's."""
        span = self.spans[name]
        return (cols >= span.start) & (cols < span.stop)

    @property
    def total(self) -> int:
        return max((s.stop for s in self.spans.values()), default=0)


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
    row_keys: list[tuple[IntArray, ...]] = field(default_factory=list)  # per block, per row

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
    cols: Layout
    milp: Milp
    weights: dict[str, FloatArray]  # objective of stages 2a (`nations`) and 2b (`balance`)
    labels: Mapping[str, Sequence[str]]  # per domain, what names its rows and columns
    index: ModelIndex

    def values(self, v: np.ndarray, block: str) -> np.ndarray:
        """The values of one variable block in a solution `v` (a view: writable)."""
        return v[self.cols[block]]

    @cached_property
    def col_names(self) -> list[str]:
        """`x[GBR-1,land-inf-1]`, `y[GBR,LAND]`, …: each column's block and keys; a column of
        sub-units lent out of a pledge's units is `x[GBR-1,land-inf-1,lent]`."""
        out: list[str] = []
        for name, b in VARIABLES.items():
            out += label(name, b.domains, self.cols.keys[name], self.labels)
        for k in np.nonzero(self.index.pair_lent)[0]:
            c = self.cols["x"].start + int(k)
            out[c] = out[c][:-1] + ",lent]"
        return out

    @cached_property
    def row_names(self) -> list[str]:
        """`demand[land-inf-1]`, `participation[GBR,land-inf-1]`, …: each row's block and keys."""
        out: list[str] = []
        for (name, _, _), keys in zip(self.milp.row_block, self.milp.row_keys, strict=True):
            out += label(name, CONSTRAINT_BLOCKS[name].domains, keys, self.labels)
        return out


def build(pa: PledgeArrays, ra: RequirementArrays, compatible: np.ndarray, valid: np.ndarray,
          lead_ok: np.ndarray, lead_share_min: FloatArray, fair_key: FloatArray,
          fair_ok: np.ndarray, labels: Mapping[str, Sequence[str]] | None = None, *,
          framework_share_min: float = 0.5, max_nations: int = 4) -> ForceModel:
    """Build the model of one state from every registered block, in registry order.

    `compatible` is P × J (all compatibility tests), `valid` the pledges that exist in the
    state, `lead_ok[n]` nations that may lead, `lead_share_min[m]` per component,
    `fair_key[n]` the fair-share key (GDP, …) and `fair_ok[n]` the nations it applies to.
    `labels` name each domain's entries (pledge and requirement ids; by default their
    indices) for the names HiGHS carries. `framework_share_min` and `max_nations` are the rules
    of units formed out of sub-units (`FormationRules`).
    """
    ix = index(pa, ra, compatible, valid, lead_ok, lead_share_min, fair_key, fair_ok)
    ix.framework_share_min, ix.max_nations = framework_share_min, max_nations
    spans: dict[str, slice] = {}
    keys: dict[str, tuple[IntArray, ...]] = {}
    upper: list[FloatArray] = []
    integer: list[np.ndarray] = []
    at = 0
    for name, v in VARIABLES.items():
        keys[name] = v.keys(ix)
        n = len(keys[name][0])
        spans[name], ix.offset[name] = slice(at, at + n), at
        upper.append(np.asarray(v.upper(ix), dtype=float))
        integer.append(np.full(n, int(v.integer), dtype=np.int32))
        at += n
    cols = Layout(spans, keys)

    built: list[tuple[str, Rows]] = []
    for name, c in CONSTRAINT_BLOCKS.items():
        got = c.build(ix) if c.build is not None else None
        if got is None:
            continue
        if "unmet" in c.stages and len(got.col) and got.col.max() >= _transport_width(cols):
            raise ValueError(f"block '{name}' is in stage 'unmet' but uses columns other than "
                             "units (x) and unmet (u), which is all that stage solves")
        built.append((name, got))
    row_block, first = [], 0
    for name, r in built:
        row_block.append((name, first, first + len(r)))
        first += len(r)
    a = sp.csc_matrix(
        (np.concatenate([r.val for _, r in built]),
         (np.concatenate([r.row + lo for (_, r), (_, lo, _) in zip(built, row_block, strict=True)]),
          np.concatenate([r.col for _, r in built]))),
        shape=(first, cols.total),
    )
    milp = Milp(a=a, row_lo=np.concatenate([r.lo for _, r in built]),
                row_hi=np.concatenate([r.hi for _, r in built]), col_lo=np.zeros(cols.total),
                col_hi=np.concatenate(upper), integer=np.concatenate(integer),
                row_block=row_block, row_keys=[r.keys for _, r in built])

    # objective terms
    total_pers = float((ra.demand * 1.0).sum() * max(pa.personnel.max(initial=1.0), 1.0)) or 1.0
    # stage 2a, integral: leaderless components, then nations per component
    nations = np.zeros(cols.total)
    nations[cols["y"]] = 1.0
    nations[cols["z"]] = float(cols.size("y") + 1)  # a lead beats any nation count
    # stage 2b, with the nation count kept: fair-share deviation, then cost
    balance = np.zeros(cols.total)
    balance[cols["e_plus"]] = balance[cols["e_minus"]] = 0.4 / total_pers  # fair share: < 0.8
    pair_cost = ix.pair_cost
    max_cost = float((pair_cost * milp.col_hi[cols["x"]]).sum()) or 1.0
    balance[cols["x"]] = 0.1 * pair_cost / max_cost  # cost: < 0.1 in total

    if labels is None:
        labels = {"pledge": [f"p{i}" for i in range(len(pa))],
                  "requirement": [f"j{i}" for i in range(len(ra))]}
    labels = {"nation": pa.nations, "component": ra.components, **labels}
    return ForceModel(pair_p=ix.pair_p, pair_j=ix.pair_j, nm_of_pair=ix.nm_of_pair,
                      pair_personnel=ix.pair_personnel, nm_nation=ix.nm_nation,
                      nm_comp=ix.nm_comp, lead_nm=ix.lead_nm,
                      comp_with_demand=ix.comp_with_demand, fair_nations=ix.fair_nations,
                      fair_share=ix.fair_share, lead_share_min=lead_share_min, cols=cols,
                      milp=milp, weights={"nations": nations, "balance": balance},
                      labels=labels, index=ix)


def index(pa: PledgeArrays, ra: RequirementArrays, compatible: np.ndarray, valid: np.ndarray,
          lead_ok: np.ndarray, lead_share_min: FloatArray, fair_key: FloatArray,
          fair_ok: np.ndarray) -> ModelIndex:
    """The index arrays of one state's model (the arguments are those of `build`)."""
    ok = compatible & valid[:, None] & (ra.demand[None, :] > 0)
    pair_p, pair_j = np.nonzero(ok)
    # a lending pledge's units may also go, broken into sub-units, into formed units of the
    # requirements they could fill whole: one more column per such pair, after the others
    lent_p, lent_j = np.nonzero(ok & pa.lends[:, None] & (pa.fraction[:, None] >= 1.0))
    pair_lent = np.r_[np.zeros(len(pair_p), dtype=bool), np.ones(len(lent_p), dtype=bool)]
    pair_p = np.r_[pair_p, lent_p].astype(np.int64)
    pair_j = np.r_[pair_j, lent_j].astype(np.int64)
    n_comp = len(ra.components)
    # y columns: (nation, component) pairs that occur
    nm_unique, nm_of_pair = np.unique(pa.nation[pair_p] * n_comp + ra.component[pair_j],
                                      return_inverse=True)
    nm_nation, nm_comp = nm_unique // n_comp, nm_unique % n_comp
    comp_demand = np.bincount(ra.component, weights=ra.demand, minlength=n_comp) > 0
    fair_nations = np.nonzero(fair_ok)[0].astype(np.int64)
    key = fair_key[fair_nations]
    return ModelIndex(
        pa=pa, ra=ra, pair_p=pair_p, pair_j=pair_j, pair_lent=pair_lent, nm_nation=nm_nation,
        nm_comp=nm_comp,
        nm_of_pair=nm_of_pair.astype(np.int64),
        lead_nm=np.nonzero(lead_ok[nm_nation])[0].astype(np.int64),  # L: y of possible leads
        comp_with_demand=np.nonzero(comp_demand)[0].astype(np.int64),
        fair_nations=fair_nations,
        fair_share=key / key.sum() if key.sum() > 0 else np.zeros(len(key)),
        lead_share_min=lead_share_min)


def write_model(fm: ForceModel, path: str | Path) -> None:
    """Write the model as built (every registered block; not the rows the solver adds between
    stages) to an MPS or LP file, by its suffix, each row and column named by its block and
    keys: `demand[req-12]`, `x[GBR-3,req-12]` (in an LP file, which allows neither `-` nor
    brackets in a name, `demand(req_12)`). Names are made here, not at build: with passing them
    to HiGHS they cost more than building the matrix (docs/dev/forcegen-log.md, "Names of rows
    and columns")."""
    m = fm.milp
    h = new_highs(60.0, 0.0)
    pass_model(h, fm.weights["nations"], m.a, m.row_lo, m.row_hi, m.col_lo, m.col_hi, m.integer)
    cols, rows = fm.col_names, fm.row_names
    if Path(path).suffix == ".lp":
        cols, rows = _lp_names(cols), _lp_names(rows)
    pass_names(h, cols, rows)
    if h.writeModel(str(path)) == highspy.HighsStatus.kError:
        raise OSError(f"HiGHS could not write the model to {path}")


_LP_SAFE = str.maketrans("[]-", "()_")


def _lp_names(names: list[str]) -> list[str]:
    """Names as the LP format takes them (HiGHS numbers every row and column otherwise)."""
    return [n.translate(_LP_SAFE) for n in names]


def column_key(fm: ForceModel, domain: str) -> IntArray:
    """Each column's entry in `domain` (−1 where it has none): its block's own key, or, for a
    nation or a component, that of its pledge or its requirement."""
    ix = fm.index
    via = {"nation": ("pledge", ix.pa.nation), "component": ("requirement", ix.ra.component)}
    out = np.full(fm.cols.total, -1, dtype=np.int64)
    for name, v in VARIABLES.items():
        keys: dict[str, IntArray] = dict(zip(v.domains, fm.cols.keys[name], strict=True))
        if domain in keys:
            out[fm.cols[name]] = keys[domain]
        elif domain in via and via[domain][0] in keys:
            out[fm.cols[name]] = via[domain][1][keys[via[domain][0]]]
    return out


def column_participation(fm: ForceModel) -> IntArray:
    """Each column's (nation, component) pair, as its y column's index (−1: none)."""
    n, m = column_key(fm, "nation"), column_key(fm, "component")
    n_comp = len(fm.index.ra.components)
    pairs = fm.nm_nation * n_comp + fm.nm_comp  # sorted: np.unique made them
    both = (n >= 0) & (m >= 0)
    out = np.full(fm.cols.total, -1, dtype=np.int64)
    out[both] = np.searchsorted(pairs, n[both] * n_comp + m[both])
    return out


def transport_columns(fm: ForceModel) -> int:
    """How many columns stage 1 solves: the variable blocks of its stage, which lead."""
    return _transport_width(fm.cols)


def _transport_width(cols: Layout) -> int:
    names = [name for name, v in VARIABLES.items() if "unmet" in v.stages]
    assert names == list(VARIABLES)[:len(names)], "stage-1 variables must come first"
    return cols[names[-1]].stop


def complete_fair_share(fm: ForceModel, v: np.ndarray) -> None:
    """Set the personnel and fair-share deviation columns of `v` from its x columns."""
    pers = np.bincount(fm.nm_of_pair, weights=np.round(fm.values(v, "x")) * fm.pair_personnel,
                       minlength=fm.cols.size("y"))
    fm.values(v, "P")[:] = pers
    if len(fm.fair_nations):
        by_nation = np.bincount(fm.nm_nation, weights=pers,
                                minlength=int(fm.fair_nations.max()) + 1)
        mine = by_nation[fm.fair_nations]
        dev = mine - fm.fair_share * mine.sum()
        fm.values(v, "e_plus")[:] = np.maximum(dev, 0)
        fm.values(v, "e_minus")[:] = np.maximum(-dev, 0)


def most_personnel(fm: ForceModel) -> FloatArray:
    """The personnel each (nation, component) pair could bring, every unit column at its
    bound: how the start heuristics rank nations, largest first."""
    return np.bincount(fm.nm_of_pair, weights=fm.pair_personnel * fm.values(fm.milp.col_hi, "x"),
                       minlength=fm.cols.size("y")).astype(np.float64)
