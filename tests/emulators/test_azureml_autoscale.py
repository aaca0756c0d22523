"""Azure Monitor autoscale settings in the Azure ML emulator, exercised with the REAL
azure-mgmt-monitor ``MonitorManagementClient`` (and raw REST for what the SDK cannot send).

Deployments to target are created with raw ARM requests (immediate progression). The monitor
client reaches the emulator with public arguments only: ``base_url``, ``connection_verify`` and
``credential_scopes``.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from emulators.azureml import AzureMLEmulator, monitor_schema
from tests.emulators.azureml_support import (
    RESOURCE_GROUP,
    SUBSCRIPTION,
    ArmClient,
    FakeCredential,
    drop_current_cloud,
    raw_client,
    silence_azure_logging,
)

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]

API = monitor_schema.API_VERSION
SETTINGS = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
            "/providers/Microsoft.Insights/autoscalesettings")


@pytest.fixture(scope="module")
def emulator() -> Iterator[AzureMLEmulator]:
    silence_azure_logging()
    with AzureMLEmulator("127.0.0.1", 0) as running:
        yield running
    drop_current_cloud()


@pytest.fixture(scope="module")
def arm(emulator: AzureMLEmulator) -> Iterator[ArmClient]:
    with raw_client(emulator) as client:
        yield client


@pytest.fixture(scope="module")
def monitor(emulator: AzureMLEmulator) -> Any:
    from azure.mgmt.monitor import MonitorManagementClient

    return MonitorManagementClient(FakeCredential(), SUBSCRIPTION, base_url=emulator.url,
                                   connection_verify=emulator.ca_file,
                                   credential_scopes=[f"{emulator.url}/.default"])


@pytest.fixture(autouse=True)
def _reset(emulator: AzureMLEmulator) -> Iterator[None]:
    emulator.control.reset()
    yield


@pytest.fixture
def deployment(arm: ArmClient) -> str:
    """An online deployment (``ep-one/blue``), Succeeded; its ARM id."""
    assert arm.put_endpoint("ep-one").status_code == 201
    arm.settle("/onlineEndpoints/ep-one")
    assert arm.put_deployment("ep-one", "blue").status_code == 201
    return str(arm.settle("/onlineEndpoints/ep-one/deployments/blue")["id"])


def _setting(target: str, *, minimum: str = "1", maximum: str = "3", default: str = "1",
             metric: str = "CpuUtilizationPercentage", metric_uri: str | None = None, rules: int = 2) -> Any:
    from azure.mgmt.monitor import models as m

    def rule(operator: str, threshold: float, direction: str) -> Any:
        return m.ScaleRule(
            metric_trigger=m.MetricTrigger(
                metric_name=metric, metric_resource_uri=metric_uri or target, time_grain=dt.timedelta(minutes=1),
                statistic="Average", time_window=dt.timedelta(minutes=5), time_aggregation="Average",
                operator=operator, threshold=threshold),
            scale_action=m.ScaleAction(direction=direction, type="ChangeCount", value="1",
                                       cooldown=dt.timedelta(minutes=5)))

    pairs = [rule("GreaterThan", 70, "Increase"), rule("LessThan", 30, "Decrease")]
    return m.AutoscaleSettingResource(
        location="westeurope", target_resource_uri=target, enabled=True, tags={"k": "v"},
        profiles=[m.AutoscaleProfile(name="default",
                                     capacity=m.ScaleCapacity(minimum=minimum, maximum=maximum, default=default),
                                     rules=(pairs * 6)[:rules])])


def _body(target: str, **kwargs: Any) -> dict[str, Any]:
    return _setting(target, **kwargs).serialize()  # type: ignore[no-any-return]


def test_crud_through_the_sdk(monitor: Any, deployment: str, emulator: AzureMLEmulator) -> None:
    created = monitor.autoscale_settings.create_or_update(RESOURCE_GROUP, "ep-one-blue-autoscale", _setting(deployment))
    assert created.name == "ep-one-blue-autoscale" and created.enabled is True
    assert created.target_resource_uri.lower() == deployment.lower()
    assert created.profiles[0].capacity.maximum == "3"
    rule = created.profiles[0].rules[0]
    assert rule.metric_trigger.threshold == 70 and rule.metric_trigger.time_window == dt.timedelta(minutes=5)
    got = monitor.autoscale_settings.get(RESOURCE_GROUP, "ep-one-blue-autoscale")
    assert got.id.lower().endswith("/providers/microsoft.insights/autoscalesettings/ep-one-blue-autoscale")
    assert got.tags == {"k": "v"} and got.type == "Microsoft.Insights/autoscaleSettings"
    replaced = monitor.autoscale_settings.create_or_update(RESOURCE_GROUP, "ep-one-blue-autoscale",
                                                           _setting(deployment, maximum="5"))
    assert replaced.profiles[0].capacity.maximum == "5"
    listed = monitor.autoscale_settings.list_by_resource_group(RESOURCE_GROUP)
    assert [s.name for s in listed] == ["ep-one-blue-autoscale"]
    assert [s.name for s in monitor.autoscale_settings.list_by_subscription()] == ["ep-one-blue-autoscale"]
    assert [s["name"] for s in emulator.control.state()["autoscaleSettings"]] == ["ep-one-blue-autoscale"]
    monitor.autoscale_settings.delete(RESOURCE_GROUP, "ep-one-blue-autoscale")
    monitor.autoscale_settings.delete(RESOURCE_GROUP, "ep-one-blue-autoscale")  # idempotent (204)
    from azure.core.exceptions import ResourceNotFoundError

    with pytest.raises(ResourceNotFoundError):
        monitor.autoscale_settings.get(RESOURCE_GROUP, "ep-one-blue-autoscale")
    calls = [(r["method"], r["status"], r["api_version"]) for r in emulator.control.requests()
             if "autoscalesettings" in r["path"].lower()]
    assert calls[:2] == [("PUT", 201, API), ("GET", 200, API)] and ("PUT", 200, API) in calls
    assert ("DELETE", 200, API) in calls and ("DELETE", 204, API) in calls


def test_settings_outlive_their_deployment(monitor: Any, deployment: str, arm: ArmClient) -> None:
    monitor.autoscale_settings.create_or_update(RESOURCE_GROUP, "s", _setting(deployment))
    assert arm.request("DELETE", "/onlineEndpoints/ep-one").status_code == 202
    arm.get("/onlineEndpoints/ep-one")  # completes (immediate progression)
    assert arm.get("/onlineEndpoints/ep-one").status_code == 404
    assert monitor.autoscale_settings.get(RESOURCE_GROUP, "s").name == "s", "Azure keeps it: the owner deletes it"


def _refused(arm: ArmClient, body: Any, name: str = "s") -> tuple[int, dict[str, Any]]:
    response = arm.request("PUT", f"{SETTINGS}/{name}", body, api_version=API)
    return response.status_code, response.json()["error"]


@pytest.mark.parametrize(("change", "code", "fragment"), [
    (lambda b: b["properties"].update(unknown=1), "ValidationError", "unknown field 'unknown'"),
    (lambda b: b.pop("location"), "ValidationError", "'location' of AutoscaleSettingResource is required"),
    (lambda b: b["properties"]["profiles"][0]["rules"][0]["metricTrigger"].update(operator="Above"),
     "ValidationError", "ComparisonOperationType"),
    (lambda b: b["properties"]["profiles"][0]["rules"][0]["scaleAction"].update(cooldown="5 minutes"),
     "ValidationError", "ISO 8601 duration"),
    (lambda b: b["properties"]["profiles"][0]["rules"][0]["metricTrigger"].update(threshold="high"),
     "ValidationError", "expected a number"),
    (lambda b: b["properties"]["profiles"][0]["capacity"].pop("default"), "ValidationError", "'default'"),
    (lambda b: b["properties"].update(profiles=[b["properties"]["profiles"][0]] * 21), "ValidationError",
     "at most 20"),
    (lambda b: b["properties"].update(profiles=[]), "BadRequest", "at least one profile"),
    (lambda b: b["properties"]["profiles"][0]["capacity"].update(minimum="3", default="2"), "BadRequest",
     "minimum <= default <= maximum"),
    (lambda b: b["properties"]["profiles"][0]["capacity"].update(maximum="1001"), "BadRequest", "between 0 and 1000"),
    (lambda b: b["properties"]["profiles"][0]["capacity"].update(maximum="two"), "BadRequest", "integer"),
    (lambda b: b["properties"]["profiles"][0]["rules"][0]["metricTrigger"].update(metricName="RequestsPerMinute"),
     "UnsupportedMetric", "CpuUtilizationPercentage"),
    (lambda b: b["properties"]["profiles"][0]["rules"][0]["metricTrigger"].update(timeWindow="PT1M"),
     "BadRequest", "timeWindow"),
    (lambda b: b["properties"]["profiles"][0]["rules"][0]["scaleAction"].update(cooldown="P8D"),
     "BadRequest", "cooldown"),
    (lambda b: b["properties"]["profiles"][0]["rules"][0]["scaleAction"].update(value="0"),
     "BadRequest", "between 1"),
    (lambda b: b["properties"].pop("targetResourceUri"), "InvalidTargetResource", "targetResourceUri"),
    (lambda b: b["properties"].update(targetResourceUri="/subscriptions/x/resourceGroups/y/providers/"
                                      "Microsoft.Compute/virtualMachineScaleSets/z"),
     "InvalidTargetResource", "not an online deployment"),
])
def test_bodies_refused(arm: ArmClient, deployment: str, change: Any, code: str, fragment: str) -> None:
    body = copy.deepcopy(_body(deployment))
    change(body)
    status, error = _refused(arm, body)
    assert status == 400, error
    assert error["code"] == code and fragment in str(error), error


def test_rule_count_and_metric_resource(arm: ArmClient, deployment: str, monitor: Any) -> None:
    status, error = _refused(arm, _body(deployment, rules=11))
    assert status == 400 and "at most 10 rules" in error["message"]
    endpoint_id = deployment.rsplit("/deployments/", 1)[0]
    ok = monitor.autoscale_settings.create_or_update(
        RESOURCE_GROUP, "latency", _setting(deployment, metric="RequestLatency", metric_uri=endpoint_id))
    assert ok.profiles[0].rules[0].metric_trigger.metric_name == "RequestLatency", "endpoint metrics on the endpoint"
    status, error = _refused(arm, _body(deployment, metric_uri=deployment.replace("/ep-one/", "/other/")))
    assert status == 400 and "metricResourceUri" in error["target"]
    for metric in ("MemoryUtilizationPercentage", "cpuutilizationpercentage"):
        status, error = _refused(arm, _body(deployment, metric=metric))
        assert status == 400 and error["code"] == "UnsupportedMetric"


def test_missing_target_and_bad_requests(arm: ArmClient, deployment: str) -> None:
    status, error = _refused(arm, _body(deployment.replace("/blue", "/green")))
    assert status == 404 and error["code"] == "ResourceNotFound"
    status, error = _refused(arm, _body(deployment), name="bad*name")
    assert status == 400 and error["code"] == "InvalidResourceName"
    response = arm.request("PUT", f"{SETTINGS}/s", _body(deployment), api_version="2015-04-01")
    assert response.status_code == 400 and response.json()["error"]["code"] == "InvalidApiVersionParameter"
    response = arm.request("PUT", f"{SETTINGS}/s", _body(deployment), api_version=API, token=None)
    assert response.status_code == 401
    response = arm.request("GET", f"{SETTINGS}/nothing", api_version=API)
    assert response.status_code == 404 and response.json()["error"]["code"] == "ResourceNotFound"


def test_sdk_bodies_validate_and_are_echoed_canonically(arm: ArmClient, deployment: str) -> None:
    body = _body(deployment)
    body["properties"]["profiles"][0]["rules"][0]["metricTrigger"]["operator"] = "greaterthan"
    _, problems = monitor_schema.validate("AutoscaleSettingResource", _body(deployment))
    assert problems == []
    response = arm.request("PUT", f"{SETTINGS}/s", body, api_version=API)
    assert response.status_code == 201, response.text
    stored = response.json()["properties"]
    assert stored["profiles"][0]["rules"][0]["metricTrigger"]["operator"] == "GreaterThan"
    assert stored["targetResourceLocation"] == "westeurope" and stored["name"] == "s"
