"""The run store's schema, created and upgraded by Alembic migrations shipped inside willing.

`upgrade(engine)` brings any store to the newest schema when it is opened: a new database gets
every migration in turn; a store written by willing 0.1.0, which predates migrations (its tables
exist but it has no `alembic_version` table), is recognised by its `runs` table and stamped at
the baseline migration, which reproduces that schema exactly, before the later ones are applied.
Users need no `alembic.ini`; a developer adds a migration under `versions/` (see
docs/service.md, "Schema migrations").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
BASELINE = "0001"
"""The migration that reproduces the schema of willing 0.1.0, the last version without them."""
HEAD = "0002"
"""The newest migration; a store already at it is opened without loading Alembic (start-up
time: importing Alembic costs more than opening the store). A test checks it is Alembic's head."""
VERSION_TABLE = "alembic_version"


def current(conn: Connection) -> str | None:
    """The store's migration, None for a store without one (new, or written by willing 0.1.0)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(engine: Engine) -> None:
    """Create or upgrade the store's schema to `HEAD` (see the module docstring)."""
    with engine.connect() as conn:
        if current(conn) == HEAD:
            return
    from alembic import command
    from alembic.util import CommandError

    with engine.begin() as conn:
        _lock(conn)
        found = current(conn)
        if found == HEAD:  # another process migrated it while this one waited for the lock
            return
        cfg = config(conn)
        try:
            if found is None and inspect(conn).has_table("runs"):
                command.stamp(cfg, BASELINE)
            command.upgrade(cfg, "head")
        except CommandError as exc:
            raise ValueError(f"the store is at schema migration '{found}', which this willing does "
                             f"not know (its newest is '{HEAD}'): it was written by a newer "
                             f"willing; upgrade willing to open it ({exc})") from None


LOCK_ID = 0x77696C6C
"""PostgreSQL advisory lock key of willing's migrations (the bytes of "will")."""


def _lock(conn: Connection) -> None:
    """Hold the store's write lock until the migration commits, so that processes opening a new
    store at the same moment migrate it one after the other (the later ones find it done)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to the busy_timeout for the lock
    elif conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_ID})"))


def config(conn: Connection) -> Config:
    """An Alembic configuration that runs the packaged migrations on `conn` (`env.py` reads it
    from `attributes`)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = conn
    return cfg


__all__ = ["BASELINE", "HEAD", "current", "upgrade"]
