"""End to end through the real API in sandbox mode against the Azure ML emulator: PUT -> serving ->
drift behind the service's back (instance count, tags) -> full check names the fields -> PUT again
-> in sync -> DELETE leaves nothing behind; plan refuses what Azure cannot express (422)."""

import pytest

from tests.support.api_server import wait_operation

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TARGET = {"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-0000000000e2",
          "resource_group": "rg-e2e", "workspace": "ws-e2e"}
SPEC = {
    "name": "e2e-churn",
    "target": TARGET,
    "auth_mode": "key",
    "variants": [
        {"name": "stable", "image": "myregistry.azurecr.io/churn:2.0", "model_uri": "azureml:churn:2",
         "instance_type": "Standard_DS3_v2", "min_replicas": 2, "max_replicas": 2, "weight": 90},
        {"name": "canary", "image": "myregistry.azurecr.io/churn:2.1", "instance_type": "Standard_DS3_v2",
         "weight": 10},
    ],
    "logging": {"enabled": True, "sample_percent": 20,
                "destination": "azureml://datastores/workspaceblobstore/paths/churn"},
    "tags": {"team": "growth"},
    "test_queries": [{"name": "smoke", "payload": {"x": [1, 2]}}],
}


def check(api, mode="full"):
    response = api.post("/v1/deployments/e2e-churn/checks", json={"mode": mode})
    assert response.status_code == 200, response.text
    return response.json()


def endpoints(az):
    return [e for ws in az.control.state()["workspaces"] for e in ws["endpoints"]]


def test_deploy_drift_reapply_delete(azureml_api, azureml_emulator):
    api = azureml_api
    op = wait_operation(api, api.put("/v1/deployments/e2e-churn", json=SPEC).json())
    assert op["metadata"]["state"] == "succeeded", op
    assert op["response"]["test_queries"][0]["passed"] is True
    dep = api.get("/v1/deployments/e2e-churn").json()
    assert (dep["health"], dep["sync"]) == ("serving", "in_sync")
    assert check(api)["sync"] == "in_sync" and check(api, "basic")["sync"] == "in_sync"

    # Changes behind the service's back: the endpoint's tags with MLClient, as an operator would;
    # the instance count through the emulator (azure-ai-ml 1.35 cannot re-submit a deployment it
    # read back when it has a data collector: AttributeError in _register_collection_data_assets).
    (endpoint,) = endpoints(azureml_emulator)
    stable = next(d for d in endpoint["deployments"] if d.startswith("stable-"))
    azureml_emulator.control.drift("e2e-churn", {"instance_count": 5}, deployment=stable)
    ml = _ml_client(azureml_emulator)
    live_endpoint = ml.online_endpoints.get("e2e-churn")
    live_endpoint.tags = {**live_endpoint.tags, "team": "someone-else"}
    ml.online_endpoints.begin_create_or_update(live_endpoint).result()
    result = check(api)
    assert result["sync"] == "out_of_sync"
    paths = {c["path"] for c in result["changes"]}
    assert {"variants[stable].min_replicas", "variants[stable].max_replicas", "tags.team"} <= paths, paths
    count = next(c for c in result["changes"] if c["path"] == "variants[stable].min_replicas")
    assert (count["expected"], count["actual"], count["severity"]) == (2, 5, "material")
    assert api.get("/v1/deployments/e2e-churn").json()["sync"] == "out_of_sync"

    response = api.put("/v1/deployments/e2e-churn", json=SPEC)
    assert response.status_code == 202, response.text
    assert wait_operation(api, response.json())["metadata"]["state"] == "succeeded"
    assert check(api)["sync"] == "in_sync"

    op = wait_operation(api, api.delete("/v1/deployments/e2e-churn").json())
    assert op["metadata"]["state"] == "succeeded", op
    assert endpoints(azureml_emulator) == []
    assert api.get("/v1/deployments/e2e-churn").status_code == 404


def _ml_client(az):
    """A separate MLClient on the same workspace, as an operator would use."""
    from adapters.azureml.client import make_client
    from core.targets import AzureMLTarget

    return make_client(AzureMLTarget(**TARGET), {"url": az.url, "ca_file": str(az.ca_file)}).ml


def test_plan_refuses_what_azure_cannot_express(azureml_api, azureml_emulator):
    autoscaled = {**SPEC, "variants": [{**SPEC["variants"][0], "min_replicas": 1, "max_replicas": 3,
                                        "autoscaling": {"metric": "cpu_utilization", "target": 70}},
                                       SPEC["variants"][1]]}
    response = azureml_api.post("/v1/plan", json=autoscaled)
    assert response.status_code == 200, response.text
    assert "autoscaleSettings" in response.text, "plan shows the autoscale setting finalize attaches"
    bad = {**SPEC, "variants": [{**SPEC["variants"][0], "model_uri": "s3://bucket/model.tar.gz",
                                 "min_replicas": 0, "max_replicas": 2}, SPEC["variants"][1]]}
    response = azureml_api.post("/v1/plan", json=bad)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "unsupported_feature"
    reasons = {d["feature"]: d["reason"] for d in error["details"]}
    assert {"model_uri", "scale_to_zero"} <= set(reasons)
    assert "autoscaling" not in reasons, "autoscaling is an Azure Monitor autoscale setting"
    assert "register" in reasons["model_uri"]
    assert endpoints(azureml_emulator) == [], "nothing sent to Azure"
