"""End to end on Vertex AI (the real API in sandbox mode against the emulator): PUT -> serving ->
drift behind the service's back -> full check names the field -> PUT again -> in sync -> image
update serving throughout -> DELETE leaves no model or endpoint behind. Plus what plan refuses
(422) and what needs a replacement (409)."""

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform_v1
from google.protobuf import field_mask_pb2

from tests.support.api_server import wait_operation

PROJECT, LOCATION, NAME = "e2e-project", "us-central1", "e2e-fraud"
REGISTRY = "us-docker.pkg.dev/e2e-project/serving/"
SPEC = {
    "name": NAME,
    "target": {"platform": "vertex", "project": PROJECT, "location": LOCATION},
    "variants": [
        {"name": "stable", "image": REGISTRY + "fraud:2.0", "model_uri": "gs://m/fraud/2.0/",
         "instance_type": "n1-standard-4", "min_replicas": 2, "max_replicas": 4, "weight": 90},
        {"name": "canary", "image": REGISTRY + "fraud:2.1", "instance_type": "n1-standard-4", "weight": 10},
    ],
    "logging": {"enabled": True, "sample_percent": 20, "destination": "bq://e2e-project.logs.fraud"},
    "tags": {"team": "risk"},
    "test_queries": [
        {"name": "smoke", "payload": {"instances": [{"amount": 12.5}]}, "expect_fields": ["/predictions/0"]},
        {"name": "raw", "payload": "amount=12.5", "content_type": "text/plain"},
    ],
}
ENDPOINT = f"projects/{PROJECT}/locations/{LOCATION}/endpoints/{NAME}"


def clients(vx):
    kwargs = {"transport": "rest", "credentials": AnonymousCredentials(),
              "client_options": ClientOptions(api_endpoint=vx.url)}
    return (aiplatform_v1.EndpointServiceClient(**kwargs), aiplatform_v1.ModelServiceClient(**kwargs),
            aiplatform_v1.PredictionServiceClient(**kwargs))


def resources(vx):
    endpoints, models, _ = clients(vx)
    parent = f"projects/{PROJECT}/locations/{LOCATION}"
    return ([e.name for e in endpoints.list_endpoints(parent=parent, timeout=10)]
            + [m.name for m in models.list_models(parent=parent, timeout=10)])


def check(api, mode="full"):
    response = api.post(f"/v1/deployments/{NAME}/checks", json={"mode": mode})
    assert response.status_code == 200, response.text
    return response.json()


def test_deploy_drift_reapply_update_delete(vertex_api, vertex_emulator):
    api = vertex_api
    op = wait_operation(api, api.put(f"/v1/deployments/{NAME}", json=SPEC).json())
    assert op["metadata"]["state"] == "succeeded", op
    assert [q["passed"] for q in op["response"]["test_queries"]] == [True, True]
    dep = api.get(f"/v1/deployments/{NAME}").json()
    assert (dep["health"], dep["sync"]) == ("serving", "in_sync")
    assert check(api)["sync"] == "in_sync"
    assert check(api, "basic")["sync"] == "in_sync"

    # drift behind the service's back: traffic and a label
    endpoints, _, prediction = clients(vertex_emulator)
    live = endpoints.get_endpoint(name=ENDPOINT, timeout=10)
    ids = {dm.display_name: dm.id for dm in live.deployed_models}
    labels = dict(live.labels) | {"team": "someone-else"}
    endpoints.update_endpoint(
        endpoint=aiplatform_v1.Endpoint(name=ENDPOINT, traffic_split={ids["stable"]: 50, ids["canary"]: 50},
                                        labels=labels),
        update_mask=field_mask_pb2.FieldMask(paths=["traffic_split", "labels"]), timeout=10)
    result = check(api)
    assert result["sync"] == "out_of_sync"
    assert {c["path"] for c in result["changes"]} == {"variants[stable].weight", "variants[canary].weight", "tags.team"}
    weight = next(c for c in result["changes"] if c["path"] == "variants[canary].weight")
    assert (weight["expected"], weight["actual"], weight["severity"]) == (10, 50, "material")
    assert weight["provider_field"] == "Endpoint.trafficSplit"
    assert next(c for c in result["changes"] if c["path"] == "tags.team")["severity"] == "cosmetic"

    response = api.put(f"/v1/deployments/{NAME}", json=SPEC)
    assert response.status_code == 202
    assert wait_operation(api, response.json())["metadata"]["state"] == "succeeded"
    assert check(api)["sync"] == "in_sync"

    # a new image for the canary: replaced beside the old one; the endpoint serves throughout
    updated = {**SPEC, "variants": [SPEC["variants"][0], {**SPEC["variants"][1], "image": REGISTRY + "fraud:2.2"}]}
    op = api.put(f"/v1/deployments/{NAME}", json=updated).json()
    answers = 0
    while not op["done"]:
        response = prediction.predict(endpoint=ENDPOINT, instances=[{"amount": 1}], timeout=10)
        assert response.predictions
        answers += 1
        op = api.get(f"/v1/{op['name']}").json()
    assert op["metadata"]["state"] == "succeeded", op
    assert answers > 0
    assert check(api)["sync"] == "in_sync"
    models = [m for m in resources(vertex_emulator) if "/models/" in m]
    assert len(models) == 2, "the replaced canary's model is deleted once the new one serves"

    op = wait_operation(api, api.delete(f"/v1/deployments/{NAME}").json())
    assert op["metadata"]["state"] == "succeeded", op
    assert resources(vertex_emulator) == []
    assert api.get(f"/v1/deployments/{NAME}").status_code == 404


def test_plan_refuses_what_vertex_cannot_express(vertex_api):
    data = {**SPEC, "auth_mode": "key",
            "variants": [{**SPEC["variants"][0], "min_replicas": 0, "instance_type": "ml.m5.large"},
                         SPEC["variants"][1]],
            "tags": {"Team": "risk"}}
    response = vertex_api.post("/v1/plan", json=data)
    assert response.status_code == 422, response.text
    body = response.json()["error"]
    assert body["code"] == "unsupported_feature"
    paths = {d["path"]: d["reason"] for d in body["details"]}
    assert {"auth_mode", "variants[0].min_replicas", "variants[0].instance_type", "tags.Team"} <= set(paths)
    assert "min_replica_count" in paths["variants[0].min_replicas"] and "IAM" in paths["auth_mode"]


def test_network_change_requires_replacement(vertex_api):
    api = vertex_api
    spec = {**SPEC, "name": "e2e-private", "test_queries": []}
    op = wait_operation(api, api.put("/v1/deployments/e2e-private", json=spec).json())
    assert op["metadata"]["state"] == "succeeded", op
    moved = {**spec, "target": {**spec["target"], "network": "projects/123456789012/global/networks/ml-vpc"}}
    plan = api.post("/v1/plan", json=moved)
    assert plan.status_code == 200, plan.text
    replace = plan.json()["requires_replacement"]
    assert [r["path"] for r in replace] == ["target.network"]
    assert "peered" in replace[0]["reason"] and plan.json()["calls"] == []
    response = api.put("/v1/deployments/e2e-private", json=moved)
    assert response.status_code == 409 and response.json()["error"]["code"] == "requires_replacement"
