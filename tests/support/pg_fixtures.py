"""pytest fixtures for tests that need PostgreSQL (import them into a conftest.py).

* ``postgres_server`` (session): one :class:`PostgresServer` for the whole session, stopped at
  the end. If PostgreSQL cannot run here the tests are skipped with the reason, except when
  the environment variable ``CI`` is set (to anything but ``""``, ``0``, ``false``, ``no``):
  then they FAIL, so CI never silently skips the PostgreSQL tests. A server that is available
  but fails to start is always an error.
* ``postgres_url`` (function): a fresh, uniquely named database per test; yields its
  SQLAlchemy URL and drops it afterwards (remaining connections are terminated).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresServer, postgres_available

__all__ = ["in_ci", "postgres_server", "postgres_url", "require_postgres"]


def in_ci() -> bool:
    """True when the environment variable CI is set to a true-ish value."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_postgres() -> None:
    """Return if PostgreSQL can run here; otherwise fail the test in CI, skip it elsewhere."""
    ok, reason = postgres_available()
    if not ok:
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI but unavailable: {reason}", pytrace=False)
        pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running throwaway PostgreSQL server, shared by the test session."""
    require_postgres()
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL of a new empty database, dropped after the test."""
    stem = re.sub(r"[^a-z0-9_]+", "_", request.node.name.lower()).strip("_")[:40]
    name = f"t_{stem}_{uuid.uuid4().hex[:8]}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)
