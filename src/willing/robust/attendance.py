"""Full attendance: what stays short even when every nation shows up and every condition holds.

When P(every essential requirement met) is 0, the cause is rarely who shows up: the pledges
fall short even if every one of them arrives. One evaluation of the exact kernel with every
availability key present (every nation, and the US backstop, adversary consent, a holding
ceasefire and a mandate all drawn true) says which essential requirements some best
allocation leaves short, and by how much.

A requirement's own shortfall is not always one number: when two short requirements of one
capability group draw on the same pledges, which of them goes without is the allocation's
choice. Every other essential requirement of the group is met in every best allocation, so
the group's unmet essential units fall on these together, and they are named together.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from willing import sizing
from willing.robust.draws import GLOBALS
from willing.robust.kernel import Kernel
from willing.scenario.scenario import Scenario

SAME_PLURAL = frozenset({"aircraft"})
"""Unit words whose plural is the word itself."""


def full_attendance(scenario: Scenario, state: str, kernel: Kernel,
                    reqs: list[sizing.Requirement]) -> dict[str, Any]:
    """The essential requirements short in `state` with every key present, grouped as above,
    and the plain statement of them (`statement`)."""
    out = kernel.evaluate(np.ones((1, kernel.n_keys)), short=True)
    assert out.short is not None
    flows = out.flows[:, 0].astype(np.float64)
    n_groups = int(kernel.piece_group.max()) + 1 if kernel.n_pieces else 0
    ess_flow = np.bincount(kernel.piece_group, weights=kernel.cumulative[:, 0] * flows,
                           minlength=n_groups)
    essential = np.array([r.priority == "essential" for r in reqs], dtype=bool)
    demand = np.array([r.count for r in reqs], dtype=np.int64)
    group = kernel.requirement_group
    shorts: list[dict[str, Any]] = []
    for g in range(n_groups):
        mine = essential & (group == g)
        unmet = round(float(demand[mine].sum() - ess_flow[g]))
        named = np.nonzero(mine & out.short[:, 0])[0]
        if unmet <= 0 or not len(named):
            continue
        required = int(demand[named].sum())
        caps = sorted({reqs[j].capability for j in named})
        shorts.append({"requirements": [reqs[j].id for j in named], "capabilities": caps,
                       "required": required, "filled": required - unmet, "unmet": unmet,
                       "unit": _unit(scenario, caps, required)})
    shorts.sort(key=lambda s: (-int(s["unmet"]), s["requirements"]))
    holds = set(scenario.spec.states[state].holds)
    return {"essential_met": not shorts, "short": shorts,
            "statement": statement(shorts, [c for _, c in GLOBALS if c in holds],
                                   [c for _, c in GLOBALS if c not in holds])}


def statement(shorts: list[dict[str, Any]], holding: list[str], ruled_out: list[str]) -> str:
    """The plain sentence: which essential requirements stay short, and by how much, with the
    drawn conditions the state lets hold (`holding`) and those it rules out (`ruled_out`: the
    pledges that need them cannot serve, present or not)."""
    given = (f"With every nation present and every drawn condition the state allows holding "
             f"({', '.join(holding) or 'none'}"
             + (f"; the state rules out {', '.join(ruled_out)}" if ruled_out else "") + ")")
    if not shorts:
        return f"{given}, every essential requirement is met."
    n = sum(len(s["requirements"]) for s in shorts)
    parts = [_names(s["requirements"]) + f" ({s['filled']:,} of {s['required']:,} {s['unit']})"
             for s in shorts]
    return (f"Even {given[0].lower()}{given[1:]}, "
            f"{n} essential requirement{' stays' if n == 1 else 's stay'} short: "
            + "; ".join(parts) + ".")


def _names(ids: list[str]) -> str:
    """'a', 'a and b together', 'a, b and c together'."""
    if len(ids) == 1:
        return ids[0]
    return ", ".join(ids[:-1]) + f" and {ids[-1]} together"


def _unit(scenario: Scenario, caps: list[str], count: int) -> str:
    """The unit word of the capabilities ('batteries'), or 'units' when they differ."""
    words = {scenario.catalogue[c].unit for c in caps}
    if len(words) != 1:
        return "units"
    word = words.pop()
    if count == 1 or word in SAME_PLURAL:
        return word
    return word[:-1] + "ies" if word.endswith("y") else word + "s"
