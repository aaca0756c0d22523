"""Scheduled checks and events: per-deployment check clocks and drift streak, the check's JSON Patch
and trigger, and the events table (health/sync transitions delivered to webhooks).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("deployments", sa.Column("basic_checked_at", _ts(), nullable=True))
    op.add_column("deployments", sa.Column("full_checked_at", _ts(), nullable=True))
    op.add_column("deployments", sa.Column("drift_streak", sa.Integer(), server_default=sa.text("0"),
                                           nullable=False))
    op.add_column("check_results", sa.Column("patch", _json(), nullable=True))
    op.add_column("check_results", sa.Column("trigger", sa.String(32), server_default="manual", nullable=False))
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_name", sa.String(63), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("previous", sa.String(32), nullable=True),
        sa.Column("current", sa.String(32), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.Column("dispatched", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_created_at", "events", ["created_at"])
    op.create_index("ix_events_deployment_name_created_at", "events", ["deployment_name", "created_at"])
    op.create_index("ix_events_dispatched_id", "events", ["dispatched", "id"])


def downgrade() -> None:
    op.drop_table("events")
    with op.batch_alter_table("check_results") as batch:
        batch.drop_column("trigger")
        batch.drop_column("patch")
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("drift_streak")
        batch.drop_column("full_checked_at")
        batch.drop_column("basic_checked_at")
