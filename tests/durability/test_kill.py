"""Kill -9 the real service (a ``deploy-anywhere serve`` subprocess) in the middle of a deploy, an
update and a delete, start it again on the same data dir / database with the same executor id: the
same operation completes, and the emulator holds exactly one set of resources (no duplicate, no
orphan) - or nothing after a delete.

Where the kill lands is made precise with the emulators: a held lifecycle (SageMaker endpoint in
Creating/Updating/Deleting, Vertex AI operations pending until the service reads them again), a
slow test query, and the emulator's request counts (``calls``) to know the provider work started.
The operation's ``metadata.phase`` says which phase the workflow is in. Cases (platform x phase x
database) are chosen to cover each kind of operation, both databases, every platform and six kill
points (right after the 202, submit, provision, test queries, finalize, delete), without running
every combination. Every platform of tests/platforms.py has cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.durability.clouds import CLOUDS, Cloud
from tests.support.service_process import (
    ServiceConfig,
    ServiceProcess,
    accepted,
    poll_until,
    running_service,
    wait_done,
    write_emulators_file,
)

pytestmark = pytest.mark.e2e

NAME = "durable"
SQLITE = "sqlite"
POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


@dataclass(frozen=True)
class KillPoint:
    """SIGKILL once the operation is in ``phase`` (None: right after the 202) and, if given, the
    emulator has answered ``after_call`` since the operation started."""

    phase: str | None
    after_call: str | None = None


def _config(tmp_path: Path, cloud: Cloud, emulator: Any, database_url: str | None) -> ServiceConfig:
    emulators = write_emulators_file(tmp_path / "emulators.json", {cloud.platform: cloud.emulator_entry(emulator)})
    return ServiceConfig(data_dir=tmp_path / "data", emulators_file=emulators, executor_id="kill-test",
                         database_url=database_url)


def _kill_at(service: ServiceProcess, emulator: Any, op: dict[str, Any], point: KillPoint) -> None:
    """Wait for ``point`` (failing if the operation ends first), then SIGKILL the service."""
    if point.phase is not None:
        def reached() -> bool:
            current = service.client.get(f"/v1/{op['name']}").json()
            assert not current["done"], f"the operation ended before the kill point {point}: {current}"
            if current["metadata"]["phase"] != point.phase:
                return False
            return point.after_call is None or emulator.control.calls().get(point.after_call, 0) > 0

        poll_until(reached, timeout=30, what=f"{op['name']} to reach {point}")
    service.kill()


def _resume(service: ServiceProcess, op: dict[str, Any]) -> dict[str, Any]:
    """Start the service again (same config) and wait for the operation; it must have succeeded."""
    service.start()
    done = wait_done(service.client, op["name"], timeout=60)
    assert done["metadata"]["state"] == "succeeded", json.dumps(done, indent=1)
    assert done["id"] == op["id"]
    return done


def _deployed(service: ServiceProcess, spec: dict[str, Any]) -> None:
    op = accepted(service.client.put(f"/v1/deployments/{NAME}", json=spec))
    assert wait_done(service.client, op["name"])["metadata"]["state"] == "succeeded"


@pytest.mark.parametrize("platform, point, database_url", [
    pytest.param("sagemaker", KillPoint(None), SQLITE, id="sagemaker-accepted-sqlite"),
    pytest.param("sagemaker", KillPoint("provision", "CreateEndpoint"), POSTGRES, id="sagemaker-provision-postgres"),
    pytest.param("sagemaker", KillPoint("test_queries"), POSTGRES, id="sagemaker-test_queries-postgres"),
    pytest.param("vertex", KillPoint("submit", "UploadModel"), POSTGRES, id="vertex-submit-postgres"),
    pytest.param("vertex", KillPoint("test_queries"), SQLITE, id="vertex-test_queries-sqlite"),
    pytest.param("azureml", KillPoint("submit"), SQLITE, id="azureml-submit-sqlite"),
    pytest.param("azureml", KillPoint("test_queries"), POSTGRES, id="azureml-test_queries-postgres"),
], indirect=["database_url"])
def test_deploy_completes_after_kill(platform: str, point: KillPoint, database_url: str | None,
                                     request: pytest.FixtureRequest, tmp_path: Path) -> None:
    cloud = CLOUDS[platform]
    emulator = request.getfixturevalue(cloud.fixture)
    spec = cloud.spec(NAME, queries=point.phase == "test_queries")
    with running_service(_config(tmp_path, cloud, emulator, database_url)) as service:
        if point.phase == "test_queries":
            cloud.slow_queries(emulator, seconds=5)
        elif point.phase is not None:
            cloud.hold(emulator)
        op = accepted(service.client.put(f"/v1/deployments/{NAME}", json=spec))
        _kill_at(service, emulator, op, point)
        emulator.control.clear_faults()  # the slow query, if the kill came before it was sent
        cloud.release(emulator)
        done = _resume(service, op)
        dep = service.client.get(f"/v1/deployments/{NAME}").json()
        assert (dep["health"], dep["sync"], dep["current_operation"]) == ("serving", "in_sync", None), dep
    if spec["test_queries"]:
        assert [q["passed"] for q in done["response"]["test_queries"]] == [True, True], done
    cloud.snapshot(emulator, NAME).assert_one_set(spec)
    if cloud.synchronous_creates:  # describe-before-create sends each once
        calls = emulator.control.calls()
        assert {op: calls[op] for op in cloud.synchronous_creates} == cloud.synchronous_creates, calls


@pytest.mark.parametrize("platform, point, database_url", [
    pytest.param("sagemaker", KillPoint("provision", "UpdateEndpoint"), SQLITE, id="sagemaker-provision-sqlite"),
    pytest.param("vertex", KillPoint("finalize", "UndeployModel"), POSTGRES, id="vertex-finalize-postgres"),
    pytest.param("azureml", KillPoint("submit"), POSTGRES, id="azureml-update-submit-postgres"),
], indirect=["database_url"])
def test_update_completes_after_kill(platform: str, point: KillPoint, database_url: str | None,
                                     request: pytest.FixtureRequest, tmp_path: Path) -> None:
    cloud = CLOUDS[platform]
    emulator = request.getfixturevalue(cloud.fixture)
    spec = cloud.spec(NAME)
    new = cloud.updated(spec)
    with running_service(_config(tmp_path, cloud, emulator, database_url)) as service:
        _deployed(service, spec)
        emulator.control.clear_calls()
        cloud.hold(emulator)
        op = accepted(service.client.put(f"/v1/deployments/{NAME}", json=new))
        _kill_at(service, emulator, op, point)
        cloud.release(emulator)
        _resume(service, op)
        dep = service.client.get(f"/v1/deployments/{NAME}").json()
        images = [v["image"] for v in dep["spec"]["variants"]]
        assert (dep["health"], dep["sync"]) == ("serving", "in_sync"), dep
        assert images == [v["image"] for v in new["variants"]], dep
    cloud.snapshot(emulator, NAME).assert_one_set(new)


@pytest.mark.parametrize("platform, point, database_url", [
    pytest.param("sagemaker", KillPoint("delete", "DeleteEndpoint"), POSTGRES, id="sagemaker-delete-postgres"),
    pytest.param("vertex", KillPoint("delete", "UndeployModel"), SQLITE, id="vertex-delete-sqlite"),
    pytest.param("azureml", KillPoint("delete"), SQLITE, id="azureml-delete-sqlite"),
], indirect=["database_url"])
def test_delete_completes_after_kill(platform: str, point: KillPoint, database_url: str | None,
                                     request: pytest.FixtureRequest, tmp_path: Path) -> None:
    cloud = CLOUDS[platform]
    emulator = request.getfixturevalue(cloud.fixture)
    with running_service(_config(tmp_path, cloud, emulator, database_url)) as service:
        _deployed(service, cloud.spec(NAME))
        emulator.control.clear_calls()
        cloud.hold(emulator)
        op = accepted(service.client.delete(f"/v1/deployments/{NAME}"))
        _kill_at(service, emulator, op, point)
        cloud.release(emulator)
        _resume(service, op)
        assert service.client.get(f"/v1/deployments/{NAME}").status_code == 404
    cloud.snapshot(emulator, NAME).assert_empty()
