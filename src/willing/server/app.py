"""The web service: a dashboard page and a JSON API over the run store (FastAPI).

Every response that carries results goes through `access.releasable` for the requesting
viewer first; the charts, tables, report and downloads are then built from what is left.
Every parameter is bounded in the schema (422 beyond), request bodies by `limits.BodyLimit`
(413) and jobs by the queue and the role's quota (`limits.Limits`: 422, 429); each route
documents the 4xx answers it can give in the OpenAPI schema.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from threading import Lock
from typing import Annotated, Any

import plotly
import pycountry
from cachetools import LRUCache, cached
from cachetools.keys import hashkey
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field

from willing import __version__, analyses
from willing.report import bundle as bundles
from willing.report.figures import sections
from willing.report.render import render
from willing.report.theatre import OFFLINE_GEO_JS
from willing.results import Nested
from willing.scenario import ScenarioError, packaged
from willing.scenario.ledger import packaged_ledger, store_rows
from willing.server import builder, compare, draft, scenarios, whatif
from willing.server.access import Viewer, releasable
from willing.server.answers import NAME, READ, Name, answers
from willing.server.jobs import Jobs, LimitExceeded, stress_available
from willing.server.limits import MAX_DRAWS, MAX_ID, BodyLimit, Limits
from willing.server.viewer import Who, current_viewer
from willing.store import Store, ledger_summary

HERE = resources.files("willing.server")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


MAX_UNITS = 10_000
"""Largest unit count of a ledger step (a pledge counts battalions, ships or aircraft)."""
RunId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="a run's id")]


class JobRequest(BaseModel):
    """A run to start from the browser."""

    kind: str = Field("plan", max_length=NAME, description="plan, stress or timeline")
    scenario: Name | None = Field(None, description="packaged scenario name (default ukraine-2025)")
    state: Name | None = Field(None, description="contingency state (default: the scenario's)")
    force_option: Name | None = Field(None, description="small, medium or large")
    draws: int = Field(20000, ge=100, le=MAX_DRAWS,
                       description="stress: coalitions drawn; timeline: drawn at each date (the "
                       "role's quota may allow fewer)")


class LedgerEntry(BaseModel):
    """One step of a pledge: announced → committed → deployed (or withdrawn), dated and sourced."""

    nation: str = Field(description="ISO 3166 alpha-3 code", pattern="^[A-Z]{3}$")
    pledge: Name = Field(description="the pledge's id, e.g. POL-2")
    capability: Name = Field(description="capability id from the catalogue")
    count: int = Field(ge=0, le=MAX_UNITS, description="units at this step")
    status: str = Field(max_length=20, description="announced, committed, deployed or withdrawn")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
    source: str = Field(min_length=1, max_length=2000,
                        description="public source of the step (a citation or URL)")




class BundleCache:
    """Bundles of stored runs, least recently used dropped (a report recomputes the plan and
    analyses: seconds, not ms); a job puts the bundle it has just built."""

    def __init__(self, store: Store, size: int = 16) -> None:
        self.store = store
        self.items: LRUCache[Any, dict[str, Any]] = LRUCache(maxsize=size)
        self.lock = Lock()
        self.get = cached(self.items, lock=self.lock)(self._build)

    def _build(self, run_id: int) -> dict[str, Any]:
        return bundles.from_run(self.store.get(run_id), self.store)

    def put(self, run_id: int, b: dict[str, Any]) -> None:
        with self.lock:
            self.items[hashkey(run_id)] = b




def create_app(store_url: str | None = None, users: dict[str, Viewer] | None = None,
               limits: Limits | None = None) -> FastAPI:
    """The service over the store at `store_url`; `users` maps API tokens to viewers (None:
    single-user, everyone is a coalition planner); `limits` bounds requests and jobs."""
    store = Store(store_url)
    store.seed_ledger(store_rows(packaged_ledger()))
    limits = limits or Limits()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        api.state.jobs.shutdown()
        store.close()

    api = FastAPI(title="willing", version=__version__, lifespan=lifespan,
                  description="Plan and stress-test a coalition of the willing: runs, charts, "
                              "reports. Authenticate with `Authorization: Bearer <token>` when "
                              "the server has users (see willing.server.access).")
    api.state.store = store
    api.state.users = users
    api.state.limits = limits
    api.state.cache = BundleCache(store)
    api.state.jobs = Jobs(store, api.state.cache.put, max_queued=limits.max_queued_jobs)
    api.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes,
                       routes={"/api/draft": draft.MAX_BODY_BYTES, **builder.BODY_LIMITS})
    api.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    page = Environment(loader=PackageLoader("willing.server"), autoescape=select_autoescape()
                       ).get_template("dashboard.html").render(version=__version__,
                                                               offline_geo=OFFLINE_GEO_JS)

    def run_bundle(run_id: int, who: Viewer) -> dict[str, Any]:
        try:
            return releasable(api.state.cache.get(run_id), who, bundles.parts())
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from None

    @api.exception_handler(ValueError)
    async def bad_input(_req: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @api.exception_handler(LimitExceeded)
    async def over_limit(_req: Request, exc: LimitExceeded) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=429)

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(page)

    @api.get("/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="application/javascript")

    @api.get("/api/whoami", summary="The requesting viewer's role and nation", responses=READ)
    def whoami(who: Who) -> dict[str, Any]:
        quota = limits.quota(who.role)
        return {"role": who.role.value, "nation": who.nation, "name": who.name,
                "may_run": who.may_run, "stress_available": stress_available(),
                "max_draws": quota.max_draws, "max_active_jobs": quota.max_active_jobs}

    @api.get("/api/scenarios", summary="Packaged scenarios with their states and force options",
             responses=READ)
    def scenario_list(_who: Who) -> list[dict[str, Any]]:
        return [scenarios.listing(name) for name in packaged.scenario_names()]

    @api.get("/api/scenarios/{name}/pledges", summary="Pledges releasable to the viewer",
             responses={**READ, **answers(400, 404)})
    def pledges(name: Annotated[str, PathParam(max_length=NAME)], who: Who,
                force_option: Annotated[str | None, Query(max_length=NAME)] = None,
                ) -> list[dict[str, Any]]:
        if name not in packaged.scenario_names():
            raise HTTPException(404, f"no packaged scenario '{name}'")
        try:
            _sc, info = scenarios.packaged_scenario(name, force_option)
        except ScenarioError as exc:
            raise HTTPException(400, "; ".join(p.render(exc.file) for p in exc.problems)) from None
        return list(releasable(info["pledges"], who))

    @api.get("/api/analyses", summary="The registered analyses: each one's runs, report section "
             "and releasability follow from its registration", responses=READ)
    def analyses_list(_who: Who) -> list[dict[str, Any]]:
        return [{"name": a.name, "summary": a.summary, "result": a.result_type.__name__,
                 "in_report": a.report is not None, "per_plan": a.of_plan is not None}
                for a in analyses.registered()]

    @api.get("/api/runs", summary="Runs in the store, newest first", responses=READ)
    def runs(who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
             command: Annotated[str | None, Query(max_length=NAME)] = None) -> list[dict[str, Any]]:
        return list(releasable([r.header() for r in store.list(command=command, limit=limit)],
                               who))

    @api.get("/api/runs/{run_id}", summary="One run with its results, as releasable",
             responses={**READ, **answers(404)})
    def run(run_id: RunId, who: Who) -> dict[str, Any]:
        try:
            r = store.get(run_id)
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from None
        body = {**r.header(), "payload": r.payload}
        if who.sees_everything:
            body["scenario_text"] = r.scenario_text
        analysis = analyses.get(r.command)
        return dict(releasable(body, who, (Nested("payload", analysis.parts),)
                               if analysis is not None else None))

    @api.get("/api/runs/{run_id}/sections", summary="The report's sections: plotly figures, "
             "tables, sources and assumptions", responses={**READ, **answers(404)})
    def run_sections(run_id: RunId, who: Who) -> dict[str, Any]:
        b = run_bundle(run_id, who)
        out = []
        for s in sections(b):
            out.append({"id": s.id, "title": s.title, "intro": s.intro, "source": s.source,
                        "assumptions": s.assumptions,
                        "figure": json.loads(s.figure.to_json()) if s.figure is not None else None,
                        "table": json.loads(s.table.to_json(orient="split", index=False))
                        if s.table is not None else None})
        return {"run": b.get("run"), "state": b.get("state"),
                "summary": b.get("plan", {}).get("summary"),
                "stress": (b.get("stress") or {}).get("summary"), "sections": out}

    @api.get("/api/runs/{run_id}/report", summary="The HTML report of a run (download)",
             responses={**READ, **answers(404)})
    def run_report(run_id: RunId, who: Who) -> Response:
        html = render(run_bundle(run_id, who))
        return Response(html, media_type="text/html", headers={
            "Content-Disposition": f'attachment; filename="willing-run-{run_id}.html"'})

    @api.get("/api/runs/{run_id}/json", summary="A run's results as JSON (download)",
             responses={**READ, **answers(404)})
    def run_json(run_id: RunId, who: Who) -> Response:
        return Response(json.dumps(run(run_id, who), indent=1), media_type="application/json",
                        headers={"Content-Disposition":
                                 f'attachment; filename="willing-run-{run_id}.json"'})

    @api.get("/api/ledger", summary="Pledge ledger entries releasable to the viewer",
             responses=READ)
    def ledger(who: Who, nation: Annotated[str | None, Query(pattern="^[A-Z]{3}$")] = None,
               ) -> list[dict[str, Any]]:
        return list(releasable(store.ledger(nation), who))

    @api.get("/api/ledger/summary", summary="Units by capability and current status (aggregate)",
             responses=READ)
    def ledger_totals(_who: Who) -> list[dict[str, Any]]:
        return ledger_summary(store.ledger())

    @api.post("/api/ledger", status_code=201, summary="Record a step of a pledge",
              responses={**READ, **answers(400, 403, 413)})
    def record(entry: LedgerEntry, who: Who) -> dict[str, Any]:
        if not who.may_run or (who.nation is not None and who.nation != entry.nation):
            raise HTTPException(403, f"a {who.role.value}"
                                + (f" of {who.nation}" if who.nation else "")
                                + f" cannot record pledges of {entry.nation}")
        if pycountry.countries.get(alpha_3=entry.nation) is None:
            raise HTTPException(400, f"'{entry.nation}' is not an ISO 3166 alpha-3 code")
        if entry.capability not in packaged.capabilities():
            raise HTTPException(400, f"unknown capability '{entry.capability}'; valid: "
                                f"{', '.join(sorted(packaged.capabilities()))}")
        entry_id = store.record_pledge(**entry.model_dump(), recorded_by=who.name or who.role.value)
        return {"id": entry_id, **entry.model_dump()}

    @api.post("/api/jobs", status_code=202, summary="Start a plan, stress or timeline run in the background",
              responses={**READ, **answers(400, 403, 413, 429)})
    def start_job(req: JobRequest, who: Who) -> dict[str, Any]:
        if not who.may_run:
            raise HTTPException(403, "observers cannot start runs")
        if req.scenario is not None and req.scenario not in packaged.scenario_names():
            raise HTTPException(400, f"unknown scenario '{req.scenario}'; valid: "
                                f"{', '.join(packaged.scenario_names())}")
        quota = limits.quota(who.role)
        if req.kind in ("stress", "timeline") and req.draws > quota.max_draws:
            raise HTTPException(422, f"a {who.role.value} may start stress runs of at most "
                                f"{quota.max_draws:,} draws, asked {req.draws:,}")
        owner = who.name or " ".join(filter(None, (who.role.value, who.nation)))
        job = api.state.jobs.start(req.kind, req.model_dump(), owner,
                                   max_active=quota.max_active_jobs)
        return job.public()

    @api.get("/api/jobs/{job_id}", summary="Progress of a background run",
             responses={**READ, **answers(404)})
    def job_status(job_id: Annotated[str, PathParam(max_length=32)], _who: Who) -> dict[str, Any]:
        job = api.state.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id}")
        return job.public()

    api.include_router(draft.router, dependencies=[Depends(current_viewer)],
                       responses={**READ, **answers(400, 413)})
    api.include_router(builder.router)
    api.include_router(whatif.router, responses={**READ, **answers(400, 403, 413)})
    api.include_router(compare.router(current_viewer), responses={**READ, **answers(404)})
    return api


__all__ = ["create_app"]
