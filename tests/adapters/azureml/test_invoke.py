"""``invoke`` with each auth mode Azure ML endpoints have (key, token, Entra ID), against the
emulator: the adapter fetches the endpoint's credentials and its scoring request is answered by
one of the spec's variants. (The contract suite covers invoke's answers and container errors.)"""

import pytest

from core.spec_policy import TestQuery
from tests.adapters.azureml.support import adapter_for
from tests.corpus import corpus
from tests.support.stepping import submit_all

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CORPUS = corpus("azureml")


def test_invoke_with_each_auth_mode(azureml_emulator):
    for name in ("minimal-key", "canary", "iam-custom-routes"):
        spec = CORPUS[name]
        adapter = adapter_for(azureml_emulator, spec.target)
        submit_all(adapter, adapter.to_request(spec))
        result = adapter.invoke(spec.name, TestQuery(payload={"x": [1]}), timeout=5)
        assert result.status == 200, (name, result)
        assert result.variant in {v.name for v in spec.variants}
