"""The round-trip property against the emulator, for the whole corpus:
to_live(describe(after submit(to_request(spec)))).config == spec.config (minus unobservable)."""

import pytest

from adapters.sagemaker.adapter import SageMakerAdapter
from core.checks.judge import judge
from core.checks.read import observe
from tests.corpus import corpus
from tests.support.aws_schema import validate_every_request
from tests.support.stepping import assert_round_trip, rollout

CORPUS = corpus("sagemaker")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_round_trip(name, sm):
    spec = CORPUS[name]
    adapter = SageMakerAdapter(spec.target, emulators={"sagemaker": {"url": sm.url}})
    for client in (adapter.sm, adapter.scaling, adapter.runtime):
        validate_every_request(client)
    assert_round_trip(adapter, spec)


def test_basic_check_of_unchanged_endpoint_is_one_describe(sm):
    spec = CORPUS["three-variants-autoscaled"]
    adapter = SageMakerAdapter(spec.target, emulators={"sagemaker": {"url": sm.url}})
    rollout(adapter, spec, finalize=False)
    calls = []
    for client in (adapter.sm, adapter.scaling, adapter.runtime):
        client.meta.events.register("before-call.*.*", lambda model, **kw: calls.append(model.name))
    for _ in range(5):
        live = observe(adapter, spec.name, full=False)
        assert judge(spec, live, adapter.capabilities).drift.changes == []
    assert calls == ["DescribeEndpoint"] * 5
