"""The audit log through the API: apply, delete, cancel and key changes are recorded with the key
id and the revision; GET /v1/audit filters and pages; no secret ever appears in it."""

from __future__ import annotations

import httpx
import pytest

from core.auth import Role
from tests.security.conftest import make_key
from tests.support.api_server import bearer, wait_operation

SPEC = {
    "name": "audit-demo",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "instance_type": "ml.m5.large"}],
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_changes_are_audited_with_actor_and_revision(sagemaker_api: httpx.Client, sagemaker_emulator) -> None:
    admin_id = sagemaker_api.headers["Authorization"].split("_")[1]
    token = make_key(sagemaker_api, Role.DEPLOYER)
    deployer_id = token.split("_")[1]
    deployer = httpx.Client(base_url=sagemaker_api.base_url, headers=bearer(token), timeout=30)

    sagemaker_emulator.control.set_progression("manual", times=100000)  # hold in Creating, so cancel has work to stop
    op = deployer.put("/v1/deployments/audit-demo", json=SPEC).json()
    cancelled = deployer.post(f"/v1/operations/{op['id']}:cancel")
    assert cancelled.status_code == 200, cancelled.text
    sagemaker_emulator.control.set_progression("immediate")
    again = deployer.put("/v1/deployments/audit-demo", json=SPEC)
    assert again.status_code == 202, again.text
    assert wait_operation(sagemaker_api, again.json())["metadata"]["state"] == "succeeded"
    unchanged = deployer.put("/v1/deployments/audit-demo", json=SPEC)
    assert unchanged.status_code == 200
    revision = unchanged.json()["revision"]
    replay = {"Idempotency-Key": "audit-delete-1"}
    delete = deployer.delete("/v1/deployments/audit-demo", headers=replay)
    assert deployer.delete("/v1/deployments/audit-demo", headers=replay).headers["Idempotent-Replayed"] == "true"
    wait_operation(sagemaker_api, delete.json())

    events = sagemaker_api.get("/v1/audit", params={"deployment": "audit-demo"}).json()["events"]
    assert [(e["action"], e["actor"], e["revision"]) for e in reversed(events)] == [
        ("apply", deployer_id, revision), ("cancel", deployer_id, revision), ("apply", deployer_id, revision),
        ("apply", deployer_id, revision), ("delete", deployer_id, revision)]
    assert events[-1]["details"]["operation"] == op["id"]
    assert events[-3]["details"]["operation"] == again.json()["id"]
    assert events[-4]["details"]["operation"] is None  # unchanged: nothing to do
    assert events[0]["details"]["operation"] == delete.json()["id"]

    revoked = sagemaker_api.delete(f"/v1/keys/{deployer_id}")
    assert revoked.status_code == 200
    keys = sagemaker_api.get("/v1/audit", params={"actor": admin_id}).json()["events"]
    assert [(e["action"], e["details"]["key"]) for e in keys] == [("key.revoke", deployer_id),
                                                                   ("key.create", deployer_id)]
    everything = sagemaker_api.get("/v1/audit").text
    assert token.split("_", 2)[2] not in everything and token not in everything

    page = sagemaker_api.get("/v1/audit", params={"limit": 2}).json()
    assert len(page["events"]) == 2 and page["next_before"] == page["events"][-1]["id"]
    older = sagemaker_api.get("/v1/audit", params={"limit": 2, "before": page["next_before"]}).json()["events"]
    assert older and max(e["id"] for e in older) < page["next_before"]
    assert sagemaker_api.get("/v1/audit", params={"action": "Not An Action"}).status_code == 422
