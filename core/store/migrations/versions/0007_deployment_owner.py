"""Ownership: each deployment's owner uid, the stamp on every provider resource made for it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

Written by hand; ``tests/store`` checks that the migrated schema equals ``core.store.models``.
Existing deployments get a fresh uid each. Their provider resources carry no owner stamp yet:
core.ownership treats an endpoint without one as the deployment's when it carries a revision
stamp of one of the deployment's stored revisions, and the next write adds the owner stamp.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deployments", sa.Column("owner", sa.String(32), nullable=True))
    deployments = sa.table("deployments", sa.column("name", sa.String(63)), sa.column("owner", sa.String(32)))
    bind = op.get_bind()
    for (name,) in bind.execute(sa.select(deployments.c.name)).all():
        bind.execute(sa.update(deployments).where(deployments.c.name == name).values(owner=uuid.uuid4().hex))


def downgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("owner")
