"""A graceful restart (same data dir and executor id) resumes an in-flight deploy: the operation
finishes after the restart, it is not failed by the shutdown, and nothing is created twice."""

import time

import boto3
import pytest

from tests.support.api_server import running_api, wait_operation

SPEC = {
    "name": "restart-demo",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "instance_type": "ml.m5.large"}],
}


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_deploy_resumes_after_restart(sagemaker_emulator, tmp_path, database_url):
    sagemaker_emulator.control.set_progression("manual", times=100000)  # hold the endpoint in Creating
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url, database_url=database_url) as api:
        op = api.put("/v1/deployments/restart-demo", json=SPEC).json()
        deadline = time.monotonic() + 20
        while api.get(f"/v1/{op['name']}").json()["metadata"]["phase"] != "provision":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    sagemaker_emulator.control.set_progression("immediate")
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url, database_url=database_url) as api:
        done = wait_operation(api, api.get(f"/v1/{op['name']}").json())
        assert done["metadata"]["state"] == "succeeded", done
        assert api.get("/v1/deployments/restart-demo").json()["health"] == "serving"
    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker_emulator.url,
                          aws_access_key_id="t", aws_secret_access_key="t")
    assert len(client.list_endpoints()["Endpoints"]) == 1
    assert len(client.list_models()["Models"]) == 1
    assert len(client.list_endpoint_configs()["EndpointConfigs"]) == 1


def test_an_operation_stored_without_its_workflow_is_started_at_launch(sagemaker_emulator, tmp_path):
    """A crash between storing the operation and enqueueing its workflow must not strand it."""
    from core.settings import Settings
    from core.spec import revision
    from core.spec_io import parse_spec
    from core.store import Store

    sagemaker_emulator.control.set_progression("immediate")
    store = Store(Settings(data_dir=tmp_path / "data").store_url())
    store.migrate()
    spec = parse_spec(SPEC)
    op = store.deployments.begin_operation("restart-demo", kind="apply", platform="sagemaker",
                               spec=spec.model_dump(mode="json"), revision=revision(spec))
    store.dispose()
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url) as api:
        done = wait_operation(api, api.get(f"/v1/operations/{op.id}").json())
        assert done["metadata"]["state"] == "succeeded", done
        assert api.put("/v1/deployments/restart-demo", json=SPEC).status_code == 200
