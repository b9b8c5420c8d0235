"""The scenario builder: the `/builder` page and its API — validate, edit, save versions,
propose and decide proposals (see docs/builder.md).

Validation answers with the scenario loader's own problems (the messages of `willing
validate`); edits keep the file as written (`willing.scenario.editing`); versions live in the
run store; what each role may read or change is in `willing.server.scenario_access`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field

from willing import __version__
from willing.scenario import Problem, ScenarioError, packaged
from willing.scenario.consistency import consistency_check
from willing.scenario.editing import apply_changes, changed_outside, nations_form, with_part
from willing.scenario.errors import dotted
from willing.scenario.model import Condition
from willing.scenario.yamlmarks import MAX_BYTES
from willing.server import scenarios
from willing.server.access import Role, Viewer
from willing.server.answers import NAME, READ, answers
from willing.server.limits import MAX_ID
from willing.server.scenario_access import (
    Forbidden,
    may_change,
    own_pledges,
    version_view,
    visible_yaml,
)
from willing.server.viewer import Who
from willing.store import Store, Version

MAX_BODY_BYTES = 2 * MAX_BYTES + 65_536
"""Largest request body of the builder's routes: a scenario of MAX_BYTES as a JSON string
(escaped newlines and quotes), with its note and form changes."""
BODY_LIMITS = {path: MAX_BODY_BYTES for path in ("/api/validate", "/api/scenario/edit",
                                                  "/api/versions")}
"""The builder's routes that take a whole scenario, for `limits.BodyLimit`."""
MAX_CHANGES = 500
"""Form changes in one edit request (a nation turned off is one)."""

Yaml = Annotated[str, Field(max_length=MAX_BYTES, description="scenario YAML text (at most "
                            f"{MAX_BYTES:,} bytes, as the loader reads)")]
VersionId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="a scenario version's id")]

router = APIRouter()
page = Environment(loader=PackageLoader("willing.server"), autoescape=select_autoescape()
                   ).get_template("builder.html").render(version=__version__)


class ValidateRequest(BaseModel):
    """A scenario text to check."""

    yaml: Yaml


class Change(BaseModel):
    """One form edit: the field's path and its new value (null deletes it)."""

    path: list[str | int] = Field(min_length=1, max_length=16,
                                  description='e.g. ["nations", "POL", "pledges", 0, "count"]')
    value: Any = Field(None, description="the new value; null removes the field (a nation off)")


class EditRequest(BaseModel):
    """A scenario text and the form edits to make to it."""

    yaml: Yaml
    changes: list[Change] = Field(default_factory=list, max_length=MAX_CHANGES)


class VersionRequest(BaseModel):
    """A scenario to save as a version (a planner) or propose (a national representative)."""

    name: str = Field(min_length=1, max_length=NAME, pattern=r"^[A-Za-z0-9][\w .-]*$",
                      description="the scenario's name, e.g. ukraine-2025")
    yaml: Yaml
    note: str = Field("", max_length=2000, description="why: what the version changes")
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="the version it was edited "
                               "from; none: the packaged scenario of that name, or nothing")


class ProblemOut(BaseModel):
    """One problem of a scenario, where it is and what is wrong (as `willing validate`)."""

    line: int | None
    column: int | None
    field: str
    message: str
    severity: str = Field(description="error (the scenario cannot be used) or warning")


class Invalid(BaseModel):
    """A scenario refused: nothing was saved."""

    detail: str
    problems: list[ProblemOut]


INVALID: dict[int | str, dict[str, Any]] = {422: {
    "model": Invalid, "description": "the scenario has errors (or the request is malformed); "
                                     "nothing was saved"}}


def _problem(p: Problem, severity: str) -> dict[str, Any]:
    return {"line": p.line, "column": p.column, "field": dotted(p.path), "message": p.message,
            "severity": severity}


def problems(text: str, warnings: bool = True) -> list[dict[str, Any]]:
    """The errors of `text`, or when it has none the consistency warnings (unless `warnings`
    is False: a save needs only the errors): what `willing validate` prints, with the same
    messages."""
    try:
        sc, _info = scenarios.parsed(text, "<scenario>", None)
    except ScenarioError as exc:
        return [_problem(p, "error") for p in exc.problems]
    return [_problem(p, "warning") for _check, p in consistency_check(sc)] if warnings else []


def _refused(text: str) -> JSONResponse | None:
    """The 422 answer to saving `text` when it has errors; None when it may be saved."""
    errors = problems(text, warnings=False)
    if not errors:
        return None
    return JSONResponse({"detail": f"the scenario has {len(errors)} error(s); nothing was saved",
                         "problems": errors}, status_code=422)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _author(who: Viewer) -> str:
    return who.name or who.role.value


def _forbidden(exc: Forbidden) -> HTTPException:
    return HTTPException(403, str(exc))


def visible_version(store: Store, version_id: int, who: Viewer, text: bool = True
                    ) -> tuple[Version, dict[str, Any]]:
    """A stored version and what `who` may see of it (`version_view`); 404 when there is no
    such version or `who` may not see it (another nation's proposal, to a representative)."""
    try:
        v = store.version(version_id)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from None
    view = version_view(v, who, text)
    if view is None:
        raise HTTPException(404, f"no scenario version {version_id} in the store")
    return v, view


@router.get("/builder", response_class=HTMLResponse, include_in_schema=False)
def builder_page() -> HTMLResponse:
    return HTMLResponse(page)


@router.post("/api/validate", summary="Check a scenario text: every problem with its line, "
             "column, field and the message of `willing validate`",
             responses={**READ, **answers(413)})
def validate(req: ValidateRequest, _who: Who) -> dict[str, Any]:
    found = problems(req.yaml)
    return {"ok": not any(p["severity"] == "error" for p in found), "problems": found}


@router.post("/api/scenario/edit", summary="Make form edits (a nation off, a count, a "
             "willingness, conditions) to a scenario text, keeping the rest as written",
             responses={**READ, **answers(400, 403, 413)})
def edit(req: EditRequest, who: Who) -> dict[str, Any]:
    if who.role is Role.NATIONAL:
        mine = own_pledges(who)
        try:
            may_change(who, [dotted(c.path) for c in req.changes
                             if tuple(c.path[:len(mine)]) != mine])
        except Forbidden as exc:
            raise _forbidden(exc) from None
    text = apply_changes(req.yaml, [(c.path, c.value) for c in req.changes])
    return {"yaml": text, "nations": nations_form(text), "conditions": [c.value for c in Condition]}


@router.get("/api/scenarios/{name}/yaml", summary="A packaged scenario's text, as the viewer "
            "may receive it (a start for a new version)", responses={**READ, **answers(403, 404)})
def packaged_yaml(name: Annotated[str, PathParam(max_length=NAME)], who: Who) -> Response:
    if name not in packaged.scenario_names():
        raise HTTPException(404, f"no packaged scenario '{name}'; valid: "
                            f"{', '.join(packaged.scenario_names())}")
    try:
        text = visible_yaml(packaged.scenario_text(name), who)
    except Forbidden as exc:
        raise _forbidden(exc) from None
    return Response(text, media_type="application/yaml")


@router.post("/api/versions", status_code=201, summary="Save a scenario as a version (planner) "
             "or propose a change to your nation's pledges (national representative)",
             responses={**READ, **answers(400, 403, 404, 413), **INVALID})
def save(req: VersionRequest, request: Request, who: Who) -> Any:
    store = _store(request)
    try:
        may_change(who, [])
        if req.parent is not None:
            visible_version(store, req.parent, who)  # 404 before any other check
        if who.role is Role.NATIONAL:
            return _propose(store, req, who)
    except Forbidden as exc:
        raise _forbidden(exc) from None
    refused = _refused(req.yaml)
    if refused is not None:
        return refused
    v = store.save_version(req.name, req.yaml, author=_author(who), role=who.role.value,
                           note=req.note, parent=req.parent)
    return version_view(v, who)


def _propose(store: Store, req: VersionRequest, who: Viewer) -> Any:
    """A representative's edit, checked against what they were shown of the parent and put
    into its full text, saved as a proposal."""
    if req.parent is not None:
        parent = visible_version(store, req.parent, who)[0].yaml
    elif req.name in packaged.scenario_names():
        parent = packaged.scenario_text(req.name)
    else:
        raise Forbidden(f"a national representative proposes changes to a saved version "
                        f"(parent) or a packaged scenario ({', '.join(packaged.scenario_names())})")
    refused = _refused(req.yaml)
    if refused is not None:
        return refused
    mine = own_pledges(who)
    if who.nation not in {n["nation"] for n in nations_form(parent)}:
        raise Forbidden(f"{who.nation} is not among this scenario's nations; a planner adds a "
                        "nation, then its representative proposes its pledges")
    may_change(who, changed_outside(visible_yaml(parent, who), req.yaml, mine))
    merged = with_part(parent, req.yaml, mine)
    refused = _refused(merged)
    if refused is not None:
        return refused
    v = store.save_version(req.name, merged, author=_author(who), role=who.role.value,
                           note=req.note, parent=req.parent, nation=who.nation,
                           status="proposed")
    return version_view(v, who)


@router.get("/api/versions", summary="Saved versions and proposals, newest first, as the "
            "viewer may see them (no text: open one for it)", responses=READ)
def versions(request: Request, who: Who,
             name: Annotated[str | None, Query(max_length=NAME)] = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    out = []
    for v in _store(request).versions(name, limit):
        view = version_view(v, who, text=False)
        if view is not None:
            out.append(view)
    return out


@router.get("/api/versions/{version_id}", summary="One version with its text (as the viewer "
            "may receive it) and what it changed", responses={**READ, **answers(404)})
def version(version_id: VersionId, request: Request, who: Who) -> dict[str, Any]:
    return visible_version(_store(request), version_id, who)[1]


@router.get("/api/versions/{version_id}/download", summary="A version's YAML file (download)",
            responses={**READ, **answers(403, 404)})
def download(version_id: VersionId, request: Request, who: Who) -> Response:
    v, _view = visible_version(_store(request), version_id, who)
    try:
        text = visible_yaml(v.yaml, who)
    except Forbidden as exc:
        raise _forbidden(exc) from None
    return Response(text, media_type="application/yaml", headers={
        "Content-Disposition": f'attachment; filename="{v.name}-v{v.id}.yaml"'})


def _decide(version_id: int, request: Request, who: Viewer, accept: bool) -> dict[str, Any]:
    if who.role is not Role.PLANNER:
        raise HTTPException(403, f"only a coalition planner accepts or rejects proposals; a "
                            f"{who.role.value} may not")
    store = _store(request)
    visible_version(store, version_id, who)
    try:
        v = store.decide(version_id, accept, author=_author(who), role=who.role.value)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return v.to_dict()


@router.post("/api/versions/{version_id}/accept", summary="Accept a proposal: it becomes a new "
             "version (planner)", responses={**READ, **answers(400, 403, 404)})
def accept(version_id: VersionId, request: Request, who: Who) -> dict[str, Any]:
    return _decide(version_id, request, who, True)


@router.post("/api/versions/{version_id}/reject", summary="Reject a proposal (planner)",
             responses={**READ, **answers(400, 403, 404)})
def reject(version_id: VersionId, request: Request, who: Who) -> dict[str, Any]:
    return _decide(version_id, request, who, False)


__all__ = ["BODY_LIMITS", "MAX_BODY_BYTES", "problems", "router"]
