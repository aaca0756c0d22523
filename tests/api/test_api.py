"""The REST API through the real HTTP stack (uvicorn), DBOS and the store, on SQLite and PostgreSQL."""

import boto3

from tests.support.api_server import wait_operation

SPEC = {
    "name": "api-demo",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "model_uri": "s3://b/m.tar.gz",
                  "instance_type": "ml.m5.large"}],
    "tags": {"team": "t"},
}


def sagemaker(sm):
    return boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sm.url,
                        aws_access_key_id="t", aws_secret_access_key="t")


def names(sm):
    client = sagemaker(sm)
    return ([e["EndpointName"] for e in client.list_endpoints()["Endpoints"]]
            + [m["ModelName"] for m in client.list_models()["Models"]]
            + [c["EndpointConfigName"] for c in client.list_endpoint_configs()["EndpointConfigs"]])


def test_meta_routes(sagemaker_api):
    assert sagemaker_api.get("/healthz").json() == {"status": "ok"}
    platforms = {p["platform"]: p for p in sagemaker_api.get("/v1/platforms").json()["platforms"]}
    assert platforms["sagemaker"]["implemented"] and platforms["sagemaker"]["installed"]
    assert "custom_port" in platforms["sagemaker"]["unsupported"]
    assert sagemaker_api.get("/v1/schema/spec").json()["additionalProperties"] is False
    assert "/v1/deployments/{name}" in sagemaker_api.get("/openapi.json").json()["paths"]


def test_invalid_spec_is_422_with_paths_and_nothing_sent(sagemaker_api, sagemaker_emulator):
    bad = {**SPEC, "variants": [{**SPEC["variants"][0], "weight": 50, "colour": "x"}]}
    response = sagemaker_api.put("/v1/deployments/api-demo", json=bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "spec_invalid"
    paths = {d["path"] for d in error["details"]}
    assert "variants[0].colour" in paths
    assert names(sagemaker_emulator) == []


def test_unsupported_features_422_lists_every_gap(sagemaker_api, sagemaker_emulator):
    bad = {**SPEC, "auth_mode": "key", "variants": [{**SPEC["variants"][0], "port": 9000}]}
    response = sagemaker_api.put("/v1/deployments/api-demo", json=bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unsupported_feature"
    assert {d["feature"] for d in error["details"]} == {"auth_key", "custom_port"}
    assert names(sagemaker_emulator) == []


def test_name_mismatch_and_unknown_deployment(sagemaker_api):
    assert sagemaker_api.put("/v1/deployments/other-name", json=SPEC).status_code == 422
    assert sagemaker_api.get("/v1/deployments/nope").status_code == 404
    assert sagemaker_api.delete("/v1/deployments/nope").status_code == 404
    assert sagemaker_api.post("/v1/deployments/nope/checks", json={"mode": "basic"}).status_code == 404
    assert sagemaker_api.get("/v1/operations/0123").status_code == 404


def test_plan_shows_requests_and_diff(sagemaker_api, sagemaker_emulator):
    plan = sagemaker_api.post("/v1/plan", json=SPEC).json()
    assert plan["exists"] is False
    assert [c["operation"] for c in plan["calls"]] == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]
    assert names(sagemaker_emulator) == [], "plan sends nothing"


def test_apply_409_while_running_then_200_when_unchanged(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("manual", times=100000)  # hold the endpoint in Creating
    first = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC)
    assert first.status_code == 202 and first.json()["name"].startswith("operations/")
    second = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC)
    assert second.status_code == 409 and second.json()["error"]["code"] == "conflict"
    sagemaker_emulator.control.set_progression("immediate")
    op = wait_operation(sagemaker_api, first.json())
    assert op["metadata"]["state"] == "succeeded", op
    again = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC)
    assert again.status_code == 200 and again.json()["health"] == "serving"
    plan = sagemaker_api.post("/v1/plan", json=SPEC).json()
    assert (plan["in_sync"], plan["calls"], plan["changes"]) == (True, [], [])
    refreshed = sagemaker_api.get("/v1/deployments/api-demo", params={"refresh": "true"}).json()
    assert (refreshed["health"], refreshed["sync"]) == ("serving", "in_sync")
    listed = sagemaker_api.get("/v1/deployments").json()["deployments"]
    assert [d["name"] for d in listed] == ["api-demo"]


def test_delete_while_running_is_409(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("manual", times=100000)
    op = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json()
    response = sagemaker_api.delete("/v1/deployments/api-demo")
    assert response.status_code == 409 and op["id"] in response.json()["error"]["message"]
    sagemaker_emulator.control.set_progression("immediate")
    assert wait_operation(sagemaker_api, op)["metadata"]["state"] == "succeeded"


def test_provider_refusal_fails_operation_and_leaves_nothing(sagemaker_api, sagemaker_emulator):
    # a refusal the preflight cannot foresee (an unknown instance type is a 422 before any call:
    # tests/api/test_preflight.py): the config is refused after the model was created
    sagemaker_emulator.control.inject_fault(operation="CreateEndpointConfig", code="ValidationException", status=400,
                                            count=1)
    op = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json())
    assert op["metadata"]["state"] == "failed"
    assert "ValidationException" in op["error"]["message"]
    assert names(sagemaker_emulator) == []


def test_failed_create_reports_reason(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.fail_endpoint("api-demo", on="create", reason="CannotStartContainerError: exit 1")
    op = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json())
    assert op["metadata"]["state"] == "failed"
    assert "CannotStartContainerError" in op["error"]["message"]
    assert names(sagemaker_emulator) == []
    dep = sagemaker_api.get("/v1/deployments/api-demo").json()
    assert dep["health"] == "not_deployed", "a rolled-back first create is not down"
    assert "apply it again to retry, or delete" in dep["status_message"]
    check = sagemaker_api.post("/v1/deployments/api-demo/checks", json={"mode": "basic"}).json()
    assert (check["health"], check["sync"], check["changes"]) == ("not_deployed", "unknown", [])
    summary = sagemaker_api.get("/v1/checks/summary").json()
    assert summary["by_platform"]["sagemaker"]["down"] == 0 and summary["by_health"] == {"not_deployed": 1}
    sagemaker_emulator.control.clear_failure("api-demo")
    sagemaker_emulator.control.set_progression("immediate")
    retry = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC)
    assert retry.status_code == 202, "the same spec again retries the rollout"
    assert wait_operation(sagemaker_api, retry.json())["metadata"]["state"] == "succeeded"
    assert sagemaker_api.get("/v1/deployments/api-demo").json()["health"] == "serving"


def test_failing_test_query_fails_the_operation_with_the_problems(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_prediction("api-demo", status=500, body={"error": "model exploded"})
    spec = {**SPEC, "test_queries": [{"name": "smoke", "payload": {"x": 1}, "expect_fields": ["/predictions"]}]}
    op = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/api-demo", json=spec).json())
    assert op["metadata"]["state"] == "failed"
    assert "smoke: status 500, expected 200" in op["error"]["message"]
    assert op["error"]["details"]["test_queries"][0]["passed"] is False


def test_provision_budget_spent_is_timed_out_not_failed(sagemaker_emulator, tmp_path):
    from tests.support.api_server import running_api

    sagemaker_emulator.control.set_progression("manual", times=100000)
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url, provision_timeout_seconds=0.5) as api:
        op = wait_operation(api, api.put("/v1/deployments/api-demo", json=SPEC).json())
        assert op["metadata"]["state"] == "timed_out"
        assert op["error"]["code"] == "serving_timeout" and "Creating" in op["error"]["message"]
        assert op["error"]["details"]["phase"] == "provision"
        assert api.get("/v1/deployments/api-demo").json()["health"] == "provisioning"
        described = sagemaker(sagemaker_emulator).describe_endpoint(EndpointName="api-demo")
        assert described["EndpointStatus"] == "Creating", "a timed-out deploy is left to finish on the provider"


def test_throttling_and_5xx_during_a_deploy_are_retried(sagemaker_api, sagemaker_emulator):
    # more faults than botocore's 3 attempts per call: the core's jittered retry takes over
    sagemaker_emulator.control.inject_fault(operation="CreateEndpoint", code="ThrottlingException", status=400, count=4)
    sagemaker_emulator.control.inject_fault(operation="DescribeEndpoint", code="InternalFailure", status=500, count=5)
    op = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json())
    assert op["metadata"]["state"] == "succeeded", op
    client = sagemaker(sagemaker_emulator)
    assert len(client.list_endpoints()["Endpoints"]) == 1 and len(client.list_models()["Models"]) == 1


def test_persistent_throttling_fails_cleanly_with_the_provider_message(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.inject_fault(operation="CreateEndpoint", code="ThrottlingException", status=400,
                                            count=1000)
    op = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json())
    assert op["metadata"]["state"] == "failed"
    assert op["error"]["code"] == "provider_unavailable" and "ThrottlingException" in op["error"]["message"]
    sagemaker_emulator.control.clear_faults()
    assert names(sagemaker_emulator) == [], "the models and config made before the refusal are removed"


def test_change_that_needs_replacement_is_planned_and_refused_before_any_call(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    applied = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json())
    assert applied["metadata"]["state"] == "succeeded"
    before = sorted(names(sagemaker_emulator))
    moved = {**SPEC, "target": {**SPEC["target"], "region": "eu-west-1"}}
    plan = sagemaker_api.post("/v1/plan", json=moved).json()
    assert plan["requires_replacement"] == [{"path": "target.region", "from": "us-east-1", "to": "eu-west-1",
                                             "reason": "a SageMaker endpoint lives in one region"}]
    assert plan["calls"] == []
    refused = sagemaker_api.put("/v1/deployments/api-demo", json=moved)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "requires_replacement"
    assert refused.json()["error"]["details"][0]["path"] == "target.region"
    assert sorted(names(sagemaker_emulator)) == before and (
        sagemaker_api.get("/v1/deployments/api-demo").json()["spec"]["target"]["region"] == "us-east-1")


def test_each_phase_has_its_own_budget(sagemaker_emulator, tmp_path):
    from tests.support.api_server import running_api

    sagemaker_emulator.control.set_progression("immediate")
    spec = {**SPEC, "test_queries": [{"name": "q1", "payload": {"x": 1}}, {"name": "q2", "payload": {"x": 2}}]}
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url, test_queries_timeout_seconds=0.001) as api:
        op = wait_operation(api, api.put("/v1/deployments/api-demo", json=spec).json())
        assert op["metadata"]["state"] == "timed_out", op
        assert op["error"]["details"]["phase"] == "test_queries"
        assert "test queries did not finish" in op["error"]["message"]
        assert api.get("/v1/deployments/api-demo").json()["health"] == "serving", "left serving, not rolled back"
