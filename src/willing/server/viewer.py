"""The viewer a request speaks for, as a FastAPI dependency shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from willing.server.access import PLANNER, Viewer


async def current_viewer(request: Request, token: Annotated[str | None, Query(
        max_length=200,
        description="API token, for download links (else the Authorization header)")] = None) -> Viewer:
    """The viewer a request speaks for: by its bearer token, or the planner when the server has
    no users. A dictionary look-up, so it runs on the event loop (a sync dependency would take
    a worker thread per request)."""
    users: dict[str, Viewer] | None = request.app.state.users
    if users is None:
        return PLANNER
    auth = request.headers.get("authorization", "")
    key = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else token
    if not key or key not in users:
        raise HTTPException(401, "unknown or missing token (Authorization: Bearer <token>)")
    return users[key]


Who = Annotated[Viewer, Depends(current_viewer)]
