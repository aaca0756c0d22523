"""Check coverage through the HTTP API (SageMaker emulator, drift made with plain boto3): drift only
a full check reads (tags, autoscaling) is carried by basic checks, drives auto-remediation, does not
flap under the scheduler, and makes an unchanged `PUT` re-apply the spec."""

from __future__ import annotations

import copy
import time

import boto3
import pytest

from tests.support.api_server import running_api, wait_operation

pytestmark = pytest.mark.e2e

NAME = "cov-fraud"
SPEC = {
    "name": NAME,
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "stable", "image": "r/fraud:2.0", "instance_type": "ml.c5.xlarge",
                  "min_replicas": 1, "max_replicas": 3, "autoscaling": {"target": 70}}],
    "tags": {"team": "risk"},
}


def _client(sm, service="sagemaker"):
    return boto3.client(service, region_name="us-east-1", endpoint_url=sm.url, aws_access_key_id="t",
                        aws_secret_access_key="t")


def _retag(sm, value="other"):
    client = _client(sm)
    arn = client.describe_endpoint(EndpointName=NAME)["EndpointArn"]
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": value}])


def _live_team(sm):
    client = _client(sm)
    arn = client.describe_endpoint(EndpointName=NAME)["EndpointArn"]
    return {t["Key"]: t["Value"] for t in client.list_tags(ResourceArn=arn)["Tags"]}.get("team")


def _retarget(sm, target=20.0):
    """Change the variant's target-tracking value behind the service's back (Application Auto Scaling)."""
    scaling = _client(sm, "application-autoscaling")
    policy = scaling.describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=f"endpoint/{NAME}/variant/stable")["ScalingPolicies"][0]
    config = dict(policy["TargetTrackingScalingPolicyConfiguration"]) | {"TargetValue": target}
    scaling.put_scaling_policy(PolicyName=policy["PolicyName"], ServiceNamespace="sagemaker",
                               ResourceId=policy["ResourceId"], ScalableDimension=policy["ScalableDimension"],
                               PolicyType=policy["PolicyType"], TargetTrackingScalingPolicyConfiguration=config)


def _deploy(api, spec=SPEC):
    response = api.put(f"/v1/deployments/{spec['name']}", json=spec)
    assert response.status_code == 202, response.text
    op = wait_operation(api, response.json())
    assert op["metadata"]["state"] == "succeeded", op
    return op


def _check(api, mode):
    response = api.post(f"/v1/deployments/{NAME}/checks", json={"mode": mode})
    assert response.status_code == 200, response.text
    return response.json()


def _events(api):
    events = api.get("/v1/events", params={"deployment": NAME}).json()["events"]
    return [(e["type"], e["previous"], e["current"]) for e in reversed(events)]


def test_basic_checks_carry_tag_drift_and_an_unchanged_put_repairs_it(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    _deploy(sagemaker_api)
    _retag(sagemaker_emulator)
    full = _check(sagemaker_api, "full")
    assert full["sync"] == "out_of_sync" and [c["path"] for c in full["changes"]] == ["tags.team"]
    for _ in range(3):
        basic = _check(sagemaker_api, "basic")
        assert basic["sync"] == "out_of_sync", basic
        [change] = basic["changes"]
        assert (change["path"], change["carried"], change["check_id"], change["mode"]) == (
            "tags.team", True, full["id"], "full")
        assert "tags.*" in basic["unobserved"]
    dep = sagemaker_api.get(f"/v1/deployments/{NAME}").json()
    assert dep["sync"] == "out_of_sync" and [c["path"] for c in dep["drift"]] == ["tags.team"]
    assert _events(sagemaker_api) == [("sync", "in_sync", "out_of_sync")], "one transition, no flapping"

    response = sagemaker_api.put(f"/v1/deployments/{NAME}", json=SPEC)
    assert response.status_code == 202, "unchanged spec but carried drift: PUT re-applies"
    assert wait_operation(sagemaker_api, response.json())["metadata"]["state"] == "succeeded"
    assert _live_team(sagemaker_emulator) == "risk"
    assert _check(sagemaker_api, "full")["sync"] == "in_sync"
    assert sagemaker_api.put(f"/v1/deployments/{NAME}", json=SPEC).status_code == 200
    assert _events(sagemaker_api) == [("sync", "in_sync", "out_of_sync"), ("sync", "out_of_sync", "in_sync")]


def test_unchanged_put_compares_every_field_since_the_last_write(sagemaker_api, sagemaker_emulator):
    """No full check since the rollout: a basic read cannot see tags, so PUT compares fully."""
    sagemaker_emulator.control.set_progression("immediate")
    _deploy(sagemaker_api)
    _retag(sagemaker_emulator)
    response = sagemaker_api.put(f"/v1/deployments/{NAME}", json=SPEC)
    assert response.status_code == 202, response.text
    assert wait_operation(sagemaker_api, response.json())["metadata"]["state"] == "succeeded"
    assert _live_team(sagemaker_emulator) == "risk"
    checks = sagemaker_api.get(f"/v1/deployments/{NAME}/checks").json()["checks"]
    assert any(c["mode"] == "full" and c["trigger"] == "manual" and c["sync"] == "out_of_sync" for c in checks)


def test_auto_remediation_fires_on_drift_only_a_full_check_sees(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    _deploy(sagemaker_api, SPEC | {"sync_policy": {"auto_remediate": True, "remediate_after": 3}})
    _retarget(sagemaker_emulator)
    assert _check(sagemaker_api, "full")["changes"][0]["path"] == "variants[stable].autoscaling.target"
    assert _check(sagemaker_api, "basic")["sync"] == "out_of_sync"
    assert sagemaker_api.get(f"/v1/deployments/{NAME}").json()["drift_streak"] == 2
    assert sagemaker_api.get(f"/v1/deployments/{NAME}").json()["current_operation"] is None
    _check(sagemaker_api, "basic")
    op_id = sagemaker_api.get(f"/v1/deployments/{NAME}").json()["current_operation"]
    assert op_id is not None, "the third check with (carried) material drift starts a reconcile"
    reconciled = wait_operation(sagemaker_api, sagemaker_api.get(f"/v1/operations/{op_id}").json())
    assert reconciled["metadata"]["state"] == "succeeded"
    assert _check(sagemaker_api, "full")["sync"] == "in_sync"
    assert ("remediation", None, "started") in _events(sagemaker_api)


def test_scheduled_basic_and_full_checks_do_not_flap(sagemaker_emulator, tmp_path):
    sagemaker_emulator.control.set_progression("immediate")
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url, checks_enabled=True, check_tick_seconds=1,
                     check_interval_seconds=1, full_check_interval_seconds=3) as api:
        _deploy(api, copy.deepcopy(SPEC))
        _retag(sagemaker_emulator)
        deadline = time.monotonic() + 40
        while True:
            checks = api.get(f"/v1/deployments/{NAME}/checks", params={"limit": 100}).json()["checks"]
            after_full = [c for c in checks if c["trigger"] == "scheduled"]
            found = next((i for i, c in enumerate(reversed(after_full)) if c["sync"] == "out_of_sync"), None)
            later = [] if found is None else list(reversed(after_full))[found:]
            if {c["mode"] for c in later} == {"basic", "full"} and len(later) >= 4:
                break
            assert time.monotonic() < deadline, f"the scheduler did not run basic and full checks: {checks}"
            time.sleep(0.3)
        assert all(c["sync"] == "out_of_sync" for c in later), [(c["mode"], c["sync"]) for c in later]
        assert _events(api) == [("sync", "in_sync", "out_of_sync")]


def test_a_deployment_deleted_and_applied_again_is_ours_at_once(sagemaker_api, sagemaker_emulator):
    """The re-created endpoint config carries the new deployment's owner stamp: a basic check
    right after must not read the old one from a cache (it would report the config as foreign)."""
    sagemaker_emulator.control.set_progression("immediate")
    spec = SPEC | {"variants": [SPEC["variants"][0] | {"min_replicas": 1, "max_replicas": 1}]}
    spec["variants"][0].pop("autoscaling")
    _deploy(sagemaker_api, spec)
    assert _check(sagemaker_api, "basic")["sync"] == "in_sync"
    deleted = sagemaker_api.delete(f"/v1/deployments/{NAME}")
    assert wait_operation(sagemaker_api, deleted.json())["metadata"]["state"] == "succeeded"
    _deploy(sagemaker_api, spec)
    for mode in ("basic", "full"):
        result = _check(sagemaker_api, mode)
        assert (result["sync"], result["changes"]) == ("in_sync", []), result
