"""Fixtures of the store tests: an empty database (a SQLite file, or a fresh PostgreSQL database
when marked ``postgres``) and a migrated store on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.store import Store

__all__ = ["db_url", "store"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file (its parent dirs do not exist yet) or a fresh PostgreSQL db."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/nested/dir/state.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store on ``db_url``, disposed after the test."""
    s = Store(db_url)
    s.migrate()
    try:
        yield s
    finally:
        s.dispose()
