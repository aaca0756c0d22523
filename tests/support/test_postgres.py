"""Tests of the throwaway PostgreSQL server and its pytest fixtures."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support import pg_fixtures
from tests.support.pg_fixtures import postgres_server, postgres_url  # noqa: F401
from tests.support.postgres import (
    PostgresServer,
    PostgresStartError,
    find_pg_bin,
    postgres_available,
)

pytestmark = pytest.mark.postgres


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_binaries_found() -> None:
    pg_fixtures.require_postgres()  # skip / fail (CI) like the fixtures do
    ok, reason = postgres_available()
    assert ok, reason
    initdb = find_pg_bin("initdb")
    assert initdb and Path(initdb).is_absolute()
    assert find_pg_bin("no-such-postgres-program") is None


def test_lifecycle_two_databases() -> None:
    pg_fixtures.require_postgres()
    server = PostgresServer()
    began = time.monotonic()
    server.start()
    startup = time.monotonic() - began
    directory, port = server.directory, server.port
    try:
        assert startup < 15, f"start took {startup:.1f}s"
        assert directory is not None and directory.is_dir()
        assert port_open(port)
        url_a = server.create_database("alpha")
        url_b = server.create_database("beta")
        assert url_a == f"postgresql+psycopg://postgres@127.0.0.1:{port}/alpha"
        assert url_b == f"{server.url_base}/beta"

        engine_a, engine_b = create_engine(url_a), create_engine(url_b)
        with engine_a.begin() as conn:
            conn.execute(text("CREATE TABLE items (id int PRIMARY KEY, name text)"))
            conn.execute(text("INSERT INTO items VALUES (1, 'one'), (2, 'two')"))
        with engine_a.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM items")).scalar_one() == 2
            assert conn.execute(text("SHOW max_connections")).scalar_one() == "200"
            assert conn.execute(text("SHOW fsync")).scalar_one() == "off"
        with engine_b.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar_one() == "beta"
            exists = conn.execute(text("SELECT to_regclass('items') IS NOT NULL")).scalar_one()
            assert exists is False  # databases are isolated

        # engine_a still holds a pooled connection: drop must terminate it
        server.drop_database("alpha")
        engine_b.dispose()
        server.drop_database("beta")
        engine_a.dispose()
        admin = create_engine(f"{server.url_base}/postgres")
        with admin.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database")).scalars().all()
        admin.dispose()
        assert "alpha" not in names and "beta" not in names
        server.drop_database("alpha")  # already gone: no error
    finally:
        server.stop()
    assert not port_open(port)
    assert not directory.exists()
    assert not server.started
    server.stop()  # idempotent


def test_context_manager_and_name_check() -> None:
    pg_fixtures.require_postgres()
    with PostgresServer() as server:
        directory = server.directory
        with pytest.raises(ValueError):
            server.create_database('x"; DROP DATABASE postgres; --')
        with pytest.raises(RuntimeError):
            server.start()
    assert directory is not None and not directory.exists()
    with pytest.raises(RuntimeError):
        _ = server.port


class _BrokenServer(PostgresServer):
    settings = {**PostgresServer.settings, "shared_buffers": "not-a-size"}
    seen: list[Path] = []

    def _initdb(self) -> None:
        assert self.directory is not None
        self.seen.append(self.directory)
        super()._initdb()


def test_start_failure_reports_log_tail_and_cleans_up() -> None:
    pg_fixtures.require_postgres()
    server = _BrokenServer()
    with pytest.raises(PostgresStartError) as info:
        server.start()
    assert "shared_buffers" in str(info.value)
    assert "server log tail" in str(info.value)
    assert not server.started
    assert _BrokenServer.seen and not _BrokenServer.seen[-1].exists()


def test_postgres_url_fixture(postgres_url: str) -> None:  # noqa: F811
    assert postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x int)"))
        conn.execute(text("INSERT INTO t VALUES (41)"))
        assert conn.execute(text("SELECT x + 1 FROM t")).scalar_one() == 42
    engine.dispose()


def test_postgres_url_is_fresh_per_test(postgres_url: str) -> None:  # noqa: F811
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('t') IS NULL")).scalar_one() is True
    engine.dispose()


def test_unavailable_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_fixtures, "postgres_available", lambda: (False, "no binaries"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no binaries"):
        pg_fixtures.require_postgres()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI.*no binaries"):
        pg_fixtures.require_postgres()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        pg_fixtures.require_postgres()
