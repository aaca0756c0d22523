"""Ownership end to end through the real API (uvicorn + DBOS + store) against every
platform's emulator, with the cloud's own SDK acting behind the service's back:

- a ``PUT`` or ``plan`` whose name is taken by an endpoint the service did not create is refused
  with 409 ``not_owned``, nothing stored, nothing written to the provider;
- a deployment whose endpoint was replaced by a foreign one: ``PUT`` is refused, a reconcile fails
  ``not_owned`` without writing (its rollback leaves the endpoint alone), a delete removes the
  deployment and what was ours, never the foreign endpoint (the operation says what it left);
- a foreign sub-resource in our endpoint is ``unmanaged[...]`` in a full check, never adopted by
  accept-live; a reconcile removes it, verifies with a full check and lists what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.contract.envs import EMULATOR_FIXTURES, make_env
from tests.support.api_server import wait_operation

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning:google.*")]

API_FIXTURES = {"sagemaker": "sagemaker_api", "vertex": "vertex_api", "azureml": "azureml_api"}


@dataclass(frozen=True)
class Cloud:
    platform: str
    api: Any
    env: Any

    def spec(self, name: str) -> dict[str, Any]:
        return self.env.spec(name).model_dump(mode="json")

    def deploy(self, name: str) -> None:
        response = self.api.put(f"/v1/deployments/{name}", json=self.spec(name))
        assert response.status_code == 202, response.text
        op = wait_operation(self.api, response.json())
        assert op["metadata"]["state"] == "succeeded", op

    def check(self, name: str) -> dict[str, Any]:
        response = self.api.post(f"/v1/deployments/{name}/checks", json={"mode": "full"})
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(params=list(API_FIXTURES))
def cloud(request: pytest.FixtureRequest, database_url: str | None) -> Cloud:
    """One platform's API (on SQLite and on PostgreSQL: ``database_url``) and its emulator."""
    api = request.getfixturevalue(API_FIXTURES[request.param])
    emulator = request.getfixturevalue(EMULATOR_FIXTURES[request.param])
    emulator.control.set_progression("immediate")  # reset by the emulator fixture afterwards
    return Cloud(request.param, api, make_env(request.param, emulator))


def _refused(response: Any, name: str) -> None:
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "not_owned" and error["details"]["endpoint"] == name, error
    assert name in error["message"] and "import" in error["message"].lower()


def test_put_and_plan_refuse_an_endpoint_the_service_did_not_create(cloud: Cloud) -> None:
    name = "own-e2e-foreign"
    cloud.env.create_foreign_endpoint(name)
    cloud.env.forget_emulator_writes()
    _refused(cloud.api.put(f"/v1/deployments/{name}", json=cloud.spec(name)), name)
    _refused(cloud.api.post("/v1/plan", json=cloud.spec(name)), name)
    assert cloud.env.emulator_writes() == [], "nothing was sent to the provider but reads"
    assert cloud.api.get(f"/v1/deployments/{name}").status_code == 404, "nothing was stored"
    assert cloud.env.endpoint_exists(name)


def test_an_endpoint_replaced_behind_the_back_is_never_written_nor_deleted(cloud: Cloud) -> None:
    name = "own-e2e-taken"
    cloud.deploy(name)
    cloud.env.delete_behind(name)  # replaced behind the service's back by a foreign endpoint of that name
    cloud.env.create_foreign_endpoint(name)
    cloud.env.forget_emulator_writes()

    _refused(cloud.api.put(f"/v1/deployments/{name}", json=cloud.spec(name)), name)
    response = cloud.api.post(f"/v1/deployments/{name}:reconcile")
    assert response.status_code == 202, response.text
    op = wait_operation(cloud.api, response.json())
    assert (op["metadata"]["state"], op["error"]["code"]) == ("failed", "not_owned"), op
    assert cloud.env.emulator_writes() == [], "the refused rollout wrote nothing and its rollback left it alone"

    op = wait_operation(cloud.api, cloud.api.delete(f"/v1/deployments/{name}").json())
    assert op["metadata"]["state"] == "succeeded", op
    (left,) = op["response"]["left"]
    assert left["endpoint"] == name and left["reason"].startswith("not_owned")
    assert cloud.env.endpoint_writes(name) == [], "the delete never touched the foreign endpoint"
    assert cloud.env.endpoint_exists(name)
    assert cloud.api.get(f"/v1/deployments/{name}").status_code == 404


def test_a_reconcile_removes_foreign_sub_resources_and_verifies_with_a_full_check(cloud: Cloud) -> None:
    name = "own-e2e-extra"
    cloud.deploy(name)
    cloud.env.add_foreign_sub_resource(name)

    result = cloud.check(name)
    unmanaged = {c["path"]: c for c in result["changes"] if c["path"].startswith("unmanaged[")}
    assert result["sync"] == "out_of_sync" and unmanaged, result["changes"]
    assert any(c["severity"] == "material" and c["actual"]["traffic_percent"] > 0 for c in unmanaged.values())
    paths = {c["path"] for c in result["changes"]}
    assert not paths & {"request_timeout_seconds", "logging", "logging.sample_percent", "logging.destination",
                        "target.execution_role_arn"}, "nothing of it is read as an endpoint-wide field"
    assert all("unmanaged" not in op["path"] for op in result["patch"] or []), "no patch for a foreign resource"

    asked = cloud.api.post(f"/v1/deployments/{name}:accept-live", json={"dry_run": True, "paths": ["unmanaged[*]"]})
    assert asked.status_code == 200, asked.text
    assert asked.json()["adopted"] == [], "a foreign sub-resource is never adopted, even when asked for"

    response = cloud.api.post(f"/v1/deployments/{name}:reconcile")
    assert response.status_code == 202, response.text
    op = wait_operation(cloud.api, response.json())
    assert op["metadata"]["state"] == "succeeded", op
    changed = {c["path"]: c for c in op["response"]["changed"]}
    assert set(unmanaged) <= set(changed), op["response"]["changed"]
    assert all(changed[p]["now"] is None for p in unmanaged)
    after = cloud.check(name)
    assert (after["health"], after["sync"], after["changes"]) == ("serving", "in_sync", [])
    history = cloud.api.get(f"/v1/deployments/{name}/checks", params={"mode": "full", "limit": 3}).json()["checks"]
    assert history[1]["sync"] == "in_sync", "the reconcile's closing full check is recorded, in sync"

