"""Check records: clocks, drift streak, settled transitions as events (no event for passing states),
due selection, summary order, pruning."""

import datetime as dt

import pytest

from core.store import Store
from core.store.checks import CheckWrite

SPEC = {"name": "s1", "target": {"platform": "sagemaker"}}


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 's.db'}")
    s.migrate()
    for name in ("s1", "s2", "s3"):
        op = s.deployments.begin_operation(name, kind="apply", platform="sagemaker", spec=SPEC | {"name": name},
                                           revision="r1")
        s.deployments.finish_operation(op.id, state="succeeded")
    yield s
    s.dispose()


def _w(name="s1", health="serving", sync="in_sync", material=False, mode="basic", at=None):
    return CheckWrite(name=name, mode=mode, health=health, sync=sync, revision_expected="r1", revision_live="r1",
                      drift=[{"path": "x"}] if sync == "out_of_sync" else [], material=material, checked_at=at)


def _events(store):
    return [(e.type, e.previous, e.current) for e in reversed(store.checks.events(deployment="s1"))]


def test_only_settled_transitions_are_events(store):
    store.checks.record([_w()])
    assert _events(store) == [], "a new deployment that serves in sync is no transition"
    store.checks.record([_w(health="updating")])
    store.checks.record([_w(health="serving")])
    assert _events(store) == [], "serving -> updating -> serving"
    store.checks.record([_w(health="updating")])
    store.checks.record([_w(health="failed")])
    store.checks.record([_w(health="failed")])
    assert _events(store) == [("health", "serving", "failed")]
    store.checks.record([_w(sync="out_of_sync", material=True)])
    store.checks.record([_w(sync="unknown")])
    store.checks.record([_w(sync="out_of_sync", material=True)])
    assert _events(store) == [("health", "serving", "failed"), ("health", "failed", "serving"),
                              ("sync", "in_sync", "out_of_sync")]


def test_drift_streak_counts_consecutive_material_drift(store):
    streaks = [r.drift_streak for r in store.checks.record(
        [_w(sync="out_of_sync", material=True), _w(sync="out_of_sync", material=True),
         _w(sync="out_of_sync", material=False), _w(sync="out_of_sync", material=True)])]
    assert streaks == [1, 2, 0, 1]


def test_record_skips_deleted_deployments_and_keeps_alignment(store):
    out = store.checks.record([_w("s1"), _w("gone"), _w("s2")])
    assert out[1] is None and out[0].result.deployment_name == "s1" and out[2].result.deployment_name == "s2"


def test_due_and_summary(store):
    now = dt.datetime.now(dt.timezone.utc)
    store.checks.record([_w("s1", mode="full", at=now), _w("s2", at=now - dt.timedelta(minutes=10))])
    due = {d.name: mode for d, mode in store.checks.due(basic_before=now - dt.timedelta(minutes=5),
                                                         full_before=now - dt.timedelta(hours=1))}
    assert due == {"s2": "full", "s3": "full"}
    store.checks.record([_w("s2", health="missing", sync="out_of_sync"), _w("s3", sync="out_of_sync")])
    summary = store.checks.summary()
    assert summary["total"] == 3 and [d.name for d in summary["worst"]] == ["s2", "s3", "s1"]
    assert summary["by_platform"]["sagemaker"] == {"total": 3, "down": 1, "out_of_sync": 2}


def test_prune_and_outbox(store):
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
    store.checks.record([_w(health="failed", at=old)])
    assert len(store.checks.undispatched()) == 1
    store.checks.mark_dispatched([e.id for e in store.checks.undispatched()])
    assert store.checks.undispatched() == []
    assert store.checks.prune(older_than=old + dt.timedelta(days=1)) == (1, 1)
    assert store.checks.history("s1") == []


def test_a_read_older_than_the_last_observation_changes_only_the_history(store):
    base = dt.datetime.now(dt.timezone.utc)
    store.checks.record([_w()])
    newer = CheckWrite(name="s1", mode="basic", health="failed", sync="out_of_sync", revision_expected="r1",
                       revision_live="r1", drift=[{"path": "x"}], material=True, read_at=base + dt.timedelta(seconds=2))
    older = CheckWrite(name="s1", mode="full", health="serving", sync="in_sync", revision_expected="r1",
                       revision_live="r1", read_at=base + dt.timedelta(seconds=1))  # began first, finished last
    [first] = store.checks.record([newer])
    [late] = store.checks.record([older])
    dep = store.deployments.get("s1")
    assert (dep.health, dep.sync, dep.drift_streak) == ("failed", "out_of_sync", 1), "the newer reading stands"
    assert late is not None and late.events == () and late.drift_streak == 1
    assert [c.mode for c in store.checks.history("s1")][:2] == ["full", "basic"], "both readings are history"
    assert dep.full_checked_at is not None, "the schedule's clock still counts the full check"
    assert {(e.type, e.current) for e in first.events} == {("health", "failed"), ("sync", "out_of_sync")}
