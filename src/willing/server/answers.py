"""What every router shares about requests: the longest name, and the 4xx answers it documents
in the OpenAPI schema (each route lists the codes it can give)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

NAME = 80
"""Longest id or name in a request (scenario, state, force option, nation, pledge, capability)."""

Name = Annotated[str, Field(min_length=1, max_length=NAME)]


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the 4xx a route can give (422 FastAPI documents itself)."""
    return {code: {"model": Problem, "description": ANSWERS[code]} for code in codes}


ANSWERS = {
    400: "the request names something the scenario or catalogue does not have",
    401: "unknown or missing token (when the server has users)",
    403: "the viewer's role may not do this",
    404: "no such run, job or scenario",
    413: "request body over the server's max_body_bytes",
    429: "the job queue, or the user's share of it, is full; retry when a job ends",
}
READ = answers(401)
"""Every route under /api needs a token when the server has users."""
