"""Scenario versions: scenarios saved from the builder page, with who, when, why and what changed.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenario_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("yaml", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("scenario_versions.id")),
        sa.Column("nation", sa.String(3)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
    )
    op.create_index("ix_scenario_versions_name", "scenario_versions", ["name"])


def downgrade() -> None:
    op.drop_table("scenario_versions")
