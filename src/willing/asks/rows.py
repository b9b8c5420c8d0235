"""One ask as a row of the asks table: the same columns whichever model chose it."""

from __future__ import annotations

from typing import Any

from willing.asks.candidates import Candidates
from willing.scenario.scenario import Scenario
from willing.sizing import Requirement

ASK_COLUMNS = ["nation", "capability", "candidate", "requirement", "requirement_capability",
               "region", "priority", "required_by_day", "units", "pool_units", "personnel",
               "cost_musd_per_year", "political_cost"]


def ask_row(scenario: Scenario, cands: Candidates, k: int, r: Requirement, units: int,
            enduring: bool) -> dict[str, Any]:
    """`units` of candidate `k` asked for requirement `r`: an enduring requirement takes
    `rotation` pool units per deployed unit (the rule of three), a surge one takes one."""
    p = cands.pledges[k]
    return {"nation": p.nation, "capability": p.capability, "candidate": p.id,
            "requirement": r.id, "requirement_capability": r.capability, "region": r.region,
            "priority": str(r.priority), "required_by_day": r.required_by_day, "units": units,
            "pool_units": units * (p.rotation if enduring else 1.0),
            "personnel": units * scenario.catalogue[p.capability].personnel_per_unit,
            "cost_musd_per_year": units * float(cands.unit_cost[k]),
            "political_cost": units * float(cands.political[k])}
