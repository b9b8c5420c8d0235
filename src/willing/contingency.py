"""Contingency plans: what changes when an event moves the coalition from one state to another.

The plan for an event is the difference between the allocations of its two states (DESIGN §6),
pledge by pledge:

* **stay** — units of the pledge that hold the same position (region and role) in both states;
* **redeploy** — units of the pledge that serve in both states but in another region or role;
* **withdraw** — units that serve in the source state and not in the target, with the reason:
  the pledge no longer exists there (a condition fails — e.g. it serves only while the
  ceasefire holds, or only with a US backstop — or the state is not among its states), the
  requirement it filled ends, or force generation reallocates it;
* **deploy** — units that serve only in the target state, with the reason likewise.

Matching is by counts within a pledge (units of one pledge are interchangeable): first the
same requirement, then the same region and role, then any other position (a redeploy). Gaps
that open, close, widen or narrow are compared requirement by requirement.

The source state is planned on its own; the target state is planned with the source plan as
`baseline`, so force generation keeps every unit on its requirement unless that would cost
unmet demand or nations per component (its `stability` stage, docs/forcegen.md). A move into
a requirement that starts in the target state is `new-requirement`. Knock-on moves are
named too: a unit arriving where others left for a cause of their own is a `backfill`; one
leaving where others arrive for a cause of their own `gives-way` (keeping both would cost
nations per component). What remains has no cause the tables can show and carries the code
`reallocated`; the plan has the fewest moves that keep unmet demand and the nation count
optimal (none remain on the packaged scenario).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from willing.forcegen import PlanResult, plan
from willing.results import Field, Result, Table
from willing.scenario.model import Event
from willing.scenario.scenario import PledgeRecord, Scenario

MOVE_COLUMNS = ["event", "from_state", "to_state", "action", "nation", "pledge", "capability",
                "units", "personnel", "from_requirement", "from_region", "from_role",
                "to_requirement", "to_region", "to_role", "reason_code", "reason"]
GAP_COLUMNS = ["event", "from_state", "to_state", "requirement", "component", "priority", "change",
               "unmet_before", "unmet_after", "reason"]
Placement = dict[str, Any]  # requirement, region, role and units of one allocation row
GAP_CHANGES = ("opens", "closes", "widens", "narrows")
CONDITION_WORDS = {
    "ceasefire": "serves only while a ceasefire holds",
    "us-backstop": "serves only with a US backstop",
    "adversary-consent": "serves only with the adversary's consent",
    "mandate": "serves only under a UN or EU mandate",
    "parliament": "needs its parliament's approval",
}


@dataclass
class ContingencyResult(Result):
    """The contingency plan of one or more events, as tables with an `event` column."""

    scenario: Scenario
    plans: dict[str, PlanResult]  # per state: sources planned on their own, else the target's
    targets: dict[str, PlanResult]  # per event: its target state planned from its source
    events: pd.DataFrame  # one row per event: units per action, gaps opened and closed
    moves: pd.DataFrame  # one row per (pledge, action, from, to) with units and the reason
    gaps: pd.DataFrame  # one row per requirement whose gap opens, closes, widens or narrows

    PARTS = (
        Field("scenario", lambda r: r.scenario.name),
        Field("force_option", lambda r: r.scenario.force_option),
        Table("events", title="Events"),
        Table("moves", nation="nation", text=("reason",), title="Units that move"),
        Table("gaps", text=("reason",), title="Gaps that change"),
    )

    def heading(self) -> str:
        return (f"<h3>willing contingency — {html.escape(self.scenario.name)}: "
                f"{len(self.events)} event(s)</h3>")


def contingency(scenario: Scenario, event: str | None = None, *,
                plans: Mapping[str, PlanResult] | None = None,
                time_limit: float = 60.0) -> ContingencyResult:
    """The contingency plan of `event`, or of every event of the scenario when None.

    Each source state is planned once (pass `plans` to reuse plans already made); each event's
    target is planned with its source's plan as baseline, so the results are per event (a
    state that two events reach may be planned twice, from different sources).
    """
    declared = {ev.id: ev for ev in scenario.spec.events}
    if not declared:
        raise ValueError(f"scenario '{scenario.name}' declares no events; add 'events' "
                         "(id, from, to) to plan contingencies")
    if event is not None and event not in declared:
        raise ValueError(f"unknown event '{event}'; valid: {', '.join(declared)}")
    chosen = [declared[event]] if event is not None else list(declared.values())
    made: dict[str, PlanResult] = dict(plans or {})
    targets: dict[str, PlanResult] = {}
    for ev in chosen:
        if ev.from_ not in made:
            made[ev.from_] = plan(scenario, ev.from_, time_limit=time_limit)
        targets[ev.id] = plan(scenario, ev.to, time_limit=time_limit, baseline=made[ev.from_])
    for ev in chosen:
        made.setdefault(ev.to, targets[ev.id])
    moves, gaps, summary = [], [], []
    for ev in chosen:
        m = _knock_on(_moves(scenario, ev, made[ev.from_], targets[ev.id]))
        g = _gaps(ev, made[ev.from_], targets[ev.id])
        moves += m
        gaps += g
        summary.append(_summary(ev, m, g))
    gap_df = pd.DataFrame(gaps, columns=GAP_COLUMNS)
    for col in ("unmet_before", "unmet_after"):
        gap_df[col] = pd.array(gap_df[col].tolist(), dtype="Int64")
    return ContingencyResult(
        scenario=scenario, plans=made, targets=targets, events=pd.DataFrame(summary),
        moves=pd.DataFrame(moves, columns=MOVE_COLUMNS), gaps=gap_df)


def _valid_reason(scenario: Scenario, p: PledgeRecord, state: str) -> tuple[str, str] | None:
    """Why a pledge does not exist in a state (condition or state caveat), None if it does."""
    failing = [c for c in p.conditions if c not in scenario.holds(state)]
    if failing:
        return "condition", "; ".join(CONDITION_WORDS.get(c, f"needs {c}") for c in failing)
    if p.states and state not in p.states:
        return "state", f"offered only in {', '.join(p.states)}"
    return None


def _placements(result: PlanResult, pledge: str) -> list[Placement]:
    a = result.allocation
    rows = a[a["pledge"] == pledge][["requirement", "region", "role", "units"]]
    return [{str(k): v for k, v in r.items()} for r in rows.to_dict(orient="records")]


def _take(src: list[Placement], dst: list[Placement],
          same: Callable[[Placement, Placement], bool]) -> list[tuple[Placement, Placement, int]]:
    """Pair units of `src` and `dst` placements for which `same(s, d)` holds, by counts."""
    pairs = []
    for s in src:
        for d in dst:
            if s["units"] and d["units"] and same(s, d):
                n = min(s["units"], d["units"])
                pairs.append((dict(s), dict(d), n))
                s["units"] -= n
                d["units"] -= n
    return pairs


def _moves(scenario: Scenario, ev: Event, before: PlanResult, after: PlanResult) -> list[dict[str, Any]]:
    target_reqs = set(after.requirements["requirement"])
    source_reqs = set(before.requirements["requirement"])
    pledges = {p.id: p for p in scenario.pledges}
    used = sorted(set(before.allocation["pledge"]) | set(after.allocation["pledge"]),
                  key=list(pledges).index)
    out: list[dict[str, Any]] = []
    for pid in used:
        p = pledges[pid]
        ppu = scenario.catalogue[p.capability].personnel_per_unit
        src, dst = _placements(before, pid), _placements(after, pid)

        def row(action: str, s: dict[str, Any] | None, d: dict[str, Any] | None, n: int,
                code: str, reason: str, p: PledgeRecord = p, ppu: int = ppu) -> dict[str, Any]:
            return {"event": ev.id, "from_state": ev.from_, "to_state": ev.to, "action": action,
                    "nation": p.nation, "pledge": p.id, "capability": p.capability, "units": n,
                    "personnel": n * ppu,
                    "from_requirement": s and s["requirement"], "from_region": s and s["region"],
                    "from_role": s and s["role"], "to_requirement": d and d["requirement"],
                    "to_region": d and d["region"], "to_role": d and d["role"],
                    "reason_code": code, "reason": reason}

        for s, d, n in _take(src, dst, lambda s, d: s["requirement"] == d["requirement"]):
            out.append(row("stay", s, d, n, "same-position", "same requirement in both states"))
        for s, d, n in _take(src, dst, lambda s, d: (s["region"], s["role"]) == (d["region"], d["role"])):
            out.append(row("stay", s, d, n, "same-position",
                           f"same region and role, now for {d['requirement']}"))
        for s, d, n in _take(src, dst, lambda s, d: True):
            if d["requirement"] not in source_reqs and s["requirement"] in target_reqs:
                code, why = "new-requirement", f"to {d['requirement']}, which starts in {ev.to}"
            else:
                code, why = _leave_reason(s["requirement"], target_reqs, ev.to)
            out.append(row("redeploy", s, d, n, code, why))
        gone = _valid_reason(scenario, p, ev.to)
        for s in src:
            if s["units"]:
                code, why = gone or _leave_reason(s["requirement"], target_reqs, ev.to)
                out.append(row("withdraw", s, None, s["units"], code, why))
        new = _valid_reason(scenario, p, ev.from_)
        for d in dst:
            if d["units"]:
                if new is not None:
                    code, why = f"{new[0]}-now-holds", f"available now ({new[1]})"
                elif d["requirement"] not in source_reqs:
                    code, why = "new-requirement", f"{d['requirement']} starts in {ev.to}"
                else:
                    code, why = "reallocated", (f"force generation needs it in {ev.to} to keep "
                                                "unmet demand and nations per component optimal")
                out.append(row("deploy", None, d, d["units"], code, why))
    return out


def _knock_on(moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Name the knock-on moves among those with no cause of their own (`reallocated`).

    A unit arriving at a requirement that other units left for a cause of their own (a
    condition, a new requirement, …) is a `backfill`; a unit leaving a requirement that
    units arrive at for a cause of their own (their requirement ended, their condition holds
    again) `gives-way` — the plan keeps unmet demand and nations per component optimal, so it
    takes the arrivals rather than keep both. Counted by units: beyond the units that left
    (arrived), a move stays `reallocated`.
    """
    left: dict[str, int] = {}
    came: dict[str, int] = {}
    for m in moves:
        if m["reason_code"] != "reallocated" and m["action"] != "stay":
            if m["from_requirement"] is not None:
                left[m["from_requirement"]] = left.get(m["from_requirement"], 0) + m["units"]
            if m["to_requirement"] is not None:
                came[m["to_requirement"]] = came.get(m["to_requirement"], 0) + m["units"]
    out = []
    for m in moves:
        rules = ((m["to_requirement"], left, "backfill", "fills {r} after units left it"),
                 (m["from_requirement"], came, "gives-way",
                  "gives way in {r} to units that arrive there for a cause of their own"))
        for req, budget, code, text in rules if m["reason_code"] == "reallocated" else ():
            n = min(m["units"], budget.get(req, 0)) if req is not None else 0
            if n:
                budget[req] -= n
                ppu = m["personnel"] // m["units"]
                if n < m["units"]:  # the rest has no cause of its own
                    out.append({**m, "units": m["units"] - n, "personnel": (m["units"] - n) * ppu})
                m = {**m, "units": n, "personnel": n * ppu, "reason_code": code,
                     "reason": text.format(r=req)}
                break
        out.append(m)
    return out


def _leave_reason(requirement: str, target_reqs: set[str], state: str) -> tuple[str, str]:
    if requirement not in target_reqs:
        return "requirement-ended", f"{requirement} does not apply in {state}"
    return "reallocated", (f"force generation fills {requirement} otherwise in {state} to keep "
                           "unmet demand and nations per component optimal")


def _gaps(ev: Event, before: PlanResult, after: PlanResult) -> list[dict[str, Any]]:
    b = before.requirements.set_index("requirement")
    a = after.requirements.set_index("requirement")
    unmet_b: dict[str, int] = {str(k): int(v) for k, v in b["unmet"].items()}
    unmet_a: dict[str, int] = {str(k): int(v) for k, v in a["unmet"].items()}
    why = dict(zip(after.gaps["requirement"], after.gaps["reason"], strict=True))
    out = []
    for rid in dict.fromkeys([*b.index, *a.index]):
        ub, ua = unmet_b.get(rid), unmet_a.get(rid)
        if not ub and not ua:
            continue
        if ua and not ub:
            change, reason = "opens", why.get(rid, "")
        elif ub and not ua:
            change = "closes"
            reason = (f"the requirement does not apply in {ev.to}" if ua is None
                      else "filled in the new state")
        elif ua == ub:
            continue  # a gap that persists unchanged is no part of the event's plan
        else:
            change = "widens" if (ua or 0) > (ub or 0) else "narrows"
            reason = why.get(rid, "")
        src = a if rid in a.index else b
        out.append({"event": ev.id, "from_state": ev.from_, "to_state": ev.to, "requirement": rid,
                    "component": src.at[rid, "component"], "priority": src.at[rid, "priority"],
                    "change": change, "unmet_before": ub, "unmet_after": ua, "reason": reason})
    return out


def _summary(ev: Event, moves: list[dict[str, Any]], gaps: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"event": ev.id, "from_state": ev.from_, "to_state": ev.to}
    for action in ("deploy", "stay", "redeploy", "withdraw"):
        out[f"{action}_units"] = sum(m["units"] for m in moves if m["action"] == action)
        out[f"{action}_personnel"] = sum(m["personnel"] for m in moves if m["action"] == action)
    out["reallocated_units"] = sum(m["units"] for m in moves if m["reason_code"] == "reallocated")
    for change in GAP_CHANGES:
        out[f"gaps_{change}"] = sum(1 for g in gaps if g["change"] == change)
    return out
