"""`plan()`: force generation for one contingency state, from scenario to result tables."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from willing import coverage, sizing
from willing.forcegen import arrays, gaps
from willing.forcegen.model import ForceModel, build
from willing.forcegen.result import PlanResult
from willing.forcegen.solve import SolveInfo, solve
from willing.scenario.model import FairShareKey, Tier
from willing.scenario.scenario import Scenario

CONTRIBUTING_TIERS = {str(Tier.LEAD), str(Tier.MEMBER)}
"""Tiers that lead components and carry fair shares; the backstop and the host do not."""


def fair_key_values(scenario: Scenario, key: FairShareKey | str) -> np.ndarray:
    """The fair-share key of each scenario nation (GDP, population or defence budget)."""
    attr = {"gdp": "gdp_usd_bn", "population": "population",
            "defence-budget": "milex_usd_bn"}[str(key)]
    return np.array([float(getattr(scenario.figures[n], attr) or 0.0)
                     for n in scenario.spec.nations])


@dataclass
class Built:
    """One state's model and the arrays it was built from (what `plan()` reads back with)."""

    reqs: list[sizing.Requirement]
    pa: arrays.PledgeArrays
    ra: arrays.RequirementArrays
    masks: arrays.Masks
    valid: np.ndarray
    fm: ForceModel
    args: tuple[Any, ...] = ()
    """What `build` took besides the pledge and requirement arrays (positional)."""
    options: dict[str, Any] = field(default_factory=dict)
    """And its keyword arguments (the formation rules)."""

    def with_pledges(self, pa: arrays.PledgeArrays) -> Built:
        """The same state's model for the same pledges with other counts (a what-if edit):
        the formulation is made again from the arrays kept here, so it is exactly the model
        `build_model` makes of the edited scenario (counts enter matrix coefficients and the
        cost weights, not only bounds). Sizing, masks and leads are not redone."""
        same = (pa.nation.shape == self.pa.nation.shape and np.array_equal(pa.nation, self.pa.nation)
                and np.array_equal(pa.capability, self.pa.capability)
                and np.array_equal(pa.rotation, self.pa.rotation))
        if not same:
            raise ValueError("the pledges differ in more than their counts: build the model anew")
        return replace(self, pa=pa, fm=build(pa, self.ra, *self.args, **self.options))


def build_model(scenario: Scenario, state: str, fair_share_key: str | None = None) -> Built:
    """Size the requirements of `state` and build its force-generation MILP."""
    reqs = sizing.for_state(sizing.derive(scenario), state)
    pa = arrays.pledge_arrays(scenario)
    ra = arrays.requirement_arrays(scenario, reqs)
    mk = arrays.masks(scenario, pa, ra, state)
    # sub-unit pledges (companies, …) serve their parent's requirements inside formed units
    mk = replace(mk, capability=mk.capability | arrays.subunit_capability(scenario, pa, ra))
    valid = arrays.valid_in_state(scenario, state)
    spec = scenario.spec
    tiers = np.array([str(n.tier) for n in spec.nations.values()])
    lead_ok = np.array([n.hq_capable and n.will_lead for n in spec.nations.values()]) & np.isin(
        tiers, list(CONTRIBUTING_TIERS))
    share_min = np.zeros(len(ra.components))
    for line in spec.mission_lines.values():
        m = ra.components.index(line.component)
        share_min[m] = max(share_min[m], line.lead_share_min)
    can_serve = (mk.all & valid[:, None]).any(axis=1)
    fair_ok = np.isin(tiers, list(CONTRIBUTING_TIERS)) & (
        np.bincount(pa.nation[can_serve], minlength=len(tiers)) > 0)
    key = fair_share_key or spec.fair_share_key
    labels = {"pledge": [p.id for p in scenario.pledges], "requirement": [r.id for r in reqs]}
    rules = spec.defaults.formations
    args = (mk.all, valid, lead_ok, share_min, fair_key_values(scenario, key), fair_ok, labels)
    options: dict[str, Any] = {"framework_share_min": rules.framework_share_min,
                               "max_nations": rules.max_nations}
    return Built(reqs, pa, ra, mk, valid, build(pa, ra, *args, **options), args, options)


def plan(scenario: Scenario, state: str | None = None, *, time_limit: float = 60.0,
         mip_rel_gap: float = 1e-3, fair_share_key: str | None = None,
         baseline: PlanResult | None = None, open_fair_share: bool = False,
         by_component: bool | None = None) -> PlanResult:
    """Allocate pledges to the requirements of `state` (the scenario's default state if None).

    Solves the lexicographic MILP of docs/forcegen.md with HiGHS. A time limit returns the best plan
    found, with its optimality gap in `result.solver`. With `baseline` (typically the plan of
    the state the coalition comes from), the `stability` stage keeps as many of its units as
    possible on the same requirement (pledge and requirement matched by id), after unmet
    demand and nations and before fair share: plans differ only where the state gives a reason.
    Fair share is balanced among the participants chosen so far (fast, proven optimal within
    them); with `open_fair_share`, the time left then goes to balancing with participation
    free again: fairer plans, but no proof on large scenarios, and all the time limit spent
    (docs/forcegen.md, "Fair share among the chosen participants"). The
    nations stage is solved component by component on all but small models
    (`solve.BY_COMPONENT_FROM`; `by_component` True or False forces either way;
    docs/forcegen.md, "Nations by component").
    """
    t0 = time.perf_counter()
    state = state or scenario.default_state
    if state not in scenario.spec.states:
        raise ValueError(f"unknown state '{state}'; valid: {', '.join(scenario.states)}")
    built = build_model(scenario, state, fair_share_key)
    build_s = time.perf_counter() - t0
    kept = None if baseline is None else baseline_units(scenario, built.reqs, built.fm, baseline)
    values, info = solve(built.fm, built.ra, time_limit=max(time_limit - build_s, 0.01),
                         mip_rel_gap=mip_rel_gap, build_seconds=build_s, baseline=kept,
                         baseline_total=0.0 if baseline is None
                         else float(baseline.allocation["units"].sum()),
                         open_fair_share=open_fair_share, by_component=by_component)
    return read_back(scenario, state, built, values, info, t0)


def baseline_units(scenario: Scenario, reqs: list[sizing.Requirement], fm: ForceModel,
                   baseline: PlanResult) -> np.ndarray:
    """Units the baseline plan put on each x column of `fm` (0 where it has none or no such
    pair), matched by pledge and requirement id.

    A model built on another scenario (the baseline's pledges plus more, as the asks model
    adds candidate asks) takes the baseline as its start this way: a plan that stays feasible
    when pledges are added is a warm start that saves most of the first stage.
    """
    a = baseline.allocation
    units = a.groupby(["pledge", "requirement"])["units"].sum()
    if units.empty:
        return np.zeros(fm.cols.size("x"))
    pledge_ids = np.array([p.id for p in scenario.pledges], dtype=object)
    req_ids = np.array([r.id for r in reqs], dtype=object)
    pairs = pd.MultiIndex.from_arrays([pledge_ids[fm.pair_p], req_ids[fm.pair_j]])
    return units.reindex(pairs, fill_value=0).to_numpy(dtype=np.float64)


def plan_for(scenario: Scenario | PlanResult, state: str | None = None, *,
             time_limit: float = 60.0) -> PlanResult:
    """The plan an analysis reads: the one given (checked to be of `state`), or planned here."""
    if isinstance(scenario, PlanResult):
        if state is not None and state != scenario.state:
            raise ValueError(f"the plan given is for state '{scenario.state}', not '{state}'")
        return scenario
    return plan(scenario, state, time_limit=time_limit)


def read_back(scenario: Scenario, state: str, built: Built, values: np.ndarray,
              info: SolveInfo, t0: float) -> PlanResult:
    """The plan's tables from a solution of `built` (`t0`: when planning began, for its time)."""
    reqs, ra, fm = built.reqs, built.ra, built.fm
    x = np.round(fm.values(values, "x")).astype(np.int64)
    used = np.nonzero(x > 0)[0]
    req_df = sizing.frame(reqs, scenario)
    whole = used[fm.index.pair_frac[used] >= 1.0]
    w = np.round(fm.values(values, "w")).astype(np.int64)
    filled = (np.bincount(fm.pair_j[whole], weights=x[whole], minlength=len(reqs))
              + np.bincount(fm.cols.keys["w"][1], weights=w, minlength=len(reqs))).astype(np.int64)
    req_df["filled"] = filled
    req_df["unmet"] = req_df["count"] - filled
    ppu_req = coverage.personnel_per_unit(scenario, reqs)
    pers_filled = np.bincount(fm.pair_j[used], weights=x[used] * fm.pair_personnel[used],
                              minlength=len(reqs))
    req_df["personnel_filled"] = pers_filled.round().astype(np.int64)  # as deployed
    # posts filled, at the requirement's own personnel per unit (willing.coverage)
    req_df["personnel_covered"] = (filled * ppu_req).round().astype(np.int64)

    pledges = scenario.pledges
    nations = list(scenario.spec.nations)
    placed = formed_units(fm, x, w, [r.id for r in reqs], nations)
    rows = []
    for k, units, formed, framework in [*((k, int(x[k]), None, None) for k in whole), *placed]:
        p, j = pledges[fm.pair_p[k]], reqs[fm.pair_j[k]]
        capability = (arrays.lent_capability(scenario, p.capability) if fm.index.pair_lent[k]
                      else None) or p.capability
        cap = scenario.catalogue[capability]
        enduring = bool(ra.enduring[fm.pair_j[k]])
        rows.append({
            "state": state, "nation": p.nation, "pledge": p.id, "capability": capability,
            "requirement": j.id, "requirement_capability": j.capability,
            "mission_line": j.mission_line, "component": j.component, "region": j.region,
            "role": j.role, "priority": str(j.priority), "duration": str(j.duration),
            "units": units, "rotation": p.rotation if enduring else 1.0,
            "pool_units": units * (p.rotation if enduring else 1.0),
            "personnel": units * cap.personnel_per_unit,
            "cost_musd_per_year": units * (cap.cost_musd_per_unit_year or 0.0),
            "readiness_days": p.readiness_days, "required_by_day": j.required_by_day,
            "formed_unit": formed, "framework": framework,
        })
    alloc = pd.DataFrame(rows, columns=[
        "state", "nation", "pledge", "capability", "requirement", "requirement_capability",
        "mission_line", "component", "region", "role", "priority", "duration", "units",
        "rotation", "pool_units", "personnel", "cost_musd_per_year", "readiness_days",
        "required_by_day", "formed_unit", "framework"])

    gap_rows = []
    for j in np.nonzero(req_df["unmet"].to_numpy() > 0)[0]:
        r = reqs[j]
        why = gaps.explain(scenario, state, r, int(j), built.masks, built.valid)
        if why.code == "capacity":  # only capacity depends on the plan; the rest are caveats
            why = replace(why, text=why.text + _unproven(info, f"unmet-{r.priority}",
                                                         "this tier", "fill more"))
        gap_rows.append({
            "requirement": r.id, "mission_line": r.mission_line, "component": r.component,
            "capability": r.capability, "region": r.region, "role": r.role,
            "priority": str(r.priority), "required": r.count, "filled": int(filled[j]),
            "unmet": int(r.count - filled[j]), "unmet_personnel": int((r.count - filled[j])
                                                                      * ppu_req[j]),
            "reason_code": why.code, "reason": why.text,
        })
    gap_df = pd.DataFrame(gap_rows, columns=[
        "requirement", "mission_line", "component", "capability", "region", "role", "priority",
        "required", "filled", "unmet", "unmet_personnel", "reason_code", "reason"])

    leads = _leads(scenario, ra, fm, values, alloc, _unproven(info, "nations", "the leads",
                                                               "find one"))
    by_component = _by_component(ra, req_df, alloc, leads)
    by_nation = _by_nation(scenario, fm, alloc)
    return PlanResult(scenario=scenario, state=state, requirements=req_df, allocation=alloc,
                      gaps=gap_df, by_nation=by_nation, by_component=by_component, leads=leads,
                      solver=info,
                      seconds=time.perf_counter() - t0, requirement_list=reqs)


def formed_units(fm: ForceModel, x: np.ndarray, w: np.ndarray, req_ids: list[str],
                 nations: list[str]) -> list[tuple[int, int, str, str]]:
    """Which formed unit each allocated sub-unit is in: (x column, sub-units, formed unit,
    framework nation), formed units named `<requirement>/<framework>-<i>`.

    The model keeps its rules per requirement, over all the formed units there; this splits
    them into units: each framework's own sub-units go round its units first (so each holds
    its share), then the other sub-units fill the room left (first fit, the emptiest unit
    when mixed sizes leave no exact fit).
    """
    ix = fm.index
    fw_n, fw_j = fm.cols.keys["w"]
    out: dict[tuple[int, str], int] = {}
    framework_of: dict[str, str] = {}
    for j in np.unique(fw_j[w > 0]):
        mine: dict[str, list[str]] = {}  # framework nation → its units
        for col in np.nonzero((fw_j == j) & (w > 0))[0]:
            nation = nations[fw_n[col]]
            mine[nation] = [f"{req_ids[j]}/{nation}-{i + 1}" for i in range(int(w[col]))]
            framework_of.update(dict.fromkeys(mine[nation], nation))
        room = {u: 1.0 for units in mine.values() for u in units}
        copies = [(int(k), nations[ix.pa.nation[ix.pair_p[k]]], float(ix.pair_frac[k]))
                  for k in ix.subs if ix.pair_j[k] == j for _ in range(int(x[k]))]
        rest = []
        turn: dict[str, int] = {}
        for k, nation, f in copies:
            units = mine.get(nation, [])
            name = units[turn.get(nation, 0) % len(units)] if units else ""
            if name and room[name] >= f - 1e-9:
                turn[nation] = turn.get(nation, 0) + 1
                room[name] -= f
                out[(k, name)] = out.get((k, name), 0) + 1
            else:
                rest.append((k, f))
        for k, f in rest:
            name = next((u for u in room if room[u] >= f - 1e-9), max(room, key=room.__getitem__))
            room[name] -= f
            out[(k, name)] = out.get((k, name), 0) + 1
    return [(k, n, name, framework_of[name]) for (k, name), n in sorted(out.items())]


def _unproven(info: SolveInfo, stage: str, what: str, may: str) -> str:
    """What a reason must add when the stage that decides it stopped at the time limit: the
    reason is then true of this plan, not necessarily of the best one."""
    st = next((s for s in info.stages if s.name == stage), None)
    if st is None or st.status == "optimal":
        return ""
    how = "at its time limit" if st.status == "time-limit" else f"({st.status})"
    gap = f", gap {st.mip_gap:.1%}" if np.isfinite(st.mip_gap) else ""
    return (f"; the solver stopped {how} before proving {what} (stage {stage}{gap}), so a "
            f"longer time limit may {may}")


def _leads(scenario: Scenario, ra: arrays.RequirementArrays, fm: ForceModel, values: np.ndarray,
           alloc: pd.DataFrame, unproven: str) -> pd.DataFrame:
    """The lead of each component with demand, or why it has none (`unproven`: what to add
    when the nations stage did not finish)."""
    nations = list(scenario.spec.nations)
    share_min = {line.component: line.lead_share_min for line in scenario.spec.mission_lines.values()}
    lead_of: dict[str, str] = {}
    for nm, on in zip(fm.lead_nm, fm.values(values, "L"), strict=True):
        if on > 0.5:
            lead_of[ra.components[fm.nm_comp[nm]]] = nations[fm.nm_nation[nm]]
    candidates = {ra.components[m] for m in fm.nm_comp[fm.lead_nm]}
    rows = []
    for m in fm.comp_with_demand:
        comp = ra.components[m]
        part = alloc[alloc["component"] == comp]
        total = float(part["personnel"].sum())
        lead = lead_of.get(comp)
        if lead is not None:
            mine = float(part.loc[part["nation"] == lead, "personnel"].sum())
            rows.append({"component": comp, "lead": lead, "lead_personnel": int(mine),
                         "component_personnel": int(total),
                         "lead_share": mine / total if total else 0.0,
                         "lead_share_min": share_min[comp], "status": "led", "reason": ""})
        else:
            why = (f"no HQ-capable nation willing to lead can contribute to {comp}"
                   if comp not in candidates else
                   f"no HQ-capable participant brings {share_min[comp]:.0%} of {comp}'s "
                   f"personnel{unproven}")
            rows.append({"component": comp, "lead": None, "lead_personnel": 0,
                         "component_personnel": int(total), "lead_share": 0.0,
                         "lead_share_min": share_min[comp], "status": "leaderless",
                         "reason": why})
    return pd.DataFrame(rows, columns=["component", "lead", "lead_personnel",
                                       "component_personnel", "lead_share", "lead_share_min",
                                       "status", "reason"])


def _by_component(ra: arrays.RequirementArrays, req_df: pd.DataFrame, alloc: pd.DataFrame,
                  leads: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for comp in ra.components:
        r = req_df[req_df["component"] == comp]
        if r.empty:
            continue
        a = alloc[alloc["component"] == comp]
        per_nation = a.groupby("nation")["personnel"].sum()
        total = float(per_nation.sum())
        hhi = float(((per_nation / total) ** 2).sum()) if total else 0.0
        lead = leads.loc[leads["component"] == comp, "lead"]
        rows.append({
            "component": comp, "mission_lines": ",".join(sorted(r["mission_line"].unique())),
            "units_required": int(r["count"].sum()), "units_filled": int(r["filled"].sum()),
            "units_unmet": int(r["unmet"].sum()),
            "personnel_required": int(r["personnel"].sum()),
            "personnel_filled": int(r["personnel_filled"].sum()),
            "coverage": float(r["filled"].sum() / r["count"].sum()) if r["count"].sum() else 1.0,
            "nations": int(per_nation.size), "lead": lead.iloc[0] if len(lead) else None,
            "herfindahl": hhi,
        })
    return pd.DataFrame(rows)


def _by_nation(scenario: Scenario, fm: ForceModel, alloc: pd.DataFrame) -> pd.DataFrame:
    nations = list(scenario.spec.nations)
    share = dict.fromkeys(nations, np.nan)
    for n, s in zip(fm.fair_nations, fm.fair_share, strict=True):
        share[nations[n]] = float(s)
    fair_set = {nations[n] for n in fm.fair_nations}
    g = alloc.groupby("nation").agg(units=("units", "sum"), pool_units=("pool_units", "sum"),
                                    personnel=("personnel", "sum"),
                                    cost_musd_per_year=("cost_musd_per_year", "sum"))
    fair_total = float(g.loc[g.index.isin(fair_set), "personnel"].sum())
    comps = alloc.groupby("nation")["component"].agg(lambda s: ",".join(sorted(set(s))))
    rows = []
    for iso in nations:
        spec = scenario.spec.nations[iso]
        pers = float(g["personnel"].get(iso, 0.0))
        fair = share[iso] * fair_total if iso in fair_set else np.nan
        rows.append({
            "nation": iso, "name": scenario.figures[iso].name, "tier": str(spec.tier),
            "units": int(g["units"].get(iso, 0)), "pool_units": float(g["pool_units"].get(iso, 0.0)),
            "personnel": int(pers),
            "cost_musd_per_year": float(g["cost_musd_per_year"].get(iso, 0.0)),
            "components": comps.get(iso, ""),
            "fair_share": share[iso], "fair_personnel": fair,
            "ratio": pers / fair if fair and fair == fair and fair > 0 else np.nan,
        })
    return pd.DataFrame(rows).set_index("nation")
