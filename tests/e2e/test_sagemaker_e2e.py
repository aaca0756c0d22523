"""End to end: PUT -> serving -> drift behind the service's back -> full check names the field ->
PUT again -> in sync -> DELETE leaves no SageMaker resource behind."""

import boto3

from tests.support.api_server import wait_operation

SPEC = {
    "name": "e2e-fraud",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [
        {"name": "stable", "image": "r/fraud:2.0", "model_uri": "s3://m/2.0.tar.gz",
         "instance_type": "ml.c5.xlarge", "min_replicas": 2, "max_replicas": 4, "weight": 90},
        {"name": "canary", "image": "r/fraud:2.1", "instance_type": "ml.c5.xlarge", "weight": 10},
    ],
    "logging": {"enabled": True, "sample_percent": 20, "destination": "s3://cap/fraud/"},
    "tags": {"team": "risk"},
    "test_queries": [{"name": "smoke", "payload": {"x": [1, 2]}, "expect_fields": ["/predictions"]}],
}


def clients(sm):
    kw = dict(region_name="us-east-1", endpoint_url=sm.url, aws_access_key_id="t", aws_secret_access_key="t")
    return boto3.client("sagemaker", **kw), boto3.client("application-autoscaling", **kw)


def resources(sm):
    client, scaling = clients(sm)
    return (client.list_endpoints()["Endpoints"] + client.list_models()["Models"]
            + client.list_endpoint_configs()["EndpointConfigs"]
            + scaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"])


def check(api, mode="full"):
    response = api.post("/v1/deployments/e2e-fraud/checks", json={"mode": mode})
    assert response.status_code == 200, response.text
    return response.json()


def test_deploy_drift_reapply_delete(sagemaker_api, sagemaker_emulator):
    op = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/e2e-fraud", json=SPEC).json())
    assert op["metadata"]["state"] == "succeeded", op
    assert op["response"]["test_queries"][0]["passed"] is True
    dep = sagemaker_api.get("/v1/deployments/e2e-fraud").json()
    assert (dep["health"], dep["sync"]) == ("serving", "in_sync")
    assert check(sagemaker_api)["sync"] == "in_sync"
    assert check(sagemaker_api, "basic")["sync"] == "in_sync"

    client, scaling = clients(sagemaker_emulator)
    client.update_endpoint_weights_and_capacities(
        EndpointName="e2e-fraud", DesiredWeightsAndCapacities=[{"VariantName": "canary", "DesiredWeight": 90.0}])
    arn = client.describe_endpoint(EndpointName="e2e-fraud")["EndpointArn"]
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "someone-else"}])
    result = check(sagemaker_api)
    assert result["sync"] == "out_of_sync"
    assert {c["path"] for c in result["changes"]} == {"variants[stable].weight", "variants[canary].weight", "tags.team"}
    weight = next(c for c in result["changes"] if c["path"] == "variants[canary].weight")
    assert (weight["expected"], weight["actual"], weight["severity"]) == (10, 50, "material")
    assert next(c for c in result["changes"] if c["path"] == "tags.team")["severity"] == "cosmetic"
    assert sagemaker_api.get("/v1/deployments/e2e-fraud").json()["sync"] == "out_of_sync"

    response = sagemaker_api.put("/v1/deployments/e2e-fraud", json=SPEC)
    assert response.status_code == 202
    assert wait_operation(sagemaker_api, response.json())["metadata"]["state"] == "succeeded"
    assert check(sagemaker_api)["sync"] == "in_sync"

    updated = {**SPEC, "variants": [SPEC["variants"][0], {**SPEC["variants"][1], "image": "r/fraud:2.2"}]}
    op = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/e2e-fraud", json=updated).json())
    assert op["metadata"]["state"] == "succeeded", op
    configs = client.list_endpoint_configs()["EndpointConfigs"]
    assert len(configs) == 1, "the previous revision's config is removed once the new one serves"
    assert check(sagemaker_api)["sync"] == "in_sync"

    op = wait_operation(sagemaker_api, sagemaker_api.delete("/v1/deployments/e2e-fraud").json())
    assert op["metadata"]["state"] == "succeeded", op
    assert resources(sagemaker_emulator) == []
    assert sagemaker_api.get("/v1/deployments/e2e-fraud").status_code == 404
