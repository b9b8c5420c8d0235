"""Sustainability: can the coalition keep its enduring deployment up, and afford it? (docs/sustain.md)

For every nation and every enduring requirement it fills:

* **pool** — an enduring requirement needs `rotation` units in the pool for each one deployed
  (the UK's "rule of three": one deployed, one preparing, one recovering), so the pool is
  `ceil(deployed × rotation)` units, and its personnel a share of the nation's active forces;
* **cost** — each deployed unit costs the catalogue's `cost_musd_per_unit_year` (the marginal
  cost of keeping it deployed; its `source` column is carried along), a share of the nation's
  defence budget (`milex_usd_bn`);
* **rotation cliffs** — month by month over the horizon, each deployed slot is held by a unit
  for at most its pledge's `max_tour_months`; then the unit goes home and may deploy again only
  after a dwell at home (`dwell_tours` × the tour). A slot that no rested unit of the pledge can
  take is a gap: the first month it happens is the pledge's cliff. A pledge with rotation 1 and
  a 6-month tour opens its gap in month 7. Pledges of other nations that could relieve it
  (same compatibility tests as force generation, spare units left) are named.

A nation is flagged when its cost passes `budget_threshold` of its defence budget or its pool
passes `personnel_threshold` of its active personnel.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from willing.defaults import DEFAULT_BUDGET_THRESHOLD, DEFAULT_DWELL_TOURS, DEFAULT_PERSONNEL_THRESHOLD
from willing.demand import Demand, demand
from willing.forcegen import PlanResult
from willing.forcegen.arrays import masks, pledge_arrays, requirement_arrays, valid_in_state
from willing.forcegen.plan import plan_for
from willing.results import Field, Result, Table
from willing.scenario.scenario import Scenario


def pool_needed(deployed: int, rotation: float) -> int:
    """Units a pool must hold to keep `deployed` units deployed: ceil(deployed × rotation)."""
    if deployed < 0 or rotation < 1:
        raise ValueError(f"deployed must be ≥ 0 and rotation ≥ 1, got {deployed}, {rotation}")
    return math.ceil(deployed * rotation - 1e-9)


def rotation_cover(deployed: int, pool: int, tour_months: int | None, months: int,
                   dwell_months: int) -> npt.NDArray[np.int64]:
    """Units on station in each month (index 0 = month 1) when `pool` units hold `deployed` slots.

    Each slot is held for at most `tour_months`; the unit then rests `dwell_months` before it
    may deploy again. An empty slot takes the rested unit that has been home longest.
    """
    if tour_months is None:
        return np.full(months, min(deployed, pool), dtype=np.int64)
    free_from = np.zeros(pool, dtype=np.int64)  # month a unit may deploy again
    on_station = np.zeros(pool, dtype=bool)
    slot_unit = np.full(deployed, -1, dtype=np.int64)
    slot_end = np.zeros(deployed, dtype=np.int64)
    cover = np.zeros(months, dtype=np.int64)
    for m in range(months):
        for s in range(deployed):
            u = slot_unit[s]
            if u >= 0 and m >= slot_end[s]:
                on_station[u] = False
                free_from[u] = m + dwell_months
                slot_unit[s] = -1
            if slot_unit[s] < 0:
                rested = np.nonzero(~on_station & (free_from <= m))[0]
                if len(rested):
                    pick = rested[np.argmin(free_from[rested])]
                    on_station[pick] = True
                    slot_unit[s], slot_end[s] = pick, m + tour_months
        cover[m] = int((slot_unit >= 0).sum())
    return cover


@dataclass
class SustainResult(Result):
    """Pools, costs and rotation cliffs of one state's plan over the horizon."""

    plan: PlanResult
    years: int
    budget_threshold: float
    personnel_threshold: float
    dwell_tours: float
    requirements: pd.DataFrame  # one row per (nation, pledge, enduring requirement)
    nations: pd.DataFrame  # one row per contributing nation, with flags
    cliffs: pd.DataFrame  # one row per pledge whose tours run out with no relief
    by_year: pd.DataFrame  # nation × year: cost, share of budget, gap unit-months
    demand: Demand  # the force as sized, whatever was allocated (willing.demand)

    @property
    def flagged(self) -> pd.DataFrame:
        return self.nations[self.nations["flags"] != ""]

    def summary(self) -> dict[str, Any]:
        return {
            "scenario": self.plan.scenario.name, "state": self.plan.state, "years": self.years,
            "nations": len(self.nations), "flagged": list(self.flagged["nation"]),
            "pool_personnel": int(self.nations["pool_personnel"].sum()),
            "annual_cost_musd": float(self.nations["annual_cost_musd"].sum()),
            "cliffs": len(self.cliffs),
            "budget_threshold": self.budget_threshold,
            "personnel_threshold": self.personnel_threshold, "dwell_tours": self.dwell_tours,
        }

    PARTS = (
        Field("summary", lambda r: r.summary(), nations=("flagged",)),
        Table("nations", nation="nation", title="Nations"),
        Table("requirements", nation="nation", text=("cost_source",)),
        Table("cliffs", nation="nation", text=("relief",), title="Rotation cliffs"),
        Table("by_year", nation="nation"),
        Field("demand", lambda r: r.demand.figures),
    )

    def heading(self) -> str:
        s = self.summary()
        return (f"<h3>willing sustain — {html.escape(s['scenario'])}, state {s['state']}, "
                f"{s['years']} years</h3><p>pool {s['pool_personnel']:,} personnel · "
                f"US$ {s['annual_cost_musd']:,.0f} m a year · {s['cliffs']} rotation cliffs</p>")


def sustain(scenario: Scenario | PlanResult, state: str | None = None, *, years: int | None = None,
            budget_threshold: float = DEFAULT_BUDGET_THRESHOLD,
            personnel_threshold: float = DEFAULT_PERSONNEL_THRESHOLD,
            dwell_tours: float = DEFAULT_DWELL_TOURS, time_limit: float = 60.0) -> SustainResult:
    """Sustainability of the plan of `state` (planned here unless a PlanResult is given)."""
    result = plan_for(scenario, state, time_limit=time_limit)
    sc = result.scenario
    years = sc.spec.horizon_years if years is None else years
    if years < 1:
        raise ValueError(f"years must be ≥ 1, got {years}")
    for name, v in (("budget_threshold", budget_threshold), ("personnel_threshold", personnel_threshold)):
        if not 0 < v <= 1:
            raise ValueError(f"{name} must be in (0, 1], got {v}")
    if dwell_tours < 0:
        raise ValueError(f"dwell_tours must be ≥ 0, got {dwell_tours}")

    reqs = _requirement_rows(result)
    cliffs, monthly = _cliffs(result, reqs, years * 12, dwell_tours)
    nations = _nations(result, reqs, cliffs, budget_threshold, personnel_threshold)
    return SustainResult(plan=result, years=years, budget_threshold=budget_threshold,
                         personnel_threshold=personnel_threshold, dwell_tours=dwell_tours,
                         requirements=reqs, nations=nations, cliffs=cliffs,
                         by_year=_by_year(result, monthly, years),
                         demand=demand(sc, result.state))


def _requirement_rows(result: PlanResult) -> pd.DataFrame:
    sc = result.scenario
    pledges = {p.id: p for p in sc.pledges}
    a = result.allocation
    rows = []
    for r in a[a["duration"] == "enduring"].to_dict(orient="records"):
        p, cap = pledges[str(r["pledge"])], sc.catalogue[str(r["capability"])]
        units = int(r["units"])
        pool = pool_needed(units, p.rotation)
        cost = cap.cost_musd_per_unit_year
        rows.append({
            "nation": p.nation, "pledge": p.id, "requirement": r["requirement"],
            "capability": p.capability, "component": r["component"], "deployed": units,
            "rotation": p.rotation, "pool_units": pool,
            "pool_personnel": pool * cap.personnel_per_unit,
            "max_tour_months": p.max_tour_months,
            "cost_musd_per_unit_year": cost,
            "annual_cost_musd": units * cost if cost is not None else None,
            "cost_source": cap.source,
        })
    return pd.DataFrame(rows, columns=[
        "nation", "pledge", "requirement", "capability", "component", "deployed", "rotation",
        "pool_units", "pool_personnel", "max_tour_months", "cost_musd_per_unit_year",
        "annual_cost_musd", "cost_source"])


def _spare_units(result: PlanResult) -> dict[str, float]:
    """Pool units of each pledge the plan leaves unused (count − units tied up, rotation
    included; a sub-unit lent out of a pledge's unit ties up its share of one)."""
    a, cat = result.allocation, result.scenario.catalogue
    pledged = {p.id: p.capability for p in result.scenario.pledges}
    share = [1.0 if c == pledged[p] else 1.0 / (cat[c].per_parent or 1)
             for p, c in zip(a["pledge"], a["capability"], strict=True)]
    used = (a["pool_units"] * share).groupby(a["pledge"]).sum()
    return {p.id: p.count - float(used.get(p.id, 0.0)) for p in result.scenario.pledges}


def _relief(result: PlanResult, pledge: str, requirements: list[str],
            spare: dict[str, float]) -> list[str]:
    """Other pledges that could take over: compatible (capability, region, role, state) and spare."""
    sc = result.scenario
    reqs = result.requirement_list
    ra = requirement_arrays(sc, reqs)
    pa = pledge_arrays(sc)
    mk = masks(sc, pa, ra, result.state)
    ok = (mk.capability & mk.region & mk.role & mk.access) & valid_in_state(sc, result.state)[:, None]
    cols = [i for i, r in enumerate(reqs) if r.id in requirements]
    out = []
    for i, p in enumerate(sc.pledges):
        if p.id != pledge and ok[i, cols].any() and spare[p.id] >= p.rotation:
            out.append(f"{p.id} ({int(spare[p.id] // p.rotation)} spare)")
    return out


def _cliffs(result: PlanResult, reqs: pd.DataFrame, months: int,
            dwell_tours: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First month each pledge's tours run out with no relief, and the monthly cover."""
    sc = result.scenario
    pledges = {p.id: p for p in sc.pledges}
    spare = _spare_units(result)
    surge = result.allocation[result.allocation["duration"] != "enduring"].groupby("pledge")["units"].sum()
    rows, monthly = [], []
    for pid, g in reqs.groupby("pledge", sort=False):
        p = pledges[str(pid)]
        deployed = int(g["deployed"].sum())
        units = p.count - int(surge.get(p.id, 0))  # the pledge's units not on surge tasks
        dwell = math.ceil(dwell_tours * p.max_tour_months) if p.max_tour_months else 0
        cover = rotation_cover(deployed, units, p.max_tour_months, months, dwell)
        short = deployed - cover
        monthly.append((p.nation, p.id, cover, short))
        if not short.any():
            continue
        first = int(np.argmax(short > 0))
        ppu = sc.catalogue[p.capability].personnel_per_unit
        requirements = list(g["requirement"])
        rows.append({
            "nation": p.nation, "pledge": p.id, "capability": p.capability,
            "requirements": ", ".join(requirements), "deployed": deployed, "units": units,
            "rotation": p.rotation, "max_tour_months": p.max_tour_months,
            "month": first + 1, "units_short": int(short[first]),
            "personnel_short": int(short[first]) * ppu,
            "gap_months": int((short > 0).sum()), "gap_unit_months": int(short.sum()),
            "relief": ", ".join(_relief(result, p.id, requirements, spare)),
        })
    cliffs = pd.DataFrame(rows, columns=[
        "nation", "pledge", "capability", "requirements", "deployed", "units", "rotation",
        "max_tour_months", "month", "units_short", "personnel_short", "gap_months",
        "gap_unit_months", "relief"])
    cover_rows = [{"nation": n, "pledge": pid, "month": m + 1, "on_station": int(c[m]),
                   "short": int(s[m])} for n, pid, c, s in monthly for m in range(months)]
    return cliffs, pd.DataFrame(cover_rows, columns=["nation", "pledge", "month", "on_station",
                                                     "short"])


def _nations(result: PlanResult, reqs: pd.DataFrame, cliffs: pd.DataFrame,
             budget_threshold: float, personnel_threshold: float) -> pd.DataFrame:
    sc = result.scenario
    rows = []
    for iso, g in reqs.groupby("nation", sort=False):
        f = sc.figures[str(iso)]
        cost = float(g["annual_cost_musd"].fillna(0).sum())
        pool = int(g["pool_personnel"].sum())
        share_budget = cost / (f.milex_usd_bn * 1000) if f.milex_usd_bn else None
        share_active = pool / f.active_personnel if f.active_personnel else None
        flags = []
        if share_budget is None or share_budget > budget_threshold:
            flags.append("budget" if share_budget is not None else "no budget figure")
        if share_active is None or share_active > personnel_threshold:
            flags.append("personnel" if share_active is not None else "no personnel figure")
        rows.append({
            "nation": iso, "name": f.name, "tier": str(sc.spec.nations[str(iso)].tier),
            "deployed_units": int(g["deployed"].sum()), "pool_units": int(g["pool_units"].sum()),
            "pool_personnel": pool, "active_personnel": f.active_personnel,
            "share_active": share_active, "annual_cost_musd": cost, "milex_usd_bn": f.milex_usd_bn,
            "share_budget": share_budget,
            "cliffs": int((cliffs["nation"] == iso).sum()), "flags": ", ".join(flags),
        })
    df = pd.DataFrame(rows, columns=[
        "nation", "name", "tier", "deployed_units", "pool_units", "pool_personnel",
        "active_personnel", "share_active", "annual_cost_musd", "milex_usd_bn", "share_budget",
        "cliffs", "flags"])
    return df.sort_values("annual_cost_musd", ascending=False, kind="stable").reset_index(drop=True)


def _by_year(result: PlanResult, monthly: pd.DataFrame, years: int) -> pd.DataFrame:
    """Cost and gaps per nation and year: a unit costs a twelfth of its unit-year each month on station."""
    sc = result.scenario
    if monthly.empty:
        return pd.DataFrame(columns=["nation", "year", "cost_musd", "share_budget",
                                     "unit_months", "gap_unit_months"])
    cost = {p.id: sc.catalogue[p.capability].cost_musd_per_unit_year or 0.0 for p in sc.pledges}
    m = monthly.assign(year=(monthly["month"] - 1) // 12 + 1,
                       cost_musd=monthly["on_station"] * monthly["pledge"].map(cost) / 12)
    g = m.groupby(["nation", "year"], sort=False).agg(
        cost_musd=("cost_musd", "sum"), unit_months=("on_station", "sum"),
        gap_unit_months=("short", "sum")).reset_index()
    budget = {iso: (sc.figures[iso].milex_usd_bn or 0) * 1000 for iso in sc.spec.nations}
    g["share_budget"] = [c / budget[n] if budget[n] else None
                         for n, c in zip(g["nation"], g["cost_musd"], strict=True)]
    return g[["nation", "year", "cost_musd", "share_budget", "unit_months", "gap_unit_months"]]
