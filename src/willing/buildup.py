"""Time-phased build-up: when each allocated unit closes in its region.

Day 0 is D-day, the event that starts the deployment. Each unit of a plan is ready at its
pledge's readiness day; then its people and its equipment move into its region through the
entry points that serve that region (air, rail, road, sea), each with a daily capacity in
personnel and in tonnes. Ships and aircraft (`lift_mode: self`) deploy themselves and arrive
after a transit time (`SELF_DEPLOY_DAYS`), using no entry point.

Queue discipline, stated exactly so that the vectorised kernel and the SimPy reference model
in `bench/buildup.py` give the same days:

* units queue by priority (essential first), then required-by day, then ready day, then the
  plan's allocation order (its row, then the unit's number within the row);
* each day the entry points take their turn in the scenario's order (the planner's order of
  preference); an entry point gives its capacity, separately for people and for tonnes, to the
  ready units it serves in queue order, each taking all it still needs or what is left;
* so a unit larger than a day's capacity is split over days, and a unit may arrive through
  several entry points; capacity left unused on a day is lost;
* people and equipment move independently; a unit *closes* on the day its last person and
  its last tonne arrive. Quantities are whole people and whole kilograms, so the arithmetic
  is exact.

This rule makes closure days monotone: more capacity anywhere never delays any unit (each
day's remaining need of every unit is a non-increasing function of the capacities — the
allocation `min(need, max(prefix_need − capacity, 0))` is monotone — see the property test).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from willing.contingency import contingency
from willing.defaults import DEFAULT_HORIZON_DAYS
from willing.forcegen import PlanResult
from willing.forcegen.plan import plan_for
from willing.results import Field, Result, Table
from willing.scenario.model import PRIORITY_ORDER
from willing.scenario.scenario import Scenario

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SELF_DEPLOY_DAYS: dict[str, int] = {"aircraft": 1, "squadron": 1, "vessel": 10, "default": 1}
"""Transit days of self-deploying units after readiness, by the catalogue's `unit` kind.

assumption: aircraft ferry to eastern-flank bases within a day (tanker-supported ferry
flights); vessels need ~10 days (3,000–3,500 nm from North Sea or Atlantic bases to the
western Black Sea at ~15 knots); any other self-deploying kind takes 1 day.
"""

RESOURCES = ("personnel", "tonnes")


@dataclass(frozen=True)
class Movement:
    """The flows to simulate: units in queue order and entry points in turn order.

    Quantities are integers (people, kilograms) so every implementation agrees exactly.
    """

    ready: IntArray  # U: day each unit may start to move
    need: IntArray  # 2 × U: people and kilograms to move
    eligible: BoolArray  # U × E: entry points each unit may use
    capacity: IntArray  # 2 × E: people and kilograms per day

    def __post_init__(self) -> None:
        if (self.capacity < 0).any() or (self.need < 0).any():
            raise ValueError("capacities and loads must be ≥ 0")


@dataclass(frozen=True)
class Flow:
    """What the kernel returns: per unit and resource, the day it finished and the last route."""

    done: IntArray  # 2 × U: day the last person / kilogram arrived, −1 if not within horizon
    last_entry: IntArray  # 2 × U: entry point that delivered the last of it, −1 if none
    used: IntArray  # D × 2 × E: capacity used per day


def simulate(mv: Movement, horizon: int, group: IntArray | None = None,
             n_groups: int = 1) -> tuple[Flow, IntArray]:
    """Run the build-up day by day, vectorised over the units each entry point serves.

    Each entry point keeps its line of ready, unfinished units (unit index = queue order).
    A day's capacity only reaches the head of the line, so the allocation looks at a window
    of the first units, widened until it holds more than the capacity (or the whole line):
    the work per day is the size of that window, not of the backlog.

    Returns the flow and the personnel arriving per day per `group` (D × G).
    """
    n_units, n_eps = mv.eligible.shape
    group = np.zeros(n_units, dtype=np.int64) if group is None else group
    need = mv.need.astype(np.int64).copy()
    done = np.full((2, n_units), -1, dtype=np.int64)
    last = np.full((2, n_units), -1, dtype=np.int64)
    zero = need == 0
    done[zero] = np.broadcast_to(mv.ready, need.shape)[zero]
    used = np.zeros((horizon, 2, n_eps), dtype=np.int64)
    arrivals = np.zeros((horizon, n_groups), dtype=np.int64)
    cap = mv.capacity.astype(np.int64)
    movable = np.nonzero(mv.eligible.any(axis=1) & need.any(axis=0))[0]
    pending = movable[np.argsort(mv.ready[movable], kind="stable")]  # by ready day
    lines: list[IntArray] = [np.zeros(0, dtype=np.int64) for _ in range(n_eps)]
    day, nxt = 0, 0
    while day < horizon:
        if nxt < len(pending) and mv.ready[pending[nxt]] <= day:
            stop = int(np.searchsorted(mv.ready[pending], day, side="right"))
            new = pending[nxt:stop]
            nxt = stop
            for e in range(n_eps):
                joins = np.sort(new[mv.eligible[new, e]])
                if len(joins):  # merge into the line, which stays in queue order
                    lines[e] = np.insert(lines[e], np.searchsorted(lines[e], joins), joins)
        if not any(len(line) for line in lines):
            if nxt >= len(pending):
                break
            day = int(mv.ready[pending[nxt]])  # nothing moves until the next unit is ready
            continue
        for e in range(n_eps):
            line = lines[e]
            if len(line) == 0:
                continue
            width = 16
            while True:
                head = line[:width]
                w = need[:, head]
                reach = np.cumsum(w, axis=1)
                if width >= len(line) or (reach[:, -1] >= cap[:, e]).all():
                    break
                width *= 4
            take = np.minimum(w, np.maximum(cap[:, e:e + 1] - (reach - w), 0))
            left = w - take
            need[:, head] = left
            rows, cols = np.nonzero((take > 0) & (left == 0))
            done[rows, head[cols]] = day
            last[rows, head[cols]] = e
            used[day, :, e] = take.sum(axis=1)
            arrivals[day] += np.bincount(group[head], weights=take[0],
                                         minlength=n_groups).astype(np.int64)
            keep = left.any(axis=0)
            if not keep.all():
                lines[e] = np.concatenate([head[keep], line[width:]])
        day += 1
    return Flow(done=done, last_entry=last, used=used), arrivals


def closure_days(flow: Flow) -> IntArray:
    """Day each unit closes (both people and equipment in), −1 if it does not within the horizon."""
    return np.where((flow.done >= 0).all(axis=0), flow.done.max(axis=0), -1)


# --- from a plan to a movement ------------------------------------------------------------


@dataclass
class BuildupResult(Result):
    """The build-up of one state's plan, from D-day, as tables an analyst can join.

    `units` has one row per deployed unit; `daily` the personnel in theatre per day (total
    and per component); `requirements` and `components` their closure days; `entry_points`
    what each route carried and how often it ran full.
    """

    plan: PlanResult
    horizon_days: int
    units: pd.DataFrame
    daily: pd.DataFrame
    requirements: pd.DataFrame
    components: pd.DataFrame
    entry_points: pd.DataFrame
    self_deploy_days: dict[str, int] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return self.plan.state

    @property
    def late(self) -> pd.DataFrame:
        """Requirements that close after their required-by day (or not within the horizon)."""
        r = self.requirements
        return r[r["late_days"].isna() | (r["late_days"] > 0)].reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        closed = self.units["closure_day"].dropna()
        return {
            "scenario": self.plan.scenario.name, "state": self.state,
            "units": len(self.units), "personnel": int(self.units["personnel"].sum()),
            "tonnes": float(self.units["tonnes"].sum()),
            "closure_day": int(closed.max()) if len(closed) == len(self.units) and len(closed)
            else None,
            "units_not_closed": int(self.units["closure_day"].isna().sum()),
            "late_requirements": len(self.late), "horizon_days": self.horizon_days,
        }

    PARTS = (
        Field("summary", lambda r: r.summary()),
        Field("self_deploy_days"),
        Table("requirements", text=("detail",)),
        Table("components", title="Closure by component"),
        Table("late", text=("detail",), title="Late requirements"),
        Table("entry_points", text=("name", "source", "assumption"), title="Entry points"),
        Table("daily"),
        Table("units", nation="nation"),
    )

    def heading(self) -> str:
        s = self.summary()
        return (f"<h3>willing buildup — {html.escape(s['scenario'])}, state {s['state']}</h3>"
                f"<p>{s['units']} units, {s['personnel']:,} personnel · all closed by day "
                f"{s['closure_day'] if s['closure_day'] is not None else '—'} · "
                f"{s['late_requirements']} requirements late</p>")


def buildup(scenario: Scenario | PlanResult, state: str | None = None, *,
            event: str | None = None, horizon_days: int = DEFAULT_HORIZON_DAYS,
            self_deploy_days: Mapping[str, int] | None = None,
            time_limit: float = 60.0) -> BuildupResult:
    """Day-by-day build-up of the plan of `state` (planned here unless a PlanResult is given).

    Without `event`, every unit starts from home on D-day. With `event`, D-day is that event:
    the plan is its target state's, the units that stay in place (see `willing.contingency`)
    are in theatre on day 0, and those that redeploy are ready on day 0 and move again.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be ≥ 1, got {horizon_days}")
    transit = {**SELF_DEPLOY_DAYS, **(self_deploy_days or {})}
    if any(v < 0 for v in transit.values()):
        raise ValueError(f"self-deploy days must be ≥ 0, got {transit}")
    start: dict[tuple[str, str], tuple[int, int]] = {}
    if event is not None:
        if isinstance(scenario, PlanResult):
            raise ValueError("a build-up after an event needs the scenario, not one plan")
        c = contingency(scenario, event, time_limit=time_limit)
        target = str(c.events.iloc[0]["to_state"])
        if state is not None and state != target:
            raise ValueError(f"event '{event}' leads to state '{target}', not '{state}'")
        result = c.plans[target]
        kept = c.moves[c.moves["action"].isin(["stay", "redeploy"])]
        for (pid, rid), g in kept.groupby(["pledge", "to_requirement"]):
            start[(str(pid), str(rid))] = (int(g.loc[g["action"] == "stay", "units"].sum()),
                                           int(g.loc[g["action"] == "redeploy", "units"].sum()))
    else:
        result = plan_for(scenario, state, time_limit=time_limit)
    sc, st = result.scenario, result.state
    units = _units(result, transit, start)
    eps = list(sc.spec.entry_points)
    lifted = ~(units["self_deploy"].to_numpy(dtype=bool) | (units["start"] == "in-place").to_numpy())
    mv = _movement(sc, st, units[lifted], eps)
    components = list(dict.fromkeys(ln.component for ln in sc.spec.mission_lines.values()))
    comp_idx = units["component"].map({c: i for i, c in enumerate(components)}).to_numpy()
    flow, arrivals = simulate(mv, horizon_days, comp_idx[lifted].astype(np.int64), len(components))

    done = np.full((2, len(units)), -1, dtype=np.int64)
    last = np.full((2, len(units)), -1, dtype=np.int64)
    done[:, lifted], last[:, lifted] = flow.done, flow.last_entry
    arrive_self = np.where(units["start"] == "in-place", 0,
                           units["ready_day"].to_numpy() + units["transit_days"].to_numpy())
    done[:, ~lifted] = np.where(arrive_self < horizon_days, arrive_self, -1)[~lifted]
    personnel = units["personnel"].to_numpy()
    for i in np.nonzero(~lifted)[0]:
        if 0 <= arrive_self[i] < horizon_days:
            arrivals[arrive_self[i], comp_idx[i]] += personnel[i]
    _read_unit_days(units, done, last, eps, mv, lifted, sc, st)

    daily = pd.DataFrame(np.cumsum(arrivals, axis=0), columns=components)
    daily.insert(0, "personnel_in_theatre", daily.sum(axis=1))
    daily.insert(0, "day", np.arange(horizon_days))
    reqs = _requirements(result, units)
    return BuildupResult(plan=result, horizon_days=horizon_days, units=units, daily=daily,
                         requirements=reqs, components=_components(reqs, units),
                         entry_points=_entry_table(sc, st, eps, flow), self_deploy_days=transit)


def _units(result: PlanResult, transit: Mapping[str, int],
           start: Mapping[tuple[str, str], tuple[int, int]]) -> pd.DataFrame:
    """One row per deployed unit, in queue order.

    `start[(pledge, requirement)]` = (units already in place, units redeploying from elsewhere
    in theatre); the first units of the row are taken to be those.
    """
    cat = result.scenario.catalogue
    a = result.allocation.reset_index(drop=True)
    rows = []
    prio = {str(p): i for i, p in enumerate(PRIORITY_ORDER)}
    for row_no, r in a.iterrows():
        cap = cat[r["capability"]]
        self_deploy = cap.lift_mode == "self"
        t = transit.get(cap.unit, transit["default"]) if self_deploy else 0
        stay, move = start.get((str(r["pledge"]), str(r["requirement"])), (0, 0))
        for k in range(int(r["units"])):
            begin = "in-place" if k < stay else "redeploy" if k < stay + move else "new"
            ready = int(r["readiness_days"]) if begin == "new" else 0
            rows.append({
                "unit": f"{r['pledge']}#{k + 1}" if r["units"] > 1 else str(r["pledge"]),
                "nation": r["nation"], "pledge": r["pledge"], "capability": r["capability"],
                "requirement": r["requirement"], "component": r["component"],
                "region": r["region"], "priority": r["priority"],
                "required_by_day": int(r["required_by_day"]),
                "personnel": int(cap.personnel_per_unit),
                "tonnes": 0.0 if self_deploy else float(cap.lift_tonnes_per_unit),
                "self_deploy": self_deploy, "start": begin, "ready_day": ready,
                "transit_days": 0 if begin == "in-place" else int(t),
                "_key": (prio[r["priority"]], int(r["required_by_day"]), ready, int(str(row_no)), k),
            })
    cols = ["unit", "nation", "pledge", "capability", "requirement", "component", "region",
            "priority", "required_by_day", "personnel", "tonnes", "self_deploy", "start",
            "ready_day", "transit_days", "_key"]
    df = pd.DataFrame(rows, columns=cols)
    df = df.sort_values("_key", kind="stable").drop(columns="_key").reset_index(drop=True)
    df.insert(1, "queue", np.arange(len(df)))
    return df


def entry_open(scenario: Scenario, state: str, eid: str) -> bool:
    """An entry point is open in a state when the state is among its states and its conditions hold."""
    ep = scenario.spec.entry_points[eid]
    return (not ep.states or state in ep.states) and {str(c) for c in ep.conditions} <= scenario.holds(state)


def _routes(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Entry points each pledge names (its national route); empty = any."""
    out: dict[str, tuple[str, ...]] = {}
    flat = [p for n in scenario.spec.nations.values() for p in n.pledges]
    for record, spec in zip(scenario.pledges, flat, strict=True):
        out[record.id] = tuple(spec.entry_points)
    return out


def _movement(sc: Scenario, state: str, lifted: pd.DataFrame, eps: list[str]) -> Movement:
    """The flows of the units that need lift (`lifted`, in queue order) through the entry points."""
    routes = _routes(sc)
    spec = sc.spec.entry_points
    open_ = np.array([entry_open(sc, state, e) for e in eps], dtype=bool)
    serves = np.array([[r in spec[e].regions for e in eps] for r in lifted["region"]],
                      dtype=bool).reshape(len(lifted), len(eps))
    allowed = np.array([[not routes[p] or e in routes[p] for e in eps] for p in lifted["pledge"]],
                       dtype=bool).reshape(len(lifted), len(eps))
    return Movement(
        ready=lifted["ready_day"].to_numpy(dtype=np.int64),
        need=np.vstack([lifted["personnel"].to_numpy(dtype=np.int64),
                        np.round(lifted["tonnes"].to_numpy() * 1000).astype(np.int64)]),
        eligible=serves & allowed & open_[None, :],
        capacity=np.array([[spec[e].personnel_per_day for e in eps],
                           [int(spec[e].tonnes_per_day * 1000) for e in eps]],
                          dtype=np.int64).reshape(2, len(eps)),
    )


def _days(days: IntArray) -> pd.Series:
    """Days as a nullable integer column: −1 (never, within the horizon) becomes missing."""
    return pd.Series(days, dtype="Int64").mask(days < 0)


def _read_unit_days(units: pd.DataFrame, done: IntArray, last: IntArray, eps: list[str],
                    mv: Movement, lifted: BoolArray, sc: Scenario, state: str) -> None:
    """Closure day, the route that delivered last and what held the unit up, per unit."""
    closed = (done >= 0).all(axis=0)
    units["personnel_day"] = _days(done[0])
    units["tonnes_day"] = _days(done[1])
    units["closure_day"] = _days(np.where(closed, done.max(axis=0), -1))
    later = np.where(done[1] > done[0], 1, 0)
    last_ep = last[later, np.arange(len(units))]
    units["entry_point"] = [eps[e] if e >= 0 else None for e in last_ep]
    units["bound_by"] = [RESOURCES[k] if not s else None
                         for k, s in zip(later, units["self_deploy"], strict=True)]
    no_route = np.zeros(len(units), dtype=bool)
    no_route[lifted] = ~mv.eligible.any(axis=1)
    units["no_route"] = no_route


def _requirements(result: PlanResult, units: pd.DataFrame) -> pd.DataFrame:
    """Closure day per requirement: the day its last allocated unit closes."""
    sc, state = result.scenario, result.state
    rows = []
    req = {r["requirement"]: r for r in result.requirements.to_dict(orient="records")}
    for rid, g in units.groupby("requirement", sort=False):
        r = req[rid]
        closure = None if g["closure_day"].isna().any() else int(g["closure_day"].max())
        due = int(r["required_by_day"])
        late = None if closure is None else max(closure - due, 0)
        bottleneck, detail = (_bottleneck(g, closure, due, sc, state) if late is None or late > 0
                              else (None, None))
        rows.append({
            "requirement": rid, "component": r["component"], "mission_line": r["mission_line"],
            "priority": r["priority"], "region": r["region"], "required_by_day": due,
            "units": len(g), "units_required": int(r["count"]),
            "personnel": int(g["personnel"].sum()), "tonnes": float(g["tonnes"].sum()),
            "last_ready_day": int((g["ready_day"] + g["transit_days"]).max()),
            "closure_day": closure, "late_days": late,
            "bottleneck": bottleneck, "detail": detail,
        })
    cols = ["requirement", "component", "mission_line", "priority", "region", "required_by_day",
            "units", "units_required", "personnel", "tonnes", "last_ready_day", "closure_day",
            "late_days", "bottleneck", "detail"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("closure_day", "late_days"):
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    return df


def _bottleneck(g: pd.DataFrame, closure: int | None, due: int, sc: Scenario,
                state: str) -> tuple[str | None, str | None]:
    """Why the last unit of a requirement closed late: readiness, an entry point, or no route."""
    stuck = g[g["no_route"]]
    if len(stuck):
        region = stuck["region"].iat[0]
        return ("no-entry-point", f"no entry point open in {state} serves {region} "
                f"for {', '.join(sorted(set(stuck['pledge'])))}")
    arrive = g["ready_day"] + g["transit_days"]
    if arrive.max() > due:
        u = g.iloc[int(np.argmax(arrive.to_numpy()))]
        how = f" + {u['transit_days']} days transit" if u["self_deploy"] else ""
        return ("readiness", f"{u['unit']} ready on day {u['ready_day']}{how}, required by day {due}")
    if closure is None:
        u = g[g["closure_day"].isna()].iloc[0]
    else:
        u = g.iloc[int(np.argmax(g["closure_day"].to_numpy(dtype=np.int64)))]
    ep = u["entry_point"]
    if pd.isna(ep):  # not closed and never served: every route it may use stayed full
        return ("entry-point", f"{u['unit']} waited beyond the horizon for its entry points")
    name = sc.spec.entry_points[ep].name
    return ("entry-point", f"{ep} ({name}) full: {u['unit']}'s {u['bound_by']} ready day "
            f"{u['ready_day']}, in on day {u['closure_day'] if closure is not None else '—'}")


def _components(reqs: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for comp, g in reqs.groupby("component", sort=False):
        closed = not g["closure_day"].isna().any()
        rows.append({
            "component": comp, "requirements": len(g), "units": int(g["units"].sum()),
            "personnel": int(g["personnel"].sum()),
            "closure_day": int(g["closure_day"].max()) if closed else None,
            "late_requirements": int((g["late_days"].isna() | (g["late_days"] > 0)).sum()),
        })
    df = pd.DataFrame(rows, columns=["component", "requirements", "units", "personnel",
                                     "closure_day", "late_requirements"])
    df["closure_day"] = pd.array(df["closure_day"].tolist(), dtype="Int64")
    return df


def _entry_table(sc: Scenario, state: str, eps: list[str], flow: Flow) -> pd.DataFrame:
    rows = []
    for e, eid in enumerate(eps):
        ep = sc.spec.entry_points[eid]
        used_p, used_kg = flow.used[:, 0, e], flow.used[:, 1, e]
        active = np.nonzero(used_p + used_kg)[0]
        rows.append({
            "entry_point": eid, "name": ep.name, "mode": ep.mode, "open": entry_open(sc, state, eid),
            "personnel_per_day": ep.personnel_per_day, "tonnes_per_day": ep.tonnes_per_day,
            "personnel_moved": int(used_p.sum()), "tonnes_moved": float(used_kg.sum()) / 1000,
            "days_full": int(((used_p >= ep.personnel_per_day) & (used_p > 0)
                              | (used_kg >= int(ep.tonnes_per_day * 1000)) & (used_kg > 0)).sum()),
            "first_day": int(active[0]) if len(active) else None,
            "last_day": int(active[-1]) if len(active) else None,
            "source": ep.source or "", "assumption": ep.assumption or "",
        })
    df = pd.DataFrame(rows, columns=["entry_point", "name", "mode", "open", "personnel_per_day",
                                     "tonnes_per_day", "personnel_moved", "tonnes_moved",
                                     "days_full", "first_day", "last_day", "source", "assumption"])
    for c in ("first_day", "last_day"):
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    return df
