"""Per-account concurrency limits hold across replicas: with OPERATIONS_PER_ACCOUNT=2 and two
replicas on one PostgreSQL, at most 2 deploys of one provider account run at once (the rest wait
queued), another account is not held up by it, and everything finishes once the provider moves."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.durability.clouds import SageMaker
from tests.support.service_process import ServiceConfig, running_service, wait_done, write_emulators_file

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]


def _spec(name: str, region: str) -> dict:
    spec = SageMaker().spec(name)
    return spec | {"target": spec["target"] | {"region": region}}


def test_operations_per_account_hold_across_replicas(sagemaker_emulator, postgres_url, tmp_path):
    emulators = write_emulators_file(tmp_path / "emulators.json", {"sagemaker": {"url": sagemaker_emulator.url}})
    settings = {"OPERATIONS_PER_ACCOUNT": "2", "QUEUE_POLLING_SECONDS": "0.1"}
    configs = [ServiceConfig(data_dir=tmp_path / f"d{i}", emulators_file=emulators, executor_id=f"replica-{i}",
                             database_url=postgres_url, settings=settings) for i in (1, 2)]
    SageMaker().hold(sagemaker_emulator)
    with running_service(configs[0]) as one, running_service(configs[1]) as two:
        ops = {}
        for i in range(6):
            replica = (one, two)[i % 2]
            ops[f"lim-east-{i}"] = replica.client.put(f"/v1/deployments/lim-east-{i}",
                                                      json=_spec(f"lim-east-{i}", "us-east-1")).json()["name"]
        for i in range(2):
            ops[f"lim-west-{i}"] = two.client.put(f"/v1/deployments/lim-west-{i}",
                                                  json=_spec(f"lim-west-{i}", "eu-west-1")).json()["name"]

        peak: Counter[str] = Counter()
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            running = one.client.get("/v1/operations", params={"state": "running"}).json()["operations"]
            now = Counter(op["metadata"]["deployment"].split("-")[1] for op in running)
            for account, n in now.items():
                peak[account] = max(peak[account], n)
            time.sleep(0.05)
        assert peak["east"] == 2, f"at most (and, with work waiting, exactly) 2 per account: {peak}"
        assert peak["west"] == 2, "the other account runs beside it"
        queued = one.client.get("/v1/operations", params={"state": "pending"}).json()["operations"]
        assert len(queued) == 4 and all(op["metadata"]["deployment"].startswith("lim-east") for op in queued)

        SageMaker().release(sagemaker_emulator)
        for name, op in ops.items():
            assert wait_done(one.client, op, timeout=90)["metadata"]["state"] == "succeeded", name
