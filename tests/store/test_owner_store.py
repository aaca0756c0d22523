"""Each deployment's owner uid (the ownership stamp), on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from core.store import Store
from core.store.db import make_engine
from core.store.migrate import alembic_config, schema_diff

SPEC = {"name": "demo", "variants": []}


def _apply(store: Store, name: str, revision: str) -> None:
    op = store.deployments.begin_operation(name, kind="apply", platform="sagemaker", spec=SPEC, revision=revision)
    store.deployments.finish_operation(op.id, state="succeeded")


def test_a_deployment_gets_an_owner_uid_when_first_stored_and_keeps_it(store: Store) -> None:
    assert store.deployments.ownership("demo") is None
    _apply(store, "demo", "aaaaaaaaaaaa")
    first = store.deployments.ownership("demo")
    assert first is not None and len(first.uid) == 32 and first.revisions == {"aaaaaaaaaaaa"}
    assert store.deployments.get("demo").owner == first.uid
    _apply(store, "demo", "bbbbbbbbbbbb")
    again = store.deployments.ownership("demo")
    assert again is not None and again.uid == first.uid, "a new revision is the same deployment"
    assert again.revisions == {"aaaaaaaaaaaa", "bbbbbbbbbbbb"}
    _apply(store, "other", "aaaaaaaaaaaa")
    assert store.deployments.ownership("other").uid != first.uid


def test_a_deployment_deleted_and_applied_again_is_another_owner(store: Store) -> None:
    _apply(store, "demo", "aaaaaaaaaaaa")
    before = store.deployments.ownership("demo")
    op = store.deployments.begin_operation("demo", kind="delete", platform="sagemaker", spec=None, revision=None)
    store.deployments.finish_operation(op.id, state="succeeded")
    store.deployments.remove("demo")
    assert store.deployments.ownership("demo") is None
    _apply(store, "demo", "aaaaaaaaaaaa")
    after = store.deployments.ownership("demo")
    assert after is not None and before is not None and after.uid != before.uid


def test_the_migration_gives_every_existing_deployment_its_own_uid(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0006")
            for name in ("old-one", "old-two"):
                conn.execute(text(
                    "INSERT INTO deployments (name, platform, spec, revision, generation, health, sync, "
                    "provider_ids, deleting, drift_streak, created_at, updated_at) VALUES (:n, 'sagemaker', "
                    "'{}', 'aaaaaaaaaaaa', 1, 'unknown', 'unknown', '{}', false, 0, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"), {"n": name})
        store = Store(db_url)
        try:
            store.migrate()
            assert schema_diff(store.engine) == []
            uids = {store.deployments.get(n).owner for n in ("old-one", "old-two")}
            assert len(uids) == 2 and all(u is not None and len(u) == 32 for u in uids)
        finally:
            store.dispose()
    finally:
        engine.dispose()


def test_a_row_stored_without_a_uid_gets_one_when_first_asked(store: Store) -> None:
    """A replica still running code from before owner stamps (a rolling upgrade) stores no uid."""
    _apply(store, "demo", "aaaaaaaaaaaa")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE deployments SET owner = NULL WHERE name = 'demo'"))
    first = store.deployments.ownership("demo")
    assert first is not None and len(first.uid) == 32 and first.revisions == {"aaaaaaaaaaaa"}
    assert store.deployments.ownership("demo") == first and store.deployments.get("demo").owner == first.uid
