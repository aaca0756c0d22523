"""``invoke`` (the test queries' data plane) on every platform: the emulator's canned answer comes
back as the container sent it, and a container error is an :class:`core.adapter.InvokeResult` with
the container's status and message, never an exception."""

import json

from core.spec_policy import TestQuery
from tests.support.stepping import rollout

QUERY = TestQuery(payload={"instances": [[1.0, 2.0]]})
"""A JSON payload every platform sends as it is (Vertex AI: through Predict)."""
RAW = TestQuery(payload="x", content_type="text/plain")
"""A text payload (Vertex AI: through rawPredict)."""


def test_invoke_answers_the_prediction(env):
    adapter, spec = env.adapter(), env.spec("contract-invoke")
    rollout(adapter, spec)
    env.emulator.control.set_prediction(spec.name, body={"predictions": [0.25, 0.75]})
    answer = adapter.invoke(spec.name, QUERY, timeout=10)
    assert answer.status == 200, answer
    assert json.loads(answer.body)["predictions"] == [0.25, 0.75]
    assert answer.variant in {v.name for v in spec.variants}


def test_container_error_is_an_invoke_result(env):
    adapter, spec = env.adapter(), env.spec("contract-invoke-error")
    rollout(adapter, spec)
    env.emulator.control.set_prediction(spec.name, status=400, body="bad instance shape")
    answer = adapter.invoke(spec.name, QUERY, timeout=10)
    assert answer.status == 400 and b"bad instance shape" in answer.body, answer
    answer = adapter.invoke(spec.name, RAW, timeout=10)
    assert (answer.status, answer.body) == (400, b"bad instance shape")
