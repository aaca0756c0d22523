"""adapters.azureml.wire: a basic describe reads ARM wire JSON instead of azure-ai-ml entities; the
live view it gives must be the entities' exactly, at every step of every corpus rollout (states
Creating/Updating/Succeeded, traffic moving, revision tags, every auth mode, logging, registered
and inline environments), and its requests are the SDK's (validated, counted)."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.azureml import reverse as rv
from adapters.azureml.wire import WireDeployment, duration_ms
from core.errors import ProviderUnavailable
from tests.adapters.azureml.support import adapter_for
from tests.corpus import corpus

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SPECS = corpus("azureml")


def _entity_view(adapter, wire: rv.AzureMLDescribed) -> rv.AzureMLDescribed:
    """The same basic reading through MLClient's entities (the assets the wire reading resolved)."""
    return dataclasses.replace(wire, endpoint=adapter._endpoint(wire.endpoint.name),
                               deployments=adapter._deployments(wire.endpoint.name))


def _assert_same(adapter, name: str) -> None:
    wire = adapter.describe(name, full=False)
    if wire is None:
        assert adapter._endpoint(name) is None
        return
    entity = _entity_view(adapter, wire)
    assert adapter.to_live(wire).model_dump() == adapter.to_live(entity).model_dump()
    for w, e in zip(sorted(wire.deployments, key=lambda d: d.name), sorted(entity.deployments, key=lambda d: d.name)):
        assert (w.name, w.instance_count, w.request_settings.request_timeout_ms) == (
            e.name, e.instance_count, e.request_settings.request_timeout_ms)


@pytest.mark.parametrize("key", sorted(SPECS))
def test_wire_and_entities_agree_at_every_step_of_a_rollout(azureml_emulator, key):
    spec = SPECS[key]
    adapter = adapter_for(azureml_emulator, spec.target)
    request = adapter.to_request(spec)
    _assert_same(adapter, spec.name)  # missing
    azureml_emulator.control.set_progression("time", seconds=600)  # a state that holds between the two readings
    pending = adapter.submit(request, ()).pending
    _assert_same(adapter, spec.name)  # Creating
    azureml_emulator.control.set_progression("immediate")  # each later step settles at once: readings agree
    for _ in range(100):
        progress = adapter.submit(request, pending)
        _assert_same(adapter, spec.name)
        if progress.done:
            break
        pending = progress.pending
    else:
        pytest.fail("the rollout did not finish")
    live = adapter.to_live(adapter.describe(spec.name, full=False))
    assert live.revision is not None and live.config is not None
    assert adapter.validator.problems == []


def test_a_basic_describe_is_two_gets(azureml_emulator):
    spec = SPECS["canary"]
    adapter = adapter_for(azureml_emulator, spec.target)
    submit = adapter.to_request(spec)
    pending: tuple[str, ...] = ()
    while not (progress := adapter.submit(submit, pending)).done:
        pending = progress.pending
    adapter.describe(spec.name, full=False)  # caches the immutable environment version
    adapter.validator.sent.clear()
    adapter.describe(spec.name, full=False)
    assert [(m, p.rsplit("/", 2)[-2:]) for m, p in adapter.validator.sent] == [
        ("GET", ["onlineEndpoints", spec.name]), ("GET", [spec.name, "deployments"])]


def test_provider_errors_map_as_the_sdks_do(azureml_emulator):
    spec = SPECS["minimal-key"]
    adapter = adapter_for(azureml_emulator, spec.target)
    assert adapter.describe(spec.name, full=False) is None  # 404: missing, not an error
    azureml_emulator.control.inject_fault(status=503, count=10, retry_after=None)
    with pytest.raises(ProviderUnavailable):
        adapter.describe(spec.name, full=False)


def test_durations_and_collector_mapping():
    assert [duration_ms(v) for v in ("PT1M", "PT0.5S", "PT90S", "P1DT1H", "PT1H2M3.5S", None, "", "bogus")] == [
        60_000, 500, 90_000, 90_000_000, 3_723_500, None, None, None]
    d = WireDeployment.from_wire({"name": "main-1", "properties": {"dataCollector": {"collections": {
        "model_inputs": {"dataCollectionMode": "Enabled", "dataId": "azureml:x:1", "samplingRate": 0.25},
        "model_outputs": {"dataCollectionMode": "disabled"}}}}})
    assert d.data_collector is not None
    assert {k: c.enabled for k, c in d.data_collector.collections.items()} == {"model_inputs": "true",
                                                                               "model_outputs": "false"}
    assert d.data_collector.sampling_rate is None  # as the SDK: the last collection's rate
