"""core.store: the repository contract, on SQLite and (marked ``postgres``) on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from core.errors import Conflict, NotFound
from core.store import CheckResultRecord, DeploymentRecord, OperationRecord, Store
from core.store.checks import CheckWrite
from core.store.db import normalize_url
from core.store.migrate import current_revision, head_revision, schema_diff
from tests.support.pg_fixtures import postgres_server, postgres_url  # noqa: F401

UTC = dt.UTC
SPEC_A = {"name": "demo", "variants": [{"name": "a", "weight": 100}]}
SPEC_B = {"name": "demo", "variants": [{"name": "b", "weight": 100}]}


def apply(store: Store, name: str = "demo", *, spec: dict | None = None, revision: str = "aaaaaaaaaaaa",
          platform: str = "sagemaker") -> OperationRecord:
    return store.deployments.begin_operation(name, kind="apply", platform=platform, spec=spec or SPEC_A,
                                             revision=revision)


# -- schema -------------------------------------------------------------------------------------


def test_migrate_twice_is_a_no_op(store: Store) -> None:
    apply(store)
    store.migrate()
    assert current_revision(store.engine) == head_revision() is not None
    assert store.deployments.get("demo") is not None


def test_replicas_migrating_at_once(db_url: str) -> None:
    replicas = [Store(db_url) for _ in range(4)]
    barrier = threading.Barrier(len(replicas))
    errors: list[BaseException] = []

    def run(s: Store) -> None:
        barrier.wait()
        try:
            s.migrate()
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        assert current_revision(replicas[0].engine) == head_revision()
        assert schema_diff(replicas[0].engine) == []
    finally:
        for s in replicas:
            s.dispose()


def test_migrated_schema_matches_models(store: Store) -> None:
    assert schema_diff(store.engine) == []


def test_dialect(store: Store) -> None:
    assert store.dialect in ("sqlite", "postgresql")


def test_sqlite_pragmas(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path}/p.db")
    try:
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        s.dispose()


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg"),
        ("postgresql://u:p@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
        ("relative/state.db", "sqlite"),
    ],
)
def test_normalize_url(given: str, driver: str) -> None:
    assert normalize_url(given).drivername == driver


def test_normalize_url_rejects_other_backends() -> None:
    with pytest.raises(ValueError):
        normalize_url("mysql://u@h/db")


# -- apply / delete gate ------------------------------------------------------------------------


def test_apply_creates_deployment_revision_and_operation(store: Store) -> None:
    op = apply(store)
    assert (op.kind, op.state, op.phase, op.done, op.progress) == ("apply", "pending", "queued", False, 0)
    assert len(op.id) == 32 and int(op.id, 16) >= 0
    assert op.revision == "aaaaaaaaaaaa"
    dep = store.deployments.get("demo")
    assert isinstance(dep, DeploymentRecord)
    assert (dep.platform, dep.spec, dep.revision, dep.generation) == ("sagemaker", SPEC_A, "aaaaaaaaaaaa", 1)
    assert (dep.health, dep.sync, dep.provider_ids, dep.deleting) == ("unknown", "unknown", {}, False)
    assert dep.current_operation_id == op.id
    assert [(r, s) for r, s, _ in store.deployments.revisions("demo")] == [("aaaaaaaaaaaa", SPEC_A)]
    assert store.deployments.get_operation(op.id) == op


def test_second_apply_while_running_conflicts(store: Store) -> None:
    op = apply(store)
    store.deployments.update_operation(op.id, state="running", phase="provision")
    with pytest.raises(Conflict) as exc:
        apply(store, spec=SPEC_B, revision="bbbbbbbbbbbb")
    assert exc.value.details == {"operation": op.id}
    assert op.id in exc.value.message
    with pytest.raises(Conflict):
        store.deployments.begin_operation("demo", kind="delete", platform="sagemaker", spec=None, revision=None)
    dep = store.deployments.get("demo")
    assert dep is not None and dep.revision == "aaaaaaaaaaaa" and dep.current_operation_id == op.id


def test_apply_after_finish_works(store: Store) -> None:
    first = apply(store)
    store.deployments.finish_operation(first.id, state="succeeded", result={"endpoint": "x"})
    assert store.deployments.get("demo").current_operation_id is None  # type: ignore[union-attr]
    second = apply(store, spec=SPEC_B, revision="bbbbbbbbbbbb")
    assert second.id != first.id
    dep = store.deployments.get("demo")
    assert dep is not None and dep.current_operation_id == second.id and dep.spec == SPEC_B


def test_generation_bumps_only_on_revision_change(store: Store) -> None:
    for revision, spec, expected in [
        ("aaaaaaaaaaaa", SPEC_A, 1),
        ("aaaaaaaaaaaa", SPEC_A, 1),  # re-apply of the same spec
        ("bbbbbbbbbbbb", SPEC_B, 2),
        ("aaaaaaaaaaaa", SPEC_A, 3),  # rollback to a known revision
    ]:
        op = apply(store, spec=spec, revision=revision)
        dep = store.deployments.get("demo")
        assert dep is not None and dep.generation == expected and dep.revision == revision
        store.deployments.finish_operation(op.id, state="succeeded")
    revisions = store.deployments.revisions("demo")
    assert [r for r, _, _ in revisions] == ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]  # one row per pair, oldest first
    assert revisions[1][1] == SPEC_B


def test_delete_of_unknown_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.deployments.begin_operation("ghost", kind="delete", platform="sagemaker", spec=None, revision=None)
    assert store.deployments.get("ghost") is None
    assert store.deployments.list_operations(deployment="ghost") == []


def test_delete_marks_deleting_and_failed_delete_resets(store: Store) -> None:
    store.deployments.finish_operation(apply(store).id, state="succeeded")
    op = store.deployments.begin_operation("demo", kind="delete", platform="sagemaker", spec=None, revision=None)
    assert (op.kind, op.revision) == ("delete", "aaaaaaaaaaaa")
    dep = store.deployments.get("demo")
    assert dep is not None and dep.deleting and dep.current_operation_id == op.id
    store.deployments.finish_operation(op.id, state="failed",
                                       error={"code": "provider_error", "message": "no", "details": None})
    dep = store.deployments.get("demo")
    assert dep is not None and not dep.deleting and dep.current_operation_id is None


def test_invalid_arguments(store: Store) -> None:
    with pytest.raises(ValueError):
        store.deployments.begin_operation("demo", kind="rollback", platform="sagemaker", spec=SPEC_A, revision="a")
    with pytest.raises(ValueError):
        store.deployments.begin_operation("demo", kind="apply", platform="sagemaker", spec=None, revision=None)
    with pytest.raises(ValueError):
        apply(store, "x" * 64)


# -- operation lifecycle ------------------------------------------------------------------------


def test_finish_is_idempotent(store: Store) -> None:
    op = apply(store)
    err = {"code": "deployment_failed", "message": "image pull failed", "details": {"reason": "x"}}
    done = store.deployments.finish_operation(op.id, state="failed", error=err)
    assert (done.state, done.done, done.phase, done.error) == ("failed", True, "done", err)
    assert done.progress == 0  # 100 only on success
    again = store.deployments.finish_operation(op.id, state="succeeded", result={"ignored": True})
    assert again == done
    ok = store.deployments.finish_operation(apply(store).id, state="succeeded", result={"a": 1})
    assert (ok.progress, ok.result) == (100, {"a": 1})
    with pytest.raises(NotFound):
        store.deployments.finish_operation("0" * 32, state="succeeded")
    with pytest.raises(ValueError):
        store.deployments.finish_operation(op.id, state="running")


def test_finish_does_not_clear_another_current_operation(store: Store) -> None:
    first = apply(store)
    store.deployments.finish_operation(first.id, state="cancelled")
    second = apply(store, revision="bbbbbbbbbbbb", spec=SPEC_B)
    store.deployments.finish_operation(first.id, state="succeeded")  # late duplicate finish of the old op
    assert store.deployments.get("demo").current_operation_id == second.id  # type: ignore[union-attr]


def test_update_operation_changes_only_given_fields(store: Store) -> None:
    op = apply(store)
    a = store.deployments.update_operation(op.id, state="running", phase="submit")
    assert (a.state, a.phase, a.progress, a.status_message) == ("running", "submit", 0, None)
    b = store.deployments.update_operation(op.id, progress=40, status_message="Creating")
    assert (b.state, b.phase, b.progress, b.status_message) == ("running", "submit", 40, "Creating")
    assert b.updated_at >= a.updated_at and b.created_at == op.created_at
    assert store.deployments.get_operation(op.id) == b
    with pytest.raises(NotFound):
        store.deployments.update_operation("f" * 32, phase="serve")
    with pytest.raises(ValueError):
        store.deployments.update_operation(op.id, state="succeeded")
    with pytest.raises(ValueError):
        store.deployments.update_operation(op.id, progress=101)
    done = store.deployments.finish_operation(op.id, state="timed_out")
    assert store.deployments.update_operation(op.id, phase="serve", progress=90) == done  # late updates ignored


# -- listing ------------------------------------------------------------------------------------


def test_list_filters_and_order(store: Store) -> None:
    ops = {}
    for name, platform in [("charlie", "vertex"), ("alpha", "sagemaker"), ("bravo", "vertex"), ("delta", "azureml")]:
        ops[name] = apply(store, name, platform=platform)
    assert [d.name for d in store.deployments.list()] == ["alpha", "bravo", "charlie", "delta"]
    assert [d.name for d in store.deployments.list(platform="vertex")] == ["bravo", "charlie"]
    assert [d.name for d in store.deployments.list(limit=2, offset=1)] == ["bravo", "charlie"]
    assert store.deployments.count() == 4
    assert store.deployments.count(platform="vertex") == 2
    assert store.deployments.count(platform="nope") == 0

    store.deployments.finish_operation(ops["alpha"].id, state="succeeded")
    newest_first = [o.deployment_name for o in store.deployments.list_operations()]
    assert newest_first == ["delta", "bravo", "alpha", "charlie"]
    assert [o.id for o in store.deployments.list_operations(limit=1)] == [ops["delta"].id]
    assert [o.id for o in store.deployments.list_operations(deployment="alpha")] == [ops["alpha"].id]
    pending = store.deployments.list_operations(state="pending")
    assert [o.deployment_name for o in pending] == ["delta", "bravo", "charlie"]
    assert store.deployments.list_operations(deployment="bravo", state="succeeded") == []
    again = store.deployments.finish_operation(apply(store, "alpha", revision="bbbbbbbbbbbb").id, state="succeeded")
    assert [o.id for o in store.deployments.list_operations(deployment="alpha")] == [again.id, ops["alpha"].id]


# -- observations -------------------------------------------------------------------------------


def test_recorded_checks_update_the_observation(store: Store) -> None:
    apply(store)
    [first] = store.checks.record([CheckWrite(
        name="demo", mode="basic", health="serving", sync="in_sync", revision_expected="a", revision_live="a",
        status_message="InService", provider_ids={"endpoint_arn": "arn:aws:sagemaker:x"})])
    assert first is not None
    dep = store.deployments.get("demo")
    assert dep is not None
    assert (dep.health, dep.sync, dep.status_message) == ("serving", "in_sync", "InService")
    assert dep.provider_ids == {"endpoint_arn": "arn:aws:sagemaker:x"}
    assert dep.observed_at is not None and dep.observed_at.tzinfo == UTC
    seen = dep.observed_at
    store.checks.record([CheckWrite(name="demo", mode="basic", health="degraded", sync="out_of_sync",
                                    revision_expected="a", revision_live="a")])
    dep = store.deployments.get("demo")
    assert dep is not None and dep.provider_ids == {"endpoint_arn": "arn:aws:sagemaker:x"}  # kept when not given
    assert dep.status_message is None and dep.observed_at is not None and dep.observed_at >= seen
    assert store.checks.record([CheckWrite(name="ghost", mode="basic", health="serving", sync="in_sync",
                                           revision_expected=None, revision_live=None)]) == [None]
    assert store.deployments.get("ghost") is None


def test_remove_deployment_keeps_operations_and_checks(store: Store) -> None:
    store.deployments.finish_operation(apply(store).id, state="succeeded")
    store.checks.record([CheckWrite(name="demo", mode="basic", health="serving", sync="in_sync",
                                    revision_expected="a", revision_live="a", duration_ms=1.5)])
    delete_op = store.deployments.begin_operation("demo", kind="delete", platform="sagemaker", spec=None, revision=None)
    store.deployments.finish_operation(delete_op.id, state="succeeded")
    store.deployments.remove("demo")
    store.deployments.remove("demo")  # idempotent
    assert store.deployments.get("demo") is None
    assert store.deployments.revisions("demo") == []
    assert [o.kind for o in store.deployments.list_operations(deployment="demo")] == ["delete", "apply"]
    assert len(store.checks.history("demo")) == 1
    # The name can be used again, starting from generation 1.
    apply(store, revision="bbbbbbbbbbbb", spec=SPEC_B)
    dep = store.deployments.get("demo")
    assert dep is not None and dep.generation == 1
    assert [r for r, _, _ in store.deployments.revisions("demo")] == ["bbbbbbbbbbbb"]


def test_remove_deployment_spares_a_reapplied_deployment(store: Store) -> None:
    store.deployments.finish_operation(apply(store).id, state="succeeded")
    store.deployments.finish_operation(
        store.deployments.begin_operation("demo", kind="delete", platform="sagemaker", spec=None, revision=None).id,
        state="succeeded",
    )
    apply(store, revision="bbbbbbbbbbbb", spec=SPEC_B)  # re-applied before the removal ran
    store.deployments.remove("demo")
    assert store.deployments.get("demo") is not None


# -- check results ------------------------------------------------------------------------------


def test_check_results_record_history_prune(store: Store) -> None:
    base = dt.datetime(2024, 1, 1, tzinfo=UTC)
    apply(store)
    apply(store, "other")
    drift = [{"path": "variants[0].instance_type", "expected": "ml.m5.large", "actual": "ml.m5.xlarge",
              "severity": "warning"}]
    for day in range(5):
        [rec] = store.checks.record([CheckWrite(
            name="demo", mode="full" if day % 2 else "basic", health="serving",
            sync="out_of_sync" if day == 4 else "in_sync", revision_expected="aaaaaaaaaaaa",
            revision_live="aaaaaaaaaaaa", drift=drift if day == 4 else [],
            duration_ms=12.5 + day, checked_at=base + dt.timedelta(days=day))])
        assert rec is not None and isinstance(rec.result, CheckResultRecord) and rec.result.id > 0
    store.checks.record([CheckWrite(name="other", mode="basic", health="missing", sync="unknown",
                                    revision_expected=None, revision_live=None,
                                    error={"code": "not_found", "message": "gone"}, duration_ms=3, checked_at=base)])
    results = store.checks.history("demo")
    assert [r.checked_at for r in results] == [base + dt.timedelta(days=d) for d in (4, 3, 2, 1, 0)]
    assert results[0].drift == [drift[0] | {"observed_at": results[0].checked_at.isoformat(), "mode": "basic",
                                            "carried": False, "revision": "aaaaaaaaaaaa",
                                            "check_id": results[0].id}]
    assert results[0].sync == "out_of_sync" and results[0].duration_ms == 16.5
    assert [r.mode for r in store.checks.history("demo", limit=2)] == ["basic", "full"]
    assert store.checks.history("other")[0].error == {"code": "not_found", "message": "gone"}
    assert store.checks.prune(older_than=base + dt.timedelta(days=2))[0] == 3  # days 0, 1 + "other"
    assert len(store.checks.history("demo")) == 3
    assert store.checks.history("other") == []
    assert store.checks.prune(older_than=base)[0] == 0
    with pytest.raises(ValueError):
        store.checks.record([CheckWrite(name="demo", mode="deep", health="serving", sync="in_sync",
                                        revision_expected=None, revision_live=None)])


# -- concurrency --------------------------------------------------------------------------------


def _race(store: Store, name: str, threads: int = 8) -> tuple[list[OperationRecord], list[BaseException]]:
    barrier = threading.Barrier(threads)
    wins: list[OperationRecord] = []
    losses: list[BaseException] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        barrier.wait()
        try:
            op = store.deployments.begin_operation(name, kind="apply", platform="sagemaker", spec={"i": i},
                                                   revision=f"{i:012x}")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            with lock:
                losses.append(exc)
        else:
            with lock:
                wins.append(op)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    return wins, losses


def test_concurrent_begin_on_a_new_name_exactly_one_wins(store: Store) -> None:
    wins, losses = _race(store, "race")
    assert len(wins) == 1, losses
    assert len(losses) == 7 and all(isinstance(e, Conflict) for e in losses), losses
    dep = store.deployments.get("race")
    assert dep is not None and dep.current_operation_id == wins[0].id and dep.generation == 1
    assert len(store.deployments.list_operations(deployment="race")) == 1
    assert len(store.deployments.revisions("race")) == 1


def test_concurrent_begin_on_an_idle_existing_name_exactly_one_wins(store: Store) -> None:
    store.deployments.finish_operation(apply(store, "race").id, state="succeeded")
    wins, losses = _race(store, "race")
    assert len(wins) == 1 and len(losses) == 7 and all(isinstance(e, Conflict) for e in losses), losses
    dep = store.deployments.get("race")
    assert dep is not None and dep.current_operation_id == wins[0].id and dep.generation == 2


# -- records ------------------------------------------------------------------------------------


def test_datetimes_are_tz_aware_utc(store: Store) -> None:
    before = dt.datetime.now(UTC)
    op = apply(store)
    records = [store.deployments.get("demo"), store.deployments.get_operation(op.id),
               *store.deployments.list_operations()]
    stamps = [getattr(r, f) for r in records for f in ("created_at", "updated_at")]
    stamps.append(store.deployments.revisions("demo")[0][2])
    [check] = store.checks.record([CheckWrite(name="demo", mode="basic", health="serving", sync="in_sync",
                                              revision_expected=None, revision_live=None, duration_ms=1)])
    assert check is not None
    stamps += [check.result.checked_at, store.checks.history("demo")[0].checked_at]
    for stamp in stamps:
        assert stamp.tzinfo is not None and stamp.utcoffset() == dt.timedelta(0)
        assert before - dt.timedelta(seconds=5) <= stamp <= dt.datetime.now(UTC)
    naive = dt.datetime(2024, 1, 1)  # ambiguous: refused
    with pytest.raises((ValueError, StatementError)):
        store.checks.record([CheckWrite(name="demo", mode="basic", health="serving", sync="in_sync",
                                        revision_expected=None, revision_live=None, checked_at=naive)])
    with pytest.raises((ValueError, StatementError)):
        store.checks.prune(older_than=naive)


def test_records_are_frozen_and_detached(store: Store) -> None:
    apply(store)
    dep = store.deployments.get("demo")
    assert dep is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        dep.health = "serving"  # type: ignore[misc]
    dep.spec["name"] = "mutated"
    assert store.deployments.get("demo").spec == SPEC_A  # type: ignore[union-attr]


def test_foreign_keys_cascade_revisions(store: Store) -> None:
    apply(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM deployments WHERE name = 'demo'"))
    assert store.deployments.revisions("demo") == []


def test_audit_events_past_the_retention_are_pruned(store: Store) -> None:
    store.audit.record(actor="k1", action="apply", deployment="demo", revision="a")
    store.audit.record(actor="k1", action="delete", deployment="demo")
    now = dt.datetime.now(UTC)
    assert store.audit.prune(older_than=now - dt.timedelta(days=1)) == 0
    assert store.audit.count() == 2
    assert store.audit.prune(older_than=now + dt.timedelta(seconds=1)) == 2
    assert store.audit.count() == 0


def test_an_apply_clears_the_full_check_clock(store: Store) -> None:
    store.deployments.finish_operation(apply(store).id, state="succeeded")
    store.checks.record([CheckWrite(name="demo", mode="full", health="serving", sync="in_sync",
                                    revision_expected="a", revision_live="a")])
    dep = store.deployments.get("demo")
    assert dep is not None and dep.full_checked_at is not None
    apply(store, revision="bbbbbbbbbbbb", spec=SPEC_B)
    dep = store.deployments.get("demo")
    assert dep is not None and dep.full_checked_at is None and dep.basic_checked_at is not None, \
        "the sweep gives the new rollout its full check at the next tick"
