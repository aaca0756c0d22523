"""The round-trip property against the emulator, for the whole corpus:
to_live(describe(after submit(to_request(spec)))).config == spec.config (minus unobservable)."""

import pytest

from adapters.sagemaker.adapter import SageMakerAdapter
from core.check import judge
from core.live import Health
from core.service import observe
from core.wait import ServingGate, WaitPolicy, poll_until_serving
from core.spec import revision
from tests.corpus import corpus
from tests.support.aws_schema import validate_every_request
from tests.support.stepping import finalize_all, submit_all

CORPUS = corpus("sagemaker")
FAST = WaitPolicy(interval=0.0, max_interval=0.0, timeout=30, transient_attempts=2, transient_backoff=0.0)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_round_trip(name, sm):
    spec = CORPUS[name]
    adapter = SageMakerAdapter(spec.target, emulators={"sagemaker": {"url": sm.url}})
    for client in (adapter.sm, adapter.scaling, adapter.runtime):
        validate_every_request(client)
    submit_all(adapter, adapter.to_request(spec))
    poll_until_serving(lambda: observe(adapter, spec.name, full=False), ServingGate(revision(spec)),
                       FAST, sleep=lambda s: None)
    finalize_all(adapter, adapter.to_request(spec))
    for full in (False, True):
        live = observe(adapter, spec.name, full=full)
        assert live.health is Health.SERVING
        outcome = judge(spec, live, adapter.capabilities)
        assert outcome.drift.changes == [], (full, outcome.drift.changes)
    unobservable = adapter.capabilities.unobservable
    strip = lambda c: {k: v for k, v in c.items() if k not in unobservable}  # noqa: E731
    assert strip(observe(adapter, spec.name, full=True).config) == strip(spec.config)


def test_basic_check_of_unchanged_endpoint_is_one_describe(sm):
    spec = CORPUS["three-variants-autoscaled"]
    adapter = SageMakerAdapter(spec.target, emulators={"sagemaker": {"url": sm.url}})
    submit_all(adapter, adapter.to_request(spec))
    poll_until_serving(lambda: observe(adapter, spec.name, full=False), ServingGate(revision(spec)),
                       FAST, sleep=lambda s: None)
    calls = []
    for client in (adapter.sm, adapter.scaling, adapter.runtime):
        client.meta.events.register("before-call.*.*", lambda model, **kw: calls.append(model.name))
    for _ in range(5):
        live = observe(adapter, spec.name, full=False)
        assert judge(spec, live, adapter.capabilities).drift.changes == []
    assert calls == ["DescribeEndpoint"] * 5
