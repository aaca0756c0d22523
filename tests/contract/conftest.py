import pytest

from tests.contract.envs import ENVS, SageMakerEnv


@pytest.fixture(params=ENVS)
def env(request):
    if request.param == "sagemaker":
        e = SageMakerEnv(request.getfixturevalue("sm"))
    elif request.param == "vertex":
        from tests.contract.env_vertex import VertexEnv

        e = VertexEnv(request.getfixturevalue("vx"))
    elif request.param == "azureml":
        from tests.contract.env_azureml import AzureMLEnv

        e = AzureMLEnv(request.getfixturevalue("az"))
    else:  # pragma: no cover - platforms join here
        raise AssertionError(request.param)
    yield e
