"""Shared fixtures: a throwaway PostgreSQL (session), the three emulators (session, reset per test),
a running API over either database backend."""

from __future__ import annotations

import pytest

from tests.support.pg_fixtures import postgres_server, postgres_url  # noqa: F401


@pytest.fixture(scope="session")
def sagemaker_emulator_session():
    from emulators.sagemaker.server import SageMakerEmulator

    with SageMakerEmulator(progression={"progression": "manual", "times": 1}) as emulator:
        yield emulator


def _reset(emulator):
    """Drop state, faults and failures; one lifecycle step per read."""
    emulator.control.reset()
    emulator.control.set_progression("manual", times=1)


def _fresh(emulator):
    _reset(emulator)
    yield emulator
    _reset(emulator)


@pytest.fixture
def sm(sagemaker_emulator_session):
    """The session's SageMaker emulator, reset before and after the test."""
    yield from _fresh(sagemaker_emulator_session)


@pytest.fixture(scope="session")
def vertex_emulator_session():
    from emulators.vertex.server import VertexEmulator

    with VertexEmulator(progression={"progression": "manual", "times": 1}) as emulator:
        yield emulator


@pytest.fixture
def vx(vertex_emulator_session):
    """The session's Vertex AI emulator, reset before and after the test."""
    yield from _fresh(vertex_emulator_session)


@pytest.fixture(scope="session")
def azureml_emulator_session():
    from emulators.azureml.server import AzureMLEmulator

    with AzureMLEmulator(progression={"progression": "manual", "times": 1}) as emulator:
        yield emulator


@pytest.fixture
def az(azureml_emulator_session):
    """The session's Azure ML emulator, reset before and after the test."""
    yield from _fresh(azureml_emulator_session)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """None (the embedded SQLite default) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def api(sm, tmp_path, database_url):
    from tests.support.api_server import running_api

    with running_api(tmp_path, emulator_url=sm.url, database_url=database_url) as client:
        yield client


@pytest.fixture
def vertex_api(vx, tmp_path, database_url):
    """The API in sandbox mode against the Vertex AI emulator."""
    from tests.support.api_server import running_api

    with running_api(tmp_path, platforms={"vertex": {"url": vx.url}}, database_url=database_url) as client:
        yield client


@pytest.fixture
def azureml_api(az, tmp_path, database_url):
    """The API in sandbox mode against the Azure ML emulator."""
    from tests.support.api_server import running_api

    platforms = {"azureml": {"url": az.url, "ca_file": str(az.ca_file)}}
    with running_api(tmp_path, platforms=platforms, database_url=database_url) as client:
        yield client
