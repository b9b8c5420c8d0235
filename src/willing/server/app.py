"""The web service: a dashboard page and a JSON API over the run store (FastAPI).

Every response that carries results goes through `access.releasable` for the requesting
viewer first; the charts, tables, report and downloads are then built from what is left.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from threading import Lock
from typing import Annotated, Any

import plotly
import pycountry
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from willing import __version__, analyses
from willing.report import bundle as bundles
from willing.report.figures import sections
from willing.report.render import render
from willing.results import Nested
from willing.scenario import ScenarioError, load_scenario, packaged
from willing.server import draft
from willing.server.access import PLANNER, Viewer, releasable
from willing.server.jobs import Jobs, stress_available
from willing.store import Store, ledger_summary

HERE = resources.files("willing.server")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class JobRequest(BaseModel):
    """A run to start from the browser."""

    kind: str = Field("plan", description="plan or stress")
    scenario: str | None = Field(None, description="packaged scenario name (default ukraine-2025)")
    state: str | None = Field(None, description="contingency state (default: the scenario's)")
    force_option: str | None = Field(None, description="small, medium or large")
    draws: int = Field(20000, ge=100, le=10_000_000, description="stress: coalitions drawn")


class LedgerEntry(BaseModel):
    """One step of a pledge: announced → committed → deployed (or withdrawn), dated and sourced."""

    nation: str = Field(description="ISO 3166 alpha-3 code", pattern="^[A-Z]{3}$")
    pledge: str = Field(description="the pledge's id, e.g. POL-2", min_length=1, max_length=80)
    capability: str = Field(description="capability id from the catalogue")
    count: int = Field(ge=0, description="units at this step")
    status: str = Field(description="announced, committed, deployed or withdrawn")
    date: str = Field(description="YYYY-MM-DD")
    source: str = Field(min_length=1, description="public source of the step")


class BundleCache:
    """Bundles of stored runs (a report recomputes the plan and analyses: seconds, not ms)."""

    def __init__(self, store: Store, size: int = 16) -> None:
        self.store, self.size = store, size
        self.items: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self.lock = Lock()

    def get(self, run_id: int) -> dict[str, Any]:
        with self.lock:
            if run_id in self.items:
                self.items.move_to_end(run_id)
                return self.items[run_id]
        b = bundles.from_run(self.store.get(run_id), self.store)
        self.put(run_id, b)
        return b

    def put(self, run_id: int, b: dict[str, Any]) -> None:
        with self.lock:
            self.items[run_id] = b
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def current_viewer(request: Request, token: Annotated[str | None, Query(
        description="API token, for download links (else the Authorization header)")] = None) -> Viewer:
    """The viewer a request speaks for: by its bearer token, or the planner when the server has
    no users."""
    users: dict[str, Viewer] | None = request.app.state.users
    if users is None:
        return PLANNER
    auth = request.headers.get("authorization", "")
    key = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else token
    if not key or key not in users:
        raise HTTPException(401, "unknown or missing token (Authorization: Bearer <token>)")
    return users[key]


Who = Annotated[Viewer, Depends(current_viewer)]


def create_app(store_url: str | None = None, users: dict[str, Viewer] | None = None) -> FastAPI:
    """The service over the store at `store_url`; `users` maps API tokens to viewers (None:
    single-user, everyone is a coalition planner)."""
    store = Store(store_url)

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
    api.state.cache = BundleCache(store)
    api.state.jobs = Jobs(store, api.state.cache.put)
    api.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def run_bundle(run_id: int, who: Viewer) -> dict[str, Any]:
        try:
            return releasable(api.state.cache.get(run_id), who, bundles.parts())
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from None

    @api.exception_handler(ValueError)
    async def bad_input(_req: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        page = (HERE / "templates" / "dashboard.html").read_text(encoding="utf-8")
        return HTMLResponse(page.replace("{{version}}", __version__))

    @api.get("/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="application/javascript")

    @api.get("/api/whoami", summary="The requesting viewer's role and nation")
    def whoami(who: Who) -> dict[str, Any]:
        return {"role": who.role.value, "nation": who.nation, "name": who.name,
                "may_run": who.may_run, "stress_available": stress_available()}

    @api.get("/api/scenarios", summary="Packaged scenarios with their states and force options")
    def scenarios(_who: Who) -> list[dict[str, Any]]:
        out = []
        for name in packaged.scenario_names():
            sc = load_scenario(name)
            out.append({"name": name, "title": sc.spec.title or name, "states": sc.states,
                        "default_state": sc.default_state,
                        "force_options": list(sc.spec.force_options),
                        "force_option": sc.force_option})
        return out

    @api.get("/api/scenarios/{name}/pledges", summary="Pledges releasable to the viewer")
    def pledges(name: str, who: Who, force_option: str | None = None) -> list[dict[str, Any]]:
        if name not in packaged.scenario_names():
            raise HTTPException(404, f"no packaged scenario '{name}'")
        try:
            info = bundles.scenario_info(load_scenario(name, force_option=force_option))
        except ScenarioError as exc:
            raise HTTPException(400, "; ".join(p.render(exc.file) for p in exc.problems)) from None
        return list(releasable(info["pledges"], who))

    @api.get("/api/analyses", summary="The registered analyses: each one's runs, report section "
             "and releasability follow from its registration")
    def analyses_list(_who: Who) -> list[dict[str, Any]]:
        return [{"name": a.name, "summary": a.summary, "result": a.result.__name__,
                 "in_report": a.report is not None, "per_plan": a.of_plan is not None}
                for a in analyses.registered()]

    @api.get("/api/runs", summary="Runs in the store, newest first")
    def runs(who: Who, limit: int = 50, command: str | None = None) -> list[dict[str, Any]]:
        return list(releasable([r.header() for r in store.list(command=command, limit=limit)],
                               who))

    @api.get("/api/runs/{run_id}", summary="One run with its results, as releasable")
    def run(run_id: int, who: Who) -> dict[str, Any]:
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
             "tables, sources and assumptions")
    def run_sections(run_id: int, who: Who) -> dict[str, Any]:
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
                "sections": out}

    @api.get("/api/runs/{run_id}/report", summary="The HTML report of a run (download)")
    def run_report(run_id: int, who: Who) -> Response:
        html = render(run_bundle(run_id, who))
        return Response(html, media_type="text/html", headers={
            "Content-Disposition": f'attachment; filename="willing-run-{run_id}.html"'})

    @api.get("/api/runs/{run_id}/json", summary="A run's results as JSON (download)")
    def run_json(run_id: int, who: Who) -> Response:
        return Response(json.dumps(run(run_id, who), indent=1), media_type="application/json",
                        headers={"Content-Disposition":
                                 f'attachment; filename="willing-run-{run_id}.json"'})

    @api.get("/api/ledger", summary="Pledge ledger entries releasable to the viewer")
    def ledger(who: Who, nation: str | None = None) -> list[dict[str, Any]]:
        return list(releasable(store.ledger(nation), who))

    @api.get("/api/ledger/summary", summary="Units by capability and current status (aggregate)")
    def ledger_totals(_who: Who) -> list[dict[str, Any]]:
        return ledger_summary(store.ledger())

    @api.post("/api/ledger", status_code=201, summary="Record a step of a pledge")
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

    @api.post("/api/jobs", status_code=202, summary="Start a plan or stress run in the background")
    def start_job(req: JobRequest, who: Who) -> dict[str, Any]:
        if not who.may_run:
            raise HTTPException(403, "observers cannot start runs")
        if req.scenario is not None and req.scenario not in packaged.scenario_names():
            raise HTTPException(400, f"unknown scenario '{req.scenario}'; valid: "
                                f"{', '.join(packaged.scenario_names())}")
        job = api.state.jobs.start(req.kind, req.model_dump(), who.name or who.role.value)
        return job.public()

    @api.get("/api/jobs/{job_id}", summary="Progress of a background run")
    def job_status(job_id: str, _who: Who) -> dict[str, Any]:
        job = api.state.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id}")
        return job.public()

    api.include_router(draft.router, dependencies=[Depends(current_viewer)])
    return api


__all__ = ["create_app"]
