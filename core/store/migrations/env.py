"""Alembic environment of the store.

At start-up ``core.store.migrate.upgrade`` passes an open connection (inside a transaction it owns)
in ``config.attributes["connection"]``; migrations then run in that transaction. From the alembic
CLI (developers), the URL comes from ``DEPLOY_ANYWHERE_DATABASE_URL`` or ``sqlalchemy.url``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection

from core.store.db import make_engine, normalize_url
from core.store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def _url() -> str:
    url = os.environ.get("DEPLOY_ANYWHERE_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set DEPLOY_ANYWHERE_DATABASE_URL (or sqlalchemy.url) to run alembic")
    return url


def run_offline() -> None:
    context.configure(
        url=normalize_url(_url()).render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
