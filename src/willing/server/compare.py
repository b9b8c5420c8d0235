"""Compare two runs (or two scenario versions) side by side: the browser form of
`willing runs diff`.

`GET /api/compare?a=RUN&b=RUN` answers what `willing.store.diff` finds (changed figures,
gaps opened and closed, leads changed, contributions changed per nation, parameters) plus
what a side-by-side page needs: every headline figure of each plan in both runs with its
delta (coverage of units and of personnel, essential coverage), the stress figures
(P(essential), P(all), mean coverage) and the scenario's structural diff
(`willing.scenario.diff`). Everything goes through the releasability filter first: a national
representative sees their own nation's contributions and pledges and the aggregates, never
another nation's rows nor the scenario's text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from willing import __version__
from willing.results import Field, Nested, Part, Table
from willing.scenario import diff as scenario_diff
from willing.server.access import Viewer, releasable
from willing.server.builder import visible_version
from willing.server.limits import MAX_ID
from willing.store import Run, diff, plans_by_state

STRESS_FIGURES = ("p_essential_met", "p_all_met", "mean_essential", "mean_coverage")
"""The stress summary's figures compared (probabilities over the drawn coalitions)."""
RunParam = Annotated[int, Query(ge=1, le=MAX_ID, description="a run's id")]
VersionParam = Annotated[int, Query(ge=1, le=MAX_ID, description="a scenario version's id")]

PARTS: tuple[Part, ...] = (
    Field("params"),
    Nested("plans", (Field("state"), Table("headline"), Table("summary"),
                     Table("gaps", text=("reason",)), Table("leads", public=("a", "b")),
                     Table("contributions", nation="nation")), many=True),
    Table("stress"),
)
"""What a comparison is made of, for the releasability filter. The runs' headers (`a`, `b`)
and the changed figures of runs other than plans (`figures`, whose paths may name a nation)
are left undeclared: filtered with the cautious rule. The scenario part is filtered by
`compare_texts` with the scenario diff's own parts."""


def headline(plan: dict[str, Any]) -> dict[str, Any]:
    """A plan's figures on the compare page: coverage of units (the plan's own figure) and of
    personnel (filled over required, over every mission line), essential coverage, units,
    personnel deployed, nations contributing and gaps."""
    s = plan.get("summary", {})
    lines = plan.get("coverage", [])
    required = sum(r.get("personnel_required") or 0 for r in lines)
    filled = sum(r.get("personnel_filled") or 0 for r in lines)
    return {"coverage": s.get("coverage"),
            "personnel_coverage": filled / required if required else None,
            "essential_coverage": s.get("essential_coverage"),
            "units_filled": s.get("units_filled"), "units_required": s.get("units_required"),
            "personnel_deployed": s.get("personnel_deployed"),
            "nations_contributing": s.get("nations_contributing"), "gaps": s.get("gaps")}


def side_by_side(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows figure, a, b, delta (b − a where both are numbers) for every key of `a` or `b`."""
    def delta(x: Any, y: Any) -> Any:
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
        return y - x if numbers else None

    return [{"figure": k, "a": a.get(k), "b": b.get(k), "delta": delta(a.get(k), b.get(k))}
            for k in dict.fromkeys([*a, *b])]


def compare_texts(text_a: str | None, text_b: str | None, viewer: Viewer) -> dict[str, Any]:
    """The scenario part of a comparison, as releasable to `viewer`: the structural diff of
    two scenario texts (runs' or saved versions') and one line per change it shows."""
    changes = scenario_diff.diff_scenarios(text_a or "", text_b or "")
    seen = releasable(changes, viewer, scenario_diff.PARTS)
    return {"same": changes["same"], "changes": seen, "summary": scenario_diff.describe(seen)}


def compare_runs(a: Run, b: Run, viewer: Viewer) -> dict[str, Any]:
    """Runs `a` and `b` compared (see the module doc), as releasable to `viewer`."""
    out = diff(a, b)
    lines = out.pop("scenario")
    plans_a, plans_b = plans_by_state(a.payload), plans_by_state(b.payload)
    for p in out["plans"]:
        p["headline"] = side_by_side(headline(plans_a[p["state"]]), headline(plans_b[p["state"]]))
    stress_a, stress_b = a.payload.get("summary", {}), b.payload.get("summary", {})
    out["stress"] = side_by_side(
        {k: stress_a[k] for k in STRESS_FIGURES if k in stress_a},
        {k: stress_b[k] for k in STRESS_FIGURES if k in stress_b}) \
        if a.command == b.command == "stress" else []
    out["only_in"] = {"a": sorted(set(plans_a) - set(plans_b)), "b": sorted(set(plans_b) - set(plans_a))}
    seen = dict(releasable(out, viewer, PARTS))
    seen["scenario"] = {"force_option": lines["force_option"],
                        **compare_texts(a.scenario_text, b.scenario_text, viewer)}
    if viewer.sees_everything:
        seen["scenario"]["lines"] = lines["diff"]
    return seen


def router(viewer: Callable[..., Any]) -> APIRouter:
    """The compare page and API; `viewer` is the service's dependency naming who asks."""
    r = APIRouter()
    page = Environment(loader=PackageLoader("willing.server"), autoescape=select_autoescape()
                       ).get_template("compare.html").render(version=__version__)

    @r.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page() -> HTMLResponse:
        return HTMLResponse(page)

    @r.get("/api/compare", summary="Two runs side by side: coverage and P(essential) deltas, "
           "gaps opened and closed, leads and contributions changed, the scenario diff")
    def compare(request: Request, a: RunParam, b: RunParam, who: Viewer = Depends(viewer)
                ) -> dict[str, Any]:
        store = request.app.state.store
        try:
            run_a, run_b = store.get(a), store.get(b)
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from None
        return compare_runs(run_a, run_b, who)

    @r.get("/api/compare/versions", summary="Two saved scenario versions (or proposals): what "
           "changed from A to B, as the viewer may see it")
    def compare_versions(request: Request, a: VersionParam, b: VersionParam,
                         who: Viewer = Depends(viewer)) -> dict[str, Any]:
        store = request.app.state.store
        (va, head_a), (vb, head_b) = (visible_version(store, i, who, text=False) for i in (a, b))
        return {"a": head_a, "b": head_b, "scenario": compare_texts(va.yaml, vb.yaml, who)}

    return r


__all__ = ["PARTS", "compare_runs", "compare_texts", "headline", "router", "side_by_side"]
