"""Sustainability on the demand side: can the force *as sized* be kept up for years?

`sustain` judges what force generation allocated, so a force option that no coalition could
keep up is never called unsustainable when few pledges fill it. This module judges the
requirement itself, before any pledge: every enduring line of the statement of requirements
needs `rotation` units in the pool for each one deployed (the scenario's own rotation rule),
and costs its units' catalogue cost per unit-year. Against the coalition's and Europe's active
personnel and defence budgets, those give shares that are compared with what European armed
forces have actually sustained.

The thresholds and their public sources:

* **deployed personnel, 5.3 % of active** — the United Kingdom kept about 9,500 personnel in
  Afghanistan from April 2011, the highest of the campaign (House of Commons Library, *The cost
  of international military operations*, SN/SG/3139, 2011–2012), when the full-time trained
  strength of its armed forces was 177,840 (Ministry of Defence, UK Armed Forces personnel
  statistics, 1 April 2010): 9,500 / 177,840 = 5.3 %. No European nation has sustained a
  larger share for years since the Cold War; a coalition that needs more is `unsustainable`.
  `assumption`: half of it (2.7 %) is what a coalition can keep up without the strain the UK
  accepted then; between the two it is `strained`.
* **annual cost, 10.8 % of defence budget** — the UK's net additional cost of operations in
  Afghanistan was £3.774 bn in 2010–11 (same House of Commons Library note) against a core
  defence budget of about £35 bn (2009–10, as reported by The Scotsman, 2010): 10.8 %. The same
  halving gives 5.4 % (`assumption`).
* **rotation** — the scenario's `defaults.rotation` (the UK's rule of three); the US Army's goal
  of 1:2 boots-on-the-ground to dwell for active soldiers (Army Times, 18 February 2016) gives
  the same pool of three units per unit deployed.

Surge lines are deployed once, for their duration: they count in `surge_personnel` and not in
the pool or the annual cost.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pandas as pd

from willing.results import Field, Result, Table
from willing.scenario.scenario import Scenario
from willing.sizing import derive


@dataclass(frozen=True)
class Threshold:
    """Shares above which the demand is `strained` and `unsustainable`, with their basis."""

    measure: str
    strained: float
    unsustainable: float
    source: str

    def verdict(self, share: float | None) -> str:
        if share is None:
            return "unknown"
        if share > self.unsustainable:
            return "unsustainable"
        return "strained" if share > self.strained else "sustainable"


THRESHOLDS = (
    Threshold("deployed_share_of_active", 0.0267, 0.0534,
              "UK peak in Afghanistan: about 9,500 deployed from April 2011 (House of Commons "
              "Library SN/SG/3139) of 177,840 trained full-time personnel (MoD, 1 April 2010) = "
              "5.3 %; strained above half of it (assumption)"),
    Threshold("share_of_budget", 0.054, 0.108,
              "UK net additional cost in Afghanistan £3.774 bn in 2010-11 (House of Commons "
              "Library SN/SG/3139) against a core defence budget of about £35 bn (2009-10) = "
              "10.8 %; strained above half of it (assumption)"),
)
"""The verdict's thresholds; the worst of their verdicts is the demand's."""

VERDICTS = ("sustainable", "strained", "unsustainable")
OUTSIDE_EUROPE = frozenset({"USA", "CAN", "AUS", "NZL", "JPN", "KOR"})
"""Nations of the packaged table that are not European (Europe = every other NATO or EU member)."""


@dataclass
class Demand(Result):
    """What the statement of requirements of one state asks of the coalition, and its verdict.

    Nothing in it is per nation: the requirement lines and the coalition's and Europe's totals.
    """

    scenario: str
    force_option: str | None
    state: str
    rotation: float
    requirements: pd.DataFrame  # one row per requirement line
    figures: dict[str, Any]

    PARTS = (
        Field("figures"),
        Table("requirements", title="Requirement lines"),
    )

    def heading(self) -> str:
        f = self.figures
        return (f"<h3>willing demand — {html.escape(self.scenario)}, state "
                f"{html.escape(self.state)}</h3><p>pool {f['pool_personnel']:,} personnel · "
                f"US$ {f['annual_cost_musd']:,.0f} m a year · {html.escape(f['verdict'])}</p>")


def demand(scenario: Scenario, state: str | None = None) -> Demand:
    """The demand of the scenario's force option in `state`, judged against THRESHOLDS."""
    state = state or scenario.default_state
    if state not in scenario.states:
        raise ValueError(f"unknown state {state!r}; valid: {', '.join(scenario.states)}")
    rotation = float(scenario.spec.defaults.rotation)
    rows = []
    for r in derive(scenario):
        if not r.applies_in(state):
            continue
        cap = scenario.catalogue[r.capability]
        personnel = r.count * cap.personnel_per_unit
        is_enduring = str(r.duration) == "enduring"
        rows.append({
            "requirement": r.id, "component": r.component, "capability": r.capability,
            "duration": str(r.duration), "units": r.count, "deployed_personnel": personnel,
            "pool_personnel": round(personnel * rotation) if is_enduring else 0,
            "annual_cost_musd": (r.count * (cap.cost_musd_per_unit_year or 0.0)) if is_enduring else 0.0,
        })
    req = pd.DataFrame(rows, columns=["requirement", "component", "capability", "duration", "units",
                                      "deployed_personnel", "pool_personnel", "annual_cost_musd"])
    enduring = req[req["duration"] == "enduring"]
    deployed = int(enduring["deployed_personnel"].sum())
    pool = int(enduring["pool_personnel"].sum())
    cost = float(enduring["annual_cost_musd"].sum())
    coalition = _members(scenario)
    europe = [iso for iso, f in scenario.figures.items()
              if (f.nato or f.eu) and iso not in OUTSIDE_EUROPE]
    active = _total(scenario, coalition, "active_personnel")
    budget = _total(scenario, coalition, "milex_usd_bn")
    eu_active = _total(scenario, europe, "active_personnel")
    eu_budget = _total(scenario, europe, "milex_usd_bn")
    shares = {
        "deployed_share_of_active": _share(deployed, active),
        "share_of_budget": _share(cost, budget * 1000 if budget else None),
    }
    verdicts = {t.measure: t.verdict(shares[t.measure]) for t in THRESHOLDS}
    known = [v for v in verdicts.values() if v in VERDICTS]
    figures = {
        "scenario": scenario.name, "force_option": scenario.force_option, "state": state,
        "rotation": rotation, "coalition_nations": len(coalition),
        "deployed_personnel": deployed,
        "surge_personnel": int(req.loc[req["duration"] != "enduring", "deployed_personnel"].sum()),
        "pool_personnel": pool,
        "coalition_active_personnel": active, "europe_active_personnel": eu_active,
        **shares,
        "share_of_active": _share(pool, active),
        "share_of_europe_active": _share(pool, eu_active),
        "annual_cost_musd": cost,
        "coalition_budget_usd_bn": budget, "europe_budget_usd_bn": eu_budget,
        "share_of_europe_budget": _share(cost, eu_budget * 1000 if eu_budget else None),
        "verdict": max(known, key=VERDICTS.index) if known else "unknown",
        "verdicts": verdicts,
        "thresholds": [{"measure": t.measure, "strained": t.strained,
                        "unsustainable": t.unsustainable, "source": t.source} for t in THRESHOLDS],
    }
    return Demand(scenario.name, scenario.force_option, state, rotation, req, figures)


def _members(scenario: Scenario) -> list[str]:
    """The nations that may carry the force: every scenario nation but the host and backstop."""
    nf = scenario.nations_frame
    return [str(n) for n in nf.index if str(nf.at[n, "tier"]) not in ("host", "backstop")]


def _total(scenario: Scenario, nations: list[str], attr: str) -> float:
    values = [getattr(scenario.figures[n], attr) for n in nations if n in scenario.figures]
    return float(sum(v for v in values if v is not None))


def _share(part: float, whole: float | None) -> float | None:
    return part / whole if whole else None
