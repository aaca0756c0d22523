"""Sync checks through the HTTP API (SageMaker emulator, real boto3 for drift): history, the RFC 6902
patch, the live view, events, reconcile, accept-live, ignore rules, auto-remediation, the fleet
summary, `checks:run` and /metrics."""

from __future__ import annotations

import copy
import time

import boto3
import jsonpatch
import pytest

from tests.support.api_server import running_api, wait_operation

pytestmark = pytest.mark.e2e

SPEC = {
    "name": "chk-fraud",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [
        {"name": "stable", "image": "r/fraud:2.0", "instance_type": "ml.c5.xlarge", "weight": 90},
        {"name": "canary", "image": "r/fraud:2.1", "instance_type": "ml.c5.xlarge", "weight": 10},
    ],
    "tags": {"team": "risk"},
}


def _sagemaker(sm):
    return boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sm.url, aws_access_key_id="t",
                        aws_secret_access_key="t")


def _drift_weights(sm, name="chk-fraud"):
    _sagemaker(sm).update_endpoint_weights_and_capacities(
        EndpointName=name, DesiredWeightsAndCapacities=[{"VariantName": "canary", "DesiredWeight": 90.0}])


def _deploy(api, spec=SPEC):
    op = wait_operation(api, api.put(f"/v1/deployments/{spec['name']}", json=spec).json())
    assert op["metadata"]["state"] == "succeeded", op
    return op


def _check(api, mode="full", name="chk-fraud"):
    response = api.post(f"/v1/deployments/{name}/checks", json={"mode": mode})
    assert response.status_code == 200, response.text
    return response.json()


def test_drift_is_reported_patched_evented_and_reconciled(sagemaker_api, sagemaker_emulator):
    _deploy(sagemaker_api)
    assert _check(sagemaker_api)["sync"] == "in_sync"
    _drift_weights(sagemaker_emulator)

    result = _check(sagemaker_api)
    assert result["sync"] == "out_of_sync"
    assert {c["path"] for c in result["changes"]} == {"variants[stable].weight", "variants[canary].weight"}
    assert all(c["provider_field"] == "Endpoint.ProductionVariants[].DesiredWeight" for c in result["changes"])
    stored = sagemaker_api.get("/v1/deployments/chk-fraud").json()["spec"]
    assert jsonpatch.apply_patch(stored, result["patch"])["variants"][1]["weight"] == 50

    history = sagemaker_api.get("/v1/deployments/chk-fraud/checks", params={"limit": 2}).json()
    assert [c["id"] for c in history["checks"]] == sorted([c["id"] for c in history["checks"]], reverse=True)
    assert history["checks"][0]["id"] == result["id"] and history["checks"][0]["sync"] == "out_of_sync"
    older = sagemaker_api.get("/v1/deployments/chk-fraud/checks", params={"before": history["next_before"]}).json()
    assert older["checks"] and all(c["id"] < history["next_before"] for c in older["checks"])

    live = sagemaker_api.get("/v1/deployments/chk-fraud/live").json()
    assert live["exists"] is True and live["sync"] == "out_of_sync"
    assert [v["weight"] for v in live["spec"]["variants"]] == [50, 50]
    assert live["spec"]["tags"] == {"team": "risk"} and live["spec"]["name"] == "chk-fraud"

    events = sagemaker_api.get("/v1/events", params={"deployment": "chk-fraud"}).json()["events"]
    assert [(e["type"], e["previous"], e["current"]) for e in events] == [("sync", "in_sync", "out_of_sync")]
    _check(sagemaker_api)  # still out of sync: no second event
    assert len(sagemaker_api.get("/v1/events", params={"deployment": "chk-fraud"}).json()["events"]) == 1

    response = sagemaker_api.post("/v1/deployments/chk-fraud:reconcile")
    assert response.status_code == 202, response.text
    assert wait_operation(sagemaker_api, response.json())["metadata"]["state"] == "succeeded"
    again = sagemaker_api.post("/v1/deployments/chk-fraud:reconcile")
    assert again.status_code == 202, "a reconcile always rolls out"
    # waited for, so no rollout of this test's service is still writing when the next test starts
    assert wait_operation(sagemaker_api, again.json())["metadata"]["state"] == "succeeded"
    events = sagemaker_api.get("/v1/events", params={"deployment": "chk-fraud"}).json()["events"]
    assert (events[0]["type"], events[0]["previous"], events[0]["current"]) == ("sync", "out_of_sync", "in_sync")


def test_accept_live_adopts_the_live_values_into_a_new_revision(sagemaker_api, sagemaker_emulator):
    _deploy(sagemaker_api)
    before = sagemaker_api.get("/v1/deployments/chk-fraud").json()
    _drift_weights(sagemaker_emulator)
    arn = _sagemaker(sagemaker_emulator).describe_endpoint(EndpointName="chk-fraud")["EndpointArn"]
    _sagemaker(sagemaker_emulator).add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ops"}])

    dry = sagemaker_api.post("/v1/deployments/chk-fraud:accept-live",
                             json={"paths": ["tags.*"], "dry_run": True}).json()
    assert [c["path"] for c in dry["adopted"]] == ["tags.team"] and dry["applied"] is False
    assert dry["spec"]["tags"] == {"team": "ops"} and dry["spec"]["variants"][1]["weight"] == 10

    response = sagemaker_api.post("/v1/deployments/chk-fraud:accept-live", json={})
    assert response.status_code == 202, response.text
    assert wait_operation(sagemaker_api, response.json())["metadata"]["state"] == "succeeded"
    after = sagemaker_api.get("/v1/deployments/chk-fraud").json()
    assert after["revision"] != before["revision"]
    assert [v["weight"] for v in after["spec"]["variants"]] == [50, 50] and after["spec"]["tags"] == {"team": "ops"}
    assert _check(sagemaker_api)["sync"] == "in_sync"


def test_ignore_rules_and_policy_changes_need_no_rollout(sagemaker_api, sagemaker_emulator):
    _deploy(sagemaker_api)
    etag = sagemaker_api.get("/v1/deployments/chk-fraud").headers["ETag"]
    policy = copy.deepcopy(SPEC) | {"sync_policy": {"ignore": ["variants[*].weight"]}}
    response = sagemaker_api.put("/v1/deployments/chk-fraud", json=policy)
    assert response.status_code == 200, "only the sync policy changed: stored, nothing deployed"
    assert response.headers["ETag"] != etag
    assert response.json()["spec"]["sync_policy"]["ignore"] == ["variants[*].weight"]
    _drift_weights(sagemaker_emulator)
    assert _check(sagemaker_api)["sync"] == "in_sync"

    bad = sagemaker_api.put("/v1/deployments/chk-fraud", json=SPEC | {"sync_policy": {"ignore": ["nonsense.path"]}})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["path"] == "sync_policy.ignore"


def test_auto_remediation_reconciles_after_consecutive_material_drift(sagemaker_api, sagemaker_emulator):
    _deploy(sagemaker_api, SPEC | {"sync_policy": {"auto_remediate": True, "remediate_after": 2}})
    _drift_weights(sagemaker_emulator)
    assert _check(sagemaker_api, "basic")["sync"] == "out_of_sync"
    assert sagemaker_api.get("/v1/deployments/chk-fraud").json()["current_operation"] is None
    _check(sagemaker_api, "basic")
    op_id = sagemaker_api.get("/v1/deployments/chk-fraud").json()["current_operation"]
    assert op_id is not None, "the second consecutive out-of-sync check starts a reconcile"
    reconciled = wait_operation(sagemaker_api, sagemaker_api.get(f"/v1/operations/{op_id}").json())
    assert reconciled["metadata"]["state"] == "succeeded"
    assert _check(sagemaker_api)["sync"] == "in_sync"
    events = sagemaker_api.get("/v1/events", params={"deployment": "chk-fraud"}).json()["events"]
    kinds = [(e["type"], e["current"]) for e in events]
    assert ("remediation", "started") in kinds and kinds[0] == ("sync", "in_sync")


def test_fleet_check_summary_and_metrics(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    _deploy(sagemaker_api)
    _deploy(sagemaker_api, SPEC | {"name": "chk-other"})
    _drift_weights(sagemaker_emulator, "chk-other")
    _sagemaker(sagemaker_emulator).delete_endpoint(EndpointName="chk-fraud")

    fleet = sagemaker_api.post("/v1/checks:run", json={"mode": "basic"}).json()
    assert fleet["checked"] == 2
    assert {(r["deployment"], r["health"], r["sync"]) for r in fleet["results"]} == {
        ("chk-fraud", "missing", "out_of_sync"), ("chk-other", "serving", "out_of_sync")}
    summary = sagemaker_api.get("/v1/checks/summary").json()
    assert summary["total"] == 2 and summary["by_health"] == {"missing": 1, "serving": 1}
    assert [d["name"] for d in summary["worst"]] == ["chk-fraud", "chk-other"], "down first"
    assert summary["by_platform"]["sagemaker"] == {"total": 2, "down": 1, "out_of_sync": 2}

    text = sagemaker_api.get("/metrics").text
    assert 'deploy_anywhere_deployments{health="missing",platform="sagemaker",sync="out_of_sync"} 1.0' in text
    assert 'deploy_anywhere_check_duration_seconds_count{mode="basic",platform="sagemaker"}' in text
    assert 'deploy_anywhere_provider_calls_total{platform="sagemaker"}' in text
    assert 'deploy_anywhere_operations_total{kind="apply",state="succeeded"}' in text


def test_missing_deployment_checks_are_404(sagemaker_api):
    assert sagemaker_api.post("/v1/deployments/nope/checks", json={}).status_code == 404
    assert sagemaker_api.get("/v1/deployments/nope/checks").status_code == 404
    assert sagemaker_api.get("/v1/deployments/nope/live").status_code == 404
    assert sagemaker_api.post("/v1/deployments/nope:reconcile").status_code == 404
    assert sagemaker_api.post("/v1/deployments/nope:accept-live", json={}).status_code == 404
    assert sagemaker_api.post("/v1/checks:run", json={"mode": "deep"}).status_code == 422


def test_scheduled_checks_run_on_their_own(sagemaker_emulator, tmp_path):
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url, checks_enabled=True, check_tick_seconds=1,
                     check_interval_seconds=1, full_check_interval_seconds=3600) as api:
        _deploy(api)
        _drift_weights(sagemaker_emulator)
        deadline = time.monotonic() + 20
        while api.get("/v1/deployments/chk-fraud").json()["sync"] != "out_of_sync":
            assert time.monotonic() < deadline, "no scheduled check noticed the drift"
            time.sleep(0.2)
        triggers = {c["trigger"] for c in api.get("/v1/deployments/chk-fraud/checks").json()["checks"]}
        assert "scheduled" in triggers


def test_scheduled_checks_auto_remediate(sagemaker_emulator, tmp_path):
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url, checks_enabled=True, check_tick_seconds=1,
                     check_interval_seconds=1, full_check_interval_seconds=3600) as api:
        _deploy(api, SPEC | {"sync_policy": {"auto_remediate": True, "remediate_after": 2}})
        _drift_weights(sagemaker_emulator)
        deadline = time.monotonic() + 30
        while not any(e["type"] == "remediation" for e in
                      api.get("/v1/events", params={"deployment": "chk-fraud"}).json()["events"]):
            assert time.monotonic() < deadline, "the scheduled checks did not remediate"
            time.sleep(0.2)
        ops = api.get("/v1/operations", params={"deployment": "chk-fraud"}).json()["operations"]
        assert wait_operation(api, ops[0])["metadata"]["state"] == "succeeded"
        assert _check(api)["sync"] == "in_sync"
