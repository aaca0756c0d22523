"""Updates the way Azure requires them, faults, resumption and client hygiene (emulator, real MLClient)."""

import os

import pytest

from core.checks.read import observe
from core.errors import DeploymentFailed, ProviderUnavailable
from core.live import Health
from core.spec import revision
from core.spec_io import parse_spec
from core.spec_policy import TestQuery
from tests.adapters.azureml.support import adapter_for
from tests.corpus import corpus
from tests.support.stepping import discard_all, finalize_all, rollout, submit_all

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CORPUS = corpus("azureml")
QUERY = TestQuery(payload={"x": [1, 2]})


def changed(spec, **variant):
    data = spec.model_dump(mode="json")
    data["variants"][0] |= variant
    return parse_spec(data)


def deployments(az, name):
    for workspace in az.control.state()["workspaces"]:
        for endpoint in workspace["endpoints"]:
            if endpoint["name"] == name:
                return endpoint["deployments"], endpoint["traffic"]
    return {}, {}


@pytest.mark.parametrize("change", [{"min_replicas": 3, "max_replicas": 3}, {"env": {"NEW": "1"}},
                                    {"image": "myregistry.azurecr.io/m:9"}])
def test_in_place_changes_update_the_same_deployment(azureml_emulator, change):
    spec = CORPUS["minimal-key"]
    adapter = adapter_for(azureml_emulator, spec.target)
    rollout(adapter, spec)
    before, _ = deployments(azureml_emulator, spec.name)
    new = changed(spec, **change)
    live = rollout(adapter, new)
    assert live.revision == revision(new)
    assert deployments(azureml_emulator, spec.name)[0].keys() == before.keys()
    assert observe(adapter, spec.name, full=True).config == new.config


def test_instance_type_change_replaces_the_deployment_and_serves_throughout(azureml_emulator):
    spec = CORPUS["minimal-key"]
    adapter = adapter_for(azureml_emulator, spec.target)
    rollout(adapter, spec)
    (old,) = deployments(azureml_emulator, spec.name)[0]
    new = changed(spec, instance_type="Standard_F8s_v2")
    request, pending, steps = adapter.to_request(new), (), 0
    while True:
        assert adapter.invoke(spec.name, QUERY, timeout=5).status == 200, f"not serving at step {steps}"
        progress = adapter.submit(request, pending)
        steps += 1
        if progress.done:
            break
        pending = progress.pending
    names, traffic = deployments(azureml_emulator, spec.name)
    assert old in names and traffic.get(old, 0) == 0 and len(names) == 2, "new next to old, traffic shifted"
    pending = ()
    while True:
        assert adapter.invoke(spec.name, QUERY, timeout=5).status == 200
        progress = adapter.finalize(request, pending)
        if progress.done:
            break
        pending = progress.pending
    names, traffic = deployments(azureml_emulator, spec.name)
    assert old not in names and list(traffic.values()) == [100]
    assert observe(adapter, spec.name, full=True).config == new.config
    assert adapter.invoke(spec.name, QUERY, timeout=5).variant == "main"


def test_failed_new_deployment_is_discarded_and_old_revision_keeps_serving(azureml_emulator):
    spec = CORPUS["minimal-key"]
    adapter = adapter_for(azureml_emulator, spec.target)
    rollout(adapter, spec)
    before = deployments(azureml_emulator, spec.name)
    new = changed(spec, instance_type="Standard_F8s_v2")
    request = adapter.to_request(new)
    azureml_emulator.control.fail_deployment(spec.name, request.deployments[0].name,
                                             reason="image pull failed: manifest unknown")
    with pytest.raises(DeploymentFailed, match="manifest unknown"):
        submit_all(adapter, request)
    discard_all(adapter, request, attempts=20)
    assert deployments(azureml_emulator, spec.name) == before, "nothing half-created is left"
    live = observe(adapter, spec.name, full=True)
    assert (live.health, live.revision) == (Health.SERVING, revision(spec))
    assert adapter.invoke(spec.name, QUERY, timeout=5).status == 200


def test_failed_endpoint_create_leaves_nothing(azureml_emulator):
    spec = CORPUS["canary"]
    adapter = adapter_for(azureml_emulator, spec.target)
    azureml_emulator.control.fail_endpoint(spec.name, on="create", reason="quota exceeded for Standard_DS3_v2")
    with pytest.raises(DeploymentFailed, match="quota exceeded"):
        submit_all(adapter, adapter.to_request(spec))
    discard_all(adapter, adapter.to_request(spec), attempts=20)
    assert adapter.describe(spec.name) is None


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_5xx_retried(azureml_emulator, status):
    spec = CORPUS["minimal-key"]
    adapter = adapter_for(azureml_emulator, spec.target)
    azureml_emulator.control.inject_fault(method="PUT", path_contains="/onlineEndpoints/", status=status, count=2,
                            retry_after=0)
    rollout(adapter, spec)
    azureml_emulator.control.inject_fault(method="GET", path_contains="/onlineEndpoints/", status=status, count=2,
                            retry_after=0)
    assert observe(adapter, spec.name, full=False).health is Health.SERVING
    azureml_emulator.control.inject_fault(method="GET", path_contains="/onlineEndpoints/", status=status, count=50,
                            retry_after=0)
    with pytest.raises(ProviderUnavailable):
        adapter.describe(spec.name)


def test_long_retry_after_is_left_to_core(azureml_emulator):
    spec = CORPUS["minimal-key"]
    adapter = adapter_for(azureml_emulator, spec.target)
    azureml_emulator.control.inject_fault(method="GET", path_contains="/onlineEndpoints/", status=429, count=1,
                                          retry_after=120)
    with pytest.raises(ProviderUnavailable):
        adapter.describe(spec.name)


def test_resume_with_a_new_adapter_from_stored_pending(azureml_emulator):
    spec = CORPUS["canary"]
    first = adapter_for(azureml_emulator, spec.target)
    request = first.to_request(spec)
    progress = first.submit(request)
    while not any(p.startswith("deployment:") for p in progress.pending):
        progress = first.submit(request, progress.pending)
    assert not progress.done and any(p.startswith("deployment:") for p in progress.pending)
    second = adapter_for(azureml_emulator, spec.target)  # a restarted service, same stored pending
    pending = progress.pending
    for _ in range(50):
        progress = second.submit(second.to_request(spec), pending)
        if progress.done:
            break
        pending = progress.pending
    assert progress.done
    assert observe(second, spec.name, full=True).config == spec.config


def test_no_global_state_leaks_between_clients(azureml_emulator):
    from emulators.azureml.server import AzureMLEmulator

    before = os.environ.get("AZUREML_CURRENT_CLOUD")
    spec = CORPUS["minimal-key"]
    with AzureMLEmulator(progression={"progression": "immediate"}) as other:
        a, b = adapter_for(azureml_emulator, spec.target), adapter_for(other, spec.target)
        assert os.environ.get("AZUREML_CURRENT_CLOUD") == before
        submit_all(b, b.to_request(spec))
        assert b.describe(spec.name) is not None
        assert a.describe(spec.name) is None, "each client talks to its own cloud"
        assert a.ml._cloud != b.ml._cloud
    assert os.environ.get("AZUREML_CURRENT_CLOUD") == before


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_unchanged_resubmit_sends_no_write(azureml_emulator, name):
    """Re-applying what already serves must not PUT the deployments again (an in-place PUT is a
    rolling update on Azure)."""
    spec = CORPUS[name]
    adapter = adapter_for(azureml_emulator, spec.target)
    rollout(adapter, spec)
    adapter.validator.sent.clear()
    submit_all(adapter, adapter.to_request(spec))
    finalize_all(adapter, adapter.to_request(spec))
    writes = [call for call in adapter.validator.sent if call[0] in {"PUT", "PATCH", "DELETE", "POST"}
              and not call[1].endswith(("/listKeys", "/token"))]
    assert writes == []
