"""Alembic's entry point for the packaged migrations: they run on the connection the store
hands over (`willing.migrations.upgrade`), never on a URL of their own."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the run store's migrations run through willing.migrations.upgrade(engine), "
                       "which opens the store; e.g. `willing runs list --db URL`")
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
