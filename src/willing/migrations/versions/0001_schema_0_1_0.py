"""The schema of willing 0.1.0: runs with their tables and arrays, and the pledge ledger.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("command", sa.String(40), nullable=False),
        sa.Column("scenario_name", sa.String(200)),
        sa.Column("scenario_file", sa.String(500)),
        sa.Column("scenario_text", sa.Text),
        sa.Column("sha256", sa.String(64)),
        sa.Column("force_option", sa.String(40)),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("willing_version", sa.String(40), nullable=False),
        sa.Column("seconds", sa.Float),
        sa.Column("timings", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
    )
    op.create_index("ix_runs_command", "runs", ["command"])
    op.create_index("ix_runs_created", "runs", ["created"])
    op.create_index("ix_runs_sha256", "runs", ["sha256"])
    op.create_table(
        "pledge_ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recorded", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nation", sa.String(3), nullable=False),
        sa.Column("pledge", sa.String(80), nullable=False),
        sa.Column("capability", sa.String(80), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_pledge_ledger_pledge", "pledge_ledger", ["pledge"])
    op.create_index("ix_pledge_ledger_nation", "pledge_ledger", ["nation"])
    _run_part("run_tables", sa.Column("columns", sa.Text, nullable=False),
              sa.Column("n_rows", sa.Integer, nullable=False))
    _run_part("run_arrays", sa.Column("length", sa.Integer, nullable=False))


def _run_part(name: str, *columns: sa.Column) -> None:
    """A table of pieces of runs' results: id, run, path in the result, `columns`, data."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        *columns,
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index(f"ix_{name}_run_id", name, ["run_id"])


def downgrade() -> None:
    for table in ("run_arrays", "run_tables", "pledge_ledger", "runs"):
        op.drop_table(table)
