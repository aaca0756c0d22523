"""The database every repository shares: :class:`Database` (engine, sessions, transactions, row
locks), and engine construction: URL normalisation, SQLite pragmas and transaction mode, UTC
datetimes, JSON.

Contracts:

- :meth:`Database.tx` is one transaction (committed when the block ends, rolled back when it
  raises) on a fresh session; ``write=True`` takes SQLite's write lock up front (``BEGIN
  IMMEDIATE``), so read-then-write sequences cannot interleave with another writer.
  :meth:`Database.locked` adds ``FOR UPDATE`` to a select on PostgreSQL (SQLite's writer already
  holds the lock). Thread-safe: one engine and one ``sessionmaker`` per :class:`Database`.

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Database",
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


S = TypeVar("S", bound=Select[Any])


class Database:
    """One database (``url``: see :func:`normalize_url`): the engine and the transaction helpers
    every repository of :class:`core.store.Store` is given (module contracts)."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self._engine = make_engine(url, echo=echo)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (migrations, diagnostics and tests; repositories use :meth:`tx`)."""
        return self._engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @contextmanager
    def tx(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction; writers take SQLite's write lock up front (``BEGIN IMMEDIATE``)."""
        with self._sessions.begin() as session:
            if write and self.dialect == "sqlite":
                session.connection(execution_options={SQLITE_IMMEDIATE: True})
            yield session

    def locked(self, stmt: S) -> S:
        """``stmt`` with ``FOR UPDATE`` on PostgreSQL (SQLite already holds the write lock)."""
        return stmt.with_for_update() if self.dialect == "postgresql" else stmt

    def ping(self) -> bool:
        """True when the database answers a trivial query (readiness); never raises."""
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False

    def dispose(self) -> None:
        """Close all pooled connections."""
        self._engine.dispose()
