"""Initial schema: deployments, revisions, operations, check_results.

Revision ID: 0001
Revises:
Create Date: 2024-11-22

Written by hand; ``tests/store`` checks that the migrated schema equals ``core.store.models``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = sa.String(63)
REV = sa.String(64)
ID = sa.String(32)
SHORT = sa.String(32)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("name", NAME, nullable=False),
        sa.Column("platform", SHORT, nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("revision", REV, nullable=False),
        sa.Column("generation", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("health", SHORT, server_default="unknown", nullable=False),
        sa.Column("sync", SHORT, server_default="unknown", nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("provider_ids", _json(), nullable=False),
        sa.Column("observed_at", _ts(), nullable=True),
        sa.Column("current_operation_id", ID, nullable=True),
        sa.Column("deleting", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_deployments")),
    )

    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_name", NAME, nullable=False),
        sa.Column("revision", REV, nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_name"],
            ["deployments.name"],
            name=op.f("fk_revisions_deployment_name_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("deployment_name", "revision", name=op.f("uq_revisions_deployment_name_revision")),
    )
    op.create_index(op.f("ix_revisions_deployment_name"), "revisions", ["deployment_name"])

    op.create_table(
        "operations",
        sa.Column("id", ID, nullable=False),
        sa.Column("deployment_name", NAME, nullable=False),
        sa.Column("kind", SHORT, nullable=False),
        sa.Column("revision", REV, nullable=True),
        sa.Column("state", SHORT, nullable=False),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("phase", SHORT, nullable=False),
        sa.Column("progress", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("error", _json(), nullable=True),
        sa.Column("result", _json(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
    )
    op.create_index(
        "ix_operations_deployment_name_created_at", "operations", ["deployment_name", "created_at"]
    )
    op.create_index("ix_operations_state", "operations", ["state"])

    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_name", NAME, nullable=False),
        sa.Column("mode", SHORT, nullable=False),
        sa.Column("health", SHORT, nullable=False),
        sa.Column("sync", SHORT, nullable=False),
        sa.Column("revision_expected", REV, nullable=True),
        sa.Column("revision_live", REV, nullable=True),
        sa.Column("drift", _json(), nullable=False),
        sa.Column("error", _json(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("checked_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
    )
    op.create_index(
        "ix_check_results_deployment_name_checked_at", "check_results", ["deployment_name", "checked_at"]
    )
    op.create_index("ix_check_results_checked_at", "check_results", ["checked_at"])


def downgrade() -> None:
    op.drop_table("check_results")
    op.drop_table("operations")
    op.drop_table("revisions")
    op.drop_table("deployments")
