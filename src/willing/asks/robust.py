"""Robust asks: add asks on top of the deterministic ones until P(every requirement of the
target met) reaches P under the scenario's uncertainty, measured by the exact stress kernel.

Greedy on the kernel with lazy evaluation: a move is a step of units from one candidate to one
requirement that is short in some draws; its gain is ΔP + 0.1·Δ(mean coverage of the target)
(the second term moves the search while no single step changes P yet), its score gain per
US$ m. Every evaluation uses the same draws (common random numbers, `seed`), so gains compare
like with like; the result is then checked on fresh draws (`seed` + 1) and reported with its
95 % confidence interval.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from willing.asks.apply import ask_pledges, with_pledges
from willing.asks.candidates import Candidates
from willing.asks.model import TARGETS, Solved
from willing.robust import stress
from willing.scenario.scenario import Scenario

SEARCH_DRAWS = 4_000
CHECK_DRAWS = 20_000
COVERAGE_WEIGHT = 0.1
CANDIDATES_PER_REQUIREMENT = 3


@dataclass(frozen=True)
class Move:
    candidate: int  # index into Candidates.pledges
    requirement: int  # index into the built model's requirements
    units: int
    cost: float


def robust_asks(scenario: Scenario, state: str, table: pd.DataFrame, cands: Candidates,
                solved: Solved, target: str, p_target: float, *, seed: int = 1,
                command: str = "willing asks", budget_seconds: float = 45.0,
                search_draws: int = SEARCH_DRAWS,
                check_draws: int = CHECK_DRAWS) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The asks `table` grown by lazy greedy until P ≥ `p_target` (or the budget runs out)."""
    t0 = time.perf_counter()
    by_id = {p.id: p for p in cands.pledges}
    key = "p_essential_met" if target == "essential" else "p_all_met"
    mean_key = "mean_essential" if target == "essential" else "mean_coverage"
    evaluations = 0

    def measure(t: pd.DataFrame, draws: int, at: int) -> tuple[float, float, pd.DataFrame]:
        nonlocal evaluations
        evaluations += 1
        sc = with_pledges(scenario, ask_pledges(scenario, t, by_id, command))
        s = stress(sc, state, draws=draws, seed=at)
        return float(s.summary[key]), float(s.summary[mean_key]), s.requirements

    p0, m0, short = measure(table, search_draws, seed)
    start_p = p0
    upper = float(stress(with_pledges(scenario, cands.pledges), state, draws=search_draws,
                         seed=seed).summary[key])  # every spare unit asked, ceilings aside
    moves = _moves(scenario, cands, solved, short, target)
    # entries: (−score, move, round it was measured in (−1: never), P and mean it measured)
    heap: list[tuple[float, int, int, float, float]] = [
        (-math.inf, i, -1, 0.0, 0.0) for i in range(len(moves))]
    shorts: dict[int, pd.DataFrame] = {}  # what each move measured this round left short
    rnd = 0
    while heap and p0 < p_target and time.perf_counter() - t0 < budget_seconds:
        neg, i, seen, p, m = heapq.heappop(heap)
        trial = _add(scenario, table, cands, solved, moves[i])
        if trial is None:
            continue
        if seen == rnd:  # measured against the current asks and still the best
            if neg >= 0:  # no move improves either measure: stop
                break
            table, p0, m0, rnd = trial, p, m, rnd + 1
            known = {(mv.candidate, mv.requirement) for mv in moves}
            fresh = [mv for mv in _moves(scenario, cands, solved, shorts[i], target)
                     if (mv.candidate, mv.requirement) not in known]
            heap += [(-math.inf, len(moves) + k, -1, 0.0, 0.0) for k in range(len(fresh))]
            moves += fresh
            heapq.heappush(heap, (neg, i, -1, 0.0, 0.0))  # it may be taken again
            heapq.heapify(heap)
            shorts.clear()
            continue
        p, m, shorts[i] = measure(trial, search_draws, seed)
        gain = (p - p0) + COVERAGE_WEIGHT * (m - m0)
        heapq.heappush(heap, (-max(gain, 0.0) / max(moves[i].cost, 1e-9), i, rnd, p, m))
    check, _, _ = measure(table, check_draws, seed + 1)
    half = 1.96 * math.sqrt(max(check * (1 - check), 1e-12) / check_draws)
    return table, {
        "p_target": p_target, "measure": key, "method": "lazy greedy on the exact stress kernel",
        "p_start": start_p, "p_search": p0, "p_every_spare_unit": upper,
        "search_draws": search_draws, "search_seed": seed,
        "p_check": check, "ci95": [max(check - half, 0.0), min(check + half, 1.0)],
        "check_draws": check_draws, "check_seed": seed + 1, "reached": check + half >= p_target,
        "evaluations": evaluations, "seconds": round(time.perf_counter() - t0, 2)}


def _moves(scenario: Scenario, cands: Candidates, solved: Solved, short: pd.DataFrame,
           target: str) -> list[Move]:
    """For each target requirement short in some draw, a step of units from each of its
    cheapest compatible candidates (one per nation)."""
    b = solved.built
    index = {r.id: j for j, r in enumerate(b.reqs)}
    cost = cands.unit_cost + cands.political
    out: list[Move] = []
    for rid in short.loc[short["p_short"] > 0, "requirement"]:
        j = index[rid]
        if int(b.ra.priority[j]) > TARGETS[target]:
            continue
        ok = np.nonzero(b.masks.all[solved.first_ask:, j] & b.valid[solved.first_ask:])[0]
        step = max(1, math.ceil(float(b.ra.demand[j]) / 2))
        seen: set[str] = set()
        for k in sorted(ok, key=lambda k: cost[k]):
            nation = cands.pledges[k].nation
            if nation in seen:
                continue
            seen.add(nation)
            out.append(Move(int(k), j, step, step * float(cost[k])))
            if len(seen) == CANDIDATES_PER_REQUIREMENT:
                break
    return out


def _add(scenario: Scenario, table: pd.DataFrame, cands: Candidates, solved: Solved,
         mv: Move) -> pd.DataFrame | None:
    """`table` with the move's units added, or None when the candidate's spare pool or its
    nation's deployment room would be exceeded."""
    p = cands.pledges[mv.candidate]
    r = solved.built.reqs[mv.requirement]
    use = p.rotation if solved.built.ra.enduring[mv.requirement] else 1.0
    ppu = scenario.catalogue[p.capability].personnel_per_unit
    used_pool = float(table.loc[table["candidate"] == p.id, "pool_units"].sum())
    used_pers = float(table.loc[table["nation"] == p.nation, "personnel"].sum())
    if used_pool + mv.units * use > p.count + 1e-9 or \
            used_pers + mv.units * ppu > cands.room.get(p.nation, 0.0) + 1e-9:
        return None
    row = {"nation": p.nation, "capability": p.capability, "candidate": p.id,
           "requirement": r.id, "requirement_capability": r.capability, "region": r.region,
           "priority": str(r.priority), "required_by_day": r.required_by_day,
           "units": mv.units, "pool_units": mv.units * use, "personnel": mv.units * ppu,
           "cost_musd_per_year": mv.units * float(cands.unit_cost[mv.candidate]),
           "political_cost": mv.units * float(cands.political[mv.candidate])}
    return pd.concat([table, pd.DataFrame([row])], ignore_index=True) if len(table) else \
        pd.DataFrame([row], columns=table.columns)
