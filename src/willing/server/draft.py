"""`POST /api/draft`: a statement in, the proposals it implies out (nothing is stored).

The body is bounded twice: the request's declared length is checked before the JSON is read,
and the text itself must be within `willing.draft.MAX_CHARS`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError

from willing.draft import MAX_CHARS, Draft, check_text, draft
from willing.scenario import ScenarioError, load_scenario, packaged
from willing.server.access import releasable
from willing.server.viewer import Who

MAX_BODY_BYTES = 4 * MAX_CHARS + 4096
"""Largest request body accepted (UTF-8 text of MAX_CHARS characters, JSON-quoted)."""

router = APIRouter()


class DraftRequest(BaseModel):
    """A text to read, and the scenario its proposals should change."""

    text: str = Field(description="The statement or news report (plain text).", max_length=MAX_CHARS)
    scenario: str | None = Field(None, description="Packaged scenario name (none: no caveats or conditions).")
    date: str | None = Field(None, description="Date of the statement, YYYY-MM-DD.",
                             pattern=r"^\d{4}-\d{2}-\d{2}$")
    source: str | None = Field(None, description="Public source (URL) of the text.", max_length=2000)


async def _bounded(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise HTTPException(413, f"request body of {int(length):,} bytes; at most "
                            f"{MAX_BODY_BYTES:,} (a text of up to {MAX_CHARS:,} characters)")


@router.post("/api/draft", summary="Proposals a statement or news report implies (ledger "
             "entries, conditions, caveats, new nations), each with its sentence",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": DraftRequest.model_json_schema()}}}})
async def draft_endpoint(request: Request, who: Who) -> dict[str, Any]:
    """The proposals, as releasable to `who`: a national representative gets those of its own
    nation (and none of another's, which would tell what the scenario holds for it)."""
    await _bounded(request)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"request body over {MAX_BODY_BYTES:,} bytes")
    try:
        req = DraftRequest.model_validate_json(body)
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, f"expected JSON {{\"text\": \"...\"}} (optional scenario, "
                            f"date, source): {where}") from None
    try:
        check_text(req.text)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    sc = None
    if req.scenario is not None:
        if req.scenario not in packaged.scenario_names():
            raise HTTPException(400, f"unknown scenario '{req.scenario}'; valid: "
                                f"{', '.join(packaged.scenario_names())}")
        try:
            sc = load_scenario(req.scenario)
        except ScenarioError as exc:
            raise HTTPException(400, "; ".join(p.render(exc.file) for p in exc.problems)) from None
    result = draft(req.text, sc, date=req.date, source=req.source)
    return dict(releasable(result.to_dict(), who, Draft.PARTS))


__all__ = ["MAX_BODY_BYTES", "router"]
