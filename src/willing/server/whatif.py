"""`POST /api/whatif`: a scenario with edits in, its plan and stress summary out, from a warm
session (`willing.whatif`); `POST /api/whatif/yaml`: the edited scenario as a file to save.

Sessions are kept per (scenario content, state, force option), the least recently used
dropped. What a viewer may edit follows what they may see: an edit of a nation's pledge shows,
in the coalition's coverage, what that pledge is worth, so a national representative edits only
their own nation and an observer only the US-backstop probability; every answer goes through
the releasability filter (`access.releasable`).
"""

from __future__ import annotations

from threading import Lock
from typing import Annotated, Any, Literal

from cachetools import LRUCache
from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictInt

from willing import __version__
from willing.scenario import Scenario, ScenarioError, packaged
from willing.server import scenarios
from willing.server.access import Role, Viewer, releasable
from willing.server.answers import Name
from willing.server.viewer import Who
from willing.whatif import MAX_COUNT, Edit, WhatIf, WhatIfResult, edited_yaml, effective, overrides_of

MAX_EDITS = 500
"""Edits in one request: every nation and pledge of a large scenario toggled, and more."""
MAX_YAML = 60_000
"""Characters of a scenario sent as text (the packaged ones are about 45,000)."""
MIN_DRAWS, MAX_DRAWS, DEFAULT_DRAWS = 1_000, 200_000, 100_000
"""Draws of the stress summary: 100,000 by default, as the issue asks of the panel."""
SESSIONS = 8
"""Warm sessions kept (each holds a model, its plans and kernels, and two sets of draws)."""



class EditIn(BaseModel):
    """One edit: see `willing.whatif.KINDS`."""

    kind: Literal["nation", "pledge", "count", "willingness", "backstop"]
    target: Name | None = Field(None, description="nation (ISO 3166 alpha-3) or pledge id")
    value: StrictBool | Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)] | Annotated[
        StrictFloat, Field(ge=0.0, le=1.0)] = Field(
        description="on/off: true or false; count: units; willingness, backstop: 0 to 1")


class WhatIfRequest(BaseModel):
    """A scenario (packaged, by name, or as YAML text), where to plan it and the edits."""

    scenario: Name | None = Field(None, description="packaged scenario (default ukraine-2025)")
    yaml: str | None = Field(None, max_length=MAX_YAML,
                             description="a scenario's YAML text instead of a packaged one "
                                         "(e.g. a version's, from GET /api/versions/{id})")
    state: Name | None = Field(None, description="contingency state (default: the scenario's)")
    force_option: Name | None = None
    edits: list[EditIn] = Field(default_factory=list, max_length=MAX_EDITS)
    draws: int = Field(DEFAULT_DRAWS, ge=MIN_DRAWS, le=MAX_DRAWS)
    seed: int = Field(1, ge=0, le=2**31 - 1)


router = APIRouter()
_sessions: LRUCache[tuple[str, str, str | None, str], WhatIf] = LRUCache(maxsize=SESSIONS)
_sessions_lock = Lock()


def _scenario(req: WhatIfRequest) -> Scenario:
    if req.yaml is not None and req.scenario is not None:
        raise HTTPException(422, "give either scenario (a packaged name) or yaml (a scenario's "
                            "text), not both")
    try:
        if req.yaml is not None:
            return scenarios.parsed(req.yaml, "scenario.yaml", req.force_option)[0]
        name = req.scenario or packaged.scenario_names()[0]
        if name not in packaged.scenario_names():
            raise HTTPException(400, f"unknown scenario '{name}'; valid: "
                                f"{', '.join(packaged.scenario_names())}")
        return scenarios.packaged_scenario(name, req.force_option)[0]
    except ScenarioError as exc:
        raise HTTPException(400, "; ".join(p.render(exc.file) for p in exc.problems)) from None


def session(req: WhatIfRequest) -> WhatIf:
    """The warm session of the request's scenario, state and force option."""
    sc = _scenario(req)
    state = req.state or sc.default_state
    key = (sc.sha256, sc.file, sc.force_option, state)
    with _sessions_lock:
        found = _sessions.get(key)
    if found is None:
        found = WhatIf(sc, state)  # ValueError (400) for an unknown state
        with _sessions_lock:
            found = _sessions.setdefault(key, found)
    return found


def _edits(req: WhatIfRequest, who: Viewer, sc: Scenario) -> list[Edit]:
    """The request's edits, refused (403) where the viewer may not make them."""
    pledges = {p.id: p.nation for p in sc.pledges}
    out = []
    for i, e in enumerate(req.edits):
        nation = pledges.get(e.target or "") if e.kind in ("pledge", "count") else e.target
        if who.role is Role.OBSERVER and e.kind != "backstop":
            raise HTTPException(403, f"edits[{i}]: an observer may change the US backstop only")
        if who.role is Role.NATIONAL and e.kind != "backstop" and nation != who.nation:
            raise HTTPException(403, f"edits[{i}]: a national representative of {who.nation} "
                                f"edits only {who.nation}'s pledges and willingness")
        out.append(Edit(e.kind, e.value, e.target))
    return out




@router.post("/api/whatif", summary="A scenario with edits: its plan's coverage, gaps and leads "
             "and the stress summary, from a warm model")
def whatif(req: WhatIfRequest, who: Who) -> dict[str, Any]:
    s = session(req)
    edits = _edits(req, who, s.scenario)
    with s.lock:
        result = s.run(edits, draws=req.draws, seed=req.seed)
    out: dict[str, Any] = releasable(result.to_dict(), who, WhatIfResult.PARTS)
    out["choices"] = {"states": s.scenario.states, "state": s.state,
                    "force_options": list(s.scenario.spec.force_options),
                    "force_option": s.scenario.force_option}
    if who.sees_everything:
        out["overrides"] = result.overrides
    return out


class SaveRequest(WhatIfRequest):
    """As for `/api/whatif`, with a name and note for the new version."""

    name: Name | None = None
    note: str = Field("", max_length=2000)


@router.post("/api/whatif/yaml", summary="The edited scenario as YAML, with the body to save "
             "it as a new version (POST /api/versions)")
def whatif_yaml(req: SaveRequest, who: Who) -> dict[str, Any]:
    if not who.sees_everything:
        raise HTTPException(403, "only a coalition planner saves a what-if as a scenario: "
                            "the file holds every nation's pledges")
    sc = _scenario(req)
    edits = _edits(req, who, sc)
    try:
        overrides = overrides_of(sc, effective(sc, edits))
        text = edited_yaml(sc, overrides, req.note)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    note = req.note or "what if: " + "; ".join(e.describe() for e in edits)
    return {"name": req.name or f"{sc.name} what-if", "yaml": text, "note": note,
            "overrides": overrides}


@router.get("/whatif", response_class=HTMLResponse, include_in_schema=False)
def whatif_page() -> HTMLResponse:
    return HTMLResponse(_page())


def _page() -> str:
    return Environment(loader=PackageLoader("willing.server"), autoescape=select_autoescape()
                       ).get_template("whatif.html").render(version=__version__)


__all__ = ["router", "session"]
