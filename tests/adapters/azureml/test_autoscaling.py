"""Autoscaling through Azure Monitor autoscale settings (emulator, real MLClient and
MonitorManagementClient): the autoscaler owns the instance count, the bounds and the target are
compared, settings follow replaced deployments and never outlive the endpoint. Every request body
is validated (azure-ai-ml's REST models; azure-mgmt-monitor's models for autoscale settings)."""

import pytest

from adapters.azureml import autoscale as asc
from core.checks.judge import judge, unobserved_paths
from core.checks.read import observe
from core.errors import DeploymentFailed, ProviderError, ProviderUnavailable
from core.spec_io import parse_spec
from tests.adapters.azureml.support import adapter_for
from tests.corpus import corpus
from tests.support.stepping import delete_all, discard_all, finalize_all, rollout, submit_all

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SPEC = corpus("azureml")["autoscaled"]


def changed(spec, **variant):
    data = spec.model_dump(mode="json")
    data["variants"][0] |= variant
    return parse_spec(data)


def settings(az):
    return {s["name"]: s for s in az.control.state()["autoscaleSettings"]}


def drift(adapter, spec):
    return judge(spec, observe(adapter, spec.name, full=True), adapter.capabilities).drift.paths()


def test_setting_attached_by_finalize_and_read_back(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    request = adapter.to_request(SPEC)
    submit_all(adapter, request)
    assert settings(azureml_emulator) == {}, "autoscaling is attached once the revision serves"
    rollout(adapter, SPEC)
    main = request.deployments[0]
    (name,) = settings(azureml_emulator)
    assert name == f"{SPEC.name}-{main.name}-autoscale" == main.autoscale_name
    stored = settings(azureml_emulator)[name]["properties"]
    assert stored["targetResourceUri"].endswith(f"/onlineEndpoints/{SPEC.name}/deployments/{main.name}")
    assert stored["profiles"][0]["capacity"] == {"minimum": "1", "maximum": "4", "default": "1"}
    rules = stored["profiles"][0]["rules"]
    assert [(r["metricTrigger"]["operator"], r["metricTrigger"]["threshold"], r["scaleAction"]["cooldown"])
            for r in rules] == [("GreaterThan", 60, asc.SCALE_OUT_COOLDOWN), ("LessThan", 30, asc.SCALE_IN_COOLDOWN)]
    assert observe(adapter, SPEC.name, full=True).config == SPEC.config
    basic = observe(adapter, SPEC.name, full=False)
    assert "variants[*].autoscaling*" in basic.unobserved, "a basic check does not read settings"
    # sku.capacity is read: compared as a fixed count for fixed-size variants, unread for autoscaled ones
    assert basic.fixed_scale_only == {"variants[*].min_replicas", "variants[*].max_replicas"}
    variant = SPEC.variants[0].name
    assert {f"variants[{variant}].min_replicas", f"variants[{variant}].max_replicas"} <= set(
        unobserved_paths(SPEC, basic)), "the autoscaled variant's bounds are not read by a basic check"
    assert any("/autoscalesettings/" in path.lower() for method, path in adapter.validator.sent if method == "PUT")
    assert adapter.validator.problems == []
    adapter.validator.sent.clear()
    finalize_all(adapter, request)
    assert [m for m, p in adapter.validator.sent if "autoscalesettings" in p.lower()] == ["GET"], "no change: no PUT"


def test_the_autoscaler_owns_the_instance_count(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    rollout(adapter, SPEC)
    main = adapter.to_request(SPEC).deployments[0].name
    azureml_emulator.control.drift(SPEC.name, {"instance_count": 3}, deployment=main)  # the autoscaler scaled out
    assert drift(adapter, SPEC) == []
    rollout(adapter, SPEC)  # re-apply: a PUT of the deployment keeps the live count
    assert adapter.ml.online_deployments.get(main, SPEC.name).instance_count == 3, "count not reset"
    assert drift(adapter, SPEC) == []
    azureml_emulator.control.drift(SPEC.name, {"instance_count": 9}, deployment=main)  # outside the bounds: clamped
    new = changed(SPEC, env={"A": "1"})
    rollout(adapter, new)
    assert adapter.ml.online_deployments.get(main, SPEC.name).instance_count == 4
    assert drift(adapter, new) == []


def test_bounds_and_target_changed_behind_the_back_are_drift_and_reapply_restores(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    rollout(adapter, SPEC)
    name = adapter.to_request(SPEC).deployments[0].autoscale_name
    monitor = adapter.autoscale.client  # the real MonitorManagementClient, as someone in the portal
    setting = monitor.autoscale_settings.get(SPEC.target.resource_group, name)
    setting.profiles[0].capacity.maximum = "6"
    setting.profiles[0].rules[0].metric_trigger.threshold = 85
    monitor.autoscale_settings.create_or_update(SPEC.target.resource_group, name, setting)
    assert sorted(drift(adapter, SPEC)) == ["variants[main].autoscaling.target", "variants[main].max_replicas"]
    rollout(adapter, SPEC)
    assert drift(adapter, SPEC) == []
    assert settings(azureml_emulator)[name]["properties"]["profiles"][0]["capacity"]["maximum"] == "4"
    monitor.autoscale_settings.delete(SPEC.target.resource_group, name)  # autoscaling removed behind the back
    assert "variants[main].max_replicas" in drift(adapter, SPEC)


def test_instance_type_change_moves_the_setting_to_the_new_deployment(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    rollout(adapter, SPEC)
    (old,) = settings(azureml_emulator)
    new = changed(SPEC, instance_type="Standard_F8s_v2")
    rollout(adapter, new)
    (moved,) = settings(azureml_emulator)
    main = adapter.to_request(new).deployments[0].name
    assert moved != old and moved == f"{SPEC.name}-{main}-autoscale"
    assert settings(azureml_emulator)[moved]["properties"]["targetResourceUri"].endswith(f"/deployments/{main}")
    assert drift(adapter, new) == []
    assert adapter.validator.problems == []


def test_fixed_scale_again_deletes_the_setting(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    rollout(adapter, SPEC)
    fixed = changed(SPEC, min_replicas=2, max_replicas=2)
    rollout(adapter, fixed)
    assert settings(azureml_emulator) == {}
    assert drift(adapter, fixed) == []


def test_delete_leaves_no_setting(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    rollout(adapter, SPEC)
    assert settings(azureml_emulator)
    delete_all(adapter, SPEC.name, attempts=50)
    assert settings(azureml_emulator) == {} and adapter.describe(SPEC.name) is None
    assert adapter.delete(SPEC.name).done is True


def test_discard_removes_settings_of_what_the_failed_rollout_leaves(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    rollout(adapter, SPEC)
    kept = adapter.to_request(SPEC).deployments[0].autoscale_name
    request = adapter.to_request(changed(SPEC, instance_type="Standard_F8s_v2"))
    stray = request.deployments[0]
    azureml_emulator.control.fail_deployment(SPEC.name, stray.name, reason="quota exceeded")
    with pytest.raises(DeploymentFailed, match="quota exceeded"):
        submit_all(adapter, request)
    # a setting on the failed deployment (as a crashed earlier attempt could have left)
    adapter.autoscale.put(stray.autoscale_name, asc.setting_for(SPEC.target, SPEC.name, stray.variant, stray.name,
                                                                stray.scaling, location="westeurope"))
    discard_all(adapter, request, attempts=50)
    assert list(settings(azureml_emulator)) == [kept]
    assert drift(adapter, SPEC) == []


def test_monitor_errors_map_to_core_errors(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    request = adapter.to_request(SPEC)
    submit_all(adapter, request)
    azureml_emulator.control.inject_fault(method="PUT", path_contains="/autoscalesettings/", status=429, count=10,
                                          retry_after=0)
    with pytest.raises(ProviderUnavailable, match="autoscale setting"):
        adapter.finalize(request)
    azureml_emulator.control.clear_faults()
    azureml_emulator.control.inject_fault(method="PUT", path_contains="/autoscalesettings/", status=400, count=1,
                            retry_after=None)
    with pytest.raises(ProviderError) as raised:
        adapter.finalize(request)
    assert not isinstance(raised.value, ProviderUnavailable) and raised.value.details["http_status"] == 400
    azureml_emulator.control.clear_faults()
    finalize_all(adapter, request)
    assert drift(adapter, SPEC) == []


def _listings(adapter):
    return sum(1 for m, p in adapter.validator.sent if m == "GET" and p.lower().endswith("/autoscalesettings"))


def _asset_reads(adapter):
    return [p for m, p in adapter.validator.sent if m == "GET" and "/versions/" in p]


def test_checks_of_one_fleet_pass_share_the_resource_groups_listing(azureml_emulator):
    """Azure Monitor lists settings per resource group: a pass (core.checks.read_shared) lists once for
    all its full checks there; each still sees exactly its own setting. Outside a pass (a deploy,
    a check on its own) every describe lists."""
    from core.checks.read_shared import SharedReads, using

    adapter = adapter_for(azureml_emulator, SPEC.target)
    specs = [SPEC.model_copy(update={"name": f"{SPEC.name}-{n}"}) for n in range(3)]
    specs[1] = changed(specs[1], max_replicas=7)
    for spec in specs:
        rollout(adapter, spec)
    adapter.validator.sent.clear()
    reads = SharedReads()
    for spec in specs:
        with using(reads):
            assert observe(adapter, spec.name, full=True).config == spec.config
    assert _listings(adapter) == 1 and reads.reads == 1
    observe(adapter, specs[0].name, full=True)
    observe(adapter, specs[0].name, full=True)
    assert _listings(adapter) == 3


def test_full_checks_reuse_immutable_asset_versions(azureml_emulator):
    """Environment and data versions cannot change or be deleted in Azure ML: a full describe reads
    one only until it is cached."""
    rollout(adapter_for(azureml_emulator, SPEC.target), SPEC)
    fresh = adapter_for(azureml_emulator, SPEC.target)  # an adapter whose cache is empty (a restarted service)
    first = observe(fresh, SPEC.name, full=True)
    assert _asset_reads(fresh), "the first full describe reads the environment version"
    fresh.validator.sent.clear()
    assert observe(fresh, SPEC.name, full=True) == first
    assert _asset_reads(fresh) == []
