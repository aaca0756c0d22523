import pytest

from tests.contract.envs import ENVS, SageMakerEnv


@pytest.fixture(params=ENVS)
def env(request):
    if request.param == "sagemaker":
        e = SageMakerEnv(request.getfixturevalue("sm"))
    else:  # pragma: no cover - platforms join here
        raise AssertionError(request.param)
    yield e
