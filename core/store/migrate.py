"""Programmatic Alembic: upgrade to head at start-up, and compare the live schema with the models.

No ``alembic.ini`` is needed at runtime: the :class:`~alembic.config.Config` is built in code with
``script_location`` pointing at this package's ``migrations`` folder, so it works from an installed
distribution.

Contracts:

- :func:`upgrade` is idempotent (running it on an up-to-date database changes nothing) and runs all
  pending migrations in ONE transaction (transactional DDL on both SQLite and PostgreSQL).
- Several replicas may call it at once: on PostgreSQL a transaction-scoped advisory lock serialises
  them, on SQLite ``BEGIN IMMEDIATE`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from core.store.db import SQLITE_IMMEDIATE
from core.store.models import Base

__all__ = ["MIGRATIONS_DIR", "alembic_config", "upgrade", "current_revision", "head_revision", "schema_diff"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Arbitrary constant key of the PostgreSQL advisory lock taken while migrating.
_PG_MIGRATION_LOCK = 0x6465706C6F79  # "deploy"


def alembic_config() -> Config:
    """An Alembic config built in code (no ini file) pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Upgrade the database behind ``engine`` to the newest revision (idempotent)."""
    cfg = alembic_config()
    with engine.connect().execution_options(**{SQLITE_IMMEDIATE: True}) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` before the first migration)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the live schema and :mod:`core.store.models` (empty when they match).

    Uses Alembic's autogenerate comparison (tables, columns, types, nullability, indexes,
    constraints); the ``alembic_version`` table is ignored.
    """
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))
