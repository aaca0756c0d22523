"""Idempotency keys in the store: claim, replay, reuse, in-progress, stale takeover, expiry."""

import datetime as dt

import pytest

from core.errors import Conflict
from core.store import Store
from core.store.idempotency import IdempotencyKeyReused


@pytest.fixture
def keys(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    yield store.idempotency
    store.dispose()


def test_claim_complete_replay_and_reuse(keys):
    assert keys.claim("k", "fp1") is None
    with pytest.raises(Conflict):
        keys.claim("k", "fp1")  # the first request is still being handled
    keys.complete("k", 202, {"id": "op"}, {"ETag": '"1-a"'})
    stored = keys.claim("k", "fp1")
    assert (stored.status_code, stored.body, stored.headers) == (202, {"id": "op"}, {"ETag": '"1-a"'})
    with pytest.raises(IdempotencyKeyReused):
        keys.claim("k", "fp2")


def test_release_stale_takeover_and_expiry(keys):
    assert keys.claim("a", "fp") is None
    keys.release("a")
    assert keys.claim("a", "fp") is None, "a released key is claimed afresh"
    keys.stale_after = dt.timedelta(0)
    assert keys.claim("a", "fp") is None, "a claim whose handler died is taken over"
    keys.complete("a", 200, {}, {})
    keys.ttl = dt.timedelta(0)
    assert keys.claim("b", "fp") is None
    assert keys.count() == 1, "expired keys are pruned as new ones are claimed"
