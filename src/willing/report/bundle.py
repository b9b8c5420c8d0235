"""What a report shows, as one JSON-ready dict: the scenario, the plan and every analysis.

The report, the dashboard and the releasability filter of the web service all work on this
bundle rather than on live result objects, so a report can be rebuilt from a stored run (whose
results are JSON) exactly as from a fresh computation, and a filter that removes a nation's rows
from the bundle removes them from every chart and table built on it.

Every analysis reads the one plan the bundle holds (none plans the state again); robustness
runs are too slow for every report and come from the store when it has a matching run.
"""

from __future__ import annotations

import json
from typing import Any

from willing import analyses
from willing.forcegen import PlanResult, plan
from willing.forcegen.result import hosts
from willing.records import jsonable
from willing.results import Nested, Part, Table
from willing.scenario import Scenario, load_scenario, parse_scenario
from willing.store import Run, Store

SCENARIO_PARTS: tuple[Part, ...] = (
    Table("nations", nation="nation", public=("nation",), public_rows=hosts),
    Table("pledges", nation="nation"),
    Table("assumptions", nation="nation", text=("where", "text")),
)
"""What of `scenario_info` is per nation: the nations, their pledges, their assumptions."""


def parts() -> tuple[Part, ...]:
    """The declared parts of a bundle: the scenario, the plan and every registered analysis."""
    return (Nested("scenario", SCENARIO_PARTS),
            *(Nested(a.name, a.result_type.PARTS) for a in analyses.registered()))


def scenario_info(sc: Scenario) -> dict[str, Any]:
    """The coalition, its pledges and every assumption the scenario and packaged data make."""
    nf = sc.nations_frame
    pf = sc.pledges_frame
    pledged = (pf.assign(p=pf["count"] * pf["personnel_per_unit"]).groupby("nation")["p"].sum()
               if not pf.empty else None)
    nations = nf[["name", "tier", "willingness", "hq_capable", "conditions", "pledged_units"]].copy()
    nations["pledged_personnel"] = [int(pledged.get(n, 0)) if pledged is not None else 0
                                    for n in nations.index]
    return jsonable({
        "name": sc.name, "title": sc.spec.title or sc.name, "file": sc.file, "sha256": sc.sha256,
        "force_option": sc.force_option, "default_state": sc.default_state, "states": sc.states,
        "fair_share_key": str(sc.spec.fair_share_key),
        "nations": nations, "pledges": pf, "assumptions": assumptions(sc),
    })


def assumptions(sc: Scenario) -> list[dict[str, Any]]:
    """Every figure marked `assumption`: in the scenario file, the catalogue and the nations table."""
    out: list[dict[str, Any]] = []

    def walk(v: Any, path: tuple[str, ...]) -> None:
        if isinstance(v, dict):
            if v.get("assumption"):
                nation = path[1] if len(path) > 1 and path[0] == "nations" else None
                out.append({"where": f"{sc.file}: " + ".".join(path), "nation": nation,
                            "capability": v.get("capability"), "text": v["assumption"]})
            for k, x in v.items():
                walk(x, (*path, str(k)))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, (*path[:-1], f"{path[-1]}[{i}]") if path else (f"[{i}]",))

    walk(sc.spec.model_dump(by_alias=True), ())
    for cid, cap in sorted(sc.catalogue.items()):
        if "assumption" in cap.notes:
            out.append({"where": f"capabilities.csv: {cid}", "nation": None, "capability": cid,
                        "text": cap.notes})
    for iso, fig in sorted(sc.figures.items()):
        if "assumption" in fig.notes:
            out.append({"where": f"nations.csv: {iso}", "nation": iso, "capability": None,
                        "text": fig.notes})
    return out


def build(sc: Scenario, state: str | None = None, *, store: Store | None = None,
          time_limit: float = 60.0) -> dict[str, Any]:
    """Plan the scenario in `state` and run every available analysis on the plan."""
    result = plan(sc, state, time_limit=time_limit)
    return complete(sc, result, {"plan": result.to_dict()}, store)


def complete(sc: Scenario, result: PlanResult, given: dict[str, Any],
                   store: Store | None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"scenario": scenario_info(sc), "state": result.state}
    bundle.update(given)
    for a in analyses.registered():
        if a.name in bundle:
            continue
        if (of_plan := a.per_plan) is not None:
            bundle[a.name] = of_plan(result).to_dict()
        elif a.from_store and store is not None:
            # too slow to run for every report: shown when the store has a run on the same
            # scenario text, force option and state
            run = _matching_run(store, a.name, sc, result.state)
            if run is not None:
                bundle[a.name] = run.payload
                bundle[f"{a.name}_run"] = run.header()
    return bundle


def _matching_run(store: Store, command: str, sc: Scenario, state: str) -> Run | None:
    for run in store.list(command=command, sha256=sc.sha256, limit=50):
        if run.force_option == sc.force_option and run.params.get("state", state) == state \
                and run.status == "ok":
            return store.get(run.id)
    return None


def from_run(run: Run, store: Store | None = None) -> dict[str, Any]:
    """The bundle of a stored run: its own results, with the plan and other sections recomputed
    from the run's scenario text when the run did not store them."""
    if run.scenario_text is None:
        raise ValueError(f"run {run.id} ({run.command}) has no scenario; a report needs one")
    sc = parse_scenario(run.scenario_text, run.scenario_file or f"run-{run.id}",
                        force_option=run.force_option)
    payload = run.payload
    state = _state_of(run)
    given: dict[str, Any] = {}
    plan_payload = _plan_in(payload, state)
    if plan_payload is not None:
        state = plan_payload["summary"]["state"]
        given["plan"] = plan_payload
    elif run.command != "plan":
        given[run.command] = payload
    result = plan(sc, state)
    if "plan" not in given:
        given["plan"] = result.to_dict()
    bundle = complete(sc, result, given, store)
    bundle["run"] = run.header()
    stored = analyses.get(run.command)
    if stored is not None and stored.from_store:
        bundle[f"{run.command}_run"] = run.header()
    return bundle


def _state_of(run: Run) -> str | None:
    p = run.params
    if isinstance(p.get("state"), str):
        return str(p["state"])
    states = p.get("states")
    return str(states[0]) if isinstance(states, list) and states else None


def _plan_in(payload: dict[str, Any], state: str | None) -> dict[str, Any] | None:
    """A plan's results inside a payload: the payload itself, or one of `plans`."""
    if "summary" in payload and "allocation" in payload:
        return payload
    plans = [p for p in payload.get("plans", []) if isinstance(p, dict) and "summary" in p]
    for p in plans:
        if state is None or p["summary"].get("state") == state:
            return p
    return None


def for_scenario(path: str | None, state: str | None = None, force_option: str | None = None,
                 store: Store | None = None) -> dict[str, Any]:
    return build(load_scenario(path, force_option=force_option), state, store=store)


def dumps(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, allow_nan=False)


__all__ = ["SCENARIO_PARTS", "assumptions", "build", "complete", "dumps", "for_scenario", "from_run",
           "parts", "scenario_info"]
