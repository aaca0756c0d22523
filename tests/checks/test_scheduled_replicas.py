"""Two replicas on one PostgreSQL: the check sweep fires once per period (not once per replica), each
deployment is checked once per interval, and when one replica stops the other keeps sweeping, with no
tick lost (which replica wins a tick while both run is a race, so it is not asserted)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.checks.test_check_api import SPEC
from tests.support.service_process import ServiceConfig, running_service, wait_done, write_emulators_file

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

SCHEDULE = {"CHECKS_ENABLED": "true", "CHECK_TICK_SECONDS": "1", "CHECK_INTERVAL_SECONDS": "2",
            "FULL_CHECK_INTERVAL_SECONDS": "3600", "PROVIDER_REQUESTS_PER_SECOND": "1000",
            "QUEUE_POLLING_SECONDS": "0.1"}


def test_scheduled_checks_run_once_across_two_replicas(sagemaker_emulator, postgres_url, tmp_path):
    sagemaker_emulator.control.set_progression("immediate")
    emulators = write_emulators_file(tmp_path / "emulators.json", {"sagemaker": {"url": sagemaker_emulator.url}})
    configs = [ServiceConfig(data_dir=tmp_path / f"data-{i}", emulators_file=emulators, executor_id=f"replica-{i}",
                             database_url=postgres_url, settings=SCHEDULE) for i in (1, 2)]
    with running_service(configs[1]) as two:
        with running_service(configs[0]) as one:
            names = ["sched-a", "sched-b", "sched-c"]
            for i, name in enumerate(names):
                replica = (one, two)[i % 2]
                op = replica.client.put(f"/v1/deployments/{name}", json=SPEC | {"name": name}).json()
                assert wait_done(replica.client, op["name"])["metadata"]["state"] == "succeeded"
            time.sleep(6)
        one_stopped = time.time()
        time.sleep(5)

    engine = sa.create_engine(postgres_url)
    with engine.connect() as db:
        sweeps = db.execute(sa.text(
            "SELECT workflow_uuid, executor_id, status, created_at FROM dbos.workflow_status "
            "WHERE workflow_uuid LIKE 'sched-deploy-anywhere-check-sweep-%' ORDER BY created_at")).all()
        checks = db.execute(sa.text(
            "SELECT deployment_name, checked_at FROM check_results WHERE trigger = 'scheduled' "
            "ORDER BY deployment_name, checked_at")).all()
    engine.dispose()

    assert len(sweeps) >= 6, "a sweep per tick"
    stamps = [s.workflow_uuid for s in sweeps]
    assert len(stamps) == len(set(stamps))
    assert {s.executor_id for s in sweeps} - {None} <= {"replica-1", "replica-2"}
    after = [s for s in sweeps  # ticks once replica-1 was gone (None: a tick the stopping replicas left)
             if s.created_at / 1000 > one_stopped + 1.5 and s.executor_id is not None]
    assert len(after) >= 2 and {s.executor_id for s in after} == {"replica-2"}, "the survivor keeps sweeping"
    by_name: dict[str, list] = {}
    for name, at in checks:
        by_name.setdefault(name, []).append(at)
    assert set(by_name) == set(names)
    for name, times in by_name.items():
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
        assert len(times) >= 2 and min(gaps) > 1.0, f"{name} checked twice in one period: {gaps}"
