"""Why a requirement was not filled: the first compatibility test that no pledge passes.

The tests run in the order a planner would ask them: is anything of that capability pledged
at all; does any of it exist in this state (its conditions hold); is it allowed in the region;
does the region's law admit it (access rules in force in the state); in the role; is it ready
in time; for an enduring requirement, can its pool keep a unit deployed at all (a pool smaller
than its rotation never can). If some pledge passes every test, the gap is capacity: the
compatible pledges are fully used (rotation included); pledges that can never deploy are
named apart, never among those fully used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from willing.forcegen.arrays import Masks
from willing.scenario.model import Duration
from willing.scenario.scenario import PledgeRecord, Scenario
from willing.sizing import Requirement

REASONS: dict[str, str] = {
    "no-pledge": "no pledge of that capability or an allowed substitute",
    "condition": "a condition fails in this state",
    "state": "the pledges are not offered in this state",
    "region": "caveat forbids the region",
    "access": "an access rule of the region bars the pledges",
    "role": "caveat forbids the role",
    "readiness": "readiness too slow for the required-by day",
    "rotation": "pool smaller than the rotation: never deployable on an enduring requirement",
    "capacity": "capacity exhausted",
}


@dataclass(frozen=True)
class GapReason:
    code: str
    text: str


def _names(scenario: Scenario, idx: np.ndarray, limit: int = 6) -> str:
    nations = sorted({scenario.pledges[i].nation for i in idx})
    more = f" and {len(nations) - limit} more" if len(nations) > limit else ""
    return ", ".join(nations[:limit]) + more


def never_deploys(p: PledgeRecord) -> bool:
    """A pool smaller than its rotation keeps no unit deployed: floor(count / rotation) = 0."""
    return p.count < p.rotation - 1e-9


def rotation_text(p: PledgeRecord) -> str:
    """`LVA's infantry-battalion pledge (LVA-1): pool of 1 < rotation 3, never deployable`."""
    return (f"{p.nation}'s {p.capability} pledge ({p.id}): pool of {p.count} < rotation "
            f"{p.rotation:g}, never deployable")


def explain(scenario: Scenario, state: str, req: Requirement, j: int, mk: Masks,
            valid: np.ndarray) -> GapReason:
    """The reason requirement `req` (column `j` of the masks) has a gap in `state`."""
    cand = np.nonzero(mk.capability[:, j])[0]
    if len(cand) == 0:
        return GapReason("no-pledge", f"{REASONS['no-pledge']} ({req.capability})")
    alive = cand[valid[cand]]
    if len(alive) == 0:
        holds = scenario.holds(state)
        failing = sorted({c for i in cand for c in scenario.pledges[i].conditions} - holds)
        if failing:
            return GapReason("condition", f"{REASONS['condition']}: pledges of {_names(scenario, cand)} "
                             f"need {', '.join(failing)}, which does not hold in {state}")
        return GapReason("state", f"{REASONS['state']}: {_names(scenario, cand)}")
    alive = alive[mk.region[alive, j]]
    if len(alive) == 0:
        return GapReason("region", f"{REASONS['region']} ({req.region}) for "
                         f"{_names(scenario, cand[valid[cand]])}")
    admitted = alive[mk.access[alive, j]]
    if len(admitted) == 0:
        return GapReason("access", _access_text(scenario, state, alive, j, mk))
    barred = "; barred by " + _access_text(scenario, state, alive, j, mk) \
        if len(admitted) < len(alive) else ""
    alive = admitted
    steps = (("role", mk.role, f"{req.role}"), ("readiness", mk.ready, f"day {req.required_by_day}"))
    for code, mask, what in steps:
        ok = alive[mask[alive, j]]
        if len(ok) == 0:
            if code == "readiness":
                fastest = min(scenario.pledges[i].readiness_days for i in alive)
                return GapReason(code, f"{REASONS[code]}: earliest ready day {fastest} > "
                                 f"required by {what}")
            return GapReason(code, f"{REASONS[code]} ({what}) for {_names(scenario, alive)}")
        alive = ok
    if req.duration == Duration.ENDURING:
        never = [i for i in alive if never_deploys(scenario.pledges[i])]
        if len(never) == len(alive):
            return GapReason("rotation", "; ".join(rotation_text(scenario.pledges[i]) for i in never))
        apart = "; never deployable (pool < rotation): " + ", ".join(
            f"{scenario.pledges[i].id} ({scenario.pledges[i].count} < "
            f"{scenario.pledges[i].rotation:g})" for i in never) if never else ""
        alive = np.array([i for i in alive if i not in set(never)], dtype=np.int64)
    else:
        apart = ""
    return GapReason("capacity", f"{REASONS['capacity']}: compatible pledges of "
                     f"{_names(scenario, alive)} are fully used{apart}{barred}")


def _access_text(scenario: Scenario, state: str, alive: np.ndarray, j: int, mk: Masks) -> str:
    """The rules that bar the pledges otherwise able to serve, each with whom it bars."""
    parts = []
    for b in mk.barred:
        hit = alive[b.pairs[alive, j]]
        if len(hit):
            stay = (f", stay ≤ {b.rule.max_stay_days} days < tour"
                    if b.rule.max_stay_days is not None else "")
            parts.append(f"{b.region}: {b.rule.description} in {state}{stay} "
                         f"[{b.rule.id}] for {_names(scenario, hit)}")
    return "; ".join(parts)
