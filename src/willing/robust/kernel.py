"""Exact coverage of many draws at once: maximum flow by enumerated minimum cuts.

The question of one draw is a transport problem: surviving pledges (supply) against the
requirements of the state (demand), over the compatibility masks of force generation. Its
maximum flow is, by max-flow/min-cut on the bipartite network source → pledge → requirement
→ sink,

    F = min over T ⊆ B of [ d(B∖T) + s(N(T)) ]

where T is a set of requirements, d their demand and s(N(T)) the supply of the pledges that can
serve them. The network splits into *pieces*: connected capability groups (pledges and
requirements joined by compatibility), each taken for the priority tiers 0..k in turn. In a
piece, pledges with the same compatible requirements form one supply class and requirements
with the same compatible supply classes one requirement class, and only the distinct unions
U = N(T) matter (for a given U the best T is every class whose neighbours lie in U). Those
*closed sets* are enumerated once; a draw's cut values are then one matrix product,
`availability @ weights + const`, and the flow is their minimum. No solver in the loop.

A piece with more closed sets than `MAX_CUTS` falls back to max-flow
(`scipy.sparse.csgraph.maximum_flow`): one flow per distinct supply vector, all of a batch
solved in one call on disjoint copies of the piece's class network.

Priority tiers: the demand vectors a transport network can meet form a polymatroid, so one
allocation maximises the flow into tiers 0..k for every k at once (greedy by priority). The
flow of tier k is therefore F(tiers ≤ k) − F(tiers ≤ k−1): the MILP's lexicographic stage 1.

Values (personnel, weight): the same greedy, with the requirements of a tier ranked by their
value per unit (highest first), gives the allocation that fills the most units by priority and
then the most value; requirement rank r of a group fills F(ranks ≤ r) − F(ranks < r) units.
Each rank is a piece of its own (a tier's last rank carries the tier's short flags), so a
draw's filled value is again linear in the pieces' flows: Σ_r F_r·(v_r − v_{r+1}).

A requirement is *short* in a draw when some allocation that fills the most units of its own
and higher priorities leaves it short. By max-flow/min-cut it is then on the sink side of
every minimum cut — inside T(U) for every minimising U of its piece (the smallest minimum
cut) — equivalently it can still reach the sink in the residual network of a maximum flow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from willing.forcegen.arrays import BoolArray, FloatArray, IntArray

MAX_CUTS = 4096
"""Closed sets per piece before the per-draw max-flow fallback (memory: draws × cuts)."""

BLOCK_CELLS = 1 << 23
"""Cut values held at once (draws × cuts), so memory stays flat whatever the batch size."""

EXACT_FLOAT32 = 1 << 24
"""Integers up to 2^24 add exactly in float32; larger problems compute in float64."""


@dataclass(frozen=True)
class Transport:
    """The transport problem of one state: pledges against requirements.

    `supply[p]` is the number of units pledge p can keep deployed (see `stress.transport` for
    the rotation rule), `demand[j]` the units requirement j needs, `tier[j]` its priority
    (0 essential, 1 important, 2 desirable), `compatible[p, j]` whether p may serve j, and
    `value[j]` (J × V, optional) what one unit of j is worth in each of V measures (e.g.
    its weight, its personnel): within a tier, units go to the higher values first.
    """

    supply: IntArray
    demand: IntArray
    tier: IntArray
    compatible: BoolArray
    value: FloatArray | None = None

    def __post_init__(self) -> None:
        p, j = self.compatible.shape
        if self.supply.shape != (p,) or self.demand.shape != (j,) or self.tier.shape != (j,):
            raise ValueError("supply, demand and tier must match the compatibility matrix")
        if self.value is not None and (self.value.ndim != 2 or self.value.shape[0] != j):
            raise ValueError("value must have one row per requirement")
        if (self.supply < 0).any() or (self.demand < 0).any():
            raise ValueError("supply and demand must be non-negative")

    @property
    def value_required(self) -> FloatArray:
        """The value of every unit required, in each measure (V)."""
        return self.values.T @ self.demand

    @property
    def values(self) -> FloatArray:
        """Value per unit of each requirement, J × V (no measures: J × 0)."""
        return (self.value if self.value is not None
                else np.zeros((len(self.demand), 0))).astype(np.float64)

    def rank(self) -> IntArray:
        """Dense rank of each requirement by (tier, value per unit descending)."""
        keys = np.column_stack([self.tier.astype(np.float64), -self.values])
        if not len(keys):
            return np.zeros(0, dtype=np.int64)
        _, inverse = np.unique(keys, axis=0, return_inverse=True)
        return inverse.ravel().astype(np.int64)

    @property
    def n_tiers(self) -> int:
        return int(self.tier.max()) + 1 if len(self.tier) else 1

    def tier_demand(self) -> IntArray:
        """Demand of the tiers 0..k, cumulative, for every k."""
        return np.cumsum(np.bincount(self.tier, weights=self.demand, minlength=self.n_tiers)
                         ).astype(np.int64)


@dataclass(frozen=True)
class Fallback:
    """A piece solved by max-flow on its class network, a whole batch of draws at once.

    The draws of a batch become disjoint copies of the class network between one super-source
    and one super-sink, solved by a single `maximum_flow` call: a maximum flow of the union
    is a maximum flow of every copy, so each copy's flow into the sink is its draw's answer.
    """

    piece: int
    key_class: FloatArray  # K × A: supply of each class from each availability key
    edge_a: IntArray  # supply class of each class → requirement-class edge
    edge_b: IntArray  # requirement class of each such edge
    demand: IntArray  # B
    short: FloatArray  # B × J: requirements of the piece's own tier in each class


@dataclass(frozen=True)
class KernelOutput:
    flows: FloatArray  # pieces × draws
    short: BoolArray | None  # requirements × draws


@dataclass(frozen=True)
class Reduced:
    """What a batch of draws reduces to: per-draw filled units, per-requirement counts."""

    filled: FloatArray  # tiers × draws: units filled in the tiers 0..k (cumulative)
    value: FloatArray  # measures × draws: value filled (units to the highest values first)
    short: IntArray  # per requirement: draws in which it is short
    piece_unmet: IntArray  # per piece: unmet units summed over the draws
    piece_short: IntArray  # per piece: draws in which it has unmet units


@dataclass(frozen=True)
class Tables:
    """Every piece's flow and short requirements for each pattern of its availability keys.

    A piece depends on a few keys only (the nations and conditions of its pledges); when each
    depends on at most `TABLE_KEYS`, its answer for all 2^m patterns is computed once (by the
    cut enumeration) and a draw becomes a look-up: `bits.T @ avail.T` numbers every piece's
    pattern in one product, and the patterns of all pieces live in one flat table.
    """

    bits: FloatArray  # K × varying pieces: 2^i for the i-th key of each piece
    vary: IntArray  # the pieces that depend on some key (the others are constants)
    offset: IntArray  # pieces: first row of each piece's patterns in the flat table
    piece: IntArray  # patterns: the piece of each row
    flow: FloatArray  # patterns: the piece's flow
    gap: FloatArray  # patterns: the piece's unmet units
    fixed: FloatArray  # tiers: filled units from the constant pieces
    fixed_value: FloatArray  # measures: filled value from the constant pieces
    short: sp.csr_matrix  # requirements × patterns: the requirement is short (its own piece)


TABLE_KEYS = 16
"""Keys per piece up to which the piece is tabulated (2^16 patterns)."""

TABLE_ROWS = 1 << 19
"""Patterns tabulated in all (compile time and memory stay small)."""


@dataclass(frozen=True)
class Kernel:
    """A transport problem compiled for batches of draws.

    Draws give the availability of `n_keys` keys (a key is a set of pledges that show up
    together, e.g. one nation's pledges under one set of conditions); `pledge_key[p]` names
    the key of pledge p.
    """

    n_keys: int
    n_requirements: int
    weights: FloatArray  # K × C: supply counted by each cut column
    const: FloatArray  # C: demand outside T of each cut column
    starts: IntArray  # first column of each enumerated piece
    enumerated: IntArray  # piece index of each enumerated piece
    n_simple: int  # the first n_simple enumerated pieces have at most two cuts
    short_incidence: sp.csr_matrix | FloatArray  # complex cuts × J: piece-tier requirements in T
    piece_group: IntArray
    piece_tier: IntArray
    piece_demand: IntArray
    cumulative: FloatArray  # pieces × tiers: piece (g, k') gives group g's flow of tiers ≤ k
    piece_value: FloatArray  # pieces × measures: filled value = piece_value.T @ flows
    tier_demand: IntArray
    fallbacks: tuple[Fallback, ...]
    requirement_group: IntArray  # group of each requirement (-1: no demand)
    requirement_piece: IntArray  # enumerated piece (row of `starts`) deciding if it is short
    tables: Tables | None = None  # per-piece answers for every availability pattern

    @property
    def closes_tier(self) -> BoolArray:
        """Pieces that end their group's tier (the others are a tier's higher-value ranks)."""
        return np.asarray(self.cumulative.any(axis=1), dtype=bool)

    @property
    def n_cuts(self) -> int:
        return len(self.const)

    @property
    def n_pieces(self) -> int:
        return len(self.piece_group)

    def evaluate(self, avail: npt.ArrayLike, short: bool = False) -> KernelOutput:
        """Flow of every piece for a batch of draws (`avail`: draws × keys, 0/1).

        Returns pieces × draws flows (and requirements × draws short flags): the layout in
        which every reduction below runs over contiguous rows.
        """
        a = np.asarray(avail, dtype=self.weights.dtype)
        if a.ndim != 2 or a.shape[1] != self.n_keys:
            raise ValueError(f"availability must be draws × {self.n_keys} keys, got {a.shape}")
        n = a.shape[0]
        flows = np.zeros((self.n_pieces, n), dtype=self.weights.dtype)
        out_short = np.zeros((self.n_requirements, n), dtype=bool) if short else None
        block = max(1, BLOCK_CELLS // max(self.n_cuts, 1))
        bounds = np.append(self.starts, self.n_cuts)
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            cuts = self.weights.T @ a[lo:hi].T  # cuts × draws
            cuts += self.const[:, None]
            best = np.empty((len(self.starts), hi - lo), dtype=cuts.dtype)
            for i, (c0, c1) in enumerate(pairwise(bounds.tolist())):
                cuts[c0:c1].min(axis=0, out=best[i])
            flows[self.enumerated, lo:hi] = best
            if out_short is not None:
                self._short(cuts, best, bounds, out_short[:, lo:hi])
        for fb in self.fallbacks:
            _solve_fallback(fb, a, flows, out_short)
        return KernelOutput(flows, out_short)

    def _short(self, cuts: FloatArray, best: FloatArray, bounds: IntArray, out: BoolArray) -> None:
        """Short: inside T(U) for every minimum cut U of its piece (the smallest minimum cut)."""
        row = self.requirement_piece
        simple = (row >= 0) & (row < self.n_simple)
        demand = self.piece_demand[self.enumerated]
        out[simple] = best[row[simple]] < demand[row[simple], None] - 0.5
        hard = row >= self.n_simple
        if not hard.any():
            return
        c0 = int(bounds[self.n_simple])
        sizes = np.diff(bounds[self.n_simple:])
        at_min = (cuts[c0:] <= np.repeat(best[self.n_simple:], sizes, axis=0) + 0.5
                  ).astype(np.float32)
        n_min = np.add.reduceat(at_min, bounds[self.n_simple:-1] - c0, axis=0)
        hits = self.short_incidence.T @ at_min
        out[hard] = hits[hard] >= n_min[row[hard] - self.n_simple] - 0.5

    def reduce(self, avail: npt.ArrayLike) -> Reduced:
        """Filled units per draw and the counts a stress run keeps, by table look-up when
        every piece is tabulated, else by evaluating the cuts of every draw."""
        a = np.asarray(avail, dtype=self.weights.dtype)
        n = a.shape[0]
        if self.tables is None:
            out = self.evaluate(a, short=True)
            assert out.short is not None
            unmet = np.rint(self.piece_demand[:, None] - out.flows).astype(np.int64)
            return Reduced(self.tier_flows(out.flows), self.value_flows(out.flows),
                           out.short.sum(axis=1).astype(np.int64),
                           unmet.sum(axis=1), (unmet > 0).sum(axis=1).astype(np.int64))
        tb = self.tables
        idx = (tb.bits.T @ a.T).astype(np.intp)  # varying pieces × draws: pattern numbers
        idx += tb.offset[tb.vary, None]
        counts = np.bincount(idx.ravel(), minlength=len(tb.flow))
        counts[np.delete(tb.offset, tb.vary)] += n
        flows = tb.flow[idx]  # varying pieces × draws
        filled = self.cumulative[tb.vary].T @ flows + tb.fixed[:, None]
        value = self.piece_value[tb.vary].T @ flows + tb.fixed_value[:, None]
        return Reduced(
            filled=np.rint(filled), value=value, short=np.rint(tb.short @ counts).astype(np.int64),
            piece_unmet=np.bincount(tb.piece, weights=tb.gap * counts, minlength=self.n_pieces
                                    ).astype(np.int64),
            piece_short=np.bincount(tb.piece, weights=(tb.gap > 0) * counts,
                                    minlength=self.n_pieces).astype(np.int64))

    def filled(self, avail: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Filled units of the tiers 0..k and value filled in each measure, per draw, as `reduce`
        gives them, without the per-requirement counts (which cost most of an evaluation: a
        what-if shows only the coverage)."""
        if self.tables is not None:
            red = self.reduce(avail)
            return red.filled, red.value
        flows = self.evaluate(avail).flows
        return self.tier_flows(flows), self.value_flows(flows)

    def tier_flows(self, flows: FloatArray) -> FloatArray:
        """Filled units of the tiers 0..k (cumulative), tiers × draws."""
        return np.rint(self.cumulative.T.astype(flows.dtype) @ flows)

    def value_flows(self, flows: FloatArray) -> FloatArray:
        """Value filled in each measure, measures × draws (units to the highest values first)."""
        return self.piece_value.T @ flows.astype(np.float64)


def compile_kernel(tp: Transport, pledge_key: IntArray | None = None,
                   n_keys: int | None = None, max_cuts: int = MAX_CUTS,
                   draws: int | None = None) -> Kernel:
    """Enumerate the closed sets of every piece and fold them into one weight matrix.

    Pieces are also tabulated over their key patterns when that is possible and pays off:
    tabulating costs about as much as evaluating one draw per pattern, so it is skipped when
    fewer than twice as many `draws` are expected.
    """
    n_p, n_j = tp.compatible.shape
    key = np.arange(n_p) if pledge_key is None else np.asarray(pledge_key, dtype=np.int64)
    k_n = int(n_keys if n_keys is not None else (key.max() + 1 if n_p else 0))
    live_p = (tp.supply > 0) & tp.compatible.any(axis=1)
    live_j = tp.demand > 0
    comp = tp.compatible & live_p[:, None] & live_j[None, :]
    group_p, group_j, n_groups = _groups(comp, live_p, live_j)
    n_tiers = tp.n_tiers
    rank, values = tp.rank(), tp.values

    enum: list[tuple[int, FloatArray, FloatArray, sp.csr_matrix]] = []
    fallbacks: list[Fallback] = []
    p_group: list[int] = []
    p_tier: list[int] = []
    p_demand: list[int] = []
    p_closes: list[bool] = []
    p_value: list[FloatArray] = []
    for g in range(n_groups):
        pg = np.nonzero(group_p == g)[0]
        jg = np.nonzero(group_j == g)[0]
        ranks = sorted(set(rank[jg].tolist()))
        for r in ranks:
            jk = jg[rank[jg] <= r]
            at = jg[rank[jg] == r]
            k = int(tp.tier[at[0]])
            closes = r == max(rank[jg[tp.tier[jg] == k]])
            piece = len(p_group)
            p_group.append(g)
            p_tier.append(k)
            p_demand.append(int(tp.demand[jk].sum()))
            p_closes.append(bool(closes))
            p_value.append(values[at[0]])
            cls = _classes(tp, comp, pg, jk, key, k_n, k if closes else -1)
            closed = _closed_sets(cls.neighbours, max_cuts)
            if closed is None:
                fallbacks.append(_fallback(piece, cls))
                continue
            # T(U): classes whose every neighbour lies in U (none outside), C × B
            in_t = (~closed).astype(np.float64) @ cls.neighbours.T.astype(np.float64) == 0
            enum.append((piece, cls.key_class @ closed.T.astype(np.float64),
                         cls.demand.sum() - in_t.astype(np.float64) @ cls.demand,
                         sp.csr_matrix(in_t.astype(np.float64)) @ cls.own_tier))

    # Pieces with at most two closed sets (∅ and one requirement class's neighbours) first:
    # their requirements are short exactly when the piece's flow falls short of its demand.
    enum.sort(key=lambda e: len(e[2]) > 2)
    n_simple = sum(len(e[2]) <= 2 for e in enum)
    enumerated = [e[0] for e in enum]
    weights, consts, shorts = [e[1] for e in enum], [e[2] for e in enum], [e[3] for e in enum]
    starts = np.cumsum([0] + [len(c) for c in consts])[:-1].astype(np.int64)

    cumulative = np.zeros((len(p_group), n_tiers))
    piece_value = np.zeros((len(p_group), values.shape[1]))
    for i, (g, k) in enumerate(zip(p_group, p_tier, strict=True)):
        nxt = i + 1 < len(p_group) and p_group[i + 1] == g  # the group's next rank
        piece_value[i] = p_value[i] - (p_value[i + 1] if nxt else 0.0)
        if not p_closes[i]:
            continue
        later = [k2 for g2, k2 in zip(p_group, p_tier, strict=True) if g2 == g and k2 > k]
        cumulative[i, k:(min(later) if later else n_tiers)] = 1.0
    w = np.hstack(weights) if weights else np.zeros((k_n, 0))
    c = np.concatenate(consts) if consts else np.zeros(0)
    exact32 = (w.sum(axis=0) + c).max(initial=0.0) < EXACT_FLOAT32
    dtype = np.float32 if exact32 else np.float64
    owner = _owner(shorts, n_j)
    kernel = Kernel(
        n_keys=k_n, n_requirements=n_j, weights=np.ascontiguousarray(w, dtype=dtype),
        const=c.astype(dtype), starts=starts, enumerated=np.array(enumerated, dtype=np.int64),
        n_simple=n_simple,
        short_incidence=_dense_if_small(sp.vstack(shorts[n_simple:]).tocsr() if shorts[n_simple:]
                                        else sp.csr_matrix((0, n_j))),
        piece_group=np.array(p_group, dtype=np.int64), piece_tier=np.array(p_tier, dtype=np.int64),
        piece_demand=np.array(p_demand, dtype=np.int64), cumulative=cumulative,
        piece_value=piece_value, tier_demand=tp.tier_demand(), fallbacks=tuple(fallbacks),
        requirement_group=group_j, requirement_piece=owner,
    )
    return replace(kernel, tables=_tables(kernel, draws))


def _piece_keys(k: Kernel) -> list[IntArray]:
    """The availability keys each piece's flow depends on."""
    keys: list[IntArray] = [np.zeros(0, dtype=np.int64)] * k.n_pieces
    bounds = np.append(k.starts, k.n_cuts)
    for row, piece in enumerate(k.enumerated.tolist()):
        cols = k.weights[:, bounds[row]:bounds[row + 1]]
        keys[piece] = np.nonzero((cols != 0).any(axis=1))[0]
    for fb in k.fallbacks:
        keys[fb.piece] = np.nonzero((fb.key_class != 0).any(axis=1))[0]
    return keys


def _tables(k: Kernel, draws: int | None) -> Tables | None:
    """Tabulate every piece over its key patterns, or None when one has too many keys."""
    keys = _piece_keys(k)
    if any(len(kk) > TABLE_KEYS for kk in keys):
        return None
    sizes = np.array([1 << len(kk) for kk in keys], dtype=np.int64)
    # pieces over the same keys (often one group's tier prefixes) share their pattern rows
    first_row: dict[tuple[int, ...], int] = {}
    for kk in keys:
        first_row.setdefault(tuple(kk.tolist()), sum(1 << len(x) for x in first_row))
    n_rows = sum(1 << len(x) for x in first_row)
    if sizes.sum() > TABLE_ROWS or (draws is not None and 2 * n_rows > draws):
        return None
    owner = np.full(k.n_requirements, -1, dtype=np.int64)  # piece deciding each requirement
    owner[k.requirement_piece >= 0] = k.enumerated[k.requirement_piece[k.requirement_piece >= 0]]
    for fb in k.fallbacks:
        owner[np.nonzero(fb.short.any(axis=0))[0]] = fb.piece
    bits = np.zeros((k.n_keys, k.n_pieces), dtype=k.weights.dtype)
    rows = np.zeros((n_rows, k.n_keys), dtype=k.weights.dtype)
    for kk_t, r0 in first_row.items():
        kk = np.array(kk_t, dtype=np.int64)
        rows[r0:r0 + (1 << len(kk)), kk] = (np.arange(1 << len(kk))[:, None] >> np.arange(len(kk))) & 1
    out = k.evaluate(rows, short=True)  # every pattern of every key set in one batch
    assert out.short is not None
    offset = (np.cumsum(sizes) - sizes).astype(np.int64)
    piece = np.repeat(np.arange(k.n_pieces), sizes)
    src = np.concatenate([first_row[tuple(kk.tolist())] + np.arange(sizes[p])
                          for p, kk in enumerate(keys)]) if len(keys) else np.zeros(0, np.int64)
    for p, kk in enumerate(keys):
        bits[kk, p] = 2.0 ** np.arange(len(kk))
    flow = out.flows[piece, src].astype(np.float64)
    mine = out.short[:, src] & (owner[:, None] == piece[None, :])
    j, r = np.nonzero(mine)
    short = sp.csr_matrix((np.ones(len(j)), (j, r)), shape=(k.n_requirements, len(piece)))
    vary = np.nonzero(sizes > 1)[0]
    constant = np.nonzero(sizes == 1)[0]
    return Tables(bits=np.ascontiguousarray(bits[:, vary]), vary=vary, offset=offset, piece=piece,
                  flow=flow, gap=np.rint(k.piece_demand[piece] - flow),
                  fixed=k.cumulative[constant].T @ flow[offset[constant]],
                  fixed_value=k.piece_value[constant].T @ flow[offset[constant]], short=short)


def _dense_if_small(m: sp.csr_matrix) -> sp.csr_matrix | FloatArray:
    """A dense BLAS product beats a sparse one while the matrix is small."""
    return np.asfortranarray(m.toarray(), dtype=np.float32) if m.shape[0] * m.shape[1] <= 1 << 22 else m


def _owner(shorts: list[sp.csr_matrix], n_j: int) -> IntArray:
    """For each requirement, the enumerated piece whose cuts say whether it is short."""
    owner = np.full(n_j, -1, dtype=np.int64)
    for i, inc in enumerate(shorts):
        owner[np.unique(inc.tocoo().col)] = i
    return owner


def _groups(comp: BoolArray, live_p: BoolArray, live_j: BoolArray) -> tuple[IntArray, IntArray, int]:
    """Connected capability groups of the bipartite graph; -1 for pledges/requirements left out."""
    n_p, n_j = comp.shape
    rows, cols = np.nonzero(comp)
    graph = sp.coo_matrix((np.ones(len(rows)), (rows, n_p + cols)), shape=(n_p + n_j,) * 2)
    _, label = connected_components(graph, directed=False)
    keep = np.concatenate([np.zeros(n_p, dtype=bool), live_j])  # a group is a requirement's
    ids = {lab: i for i, lab in enumerate(dict.fromkeys(label[keep].tolist()))}
    group = np.array([ids.get(lab, -1) for lab in label.tolist()], dtype=np.int64)
    group_p = np.where(live_p, group[:n_p], -1)
    return group_p, group[n_p:], len(ids)


@dataclass(frozen=True)
class _Classes:
    neighbours: BoolArray  # B × A: supply classes each requirement class may draw on
    demand: FloatArray  # B
    key_class: FloatArray  # K × A
    own_tier: sp.csr_matrix  # B × J: requirements of the piece's own tier in each class
    # (none for a rank that does not end its tier)


def _classes(tp: Transport, comp: BoolArray, pg: IntArray, jk: IntArray, key: IntArray,
             n_keys: int, k: int) -> _Classes:
    """Supply classes (same requirements) and requirement classes (same supply classes);
    `k` is the tier whose requirements' short flags the piece decides (-1: none)."""
    sub = comp[np.ix_(pg, jk)]
    used = sub.any(axis=1)
    pg, sub = pg[used], sub[used]
    rows, sclass = (np.unique(sub, axis=0, return_inverse=True) if len(pg)
                    else (np.zeros((0, len(jk)), dtype=bool), np.zeros(0, dtype=np.int64)))
    n_a = len(rows)
    key_class = np.zeros((n_keys, n_a))
    np.add.at(key_class, (key[pg], sclass.ravel()), tp.supply[pg].astype(float))
    if n_a:
        cols, rclass = np.unique(rows.T, axis=0, return_inverse=True)
        rclass = rclass.ravel()
    else:  # no pledge can serve: one class with no neighbours
        cols, rclass = np.zeros((1, 0), dtype=bool), np.zeros(len(jk), dtype=np.int64)
    demand = np.bincount(rclass, weights=tp.demand[jk], minlength=len(cols)).astype(float)
    own = tp.tier[jk] == k
    own_tier = sp.csr_matrix((np.ones(int(own.sum())), (rclass[own], jk[own])),
                             shape=(len(cols), len(tp.demand)))
    return _Classes(cols.astype(bool).reshape(len(cols), n_a), demand, key_class, own_tier)


def _closed_sets(neighbours: BoolArray, limit: int) -> BoolArray | None:
    """Every distinct union of requirement classes' neighbourhoods (∅ included), or None.

    Sets are kept as packed bits, so that de-duplicating them sorts a few bytes per set.
    """
    n_a = neighbours.shape[1]
    if n_a == 0:
        return np.zeros((1, 0), dtype=bool)
    packed = np.unique(np.packbits(neighbours, axis=1), axis=0)
    width = packed.shape[1]
    closed = np.zeros((1, width), dtype=np.uint8)
    for nb in packed:
        both = np.ascontiguousarray(np.vstack([closed, closed | nb]))
        closed = np.unique(both.view(f"V{width}").ravel()).view(np.uint8).reshape(-1, width)
        if len(closed) > limit:
            return None
    return np.unpackbits(closed, axis=1, count=n_a).astype(bool)


def _fallback(piece: int, cls: _Classes) -> Fallback:
    b_idx, a_idx = np.nonzero(cls.neighbours)
    return Fallback(piece=piece, key_class=cls.key_class, edge_a=a_idx.astype(np.int64),
                    edge_b=b_idx.astype(np.int64), demand=np.rint(cls.demand).astype(np.int64),
                    short=cls.own_tier.toarray())


FALLBACK_EDGES = 1 << 16
"""Edges of one batched max-flow graph (copies × edges per copy)."""


def _solve_fallback(fb: Fallback, avail: FloatArray, flows: FloatArray,
                    short: BoolArray | None) -> None:
    supply = np.rint(avail.astype(np.float64) @ fb.key_class).astype(np.int64)
    uniq, inverse = np.unique(supply, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    n_a, n_b = fb.key_class.shape[1], len(fb.demand)
    per_copy = n_a + len(fb.edge_a) + n_b
    step = max(1, FALLBACK_EDGES // per_copy)
    values = np.zeros(len(uniq))
    short_b = np.zeros((len(uniq), n_b), dtype=bool)
    for lo in range(0, len(uniq), step):
        hi = min(len(uniq), lo + step)
        values[lo:hi], short_b[lo:hi] = _batched_maxflow(fb, uniq[lo:hi], short is not None)
    flows[fb.piece] = values[inverse]
    if short is not None:
        short |= ((short_b.astype(np.float64) @ fb.short)[inverse] > 0).T


def _batched_maxflow(fb: Fallback, supply: IntArray, want_short: bool) -> tuple[FloatArray, BoolArray]:
    """Max flow of each row of `supply` (copies × A) and, per copy, the short classes.

    Nodes: 0 super-source, 1 super-sink, then per copy its A supply and B requirement classes.
    """
    n, n_a = supply.shape
    n_b = len(fb.demand)
    width = n_a + n_b
    base = 2 + width * np.arange(n)[:, None]  # first node of each copy
    big = int(fb.demand.sum()) + 1
    rows = np.concatenate([np.zeros(n * n_a, dtype=np.int64), (base + fb.edge_a).ravel(),
                           (base + n_a + np.arange(n_b)).ravel()])
    cols = np.concatenate([(base + np.arange(n_a)).ravel(), (base + n_a + fb.edge_b).ravel(),
                           np.ones(n * n_b, dtype=np.int64)])
    caps = np.concatenate([supply.ravel(), np.full(n * len(fb.edge_a), big),
                           np.tile(fb.demand, n)])
    keep = caps > 0
    size = 2 + n * width
    g = sp.csr_matrix((caps[keep].astype(np.int32), (rows[keep], cols[keep])), shape=(size, size))
    res = maximum_flow(g, 0, 1)
    flow = res.flow.tocsr()
    into_sink = np.asarray(flow[:, [1]].todense()).ravel()[2:].reshape(n, width)[:, n_a:]
    values = into_sink.sum(axis=1).astype(np.float64)
    short_b = np.zeros((n, n_b), dtype=bool)
    if want_short:
        # short in some maximum flow: it can still reach the sink in the residual network
        residual = (g - flow).tocsr()
        residual.data[residual.data < 0] = 0
        residual.eliminate_zeros()
        reached = breadth_first_order(residual.T.tocsr(), 1, directed=True,
                                      return_predecessors=False)
        seen = np.zeros(size, dtype=bool)
        seen[reached] = True
        short_b = seen[2:].reshape(n, width)[:, n_a:]
    return values, short_b
