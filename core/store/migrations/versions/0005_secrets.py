"""Secrets: encrypted secret values (service secrets and a deployment's literal secrets), the
fingerprints of the values a deploy resolved from secret stores, and the fingerprint key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Written by hand; ``tests/store`` checks that the migrated schema equals ``core.store.models``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "secrets",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(63), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "owner", "name", name=op.f("pk_secrets")),
    )
    op.add_column("deployments", sa.Column("secret_fingerprints", _json(), nullable=True))


def downgrade() -> None:
    op.drop_column("deployments", "secret_fingerprints")
    op.drop_table("secrets")
