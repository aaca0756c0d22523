"""Check coverage: each check's unobserved paths, and the deployment's current (merged) drift.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Written by hand; ``tests/store`` checks that the migrated schema equals ``core.store.models``.
Existing deployments start with no current drift: their next check fills it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("deployments", sa.Column("drift", _json(), nullable=True))
    op.add_column("check_results", sa.Column("unobserved", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("check_results") as batch:
        batch.drop_column("unobserved")
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("drift")
