"""Conditional requests (ETag, If-Match, If-None-Match) and the operations list, through HTTP."""

import copy
import time

from tests.api.test_api import SPEC, names
from tests.support.api_server import wait_operation


def test_etag_if_match_and_if_none_match(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    created = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC, headers={"If-None-Match": "*"})
    assert created.status_code == 202
    first = created.headers["ETag"]
    wait_operation(sagemaker_api, created.json())
    got = sagemaker_api.get("/v1/deployments/api-demo")
    assert got.headers["ETag"] == first == got.json()["etag"]

    again = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC, headers={"If-None-Match": "*"})
    assert again.status_code == 412 and again.json()["error"]["code"] == "precondition_failed"

    changed = {**SPEC, "tags": {"team": "other"}}
    stale = sagemaker_api.put("/v1/deployments/api-demo", json=changed, headers={"If-Match": '"1-000000000000"'})
    assert stale.status_code == 412
    assert stale.json()["error"]["details"]["etag"] == first
    assert sagemaker_api.get("/v1/deployments/api-demo").json()["spec"]["tags"] == {"team": "t"}, "nothing stored"

    ok = sagemaker_api.put("/v1/deployments/api-demo", json=changed, headers={"If-Match": first})
    assert ok.status_code == 202 and ok.headers["ETag"] != first
    assert wait_operation(sagemaker_api, ok.json())["metadata"]["state"] == "succeeded"

    refused = sagemaker_api.delete("/v1/deployments/api-demo", headers={"If-Match": first})
    assert refused.status_code == 412 and names(sagemaker_emulator), "the old ETag no longer matches; nothing deleted"
    gone = sagemaker_api.delete("/v1/deployments/api-demo", headers={"If-Match": ok.headers["ETag"]})
    assert wait_operation(sagemaker_api, gone.json())["metadata"]["state"] == "succeeded"
    missing = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC, headers={"If-Match": "*"})
    assert missing.status_code == 412, "If-Match: * needs an existing deployment"


def test_operations_listed_by_deployment_and_state(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    op = wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json())
    listed = sagemaker_api.get("/v1/operations", params={"deployment": "api-demo"}).json()["operations"]
    assert [o["name"] for o in listed] == [op["name"]]
    assert sagemaker_api.get("/v1/operations", params={"state": "succeeded"}).json()["operations"][0]["id"] == op["id"]
    assert sagemaker_api.get("/v1/operations", params={"state": "running"}).json()["operations"] == []
    bad = sagemaker_api.get("/v1/operations", params={"state": "bogus"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["path"] == "state"


def test_idempotency_key_replays_the_first_response(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("manual", times=100000)  # hold the first deploy in Creating
    key = {"Idempotency-Key": "deploy-42"}
    first = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC, headers=key)
    assert first.status_code == 202
    retry = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC, headers=key)
    assert (retry.status_code, retry.json(), retry.headers["ETag"]) == (202, first.json(), first.headers["ETag"])
    assert retry.headers["Idempotent-Replayed"] == "true"
    without_key = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC)
    assert without_key.status_code == 409, "a new request (no key) meets the running operation"
    ops = sagemaker_api.get("/v1/operations", params={"deployment": "api-demo"}).json()["operations"]
    assert len(ops) == 1, "the retry started nothing"

    other = sagemaker_api.put("/v1/deployments/api-demo", json={**SPEC, "tags": {"team": "x"}}, headers=key)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    # another caller with the same key never gets the first caller's response
    deployer = sagemaker_api.post("/v1/keys", json={"role": "deployer"}).json()["token"]
    stranger = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC,
                                 headers={**key, "Authorization": f"Bearer {deployer}"})
    assert stranger.status_code == 422 and stranger.json()["error"]["code"] == "idempotency_key_reused"
    # a secret value is part of the request: another value with the same key is another request
    secret = {"Idempotency-Key": "deploy-43"}
    with_secret = copy.deepcopy(SPEC)
    with_secret["variants"][0]["env"] = {"T": {"secret": True, "value": "first-value"}}
    assert sagemaker_api.put("/v1/deployments/api-demo", json=with_secret, headers=secret).status_code == 409
    with_secret["variants"][0]["env"]["T"]["value"] = "second-value"
    changed = sagemaker_api.put("/v1/deployments/api-demo", json=with_secret, headers=secret)
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "idempotency_key_reused"
    sagemaker_emulator.control.set_progression("immediate")
    wait_operation(sagemaker_api, first.json())


def test_idempotency_key_stores_client_errors_and_covers_delete(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    bad = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC, headers={"Idempotency-Key": "k1", "If-Match": "*"})
    assert bad.status_code == 412
    again = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC, headers={"Idempotency-Key": "k1", "If-Match": "*"})
    assert again.status_code == 412 and again.headers["Idempotent-Replayed"] == "true"
    wait_operation(sagemaker_api, sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json())
    gone = sagemaker_api.delete("/v1/deployments/api-demo", headers={"Idempotency-Key": "k2"})
    assert gone.status_code == 202
    replay = sagemaker_api.delete("/v1/deployments/api-demo", headers={"Idempotency-Key": "k2"})
    assert replay.json()["id"] == gone.json()["id"]
    wait_operation(sagemaker_api, gone.json())
    invalid = sagemaker_api.delete("/v1/deployments/api-demo", headers={"Idempotency-Key": "x" * 300})
    assert invalid.status_code == 422 and invalid.json()["error"]["details"][0]["path"] == "Idempotency-Key"


def test_cancel_stops_the_operation_and_says_what_it_left(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("manual", times=100000)  # the endpoint stays Creating
    op = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC).json()
    deadline = time.monotonic() + 30
    while sagemaker_api.get(f"/v1/{op['name']}").json()["metadata"]["phase"] != "provision":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cancelled = sagemaker_api.post(f"/v1/{op['name']}:cancel")
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["done"] is True and body["metadata"]["state"] == "cancelled"
    assert body["error"]["details"]["left"]["health"] == "provisioning"
    assert body["error"]["details"]["left"]["provider_status"] == "Creating"
    time.sleep(0.5)  # the workflow does not come back to finish it
    assert sagemaker_api.get(f"/v1/{op['name']}").json()["metadata"]["state"] == "cancelled"
    assert sagemaker_api.post(f"/v1/{op['name']}:cancel").status_code == 409

    sagemaker_emulator.control.set_progression("immediate")
    again = sagemaker_api.put("/v1/deployments/api-demo", json=SPEC)
    assert again.status_code == 202, "the deployment is free again"
    assert wait_operation(sagemaker_api, again.json())["metadata"]["state"] == "succeeded"
    assert len([n for n in names(sagemaker_emulator) if n.startswith("api-demo")]) == 3, (
        "one endpoint, config and model")
