"""The service's bounds: request size, the job queue and what each role may start.

Defaults suit one server of 2 cores shared by a coalition's planners and national
representatives; `willing serve --limits limits.yaml` changes any of them:

```yaml
max_body_bytes: 65536        # larger request bodies are refused (413)
max_queued_jobs: 8           # queued and running jobs of all users together (429 beyond)
roles:
  national: {max_draws: 200000, max_active_jobs: 1}
```

A role's quota caps the Monte Carlo draws of one stress job (422 beyond) and how many jobs one
user (token) may have queued or running at once (429 beyond). Fields left out keep their
defaults. The bounds on single values (ids, counts, text lengths) are part of the API's schema
and listed in docs/service.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML, YAMLError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from willing.server.access import Role

MAX_ID = 2**31 - 1
"""Largest run or ledger id: the store's id columns are 32-bit integers on PostgreSQL."""
MAX_DRAWS = 10_000_000
"""Largest stress job any role may start (about a minute per million draws on 2 cores)."""


class RoleQuota(BaseModel):
    """What one user of a role may start."""

    model_config = ConfigDict(extra="forbid")

    max_draws: int = Field(ge=0, le=MAX_DRAWS, description="draws of one stress job")
    max_active_jobs: int = Field(ge=0, le=100, description="jobs queued or running at once")


DEFAULT_QUOTAS: dict[Role, RoleQuota] = {
    Role.PLANNER: RoleQuota(max_draws=MAX_DRAWS, max_active_jobs=4),
    Role.NATIONAL: RoleQuota(max_draws=200_000, max_active_jobs=1),
    Role.OBSERVER: RoleQuota(max_draws=0, max_active_jobs=0),
}
"""Assumption: a national representative checks a plan, the coalition's planners run the long
stress studies; 200,000 draws give coverage percentiles to about ±0.1 point."""


class Limits(BaseModel):
    """The service's configurable bounds (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    max_body_bytes: int = Field(65_536, ge=1024, le=16 * 2**20, description="request body size")
    max_queued_jobs: int = Field(8, ge=1, le=1000, description="jobs queued or running, all users")
    roles: dict[Role, RoleQuota] = Field(default_factory=lambda: dict(DEFAULT_QUOTAS))

    def quota(self, role: Role) -> RoleQuota:
        """The role's quota; a role the configuration leaves out keeps its default."""
        return self.roles.get(role, DEFAULT_QUOTAS[role])


def load_limits(path: Path) -> Limits:
    """Limits from a YAML file over the defaults; a bad value names the file, line and field."""
    try:
        doc = YAML().load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ValueError(f"cannot read the limits file {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a mapping of max_body_bytes, max_queued_jobs, roles")
    defaults = {r.value: q.model_dump() for r, q in DEFAULT_QUOTAS.items()}
    roles = doc.get("roles") or {}
    if isinstance(roles, dict):  # a role's fields left out keep their defaults
        roles = {**defaults, **{k: {**defaults.get(k, {}), **v} if isinstance(v, dict) else v
                                for k, v in roles.items()}}
    merged = {**doc, "roles": roles}
    try:
        return Limits.model_validate(merged)
    except ValidationError as exc:
        raise ValueError("; ".join(f"{path}:{_line(doc, e['loc'])}: {'.'.join(map(str, e['loc']))}: "
                                   f"{e['msg']}" for e in exc.errors())) from None


def _line(doc: Any, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest key of `loc` found in the file (ruamel keeps positions)."""
    line, node = 1, doc
    for key in loc:
        if not (isinstance(node, dict) and key in node and hasattr(node, "lc")):
            break
        line = node.lc.key(key)[0] + 1
        node = node[key]
    return line


class BodyLimit:
    """ASGI middleware answering 413 to a request body over `max_bytes`, before any route reads
    it: by its Content-Length when declared, else by counting the chunks as they arrive (request
    bodies here are small JSON documents, so holding them until the end costs nothing).
    `routes` gives the paths that take larger bodies (a text to read) their own bound."""

    def __init__(self, app: ASGIApp, max_bytes: int, routes: dict[str, int] | None = None) -> None:
        self.app, self.default, self.routes = app, max_bytes, routes or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.routes.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if len(declared) > 12 or (declared.isdigit() and int(declared) > limit):
            await self._refuse(limit, scope, receive, send)
            return
        messages: list[Message] = []
        size, more = 0, True
        while more:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            more = message["type"] == "http.request" and message.get("more_body", False)
            if size > limit:
                await self._refuse(limit, scope, receive, send)
                return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse({"detail": f"request body over {limit:,} bytes; this server "
                                      "accepts at most that (see max_body_bytes in docs/service.md)"},
                           status_code=413)(scope, receive, send)


__all__ = ["DEFAULT_QUOTAS", "MAX_DRAWS", "MAX_ID", "BodyLimit", "Limits", "RoleQuota", "load_limits"]
