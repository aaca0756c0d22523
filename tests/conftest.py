"""Shared fixtures: a throwaway PostgreSQL (session); for every platform of the registry
(tests/platforms.py) its emulator (session, reset per test) and a running API against it, over either
database backend."""

from __future__ import annotations

import pytest

from core.targets import PLATFORMS
from tests.platforms import NAMES, emulator_fixture, load, session_fixture
from tests.support.pg_fixtures import postgres_server, postgres_url  # noqa: F401


def _reset(emulator):
    """Drop state, faults and failures; one lifecycle step per read."""
    emulator.control.reset()
    emulator.control.set_progression("manual", times=1)


def _emulator_fixtures(platform: str) -> None:
    """``<platform>_emulator_session``, ``<platform>_emulator`` and ``<platform>_api`` (see
    tests/platforms.py), for one platform of the registry."""
    entry = PLATFORMS[platform]

    @pytest.fixture(scope="session", name=session_fixture(platform))
    def session_emulator():
        with load(entry.emulator)(progression={"progression": "manual", "times": 1}) as emulator:
            yield emulator
    session_emulator.__doc__ = f"The session's {entry.title} emulator (not reset per test)."

    @pytest.fixture(name=emulator_fixture(platform))
    def emulator(request):
        running = request.getfixturevalue(session_fixture(platform))
        _reset(running)
        yield running
        _reset(running)
    emulator.__doc__ = f"The session's {entry.title} emulator, reset before and after the test."

    @pytest.fixture(name=f"{platform}_api")
    def api(request, tmp_path, database_url):
        from tests.support.api_server import emulator_entry, running_api

        running = request.getfixturevalue(emulator_fixture(platform))
        with running_api(tmp_path, platforms={platform: emulator_entry(running)},
                         database_url=database_url) as client:
            yield client
    api.__doc__ = f"The API in sandbox mode against the {entry.title} emulator, on either database."

    globals().update({session_fixture(platform): session_emulator, emulator_fixture(platform): emulator,
                      f"{platform}_api": api})


for _platform in NAMES:
    _emulator_fixtures(_platform)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """None (the embedded SQLite default) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")

