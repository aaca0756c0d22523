"""Engine construction: URL normalisation, SQLite pragmas and transaction mode, UTC datetimes, JSON.

Contracts:

- ``normalize_url`` accepts ``sqlite:///path``, a bare filesystem path (taken as a SQLite file),
  ``postgres://``, ``postgresql://`` and ``postgresql+psycopg://``; PostgreSQL URLs are rewritten to
  the psycopg 3 driver.
- ``make_engine`` returns an engine where, on SQLite, every connection runs with WAL journal,
  ``busy_timeout`` 5000 ms and foreign keys on, and transactions are real ``BEGIN`` statements that
  SQLAlchemy issues itself (so DDL is transactional and writers can ask for ``BEGIN IMMEDIATE`` via
  the :data:`SQLITE_IMMEDIATE` execution option). The parent directory of a SQLite file is created.
- :class:`UTCDateTime` stores timezone-aware datetimes and always reads back timezone-aware UTC,
  on every dialect (SQLite has no time zone support; values are stored as naive UTC there).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.types import TypeDecorator

__all__ = [
    "SQLITE_IMMEDIATE",
    "JSONType",
    "UTCDateTime",
    "make_engine",
    "normalize_url",
    "utcnow",
]

#: Execution option: on SQLite, open the transaction with ``BEGIN IMMEDIATE`` (take the write lock
#: up front, so read-then-write sequences cannot interleave with another writer).
SQLITE_IMMEDIATE = "deploy_anywhere_sqlite_immediate"

SQLITE_BUSY_TIMEOUT_MS = 5000

#: JSON everywhere, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that only accepts aware datetimes and reads back aware UTC.

    Naive datetimes are rejected on write (``ValueError``): a naive value is ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must be timezone-aware")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            # SQLite stores text without an offset; store UTC, re-attach it on read.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def normalize_url(url: str | URL) -> URL:
    """Parse ``url`` and pin the driver: psycopg 3 for PostgreSQL, pysqlite for SQLite."""
    if isinstance(url, str) and "://" not in url:
        url = f"sqlite:///{url}"
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        if parsed.drivername in ("postgres", "postgresql"):
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}: use sqlite or postgresql")
    return parsed


def _sqlite_file(url: URL) -> Path | None:
    """The file path of a file-backed SQLite URL, ``None`` for in-memory databases."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(database)


def _enable_wal(cursor: Any) -> None:
    """Switch to WAL (persistent in the file). Switching takes an exclusive lock without consulting
    the busy handler, so replicas opening a brand-new file at once retry here, within the timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not the pysqlite driver) emit BEGIN, see ``_on_begin``.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            _enable_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """Create the engine for ``url`` (see module docstring for the per-dialect set-up)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            path.resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _install_sqlite_hooks(engine)
        return engine
    return create_engine(parsed, echo=echo, pool_pre_ping=True)
