"""Why a requirement was not filled: the first compatibility test that no pledge passes.

The tests run in the order a planner would ask them: is anything of that capability pledged
at all; does any of it exist in this state (its conditions hold); is it allowed in the region;
in the role; is it ready in time. If some pledge passes every test, the gap is capacity: the
compatible pledges are fully used (rotation included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from willing.forcegen.arrays import Masks
from willing.scenario.scenario import Scenario
from willing.sizing import Requirement

REASONS: dict[str, str] = {
    "no-pledge": "no pledge of that capability or an allowed substitute",
    "condition": "a condition fails in this state",
    "state": "the pledges are not offered in this state",
    "region": "caveat forbids the region",
    "role": "caveat forbids the role",
    "readiness": "readiness too slow for the required-by day",
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
    steps = (("region", mk.region, f"{req.region}"), ("role", mk.role, f"{req.role}"),
             ("readiness", mk.ready, f"day {req.required_by_day}"))
    for code, mask, what in steps:
        ok = alive[mask[alive, j]]
        if len(ok) == 0:
            if code == "readiness":
                fastest = min(scenario.pledges[i].readiness_days for i in alive)
                return GapReason(code, f"{REASONS[code]}: earliest ready day {fastest} > "
                                 f"required by {what}")
            return GapReason(code, f"{REASONS[code]} ({what}) for {_names(scenario, alive)}")
        alive = ok
    return GapReason("capacity", f"{REASONS['capacity']}: compatible pledges of "
                     f"{_names(scenario, alive)} are fully used")
