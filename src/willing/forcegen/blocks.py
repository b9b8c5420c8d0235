"""The registry of the force-generation MILP's blocks: each variable and constraint block is
declared once, here or by one `register` call, with what it means and where it belongs.

A block says what it is (name, one-line description), how it is built (a function over the
NumPy index arrays of `ModelIndex`, returning whole arrays: no Python loop per allocation
pair), which solver stages hold it, whether it stays within one component's slice of the
`nations` stage (decompose.py) and whether it is in the Benders subproblem (benders.py).
Everything else reads that declaration: the row and column layout, the names HiGHS carries
(`demand[req-12]`), the lists of blocks each stage and decomposition keeps, the constraints
table of docs/forcegen.md. Adding a block is one declaration (docs/architecture.md, "Adding
a constraint block").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

from willing.forcegen.arrays import FloatArray, IntArray, PledgeArrays, RequirementArrays

STAGES = ("unmet", "nations", "stability", "fair-share-cost", "fair-share-open")
"""The solver's stages in order (solve.py); `unmet` is one solve per priority tier."""

EVERY_STAGE = STAGES
WHOLE_MODEL = STAGES[1:]
"""The stages that solve the whole model (every stage but `unmet`, which solves transport)."""

Domain = Literal["pledge", "requirement", "nation", "component"]
"""What a key of a row or column indexes; its labels name the row or column."""

Slicing = Literal["own", "shared", "none"]
"""How a constraint block sits in the `nations` stage's slices by component (decompose.py):
`own` rows touch one component's columns only; `shared` rows may span components, are ≤ rows
over non-negative columns and keep each slice's own terms (a relaxation); `none` rows are not
in the slices."""


@dataclass
class ModelIndex:
    """The index arrays of one state's model, which every block builder reads.

    Pairs are the compatible (pledge, requirement) pairs, one unit column each; `nm` are the
    (nation, component) pairs that occur, one participation column each.
    """

    pa: PledgeArrays
    ra: RequirementArrays
    pair_p: IntArray
    pair_j: IntArray
    nm_nation: IntArray
    nm_comp: IntArray
    nm_of_pair: IntArray
    lead_nm: IntArray  # the nm pairs whose nation may lead
    comp_with_demand: IntArray
    fair_nations: IntArray
    fair_share: FloatArray
    lead_share_min: FloatArray  # per component
    pair_lent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Per pair: its column counts sub-units lent out of a whole-unit pledge (`Pledge.lend`)."""
    framework_share_min: float = 0.5  # formed units: the framework nation's least share
    max_nations: int = 4  # formed units: most nations in one
    offset: dict[str, int] = field(default_factory=dict)  # first column of each variable block

    def col(self, block: str, local: IntArray) -> IntArray:
        """The model columns of entries `local` of a variable block."""
        return self.offset[block] + np.asarray(local, dtype=np.int64)

    @cached_property
    def use(self) -> FloatArray:
        """a[p,j] per pair: pool units one deployed unit uses (rotation if enduring, else 1; a
        lent sub-unit uses its share of the pledge's unit of that)."""
        a = np.where(self.ra.enduring[self.pair_j], self.pa.rotation[self.pair_p], 1.0)
        return np.where(self.pair_lent, a * self.pa.lent_fraction[self.pair_p], a)

    @cached_property
    def upper(self) -> FloatArray:
        """The most units a pair can take: its pool over `use`, at most the demand."""
        return np.minimum(np.floor(self.pa.count[self.pair_p] / self.use + 1e-9),
                          np.floor(self.ra.demand[self.pair_j] / self.pair_frac + 1e-9))

    @cached_property
    def pair_frac(self) -> FloatArray:
        """The share of a requirement's unit one unit of each pair fills: 1, or 1/k for a
        sub-unit that fills it only inside a formed unit (k companies to a battalion), pledged
        as such or lent out of a whole unit."""
        return np.where(self.pair_lent, self.pa.lent_fraction[self.pair_p],
                        self.pa.fraction[self.pair_p])

    @cached_property
    def subs(self) -> IntArray:
        """The pairs (x columns) of sub-unit pledges."""
        return np.nonzero(self.pair_frac < 1.0)[0].astype(np.int64)

    @cached_property
    def formed(self) -> tuple[IntArray, IntArray]:
        """The (nation, requirement) pairs with sub-units (as n·n_req + j), one framework
        column w and one member column v each, and each sub-unit pair's among them."""
        key = self.pa.nation[self.pair_p[self.subs]] * len(self.ra) + self.pair_j[self.subs]
        unique, of_sub = np.unique(key, return_inverse=True)
        return unique.astype(np.int64), of_sub.astype(np.int64)

    @cached_property
    def pair_personnel(self) -> FloatArray:
        return np.where(self.pair_lent, self.pa.lent_personnel[self.pair_p],
                        self.pa.personnel[self.pair_p])

    @cached_property
    def pair_cost(self) -> FloatArray:
        return np.where(self.pair_lent, self.pa.lent_cost[self.pair_p], self.pa.cost[self.pair_p])

    @cached_property
    def own(self) -> IntArray:
        """The pairs of units as pledged (every pair but the lent sub-units)."""
        return np.nonzero(~self.pair_lent)[0].astype(np.int64)

    @cached_property
    def pair_m(self) -> IntArray:
        return self.ra.component[self.pair_j]

    @property
    def xs(self) -> IntArray:
        return np.arange(len(self.pair_p), dtype=np.int64)

    @cached_property
    def pm(self) -> tuple[IntArray, IntArray]:
        """The (pledge, component) pairs that occur (as p·n_comp + m) and each pair's."""
        key = self.pair_p * len(self.ra.components) + self.pair_m
        unique, of_pair = np.unique(key, return_inverse=True)
        return unique, of_pair.astype(np.int64)

    @cached_property
    def floor(self) -> FloatArray:
        """⌊count/rotation⌋ per pledge: whole units it can keep deployed on enduring demand."""
        return np.floor(self.pa.count / self.pa.rotation + 1e-9)

    @cached_property
    def floored(self) -> IntArray:
        """Pairs on enduring demand whose pledge's floor cuts off a fraction of a unit."""
        pp = self.pair_p
        end = ~self.pair_lent & self.ra.enduring[self.pair_j] & (self.pa.rotation[pp] > 1) & (
            self.floor[pp] < self.pa.count[pp] / self.pa.rotation[pp] - 1e-9)
        return self.xs[end]


@dataclass(frozen=True)
class Rows:
    """One constraint block's rows as COO triplets, rows numbered from 0 within the block;
    `keys` index each row in the block's domains (for its name)."""

    row: IntArray
    col: IntArray
    val: FloatArray
    lo: FloatArray
    hi: FloatArray
    keys: tuple[IntArray, ...]

    def __len__(self) -> int:
        return len(self.lo)


@dataclass(frozen=True)
class VariableBlock:
    """Columns of one kind: keyed by `domains`, bounded by 0 and `upper`."""

    name: str
    description: str
    domains: tuple[Domain, ...]
    keys: Callable[[ModelIndex], tuple[IntArray, ...]]
    upper: Callable[[ModelIndex], FloatArray]
    kind: Literal["integer", "binary", "continuous"]
    stages: tuple[str, ...]

    @property
    def integer(self) -> bool:
        return self.kind != "continuous"


@dataclass(frozen=True)
class ConstraintBlock:
    """Rows of one kind. `build` is None for rows the solver adds between stages (solve.py),
    which are registered for their name, description and stages."""

    name: str
    description: str
    domains: tuple[Domain, ...]
    build: Callable[[ModelIndex], Rows | None] | None
    stages: tuple[str, ...]
    slicing: Slicing = "own"
    subproblem: bool = False


VARIABLES: dict[str, VariableBlock] = {}
"""Every variable block, in column order."""

CONSTRAINT_BLOCKS: dict[str, ConstraintBlock] = {}
"""Every constraint block, in row order (those the solver adds last)."""


def register(block: VariableBlock | ConstraintBlock) -> None:
    """Add a block to the model every state is built with; a name is registered once."""
    if not block.description.strip():
        raise ValueError(f"block '{block.name}' has no description")
    if block.name in VARIABLES or block.name in CONSTRAINT_BLOCKS:
        raise ValueError(f"block '{block.name}' is registered already")
    unknown = set(block.stages) - set(STAGES)
    if unknown:
        raise ValueError(f"block '{block.name}': unknown stages {sorted(unknown)}; "
                         f"valid: {', '.join(STAGES)}")
    if not block.domains and (isinstance(block, VariableBlock) or block.build is not None):
        raise ValueError(f"block '{block.name}' has no domains to name its rows or columns by")
    if isinstance(block, VariableBlock):
        VARIABLES[block.name] = block
    else:
        CONSTRAINT_BLOCKS[block.name] = block


@contextmanager
def registered(block: ConstraintBlock) -> Iterator[ConstraintBlock]:
    """`block` registered for the duration of a `with`: a model variant, or a test's."""
    register(block)
    try:
        yield block
    finally:
        del CONSTRAINT_BLOCKS[block.name]


def blocks_where(test: Callable[[ConstraintBlock], bool]) -> tuple[str, ...]:
    """The names of the built constraint blocks that pass `test`, in row order."""
    return tuple(b.name for b in CONSTRAINT_BLOCKS.values() if b.build is not None and test(b))


def in_stage(stage: str) -> tuple[str, ...]:
    """The built blocks a stage's model holds (`unmet`: the transport model of stage 1)."""
    return blocks_where(lambda b: stage in b.stages)


def sliced(how: Slicing) -> tuple[str, ...]:
    """The built blocks that sit in the slices by component as `how` says."""
    return blocks_where(lambda b: b.slicing == how)


def in_subproblem() -> tuple[str, ...]:
    """The built blocks of the Benders subproblem (benders.py)."""
    return blocks_where(lambda b: b.subproblem)


def label(name: str, domains: Sequence[Domain], keys: Sequence[IntArray],
          labels: Mapping[str, Sequence[str]]) -> list[str]:
    """`name[label,label]` for each entry of a block: its keys read in their domains' labels."""
    cols = [np.asarray(labels[d], dtype=object)[k] for d, k in zip(domains, keys, strict=True)]
    return [f"{name}[{','.join(t)}]" for t in zip(*cols, strict=True)]
