"""The asks of one state: candidates, the MILP, the effect on the plan and on P(met)."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from willing.asks.apply import ask_pledges, with_pledges
from willing.asks.candidates import Candidates, Ceiling, candidates, packaged_ceiling, packaged_fielded
from willing.asks.model import TARGETS, Solved, solve_asks
from willing.asks.robust import robust_asks
from willing.asks.rows import ASK_COLUMNS, ask_row
from willing.forcegen import PlanResult, plan
from willing.forcegen.gaps import explain
from willing.forcegen.highs import StageInfo
from willing.results import Field, Result, Table
from willing.robust import stress
from willing.scenario.scenario import Scenario


@dataclass
class AsksResult(Result):
    """The asks, why any target requirement stays short, and their effect.

    The asks are per nation (`asks`, `lines` and `by_nation` name each row's nation), so a
    national representative sees its own nation's asks and, in `summary`, their aggregate
    effect; the reasons a requirement stays short are free text that may name nations.
    """

    scenario: str
    state: str
    target: str
    reachable: bool
    asks: pd.DataFrame
    short: pd.DataFrame
    by_nation: pd.DataFrame
    effect: dict[str, Any]
    stages: list[StageInfo]
    before: PlanResult
    after: PlanResult
    pledges: list[Any] = field(default_factory=list)  # the asks as pledge records
    robust: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    seconds: float = 0.0

    PARTS = (
        Field("summary", lambda r: r.summary()),
        Table("lines", nation="nation", title="Asks"),
        Table("asks", nation="nation", title="Asks by requirement"),
        Table("short", text=("reason",), title="Still short with every ask"),
        Table("by_nation", nation="nation", title="Asked nations against their fair share"),
        Field("stages", lambda r: [{"name": s.name, "status": s.status, "objective": s.objective,
                                    "mip_gap": s.mip_gap if np.isfinite(s.mip_gap) else None,
                                    "seconds": s.seconds} for s in r.stages]),
        Field("robust"),
        Field("timings", lambda r: {k: round(v, 3) for k, v in r.timings.items()}),
    )

    @property
    def optimal(self) -> bool:
        return all(s.status == "optimal" for s in self.stages)

    def summary(self) -> dict[str, Any]:
        cost = self.stages[-1]
        return {"scenario": self.scenario, "state": self.state, "target": self.target,
                "reachable": self.reachable, "asks": len(self.asks),
                "units": int(self.asks["units"].sum()),
                "personnel": int(self.asks["personnel"].sum()),
                "cost_musd_per_year": float(self.asks["cost_musd_per_year"].sum()),
                "objective": cost.objective, "solver_status": cost.status,
                "mip_gap": cost.mip_gap if np.isfinite(cost.mip_gap) else None,
                **self.effect, "seconds": round(self.seconds, 2)}

    @property
    def lines(self) -> pd.DataFrame:
        """One row per nation, capability, region and day, its `line` as a planner says it:
        `FRA: +2 infantry-battalion, ua-south, needed by day 60`."""
        keys = ["nation", "capability", "region", "required_by_day"]
        g = self.asks.groupby(keys, sort=True, as_index=False).agg(
            units=("units", "sum"), personnel=("personnel", "sum"))
        g["line"] = [f"{n}: +{int(u)} {c}, {r}, needed by day {d}" for n, c, r, d, u in zip(
            g["nation"], g["capability"], g["region"], g["required_by_day"], g["units"],
            strict=True)]
        return g[[*keys, "units", "personnel", "line"]]

    def heading(self) -> str:
        s = self.summary()
        return (f"<h3>willing asks — {html.escape(self.scenario)}, state "
                f"{html.escape(self.state)}, target {html.escape(self.target)}</h3><p>"
                f"{s['units']} units asked, US$ {s['cost_musd_per_year']:,.0f} m a year; "
                f"target {'reachable' if self.reachable else 'not reachable'}</p>")


def asks(scenario: Scenario, state: str | None = None, *, target: str = "essential",
         fielded: pd.DataFrame | None = None, ceiling: Ceiling | None = None,
         robust: float | None = None, draws: int = 20_000, seed: int = 1,
         time_limit: float = 60.0, command: str = "willing asks",
         before: PlanResult | None = None, subunits: bool = True) -> AsksResult:
    """The least-cost asks that let force generation meet the `target` tiers in `state`.

    `fielded` (nation, capability, units) and `ceiling(nation)` (share of active personnel it
    can keep deployed) default to the packaged tables. With `robust` = P, the asks are instead
    the cheapest with P(every requirement of the target met) ≥ P under the scenario's
    uncertainty, on a sample of draws, checked on fresh ones (`robust_asks`, docs/asks.md).
    `draws` (0: none) measure P(met) before and after with the stress kernel at `seed`.
    `before`, the plan of `state` when the caller has it, saves planning it again.
    `subunits` False asks for whole units only (with `robust`, always: the stress kernel
    counts whole units).
    """
    t0 = time.perf_counter()
    if target not in TARGETS:
        raise ValueError(f"unknown target '{target}'; valid: {', '.join(TARGETS)}")
    if robust is not None and not 0.0 < robust < 1.0:
        raise ValueError(f"--robust must be a probability strictly between 0 and 1, got {robust}")
    if robust is not None and target == "important":
        raise ValueError("--robust needs --target essential or all: the stress kernel measures "
                         "P(every essential requirement met) and P(every requirement met)")
    state = state or scenario.default_state
    if state not in scenario.spec.states:
        raise ValueError(f"unknown state '{state}'; valid: {', '.join(scenario.states)}")
    fielded = packaged_fielded() if fielded is None else fielded
    ceiling = packaged_ceiling if ceiling is None else ceiling
    timings: dict[str, float] = {}
    t = time.perf_counter()
    if before is None:
        before = plan(scenario, state, time_limit=time_limit)
    elif before.state != state:
        raise ValueError(f"the plan given is for state '{before.state}', not '{state}'")
    timings["plan_before"], t = time.perf_counter() - t, time.perf_counter()
    bn = before.by_nation
    cands = candidates(scenario, fielded, ceiling,
                       {str(n): float(v) for n, v in bn["personnel"].items()},
                       {str(n): float(v) for n, v in bn["ratio"].items()})
    if robust is not None or not subunits:  # the kernel measuring P counts whole units only
        cands = cands.whole_units(scenario)
    solved = solve_asks(scenario, state, cands.pledges, cands.room,
                        cands.unit_cost + cands.political, target, time_limit,
                        shared=cands.shared, before=before)
    table = _asks_table(scenario, cands, solved)
    short = _short(scenario, state, cands, solved, target)
    deterministic_cost = float((table["cost_musd_per_year"] + table["political_cost"]).sum())
    timings["asks_milp"], t = time.perf_counter() - t, time.perf_counter()
    rob: dict[str, Any] = {}
    if robust is not None:
        table, rob = robust_asks(scenario, state, cands, table, target, robust, seed=seed,
                                 command=command, time_limit=time_limit)
        rob["deterministic_cost"] = deterministic_cost
    pledges = ask_pledges(scenario, table, {p.id: p for p in cands.pledges}, command)
    timings["robust"], t = time.perf_counter() - t, time.perf_counter()
    after = plan(with_pledges(scenario, pledges), state, time_limit=time_limit)
    timings["plan_after"], t = time.perf_counter() - t, time.perf_counter()
    effect = _effect(before, after)
    if draws:
        for key, sc in (("before", scenario), ("after", with_pledges(scenario, pledges))):
            s = stress(sc, state, draws=draws, seed=seed).summary
            effect[f"p_essential_met_{key}"] = s["p_essential_met"]
            effect[f"p_all_met_{key}"] = s["p_all_met"]
    timings["stress"] = time.perf_counter() - t
    return AsksResult(scenario.name, state, target, bool(short.empty), table, short,
                      _by_nation(before, after, table), effect, solved.stages, before, after,
                      pledges, rob, timings, time.perf_counter() - t0)


def _asks_table(scenario: Scenario, cands: Candidates, solved: Solved) -> pd.DataFrame:
    fm, ra = solved.built.fm, solved.built.ra
    reqs = solved.built.reqs
    on = np.nonzero((fm.pair_p >= solved.first_ask) & (solved.x > 0))[0]
    rows = [ask_row(scenario, cands, int(fm.pair_p[k]) - solved.first_ask,
                    reqs[int(fm.pair_j[k])], int(solved.x[k]), bool(ra.enduring[fm.pair_j[k]]))
            for k in on]
    return pd.DataFrame(rows, columns=ASK_COLUMNS)


def _short(scenario: Scenario, state: str, cands: Candidates, solved: Solved,
           target: str) -> pd.DataFrame:
    """The target's requirements still short with every ask, and why."""
    b = solved.built
    aug = with_pledges(scenario, cands.pledges)
    rows = []
    for j in np.nonzero(solved.unmet > 0)[0]:
        r = b.reqs[j]
        if int(b.ra.priority[j]) > TARGETS[target]:
            continue
        why = explain(aug, state, r, int(j), b.masks, b.valid)
        text = why.text
        if why.code == "capacity":
            ok = np.nonzero(b.masks.all[:, j] & b.valid)[0]
            asked = sorted({aug.pledges[p].nation for p in ok if p >= solved.first_ask})
            at_ceiling = [n for n in asked if cands.room.get(n, 0.0)
                          < scenario.catalogue[r.capability].personnel_per_unit]
            text = ("every nation that may serve it uses all it fields"
                    + (f"; at its deployment ceiling: {', '.join(at_ceiling)}" if at_ceiling else ""))
        elif why.code == "no-pledge":
            text = "no nation fields it beyond its pledges (or pledged nothing to ask from)"
        rows.append({"requirement": r.id, "capability": r.capability, "region": r.region,
                     "priority": str(r.priority), "unmet": int(solved.unmet[j]),
                     "reason_code": why.code, "reason": text})
    return pd.DataFrame(rows, columns=["requirement", "capability", "region", "priority",
                                       "unmet", "reason_code", "reason"])


def _effect(before: PlanResult, after: PlanResult) -> dict[str, Any]:
    b, a = before.summary(), after.summary()
    return {"coverage_before": b["coverage"], "coverage_after": a["coverage"],
            "essential_coverage_before": b["essential_coverage"],
            "essential_coverage_after": a["essential_coverage"]}


def _by_nation(before: PlanResult, after: PlanResult, table: pd.DataFrame) -> pd.DataFrame:
    """Each asked nation's personnel against its fair share, before and after."""
    asked = sorted(set(table["nation"]))
    b, a = before.by_nation, after.by_nation
    return pd.DataFrame({
        "nation": asked,
        "asked_units": [int(table.loc[table["nation"] == n, "units"].sum()) for n in asked],
        "personnel_before": [int(b.loc[n, "personnel"]) for n in asked],
        "fair_personnel_before": [float(b.loc[n, "fair_personnel"]) for n in asked],
        "ratio_before": [float(b.loc[n, "ratio"]) for n in asked],
        "personnel_after": [int(a.loc[n, "personnel"]) for n in asked],
        "fair_personnel_after": [float(a.loc[n, "fair_personnel"]) for n in asked],
        "ratio_after": [float(a.loc[n, "ratio"]) for n in asked]})
