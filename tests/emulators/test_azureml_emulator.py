"""Azure ML emulator, exercised with the REAL azure-ai-ml MLClient (and raw REST where the SDK
cannot send what must be refused).

One emulator for the module (immediate progression by default); every test starts from a reset
emulator. The SDK polls every ``retry-after-ms`` (50 ms), so the file runs in seconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators.azureml import AzureMLControl, AzureMLEmulator, ControlAPIError
from tests.emulators.azureml_support import (
    ArmClient,
    drop_current_cloud,
    endpoint_body,
    make_ml_client,
    quiet,
    raw_client,
    silence_azure_logging,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

ENV = {
    "liveness_route": {"path": "/live", "port": 8080},
    "readiness_route": {"path": "/ready", "port": 8080},
    "scoring_route": {"path": "/score", "port": 8080},
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[AzureMLEmulator]:
    silence_azure_logging()
    with AzureMLEmulator("127.0.0.1", 0) as running:
        yield running
    drop_current_cloud()


@pytest.fixture(scope="module")
def ml(emulator: AzureMLEmulator) -> Iterator[Any]:
    client = make_ml_client(emulator)
    yield client
    drop_current_cloud()


@pytest.fixture(scope="module")
def arm(emulator: AzureMLEmulator) -> Iterator[ArmClient]:
    with raw_client(emulator) as client:
        yield client


@pytest.fixture(autouse=True)
def _reset(emulator: AzureMLEmulator) -> Iterator[None]:
    emulator.control.reset()  # state, faults, failures, scoring answers, request log; immediate progression
    yield


@pytest.fixture
def control(emulator: AzureMLEmulator) -> AzureMLControl:
    return emulator.control


@pytest.fixture
def scorer(emulator: AzureMLEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(verify=emulator.ca_file, timeout=10.0) as client:
        yield client


def _entities() -> Any:
    import azure.ai.ml.entities as entities

    return entities


def _endpoint(ml: Any, name: str, auth_mode: str = "key", **kwargs: Any) -> Any:
    e = _entities()
    return quiet(
        lambda: ml.online_endpoints.begin_create_or_update(
            e.ManagedOnlineEndpoint(name=name, auth_mode=auth_mode, **kwargs)
        ).result()
    )


def _deployment(ml: Any, endpoint: str, name: str, **kwargs: Any) -> Any:
    e = _entities()
    kwargs.setdefault("model", "azureml:model:1")
    kwargs.setdefault("environment", "azureml:env:3")
    kwargs.setdefault("instance_type", "Standard_DS3_v2")
    if "scale_settings" not in kwargs:
        kwargs.setdefault("instance_count", 1)
    deployment = e.ManagedOnlineDeployment(name=name, endpoint_name=endpoint, **kwargs)
    return quiet(lambda: ml.online_deployments.begin_create_or_update(deployment).result())


def _set_traffic(ml: Any, name: str, traffic: dict[str, int]) -> Any:
    endpoint = ml.online_endpoints.get(name)
    endpoint.traffic = traffic
    return quiet(lambda: ml.online_endpoints.begin_create_or_update(endpoint).result())


def _error(response: httpx.Response) -> dict[str, Any]:
    return response.json()["error"]


# ------------------------------------------------------------------------------------ happy path


def test_full_lifecycle_through_the_sdk(ml: Any, control: AzureMLControl, scorer: httpx.Client) -> None:
    e = _entities()
    endpoint = _endpoint(ml, "lifecycle-ep", tags={"owner": "team"}, description="demo")
    assert endpoint.provisioning_state.lower() == "succeeded"
    assert endpoint.scoring_uri == f"{control._url}/score/lifecycle-ep"

    blue = _deployment(
        ml,
        "lifecycle-ep",
        "blue",
        model="azureml:fraud:1",
        environment=e.Environment(image="registry.example/fraud:1", inference_config=ENV),
        instance_type="Standard_F4s_v2",
        instance_count=2,
        environment_variables={"MODE": "prod"},
        request_settings=e.OnlineRequestSettings(request_timeout_ms=7000, max_concurrent_requests_per_instance=4),
        liveness_probe=e.ProbeSettings(
            initial_delay=20, period=15, timeout=3, success_threshold=1, failure_threshold=5
        ),
        readiness_probe=e.ProbeSettings(initial_delay=5),
        app_insights_enabled=True,
        data_collector=e.DataCollector(
            collections={
                "model_inputs": e.DeploymentCollection(enabled="true"),
                "model_outputs": e.DeploymentCollection(enabled="true"),
            },
            sampling_rate=0.5,
        ),
        tags={"rev": "1"},
    )
    assert blue.provisioning_state.lower() == "succeeded"
    assert blue.instance_count == 2 and blue.instance_type == "Standard_F4s_v2"
    assert blue.request_settings.request_timeout_ms == 7000
    assert blue.readiness_probe.period == 10  # Azure's default filled in
    assert blue.data_collector.collections["model_inputs"].enabled == "true"
    assert "/environments/CliV2AnonymousEnvironment/versions/" in blue.environment
    green = _deployment(ml, "lifecycle-ep", "green")
    assert green.environment.endswith("/environments/env/versions/3")

    updated = _set_traffic(ml, "lifecycle-ep", {"blue": 100})
    assert updated.traffic == {"blue": 100, "green": 0}
    assert [x.name for x in ml.online_endpoints.list()] == ["lifecycle-ep"]
    assert sorted(d.name for d in ml.online_deployments.list("lifecycle-ep")) == ["blue", "green"]

    keys = ml.online_endpoints.get_keys("lifecycle-ep")
    answer = scorer.post(
        endpoint.scoring_uri, json={"x": [1, 2]}, headers={"Authorization": f"Bearer {keys.primary_key}"}
    )
    assert answer.status_code == 200
    assert answer.json() == {"echo": {"x": [1, 2]}, "deployment": "blue"}
    assert answer.headers["azureml-model-deployment"] == "blue"
    secondary = scorer.post(
        endpoint.scoring_uri,
        json={},
        headers={"Authorization": f"Bearer {keys.secondary_key}", "azureml-model-deployment": "green"},
    )
    assert secondary.json()["deployment"] == "green"
    assert scorer.post(endpoint.scoring_uri, json={}, headers={"Authorization": "Bearer wrong"}).status_code == 401

    control.drift("lifecycle-ep", {"instance_count": 3, "tags": {"rev": "drifted"}}, deployment="blue")
    control.drift("lifecycle-ep", {"tags": {"owner": "someone-else"}})
    drifted = ml.online_deployments.get("blue", "lifecycle-ep")
    assert (drifted.instance_count, drifted.tags) == (3, {"rev": "drifted"})
    assert ml.online_endpoints.get("lifecycle-ep").tags == {"owner": "someone-else"}

    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

    with pytest.raises(HttpResponseError) as refused:
        quiet(lambda: ml.online_deployments.begin_delete("blue", "lifecycle-ep").result())
    assert refused.value.status_code == 400
    assert "cannot be deleted because it receives 100% of the endpoint's live traffic" in refused.value.message
    quiet(lambda: ml.online_deployments.begin_delete("green", "lifecycle-ep").result())
    assert ml.online_endpoints.get("lifecycle-ep").traffic == {"blue": 100}
    quiet(lambda: ml.online_endpoints.begin_delete("lifecycle-ep").result())
    with pytest.raises(ResourceNotFoundError):
        ml.online_endpoints.get("lifecycle-ep")
    assert (
        scorer.post(endpoint.scoring_uri, json={}, headers={"Authorization": f"Bearer {keys.primary_key}"}).status_code
        == 404
    )


def test_sdk_calls_on_the_wire(ml: Any, control: AzureMLControl) -> None:
    e = _entities()
    _endpoint(ml, "wire-ep")
    requests = control.requests()
    assert [(r["method"], r["api_version"]) for r in requests[:2]] == [
        ("GET", "2024-10-01-preview"),
        ("PUT", "2022-02-01-preview"),
    ]
    assert requests[0]["path"].endswith("/workspaces/ws-emulator")
    assert requests[1]["body"]["properties"]["authMode"] == "Key"
    control.clear_requests()
    _deployment(
        ml,
        "wire-ep",
        "blue",
        environment=e.Environment(image="registry.example/m:2", inference_config=ENV),
        data_collector=e.DataCollector(collections={"model_inputs": e.DeploymentCollection(enabled="true")}),
    )
    calls = [
        (r["method"], r["path"].split("/workspaces/ws-emulator")[-1], r["api_version"]) for r in control.requests()
    ]
    assert calls[0] == ("GET", "/onlineEndpoints/wire-ep", "2023-04-01-preview")  # the endpoint must exist
    assert ("PUT", "/data/wire-ep-blue-model_inputs/versions/1", "2023-04-01-preview") in calls
    anonymous = [c for c in calls if c[1].startswith("/environments/CliV2AnonymousEnvironment/versions/")]
    assert len(anonymous) == 1 and anonymous[0][0] == "PUT"
    assert [c for c in calls if c[1] == ""] == [("GET", "", "2024-10-01-preview")]  # one workspace GET
    put = next(c for c in calls if c[0] == "PUT" and c[1] == "/onlineEndpoints/wire-ep/deployments/blue")
    assert put[2] == "2023-04-01-preview"
    assert any("/mfeOperationsStatus/" in c[1] for c in calls)


def test_auth_modes_keys_and_tokens(ml: Any, control: AzureMLControl, scorer: httpx.Client, arm: ArmClient) -> None:
    for name, mode in (("aml-ep", "aml_token"), ("aad-ep", "aad_token")):
        _endpoint(ml, name, auth_mode=mode)
        _deployment(ml, name, "blue")
        _set_traffic(ml, name, {"blue": 100})
    token = ml.online_endpoints.get_keys("aml-ep")
    assert token.token_type == "Bearer" and token.expiry_time_utc > time.time()
    uri = ml.online_endpoints.get("aml-ep").scoring_uri
    assert scorer.post(uri, json=1, headers={"Authorization": f"Bearer {token.access_token}"}).json()["echo"] == 1
    assert scorer.post(uri, json=1, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert scorer.post(uri, json=1).status_code == 401
    aad_uri = ml.online_endpoints.get("aad-ep").scoring_uri
    assert scorer.post(aad_uri, json=2, headers={"Authorization": "Bearer any-entra-token"}).status_code == 200
    refused = arm.request("POST", "/onlineEndpoints/aml-ep/listKeys")
    assert refused.status_code == 400 and "only available for auth mode 'Key'" in _error(refused)["message"]
    assert arm.request("POST", "/onlineEndpoints/aad-ep/token").status_code == 400


def test_regenerate_keys(ml: Any, control: AzureMLControl, scorer: httpx.Client) -> None:
    _endpoint(ml, "regen-ep")
    _deployment(ml, "regen-ep", "blue")
    _set_traffic(ml, "regen-ep", {"blue": 100})
    before = ml.online_endpoints.get_keys("regen-ep")
    quiet(lambda: ml.online_endpoints.begin_regenerate_keys("regen-ep", key_type="secondary").result())
    after = ml.online_endpoints.get_keys("regen-ep")
    assert after.primary_key == before.primary_key and after.secondary_key != before.secondary_key
    uri = ml.online_endpoints.get("regen-ep").scoring_uri
    assert scorer.post(uri, json={}, headers={"Authorization": f"Bearer {before.secondary_key}"}).status_code == 401
    assert scorer.post(uri, json={}, headers={"Authorization": f"Bearer {after.secondary_key}"}).status_code == 200


def test_deployment_update_through_the_sdk(ml: Any, control: AzureMLControl) -> None:
    from azure.core.exceptions import HttpResponseError

    _endpoint(ml, "update-ep")
    _deployment(ml, "update-ep", "blue", instance_count=1)
    scaled = _deployment(ml, "update-ep", "blue", instance_count=4, tags={"rev": "2"})
    assert (scaled.instance_count, scaled.tags) == (4, {"rev": "2"})
    with pytest.raises(HttpResponseError) as refused:
        _deployment(ml, "update-ep", "blue", instance_count=4, instance_type="Standard_F8s_v2")
    assert refused.value.status_code == 400
    assert (
        "properties.instanceType ('Standard_DS3_v2' -> 'Standard_F8s_v2') cannot be changed after creation"
        in refused.value.message
    )
    assert ml.online_deployments.get("blue", "update-ep").instance_type == "Standard_DS3_v2"


def test_scale_settings_must_be_default_for_managed(ml: Any, control: AzureMLControl, arm: ArmClient) -> None:
    e = _entities()
    _endpoint(ml, "scale-ep")
    settings = e.TargetUtilizationScaleSettings(
        min_instances=1, max_instances=3, polling_interval=10, target_utilization_percentage=70
    )
    with pytest.raises(Exception, match="DefaultScaleSettings only"):  # the SDK refuses before sending
        _deployment(ml, "scale-ep", "blue", scale_settings=settings)
    scale = {"scaleType": "TargetUtilization", "minInstances": 1, "maxInstances": 3, "pollingInterval": "PT10S"}
    refused = arm.put_deployment("scale-ep", "blue", scaleSettings=scale)
    assert refused.status_code == 400 and "DefaultScaleSettings only" in _error(refused)["message"]
    default = arm.put_deployment("scale-ep", "blue", scaleSettings={"scaleType": "default"})
    assert default.status_code == 201 and default.json()["properties"]["scaleSettings"] == {"scaleType": "Default"}


# ------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        (
            endpoint_body(unknownTop=1),
            "ValidationError",
            "Could not find member 'unknownTop' on object of type 'OnlineEndpoint'",
        ),
        (endpoint_body(authmode="Key"), "ValidationError", "Did you mean 'authMode'?"),
        (endpoint_body(authMode="Password"), "ValidationError", "allowed values: AMLToken, Key, AADToken"),
        (endpoint_body(traffic={"blue": "100"}), "ValidationError", "'properties.traffic['blue']' must be an integer"),
        ({"properties": {"authMode": "Key"}}, "ValidationError", "The property 'location' is required"),
        (endpoint_body(identity={"type": "Magic"}), "ValidationError", "'identity.type' is not valid"),
        (endpoint_body(location="eastus"), "BadRequest", "must be the workspace's location 'westeurope'"),
        (endpoint_body(traffic={"ghost": 100}), "BadRequest", "names deployment 'ghost', which does not exist"),
        (endpoint_body(compute="my-aks"), "BadRequest", "Compute 'my-aks' is not attached"),
        (["not", "an", "object"], "InvalidRequestContent", "must be a JSON object"),
    ],
)
def test_endpoint_bodies_refused(arm: ArmClient, control: AzureMLControl, body: Any, code: str, fragment: str) -> None:
    response = arm.request("PUT", "/onlineEndpoints/refused-ep", body)
    assert response.status_code == 400
    assert _error(response)["code"] == code
    assert fragment in json.dumps(response.json()) or fragment in _error(response)["message"]
    assert arm.get("/onlineEndpoints/refused-ep").status_code == 404


def test_validation_reports_every_problem(arm: ArmClient, control: AzureMLControl) -> None:
    response = arm.request("PUT", "/onlineEndpoints/many-ep", endpoint_body(authMode="x", foo=1, traffic=[]))
    error = _error(response)
    assert {d["target"] for d in error["details"]} == {"properties.authMode", "properties.foo", "properties.traffic"}
    assert "and 2 more problem(s)" in error["message"]


@pytest.mark.parametrize("name", ["ab", "1abc", "a" * 33, "has_underscore", "ends-", "-starts"])
def test_invalid_endpoint_names(arm: ArmClient, control: AzureMLControl, name: str) -> None:
    response = arm.put_endpoint(name)
    assert response.status_code == 400
    assert f"Invalid endpoint name '{name}'" in _error(response)["message"]


@pytest.mark.parametrize(
    ("overrides", "code", "fragment"),
    [
        (
            {"instanceType": "ml.nonexistent.huge"},
            "BadRequest",
            '"ml.nonexistent.huge" is not a supported instance type',
        ),
        ({"sku": {"name": "Default", "capacity": 0}}, "BadRequest", "'sku.capacity' must be between 1 and 20, got 0"),
        ({"sku": {"name": "Default", "capacity": 21}}, "BadRequest", "'sku.capacity' must be between 1 and 20, got 21"),
        ({"requestSettings": {"requestTimeout": "PT180.001S"}}, "BadRequest", "between 1 ms and 180 s (180000 ms)"),
        ({"requestSettings": {"requestTimeout": "5000"}}, "ValidationError", "must be an ISO 8601 duration"),
        ({"requestSettings": {"maxConcurrentRequestsPerInstance": 0}}, "BadRequest", "must be at least 1"),
        ({"livenessProbe": {"successThreshold": 2}}, "BadRequest", "must be 1 for a liveness probe"),
        (
            {"readinessProbe": {"period": "PT0S"}},
            "BadRequest",
            "'properties.readinessProbe.period' must be at least 1 s",
        ),
        (
            {"dataCollector": {"collections": {"model_inputs": {"dataCollectionMode": "Enabled", "samplingRate": 2}}}},
            "BadRequest",
            "between 0 and 1",
        ),
        (
            {"dataCollector": {"collections": {"model_inputs": {"dataCollectionMode": "sometimes"}}}},
            "ValidationError",
            "allowed values: Enabled, Disabled",
        ),
        ({"endpointComputeType": "Serverless"}, "ValidationError", "is not one of ['Kubernetes', 'Managed']"),
        ({"endpointComputeType": "Kubernetes"}, "BadRequest", "must have endpointComputeType 'Managed'"),
        (
            {"model": "azureml:model:1"},
            "BadRequest",
            "'properties.model' must be the ARM id of a registered model version",
        ),
        ({"model": None, "environmentId": None}, "BadRequest", "needs an environment"),
        ({"instanceType": None}, "BadRequest", "'properties.instanceType' is required"),
        (
            {"codeConfiguration": {"codeId": "x"}},
            "ValidationError",
            "'properties.codeConfiguration.scoringScript' is required",
        ),
        ({"scaleSettings": {"minInstances": 1}}, "ValidationError", "'properties.scaleSettings.scaleType' is required"),
        ({"environmentVariables": {"A": 1}}, "ValidationError", "must be a string"),
        ({"appInsightsEnabled": "yes"}, "ValidationError", "must be a boolean"),
        ({"location": "northeurope"}, "BadRequest", "must be the workspace's location"),
        ({"provisioningState": "Succeeded", "mystery": True}, "ValidationError", "Could not find member 'mystery'"),
    ],
)
def test_deployment_bodies_refused(
    arm: ArmClient, control: AzureMLControl, overrides: dict[str, Any], code: str, fragment: str
) -> None:
    assert arm.put_endpoint("val-ep").status_code == 201
    response = arm.put_deployment("val-ep", "blue", **overrides)
    assert response.status_code == 400, response.text
    assert _error(response)["code"] == code
    assert fragment in json.dumps(response.json()).replace('\\"', '"')
    assert arm.get("/onlineEndpoints/val-ep/deployments/blue").status_code == 404


def test_read_only_fields_are_accepted_and_ignored(arm: ArmClient, control: AzureMLControl) -> None:
    body = endpoint_body(provisioningState="Failed", scoringUri="https://elsewhere/score")
    body.update({"id": "/x", "name": "other", "systemData": {"createdBy": "me"}})
    created = arm.request("PUT", "/onlineEndpoints/readonly-ep", body)
    assert created.status_code == 201
    assert created.json()["name"] == "readonly-ep"
    assert created.json()["properties"]["scoringUri"].endswith("/score/readonly-ep")


@pytest.mark.parametrize("name", ["b", "2blue", "blue_green", "x" * 33])
def test_invalid_deployment_names(arm: ArmClient, control: AzureMLControl, name: str) -> None:
    arm.put_endpoint("dname-ep")
    response = arm.put_deployment("dname-ep", name)
    assert response.status_code == 400 and f"Invalid deployment name '{name}'" in _error(response)["message"]


def test_traffic_rules(arm: ArmClient, control: AzureMLControl) -> None:
    arm.put_endpoint("traffic-ep")
    arm.put_deployment("traffic-ep", "blue")
    arm.put_deployment("traffic-ep", "green")
    cases = [
        ({"blue": 60, "green": 30}, "Traffic values must sum to 100 (or 0 for no traffic), got 90"),
        ({"blue": 100, "red": 0}, "names deployment 'red', which does not exist"),
        ({"blue": 101}, "must be between 0 and 100"),
    ]
    for traffic, fragment in cases:
        response = arm.put_endpoint("traffic-ep", traffic=traffic)
        assert response.status_code == 400 and fragment in _error(response)["message"]
    mirror_cases = [
        ({"blue": 100}, {"green": 60}, "the maximum is 50%"),
        ({"blue": 100}, {"blue": 10}, "cannot also receive mirror traffic"),
        ({}, {"blue": 10, "green": 10}, "only one deployment"),
    ]
    for traffic, mirror, fragment in mirror_cases:
        response = arm.put_endpoint("traffic-ep", traffic=traffic, mirrorTraffic=mirror)
        assert response.status_code == 400 and fragment in _error(response)["message"]
    ok = arm.put_endpoint("traffic-ep", traffic={"BLUE": 70, "green": 30}, mirrorTraffic={})
    assert ok.status_code == 200
    assert ok.json()["properties"]["traffic"] == {"blue": 70, "green": 30}
    mirrored = arm.put_endpoint("traffic-ep", traffic={"blue": 100, "green": 0}, mirrorTraffic={"green": 20})
    assert mirrored.json()["properties"]["traffic"] == {"blue": 100, "green": 0}
    assert mirrored.json()["properties"]["mirrorTraffic"] == {"green": 20}
    refused = arm.request("DELETE", "/onlineEndpoints/traffic-ep/deployments/green")
    assert refused.status_code == 400 and "20% of the endpoint's mirror traffic" in _error(refused)["message"]


def test_create_only_and_patch_rules(arm: ArmClient, control: AzureMLControl) -> None:
    arm.put_endpoint("immutable-ep")
    arm.put_deployment(
        "immutable-ep",
        "blue",
        codeConfiguration={"codeId": f"{arm.prefix}/codes/c/versions/1", "scoringScript": "score.py"},
    )
    moved = arm.put_deployment(
        "immutable-ep",
        "blue",
        codeConfiguration={"codeId": f"{arm.prefix}/codes/c/versions/1", "scoringScript": "other.py"},
    )
    assert moved.status_code == 400 and "properties.codeConfiguration.scoringScript" in _error(moved)["message"]
    retyped = arm.put_deployment("immutable-ep", "blue", instanceType="standard_f2s_v2")
    assert retyped.status_code == 400 and "'Standard_DS3_v2' -> 'Standard_F2s_v2'" in _error(retyped)["message"]
    same_case = arm.put_deployment(
        "immutable-ep",
        "blue",
        instanceType="STANDARD_DS3_V2",
        codeConfiguration={"codeId": f"{arm.prefix}/codes/c/versions/1", "scoringScript": "score.py"},
    )
    assert same_case.status_code == 200 and same_case.json()["properties"]["instanceType"] == "Standard_DS3_v2"
    endpoint_patch = arm.request(
        "PATCH", "/onlineEndpoints/immutable-ep", {"tags": {"a": "1"}, "properties": {"authMode": "Key"}}
    )
    assert (
        endpoint_patch.status_code == 400 and "Could not find member 'properties'" in _error(endpoint_patch)["message"]
    )
    tagged = arm.request("PATCH", "/onlineEndpoints/immutable-ep", {"tags": {"a": "1"}, "identity": {"type": "None"}})
    assert (
        tagged.status_code == 200
        and tagged.json()["tags"] == {"a": "1"}
        and tagged.json()["identity"]["type"] == "None"
    )
    resized = arm.request("PATCH", "/onlineEndpoints/immutable-ep/deployments/blue", {"sku": {"name": "Premium"}})
    assert resized.status_code == 400 and "only sku.capacity can be updated" in _error(resized)["message"]
    scaled = arm.request(
        "PATCH", "/onlineEndpoints/immutable-ep/deployments/blue", {"sku": {"capacity": 5}, "tags": {"t": "2"}}
    )
    assert scaled.status_code == 202 and scaled.headers["Azure-AsyncOperation"].startswith(arm.url)
    settled = arm.settle("/onlineEndpoints/immutable-ep/deployments/blue")
    assert (settled["sku"]["capacity"], settled["tags"]) == (5, {"t": "2"})
    relocated = arm.put_endpoint("immutable-ep", location="westeurope", authMode="AMLToken")
    assert relocated.status_code == 200 and relocated.json()["properties"]["authMode"] == "AMLToken"


def test_endpoint_state_rules(arm: ArmClient, control: AzureMLControl, emulator: AzureMLEmulator) -> None:
    missing = arm.put_deployment("nowhere-ep", "blue")
    assert missing.status_code == 404 and _error(missing)["code"] == "ResourceNotFound"
    control.fail_endpoint("broken-ep", on="create", reason="Not enough quota")
    arm.put_endpoint("broken-ep")
    assert arm.settle("/onlineEndpoints/broken-ep")["properties"]["provisioningState"] == "Failed"
    refused = arm.put_deployment("broken-ep", "blue")
    assert refused.status_code == 400 and "is in provisioningState Failed" in _error(refused)["message"]
    with raw_client(emulator, "other-workspace") as other:
        taken = other.put_endpoint("broken-ep")
    assert taken.status_code == 409 and "unique per region" in _error(taken)["message"]
    control.set_progression("manual", times=3)
    arm.put_endpoint("busy-ep")
    busy = arm.put_endpoint("busy-ep", description="again")
    assert busy.status_code == 409 and _error(busy)["code"] == "Conflict"
    arm.request("DELETE", "/onlineEndpoints/busy-ep")
    deleting = arm.put_deployment("busy-ep", "blue")
    assert deleting.status_code == 409 and "being deleted" in _error(deleting)["message"]
    assert arm.request("DELETE", "/onlineEndpoints/never-existed").status_code == 204
    assert arm.request("DELETE", "/onlineEndpoints/broken-ep/deployments/never-existed").status_code == 204


def test_more_refusals(arm: ArmClient, control: AzureMLControl) -> None:
    created = arm.put_endpoint("more-ep", keys={"primaryKey": "p" * 32, "secondaryKey": "s" * 32})
    assert created.status_code == 201
    assert arm.request("POST", "/onlineEndpoints/more-ep/listKeys").json() == {
        "primaryKey": "p" * 32,
        "secondaryKey": "s" * 32,
    }
    rekeyed = arm.put_endpoint("more-ep", keys={"primaryKey": "x" * 32})
    assert rekeyed.status_code == 400 and "can only be set when the endpoint is created" in _error(rekeyed)["message"]
    bad_code = arm.put_deployment("more-ep", "blue", codeConfiguration={"codeId": "./src", "scoringScript": "score.py"})
    assert bad_code.status_code == 400 and "must be the ARM id of a code version" in _error(bad_code)["message"]
    for index in range(20):
        assert arm.put_deployment("more-ep", f"dep-{index:02d}").status_code == 201
    crowded = arm.put_deployment("more-ep", "dep-20")
    assert crowded.status_code == 400 and "already has 20 deployments" in _error(crowded)["message"]
    control.set_progression("manual", times=2)
    arm.put_deployment("more-ep", "dep-00", tags={"rev": "2"})
    busy = arm.put_deployment("more-ep", "dep-00", tags={"rev": "3"})
    assert busy.status_code == 409 and "has an operation in progress" in _error(busy)["message"]
    arm.put_endpoint("token-ep", authMode="AMLToken")
    regenerate = arm.request("POST", "/onlineEndpoints/token-ep/regenerateKeys", {"keyType": "Primary"})
    assert (
        regenerate.status_code == 400
        and "regenerateKeys is only available for auth mode 'Key'" in _error(regenerate)["message"]
    )
    bad_key_type = arm.request("POST", "/onlineEndpoints/more-ep/regenerateKeys", {"keyType": "Tertiary"})
    assert bad_key_type.status_code == 400 and "allowed values: Primary, Secondary" in _error(bad_key_type)["message"]
    with pytest.raises(ControlAPIError) as drift:
        control.drift("more-ep", {"traffic": {"dep-01": 50}})
    assert drift.value.status == 400 and "must sum to 100" in drift.value.message
    with pytest.raises(ControlAPIError) as missing:
        control.drift("more-ep", {"instance_count": 2}, deployment="ghost")
    assert missing.value.status == 404


def test_schema_walker_unit() -> None:
    from emulators.azureml import schema

    cleaned, problems = schema.validate("SystemData", {"createdAt": "yesterday", "createdByType": "user"})
    assert cleaned["createdByType"] == "User"
    assert [p.target for p in problems] == ["createdAt"] and "ISO 8601 date-time" in problems[0].message
    assert schema.validate("SystemData", {"createdAt": "2024-05-01T10:00:00Z"})[1] == []
    assert schema.validate("OnlineRequestSettings", {"requestTimeout": "PT1M30.5S"})[1] == []
    _, null_required = schema.validate("Route", {"path": None, "port": 80})
    assert [(p.target, p.code) for p in null_required] == [("path", "MissingProperty")]
    old = {
        "location": "westeurope",
        "properties": {"endpointComputeType": "Managed", "instanceType": "Standard_DS3_v2"},
    }
    new = {
        "location": "westeurope",
        "properties": {"endpointComputeType": "Managed", "instanceType": "standard_ds3_v2"},
    }
    assert schema.immutable_changes("OnlineDeployment", old, new) == []
    added = {**new, "properties": {**new["properties"], "codeConfiguration": {"scoringScript": "s.py"}}}
    assert schema.immutable_changes("OnlineDeployment", old, added) == ["properties.codeConfiguration.scoringScript"]


def test_protocol_errors(arm: ArmClient, control: AzureMLControl) -> None:
    unauthenticated = arm.request("GET", "/onlineEndpoints", token=None)
    assert unauthenticated.status_code == 401 and _error(unauthenticated)["code"] == "AuthenticationFailed"
    assert "WWW-Authenticate" in unauthenticated.headers
    no_version = arm.request("GET", "/onlineEndpoints", api_version=None)
    assert no_version.status_code == 400 and _error(no_version)["code"] == "MissingApiVersionParameter"
    bad_version = arm.request("GET", "/onlineEndpoints", api_version="2001-01-01")
    assert bad_version.status_code == 400 and _error(bad_version)["code"] == "InvalidApiVersionParameter"
    not_json = arm.request("PUT", "/onlineEndpoints/json-ep", content=b"{not json")
    assert not_json.status_code == 400 and _error(not_json)["code"] == "InvalidRequestContent"
    unknown = arm.request("GET", "/batchEndpoints")
    assert unknown.status_code == 404 and _error(unknown)["code"] == "InvalidResourceType"
    wrong_method = arm.request("POST", "/onlineEndpoints/x")
    assert wrong_method.status_code == 405
    missing = arm.get("/onlineEndpoints/absent-ep")
    assert missing.status_code == 404 and _error(missing)["code"] == "ResourceNotFound"
    case_insensitive = arm.request("GET", arm.prefix.replace("resourceGroups", "resourcegroups") + "/onlineendpoints")
    assert case_insensitive.status_code == 200 and case_insensitive.json() == {"value": []}


# ---------------------------------------------------------------------------------------- faults


def test_throttling_with_retry_after_then_success(ml: Any, control: AzureMLControl, arm: ArmClient) -> None:
    _endpoint(ml, "throttled-ep")
    control.inject_fault(method="GET", path_contains="/onlineEndpoints/throttled-ep", status=429, retry_after=1)
    assert control.faults()[0]["remaining"] == 1
    control.clear_requests()
    started = time.monotonic()
    assert ml.online_endpoints.get("throttled-ep").name == "throttled-ep"  # azure-core honours Retry-After
    assert time.monotonic() - started >= 0.9
    statuses = [r["status"] for r in control.requests() if r["path"].endswith("/onlineEndpoints/throttled-ep")]
    assert statuses == [429, 200]
    assert control.faults() == []


def test_server_errors_are_arm_json_and_retried(ml: Any, control: AzureMLControl, arm: ArmClient) -> None:
    _endpoint(ml, "flaky-ep")
    control.inject_fault(path_contains="flaky-ep", status=500, retry_after=None)
    assert ml.online_endpoints.get("flaky-ep").name == "flaky-ep"  # the SDK retried once
    control.inject_fault(method="PUT", status=503, count=2, retry_after=7)
    first = arm.put_endpoint("other-ep")
    assert first.status_code == 503 and first.headers["Retry-After"] == "7"
    assert _error(first) == {
        "code": "ServiceUnavailable",
        "message": "The service is temporarily unavailable. Please retry the request.",
    }
    assert arm.put_endpoint("other-ep").status_code == 503
    assert arm.put_endpoint("other-ep").status_code == 201
    control.inject_fault(status=429, retry_after=2, count=5)
    throttled = arm.get("/onlineEndpoints")
    assert (
        throttled.status_code == 429
        and throttled.headers["Retry-After"] == "2"
        and _error(throttled)["code"] == "TooManyRequests"
    )
    control.clear_faults()
    assert control.faults() == [] and arm.get("/onlineEndpoints").status_code == 200


def test_latency_fault(arm: ArmClient, control: AzureMLControl) -> None:
    control.inject_fault(status=0, delay=0.2, path_contains="/onlineEndpoints")
    started = time.monotonic()
    assert arm.get("/onlineEndpoints").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_fault_specs_are_validated(control: AzureMLControl) -> None:
    for kwargs, fragment in (
        ({"status": 200}, "'status'"),
        ({"count": 0}, "'count'"),
        ({"retry_after": -1}, "'retry_after'"),
    ):
        with pytest.raises(ControlAPIError) as refused:
            control.inject_fault(**kwargs)
        assert refused.value.status == 400 and fragment in refused.value.message


# -------------------------------------------------------------------------------------- failures


def test_endpoint_create_failure(ml: Any, control: AzureMLControl, arm: ArmClient) -> None:
    from azure.core.exceptions import HttpResponseError

    control.fail_endpoint("doomed-ep", on="create", reason="Not enough quota for Standard_DS3_v2 in westeurope")
    with pytest.raises(HttpResponseError) as failed:
        _endpoint(ml, "doomed-ep")
    assert "Not enough quota for Standard_DS3_v2 in westeurope" in str(failed.value)
    endpoint = ml.online_endpoints.get("doomed-ep")
    assert endpoint.provisioning_state.lower() == "failed"
    status = arm.request("GET", endpoint.properties["AzureAsyncOperationUri"])
    assert status.json()["status"] == "Failed"
    assert status.json()["error"] == {
        "code": "EndpointProvisioningFailed",
        "message": "Not enough quota for Standard_DS3_v2 in westeurope",
    }
    with pytest.raises(HttpResponseError, match="not Failed or Deleting"):
        _deployment(ml, "doomed-ep", "blue")
    assert control.failures()["endpoints"] == [
        {
            "endpoint": "doomed-ep",
            "on": "create",
            "reason": "Not enough quota for Standard_DS3_v2 in westeurope",
            "code": None,
        }
    ]
    control.clear_failure("doomed-ep")
    assert _endpoint(ml, "doomed-ep").provisioning_state.lower() == "succeeded"  # a re-create succeeds


def test_first_deployment_fails_when_endpoint_create_failure_is_set_late(ml: Any, control: AzureMLControl) -> None:
    from azure.core.exceptions import HttpResponseError

    _endpoint(ml, "late-ep")
    control.fail_endpoint("late-ep", on="create", reason="Image pull failed: registry.example/m:1 not found")
    with pytest.raises(HttpResponseError, match="Image pull failed"):
        _deployment(ml, "late-ep", "blue")
    assert ml.online_deployments.get("blue", "late-ep").provisioning_state.lower() == "failed"
    logs = ml.online_deployments.get_logs("blue", "late-ep", lines=20)
    assert "Image pull failed: registry.example/m:1 not found" in logs


def test_update_failure_and_deployment_failure(ml: Any, control: AzureMLControl, arm: ArmClient) -> None:
    from azure.core.exceptions import HttpResponseError

    control.fail_endpoint("rollout-ep", on="update", reason="Liveness probe failed")
    _endpoint(ml, "rollout-ep")
    assert _deployment(ml, "rollout-ep", "blue").provisioning_state.lower() == "succeeded"  # first one is a create
    with pytest.raises(HttpResponseError, match="Liveness probe failed"):
        _deployment(ml, "rollout-ep", "blue", instance_count=2)
    with pytest.raises(HttpResponseError, match="Liveness probe failed"):
        _deployment(ml, "rollout-ep", "green")
    control.clear_failure("rollout-ep")
    control.fail_deployment("rollout-ep", "green", reason="Container crashed: exit code 137", code="ResourceNotReady")
    arm.put_deployment("rollout-ep", "green")
    failed = arm.settle("/onlineEndpoints/rollout-ep/deployments/green")
    assert failed["properties"]["provisioningState"] == "Failed"
    status = arm.request("GET", failed["properties"]["properties"]["AzureAsyncOperationUri"]).json()
    assert status["error"] == {"code": "ResourceNotReady", "message": "Container crashed: exit code 137"}
    control.clear_failure("rollout-ep")
    assert arm.put_deployment("rollout-ep", "green").status_code == 201  # a never-succeeded deployment is re-created
    assert arm.settle("/onlineEndpoints/rollout-ep/deployments/green")["properties"]["provisioningState"] == "Succeeded"
    with pytest.raises(ControlAPIError, match="'on' must be 'create' or 'update'"):
        control.fail_endpoint("x-ep", on="delete", reason="r")


# ----------------------------------------------------------------------------------- progression


def test_manual_progression_counts_reads(arm: ArmClient, control: AzureMLControl) -> None:
    control.set_progression("manual", times=2)
    assert control.progression() == {"progression": "manual", "times": 2}
    created = arm.put_endpoint("manual-ep")
    assert created.status_code == 201 and created.json()["properties"]["provisioningState"] == "Creating"
    assert created.headers["retry-after-ms"] == "50" and "Retry-After" not in created.headers  # azure-core prefers it
    status_url = created.headers["Azure-AsyncOperation"]
    assert (
        status_url.startswith(f"{arm.url}/subscriptions/")
        and "/locations/westeurope/mfeOperationsStatus/" in status_url
    )
    assert arm.get("/onlineEndpoints/manual-ep").json()["properties"]["provisioningState"] == "Creating"
    assert arm.request("GET", status_url).json()["status"] == "InProgress"  # reads of the status URL count too
    assert arm.request("GET", status_url).json()["status"] == "Succeeded"
    result = arm.request("GET", created.headers["Location"])
    assert result.status_code == 204
    deleted = arm.request("DELETE", "/onlineEndpoints/manual-ep")
    assert deleted.status_code == 202 and "Azure-AsyncOperation" in deleted.headers and "Location" in deleted.headers
    assert arm.request("GET", deleted.headers["Location"]).status_code == 202
    assert arm.get("/onlineEndpoints/manual-ep").json()["properties"]["provisioningState"] == "Deleting"
    assert arm.get("/onlineEndpoints/manual-ep").status_code == 404


def test_manual_progression_with_the_sdk_poller(ml: Any, control: AzureMLControl) -> None:
    control.set_progression("manual", times=3)
    assert _endpoint(ml, "poller-ep").provisioning_state.lower() == "succeeded"
    polls = [r for r in control.requests() if "/mfeOperationsStatus/" in r["path"]]
    assert len(polls) == 4  # three InProgress answers, then Succeeded


def test_time_and_immediate_progression(arm: ArmClient, control: AzureMLControl) -> None:
    control.set_progression("time", seconds=0.15)
    arm.put_endpoint("timed-ep")
    assert arm.get("/onlineEndpoints/timed-ep").json()["properties"]["provisioningState"] == "Creating"
    time.sleep(0.2)
    assert arm.get("/onlineEndpoints/timed-ep").json()["properties"]["provisioningState"] == "Succeeded"
    control.set_progression("immediate")
    created = arm.put_deployment("timed-ep", "blue")
    assert created.json()["properties"]["provisioningState"] == "Creating"
    assert (
        arm.get("/onlineEndpoints/timed-ep/deployments/blue").json()["properties"]["provisioningState"] == "Succeeded"
    )
    with pytest.raises(ControlAPIError, match="'times' must be an integer >= 1"):
        control.set_progression("manual", times=0)


def test_endpoint_delete_takes_its_deployments(arm: ArmClient, control: AzureMLControl) -> None:
    arm.put_endpoint("parent-ep")
    arm.put_deployment("parent-ep", "blue")
    arm.put_endpoint("parent-ep", traffic={"blue": 100})
    control.set_progression("manual", times=1)
    arm.request("DELETE", "/onlineEndpoints/parent-ep")
    listed = arm.get("/onlineEndpoints/parent-ep/deployments").json()["value"]
    assert [d["properties"]["provisioningState"] for d in listed] == ["Deleting"]
    arm.get("/onlineEndpoints/parent-ep")
    assert arm.get("/onlineEndpoints/parent-ep").status_code == 404
    assert arm.get("/onlineEndpoints/parent-ep/deployments/blue").status_code == 404
    assert control.state()["workspaces"][0]["endpoints"] == []


def test_constructor_progression_and_reset(emulator: AzureMLEmulator) -> None:
    with pytest.raises(ValueError, match="'progression' must be one of"):
        AzureMLEmulator(progression={"progression": "sometimes"})
    with AzureMLEmulator(progression={"progression": "manual", "times": 1}) as manual:
        control = manual.control
        assert control.progression() == {"progression": "manual", "times": 1}
        with raw_client(manual) as arm:
            arm.put_endpoint("reset-ep")
            control.set_progression("immediate")
            control.inject_fault(status=500)
            control.fail_endpoint("reset-ep", on="update", reason="r")
            control.set_prediction("reset-ep", body="x")
            control.reset()
            assert control.progression() == {"progression": "manual", "times": 1}
            assert control.faults() == [] and control.failures() == {"endpoints": [], "deployments": []}
            assert control.requests() == []
            assert arm.get("/onlineEndpoints").json() == {"value": []}


# ---------------------------------------------------------------------------------------- scoring


def test_scoring_routing_and_configured_answers(arm: ArmClient, control: AzureMLControl, scorer: httpx.Client) -> None:
    arm.put_endpoint("route-ep")
    for name in ("blue", "green"):
        arm.put_deployment("route-ep", name)
    uri = arm.get("/onlineEndpoints/route-ep").json()["properties"]["scoringUri"]
    key = arm.request("POST", "/onlineEndpoints/route-ep/listKeys").json()["primaryKey"]
    auth = {"Authorization": f"Bearer {key}"}
    no_route = scorer.post(uri, json={}, headers=auth)
    assert no_route.status_code == 404 and no_route.json()["message"].startswith("No valid deployments to route to")
    arm.put_endpoint("route-ep", traffic={"blue": 70, "green": 30})
    picks = [scorer.post(uri, json={}, headers=auth).headers["azureml-model-deployment"] for _ in range(10)]
    assert picks.count("blue") == 7 and picks.count("green") == 3
    control.set_prediction("route-ep", status=500, body={"error": "model crashed"})
    crashed = scorer.post(uri, json={}, headers=auth)
    assert crashed.status_code == 500 and crashed.json() == {"error": "model crashed"}
    control.set_prediction(
        "route-ep", body=b"\x00\x01", content_type="application/octet-stream", deployment="green"
    )
    green = scorer.post(uri, content=b"raw", headers={**auth, "azureml-model-deployment": "green"})
    assert green.content == b"\x00\x01" and green.headers["content-type"] == "application/octet-stream"
    control.clear_prediction("route-ep")
    text = scorer.post(uri, content=b"plain text", headers={**auth, "azureml-model-deployment": "green"})
    assert text.json() == {"echo": "plain text", "deployment": "green"}
    ghost = scorer.post(uri, json={}, headers={**auth, "azureml-model-deployment": "ghost"})
    assert ghost.status_code == 404
    assert scorer.post(uri.replace("route-ep", "absent-ep"), json={}, headers=auth).status_code == 404
    assert scorer.get(uri, headers=auth).status_code == 405
    swagger = scorer.get(arm.get("/onlineEndpoints/route-ep").json()["properties"]["swaggerUri"], headers=auth)
    assert swagger.status_code == 200 and swagger.json()["openapi"] == "3.0.1"


def test_scoring_a_deployment_that_is_not_ready(arm: ArmClient, control: AzureMLControl, scorer: httpx.Client) -> None:
    arm.put_endpoint("ready-ep")
    arm.put_deployment("ready-ep", "blue")
    arm.put_endpoint("ready-ep", traffic={"blue": 100})
    control.set_progression("manual", times=5)
    control.fail_deployment("ready-ep", "green", reason="boom")
    arm.put_deployment("ready-ep", "green")
    uri = f"{arm.url}/score/ready-ep"
    key = arm.request("POST", "/onlineEndpoints/ready-ep/listKeys").json()["primaryKey"]
    creating = scorer.post(
        uri, json={}, headers={"Authorization": f"Bearer {key}", "azureml-model-deployment": "green"}
    )
    assert creating.status_code == 503 and "provisioningState Creating" in creating.json()["message"]
    assert scorer.post(uri, json={}, headers={"Authorization": f"Bearer {key}"}).status_code == 200


# ------------------------------------------------------------------------------ listing and assets


def test_paging(ml: Any, arm: ArmClient, control: AzureMLControl) -> None:
    for index in range(12):
        assert arm.put_endpoint(f"page-ep-{index:02d}").status_code == 201
    first = arm.get("/onlineEndpoints").json()
    assert len(first["value"]) == 10 and first["nextLink"].startswith(arm.url)
    second = arm.request("GET", first["nextLink"], api_version=None)
    assert [e["name"] for e in second.json()["value"]] == [
        "page-ep-10",
        "page-ep-11",
    ] and "nextLink" not in second.json()
    assert len(list(ml.online_endpoints.list())) == 12


def test_asset_versions(arm: ArmClient, control: AzureMLControl) -> None:
    body = {"properties": {"image": "registry.example/env:1", "description": "d"}}
    assert arm.request("PUT", "/environments/env/versions/1", body).status_code == 201
    again = arm.request(
        "PUT", "/environments/env/versions/1", {"properties": {"image": "registry.example/env:1", "description": "e"}}
    )
    assert again.status_code == 200 and again.json()["properties"]["description"] == "e"
    changed = arm.request("PUT", "/environments/env/versions/1", {"properties": {"image": "registry.example/env:2"}})
    assert changed.status_code == 400 and "is immutable: properties.image" in _error(changed)["message"]
    fetched = arm.get("/environments/env/versions/1").json()
    assert fetched["properties"]["provisioningState"] == "Succeeded" and fetched["name"] == "1"
    assert [v["name"] for v in arm.get("/environments/env/versions").json()["value"]] == ["1"]
    assert arm.get("/models/m/versions/1").status_code == 404
    bad = arm.request("PUT", "/data/d/versions/1", {"properties": {"dataType": "table", "dataUri": "azureml://x"}})
    assert bad.status_code == 400 and "['mltable', 'uri_file', 'uri_folder']" in _error(bad)["message"]


# -------------------------------------------------------------------------------- the emulator itself


def test_emulator_basics(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        AzureMLEmulator("0.0.0.0")
    emulator = AzureMLEmulator("localhost", 0, state_dir=tmp_path)
    with pytest.raises(RuntimeError):
        _ = emulator.url
    with emulator:
        assert emulator.url.startswith("https://127.0.0.1:")
        assert Path(emulator.ca_file).parent == tmp_path and Path(emulator.ca_file).read_text().startswith(
            "-----BEGIN CERTIFICATE"
        )
        metadata = emulator.cloud_metadata()
        assert set(metadata) == {
            "azure_portal",
            "resource_manager",
            "active_directory",
            "aml_resource_id",
            "storage_endpoint",
            "registry_discovery_endpoint",
        }
        assert set(metadata.values()) == {f"{emulator.url}/"}
        assert emulator.control.health()
        busy = AzureMLEmulator("127.0.0.1", int(emulator.url.rsplit(":", 1)[1]))
        with pytest.raises(OSError):
            busy.start()
        with pytest.raises(ControlAPIError) as unknown:
            emulator.control._call("GET", "/_emulator/azureml/nothing")
        assert unknown.value.status == 404
    assert (tmp_path / "azureml-emulator-ca.pem").exists()  # state_dir is kept
    temporary = AzureMLEmulator()
    with temporary:
        ca_dir = Path(temporary.ca_file).parent
    assert not ca_dir.exists()


def test_sdk_serialisations_validate_without_false_positives() -> None:
    """Entities the SDK can build, serialised as it sends them, pass the strict walker."""
    from azure.ai.ml._restclient.arm_ml_service._utils.model_base import SdkJSONEncoder

    from emulators.azureml import schema

    e = _entities()
    endpoints = [
        e.ManagedOnlineEndpoint(
            name="a-ep",
            auth_mode=mode,
            tags={"k": "v"},
            description="d",
            traffic={"x": 100},
            public_network_access=access,
        )
        for mode in ("key", "aml_token", "aad_token")
        for access in ("enabled", "disabled")
    ]
    for endpoint in endpoints:
        body = json.loads(
            json.dumps(
                endpoint._to_rest_online_endpoint(location="westeurope"), cls=SdkJSONEncoder, exclude_readonly=True
            )
        )
        assert schema.validate("OnlineEndpoint", body)[1] == []
    deployments = [
        e.ManagedOnlineDeployment(
            name="blue",
            endpoint_name="a-ep",
            model="azureml:m:1",
            environment="azureml:env:1",
            instance_type="Standard_DS3_v2",
            instance_count=1,
        ),
        e.ManagedOnlineDeployment(
            name="blue",
            endpoint_name="a-ep",
            model="azureml:m:1",
            code_configuration=e.CodeConfiguration(
                code="azureml:/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/codes/c/versions/1",
                scoring_script="score.py",
            ),
            environment="azureml:env:1",
            instance_type="Standard_NC6s_v3",
            instance_count=3,
            egress_public_network_access="disabled",
            request_settings=e.OnlineRequestSettings(
                request_timeout_ms=90000, max_queue_wait_ms=1000, max_concurrent_requests_per_instance=8
            ),
            liveness_probe=e.ProbeSettings(
                failure_threshold=3, success_threshold=1, timeout=5, period=30, initial_delay=60
            ),
            readiness_probe=e.ProbeSettings(failure_threshold=10),
            scale_settings=e.DefaultScaleSettings(),
            data_collector=e.DataCollector(
                collections={
                    "request": e.DeploymentCollection(enabled="false"),
                    "response": e.DeploymentCollection(enabled="true"),
                },
                rolling_rate="hour",
            ),
            environment_variables={"A": "1"},
            app_insights_enabled=False,
            description="d",
            tags={"a": "b"},
        ),
    ]
    for deployment in deployments:
        rest = deployment._to_rest_object(location="westeurope")
        body = json.loads(json.dumps(rest, cls=SdkJSONEncoder, exclude_readonly=True))
        assert schema.validate("OnlineDeployment", body)[1] == [], body
