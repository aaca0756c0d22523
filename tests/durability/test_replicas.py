"""Two replicas of the real service (subprocesses with distinct executor ids) on ONE PostgreSQL
database, holding both the store and the DBOS system tables (schema ``dbos``).

Operations are enqueued on DBOS's operations queue (the workflow id is the operation id), and any
replica may dequeue and run any of them - exactly once.

* 20 deploys submitted concurrently, 10 through each replica's API: every operation succeeds, the
  emulator received exactly one CreateEndpoint per deployment, and each operation's workflow has
  one row in ``dbos.workflow_status``, handed out once (``recovery_attempts`` counts dispatches)
  to one of the replicas.
* A replica killed mid-operation leaves the workflows it was running pending: the other replica
  does not take them (DBOS recovers only the workflows of the executor id that launches).
  Restarted with the same executor id - a StatefulSet pod coming back - it puts them back on the
  queue, and a live replica of the same application version (it, or the other one) dequeues each
  exactly once and finishes it from its last recorded step.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.durability.clouds import SageMaker
from tests.support.service_process import (
    ServiceConfig,
    ServiceProcess,
    accepted,
    new_admin_key,
    poll_until,
    running_services,
    wait_done,
    write_emulators_file,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CLOUD = SageMaker()
REPLICAS = ("replica-a", "replica-b")
SETTINGS = {"OPERATIONS_PER_ACCOUNT": "20", "QUEUE_POLLING_SECONDS": "0.1"}
"""All test deploys are in one provider account: let them all run at once, dequeued quickly."""


def _spec(name: str) -> dict[str, Any]:
    spec = CLOUD.spec(name)
    return {**spec, "variants": [{**spec["variants"][0], "weight": 100}]}


@contextmanager
def _replicas(tmp_path: Path, sm: Any, database_url: str) -> Iterator[dict[str, ServiceProcess]]:
    """Both replicas, started concurrently (their migrations race on purpose); killed on exit."""
    emulators = write_emulators_file(tmp_path / "emulators.json", {"sagemaker": CLOUD.emulator_entry(sm)})
    key = new_admin_key()  # one secret shared by the replicas, as a Deployment would mount it
    configs = [ServiceConfig(data_dir=tmp_path / rid / "data", emulators_file=emulators, executor_id=rid,
                             database_url=database_url, admin_key=key, settings=SETTINGS) for rid in REPLICAS]
    with running_services(configs) as services:
        yield dict(zip(REPLICAS, services))


def _workflows(database_url: str, op_ids: list[str]) -> dict[str, dict[str, Any]]:
    """``dbos.workflow_status`` rows of these workflow ids (workflow id = operation id)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT workflow_uuid, status, executor_id, recovery_attempts FROM dbos.workflow_status "
                "WHERE workflow_uuid = ANY(:ids)"), {"ids": op_ids}).mappings().all()
    finally:
        engine.dispose()
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        assert row["workflow_uuid"] not in found, f"two workflow rows for {row['workflow_uuid']}"
        found[row["workflow_uuid"]] = dict(row)
    return found


def _endpoints(sm: Any) -> list[str]:
    return sorted(e["EndpointName"] for e in CLOUD.client(sm).list_endpoints(MaxResults=100)["Endpoints"])


def _runs(database_url: str, ops: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Deployment name -> (DBOS status, executor id) of its operation's workflow."""
    rows = _workflows(database_url, [op["id"] for op in ops.values()])
    return {name: (rows[op["id"]]["status"], rows[op["id"]]["executor_id"]) for name, op in ops.items()}


def _dispatches(database_url: str, ops: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Deployment name -> how many times DBOS handed its workflow to an executor (each dequeue,
    first or after a recovery, counts one in ``recovery_attempts``)."""
    rows = _workflows(database_url, [op["id"] for op in ops.values()])
    return {name: rows[op["id"]]["recovery_attempts"] for name, op in ops.items()}


def test_concurrent_deploys_across_two_replicas_run_once(sagemaker_emulator, postgres_url, tmp_path):
    names = [f"fleet-{i:02d}" for i in range(20)]
    owner = {name: REPLICAS[i % 2] for i, name in enumerate(names)}
    with _replicas(tmp_path, sagemaker_emulator, postgres_url) as services:
        def put(name: str) -> dict[str, Any]:
            return accepted(services[owner[name]].client.put(f"/v1/deployments/{name}", json=_spec(name)))

        with ThreadPoolExecutor(len(names)) as pool:
            ops = dict(zip(names, pool.map(put, names)))
        done = {name: wait_done(services[owner[name]].client, op["name"], timeout=120) for name, op in ops.items()}
        listed = services[REPLICAS[0]].client.get("/v1/operations", params={"limit": 100}).json()["operations"]

    assert {name: op["metadata"]["state"] for name, op in done.items()} == dict.fromkeys(names, "succeeded")
    assert sorted(op["id"] for op in listed) == sorted(op["id"] for op in ops.values()), "one operation each"
    calls = sagemaker_emulator.control.calls()
    assert calls["CreateEndpoint"] == len(names), calls  # with every endpoint created: one per deployment
    assert _endpoints(sagemaker_emulator) == names
    runs = _runs(postgres_url, ops)  # one workflow row per operation (checked in _workflows)
    assert {status for status, _ in runs.values()} == {"SUCCESS"}
    assert {executor for _, executor in runs.values()} <= set(REPLICAS)
    assert _dispatches(postgres_url, ops) == dict.fromkeys(names, 1), "each workflow handed out once"


def test_killed_replica_finishes_its_operations_when_restarted(sagemaker_emulator, postgres_url, tmp_path):
    names = [f"held-{i}" for i in range(4)]
    CLOUD.hold(sagemaker_emulator)  # every endpoint stays Creating until released
    with _replicas(tmp_path, sagemaker_emulator, postgres_url) as services:
        ops = {name: accepted(services[REPLICAS[i % 2]].client.put(f"/v1/deployments/{name}", json=_spec(name)))
               for i, name in enumerate(names)}
        api = services[REPLICAS[0]].client

        def provisioning() -> bool:
            return all(api.get(f"/v1/{op['name']}").json()["metadata"]["phase"] == "provision" for op in ops.values())

        poll_until(provisioning, timeout=60, what="every operation to be provisioning")
        before = _runs(postgres_url, ops)
        victim = before[names[0]][1]  # the replica running the first deploy (the other may run none)
        survivor = next(rid for rid in REPLICAS if rid != victim)
        lost = [name for name in names if before[name][1] == victim]
        kept = [name for name in names if before[name][1] == survivor]
        assert sorted(lost + kept) == names and {status for status, _ in before.values()} == {"PENDING"}

        services[victim].kill()
        CLOUD.release(sagemaker_emulator)
        client = services[survivor].client
        for name in kept:
            assert wait_done(client, ops[name]["name"])["metadata"]["state"] == "succeeded"
        # the survivor serves the API for everything, but does not run the victim's workflows
        for name in lost:
            op = client.get(f"/v1/{ops[name]['name']}").json()
            assert (op["done"], op["metadata"]["state"], op["metadata"]["phase"]) == (False, "running", "provision")
        assert {name: run for name, run in _runs(postgres_url, ops).items() if name in lost} \
            == dict.fromkeys(lost, ("PENDING", victim))

        services[victim].start()  # same executor id: DBOS re-queues its pending workflows
        for name in lost:
            assert wait_done(client, ops[name]["name"])["metadata"]["state"] == "succeeded"

    runs = _runs(postgres_url, ops)
    assert {name: runs[name] for name in kept} == dict.fromkeys(kept, ("SUCCESS", survivor))
    # a re-queued workflow runs on whichever live replica dequeues it first
    assert all(runs[name][0] == "SUCCESS" and runs[name][1] in REPLICAS for name in lost), runs
    # handed out once, plus once more after the victim's recovery re-queued it
    assert _dispatches(postgres_url, ops) == {name: 2 if name in lost else 1 for name in names}
    assert sagemaker_emulator.control.calls()["CreateEndpoint"] == len(names)
    assert _endpoints(sagemaker_emulator) == names
