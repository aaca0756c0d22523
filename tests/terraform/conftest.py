"""Fixtures of the Terraform provider tests: the terraform binary (skip when absent), one provider
``--dev`` process per session, one service per module against the three emulators."""

from __future__ import annotations

import itertools

import pytest

from tests.terraform.support import TERRAFORM, Workspace, dev_provider

needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="the terraform binary is not on PATH "
                                     "(install Terraform >= 1.5 to run the provider's end-to-end tests)")


PROVIDER_OUTPUT: list[str] = []
"""Everything the session's provider process printed (stdout and stderr), line by line."""


@pytest.fixture(scope="session")
def reattach():
    """``TF_REATTACH_PROVIDERS`` of the session's one provider process."""
    if TERRAFORM is None:
        pytest.skip("the terraform binary is not on PATH")
    with dev_provider(output=PROVIDER_OUTPUT) as value:
        yield value


def _reset(*emulators):
    for emulator in emulators:
        emulator.control.reset()
        emulator.control.set_progression("manual", times=1)


@pytest.fixture(scope="module")
def service(tmp_path_factory, sagemaker_emulator_session, vertex_emulator_session, azureml_emulator_session):
    """The real API in sandbox mode against all three emulators, shared by a module's tests (each
    test uses its own deployment names)."""
    from tests.support.api_server import running_api

    emulators = (sagemaker_emulator_session, vertex_emulator_session, azureml_emulator_session)
    _reset(*emulators)
    platforms = {"sagemaker": {"url": sagemaker_emulator_session.url},
                 "vertex": {"url": vertex_emulator_session.url},
                 "azureml": {"url": azureml_emulator_session.url,
                             "ca_file": str(azureml_emulator_session.ca_file)}}
    with running_api(tmp_path_factory.mktemp("service"), platforms=platforms) as client:
        yield client
    _reset(*emulators)


def token_of(client) -> str | None:
    header = client.headers.get("Authorization")
    return header.split(" ", 1)[1] if header else None


_counter = itertools.count()


@pytest.fixture
def workspace(tmp_path, service, reattach):
    """A terraform working directory wired to the module's service and the session's provider."""
    return Workspace(tmp_path / f"tf{next(_counter)}", endpoint=str(service.base_url), token=token_of(service),
                     reattach=reattach)
