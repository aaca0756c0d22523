"""core.store.keys and core.store.audit: hashed keys, authentication, revocation, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from core.auth import Role, Scope, hash_secret, new_token, parse_token
from core.errors import Conflict, NotFound, Unauthenticated
from core.store import Store
from core.store.db import utcnow
from core.store.models import ApiKey


def test_create_returns_the_token_once_and_stores_only_a_salted_hash(store: Store) -> None:
    record, token = store.keys.create(role=Role.DEPLOYER, description="ci", created_by="admin1")
    parsed = parse_token(token)
    assert parsed is not None and parsed.key_id == record.id
    with store.db.tx() as s:
        row = s.scalars(select(ApiKey).where(ApiKey.id == record.id)).one()
        assert parsed.secret not in (row.secret_hash, row.salt, row.description)
        assert row.secret_hash == hash_secret(parsed.secret, row.salt)
    assert "secret" not in str(record.view()) and token not in str(record.view())
    assert store.keys.authenticate(token).principal.role is Role.DEPLOYER


def test_equal_secrets_hash_differently(store: Store) -> None:
    a, _ = store.keys.create(role=Role.READER, created_by="t")
    b, _ = store.keys.create(role=Role.READER, created_by="t")
    with store.db.tx() as s:
        salts = {r.salt for r in s.scalars(select(ApiKey).where(ApiKey.id.in_([a.id, b.id])))}
    assert len(salts) == 2


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret
    lambda t: "da_0000000000000000_" + t.split("_", 2)[2],  # unknown id
    lambda t: "not-a-key",  # malformed
    lambda t: "",
])
def test_authenticate_refuses_wrong_unknown_malformed_alike(store: Store, mangle) -> None:
    _, token = store.keys.create(role=Role.ADMIN, created_by="t")
    with pytest.raises(Unauthenticated) as info:
        store.keys.authenticate(mangle(token))
    assert info.value.message == "invalid API key"


def test_revoked_and_expired_keys_are_refused(store: Store) -> None:
    keep, _ = store.keys.create(role=Role.ADMIN, created_by="t")
    record, token = store.keys.create(role=Role.ADMIN, created_by="t")
    revoked = store.keys.revoke(record.id)
    assert revoked.revoked_at is not None and not revoked.active(utcnow())
    assert store.keys.revoke(record.id) == revoked  # idempotent
    with pytest.raises(Unauthenticated, match="revoked"):
        store.keys.authenticate(token)
    old, old_token = store.keys.create(role=Role.READER, created_by="t", expires_at=utcnow() - dt.timedelta(seconds=1))
    with pytest.raises(Unauthenticated, match="expired"):
        store.keys.authenticate(old_token)
    with pytest.raises(NotFound):
        store.keys.revoke("nosuchkey")
    assert {k.id for k in store.keys.list_keys(include_revoked=False)} == {keep.id, old.id}


def test_the_last_active_admin_cannot_be_revoked(store: Store) -> None:
    first, _ = store.keys.create(role=Role.ADMIN, created_by="t")
    reader, _ = store.keys.create(role=Role.READER, created_by="t")
    with pytest.raises(Conflict, match="last active admin"):
        store.keys.revoke(first.id)
    store.keys.revoke(reader.id)
    second, _ = store.keys.create(role=Role.ADMIN, created_by="t")
    store.keys.revoke(first.id)
    with pytest.raises(Conflict):
        store.keys.revoke(second.id)


def test_register_is_idempotent_and_refuses_a_taken_id(store: Store) -> None:
    token = new_token().token
    first = store.keys.register(token, role=Role.ADMIN, description="boot", created_by="bootstrap")
    assert store.keys.register(token, role=Role.ADMIN, description="boot", created_by="bootstrap") == first
    assert len(store.keys.list_keys()) == 1
    other = f"da_{first.id}_{new_token().secret}"
    with pytest.raises(Conflict):
        store.keys.register(other, role=Role.ADMIN, description="boot", created_by="bootstrap")
    with pytest.raises(ValueError):
        store.keys.register("plain-password", role=Role.ADMIN, description="boot", created_by="bootstrap")


def test_scopes_are_stored_and_admins_cannot_be_scoped(store: Store) -> None:
    record, token = store.keys.create(role=Role.DEPLOYER, created_by="t", platforms=["vertex", "sagemaker"],
                                      name_prefixes=["team-a-"])
    assert store.keys.authenticate(token).scope == Scope(platforms=("sagemaker", "vertex"), name_prefixes=("team-a-",))
    with pytest.raises(ValueError, match="admin"):
        store.keys.create(role=Role.ADMIN, created_by="t", platforms=["vertex"])
    with pytest.raises(ValueError, match="empty"):
        store.keys.create(role=Role.READER, created_by="t", name_prefixes=[])


def test_scoped_lists(store: Store) -> None:
    for name, platform in (("team-a-one", "sagemaker"), ("team-a-two", "vertex"), ("team-b-one", "sagemaker")):
        store.deployments.begin_operation(name, kind="apply", platform=platform, spec={"name": name}, revision="r1")
    scope = Scope(platforms=("sagemaker",), name_prefixes=("team-a-",))
    assert [d.name for d in store.deployments.list(scope=scope)] == ["team-a-one"]
    assert [d.name for d in store.deployments.list(scope=Scope(name_prefixes=("team-a-",)))] == ["team-a-one",
                                                                                              "team-a-two"]
    assert {o.deployment_name for o in store.deployments.list_operations(scope=scope)} == {"team-a-one"}
    assert len(store.deployments.list(scope=Scope())) == 3
    # LIKE wildcards in a prefix are literal
    assert store.deployments.list(scope=Scope(name_prefixes=("team_%",))) == []


def test_audit_log_records_and_filters_newest_first(store: Store) -> None:
    a = store.audit.record(actor="k1", action="apply", deployment="demo", revision="abc123",
                           details={"operation": "o1"})
    b = store.audit.record(actor="k2", action="delete", deployment="demo", revision="abc123")
    c = store.audit.record(actor="k1", action="key.create", details={"key": "k3"})
    assert [e.id for e in store.audit.list_events()] == [c.id, b.id, a.id]
    assert [e.id for e in store.audit.list_events(deployment="demo")] == [b.id, a.id]
    assert [e.id for e in store.audit.list_events(actor="k1")] == [c.id, a.id]
    assert [e.id for e in store.audit.list_events(action="apply")] == [a.id]
    assert [e.id for e in store.audit.list_events(before=c.id, limit=1)] == [b.id]
    assert a.view()["details"] == {"operation": "o1"} and a.at.tzinfo is not None
    bad_fields: list[dict[str, Any]] = [{"action": "Bad Action"}, {"actor": ""}, {"deployment": "x" * 64},
                                        {"revision": "r" * 65}]
    for bad in bad_fields:
        with pytest.raises(ValueError):
            store.audit.record(**{"actor": "k1", "action": "apply", **bad})
