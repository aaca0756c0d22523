import pytest

from tests.contract.envs import EMULATOR_FIXTURES, ENVS, make_env


@pytest.fixture(params=ENVS)
def env(request):
    """Each platform's contract environment around its emulator (reset per test)."""
    yield make_env(request.param, request.getfixturevalue(EMULATOR_FIXTURES[request.param]))
