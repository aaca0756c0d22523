"""Idempotency keys: a retried request with the same ``Idempotency-Key`` gets the first response.

Contract (after the IETF httpapi Idempotency-Key draft):

- :meth:`IdempotencyKeys.claim` either returns the stored response of an earlier request with the
  same key and the same fingerprint (method, path, body), or records the key as in progress and
  returns None: the caller handles the request, then calls :meth:`complete` (or :meth:`release`
  when it failed in a way a retry should redo, such as a 5xx).
- The same key with another fingerprint: :class:`IdempotencyKeyReused` (422). The same key while the
  first request is still in progress: :class:`Conflict` (409), unless that claim is older than
  ``stale_after`` (its handler died), which is taken over.
- Keys expire after ``ttl``; expired ones are pruned as new keys are claimed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict, SpecError
from core.store.db import Database, utcnow
from core.store.models import IDEMPOTENCY_KEY_LENGTH, IdempotencyKey

__all__ = ["IdempotencyKeys", "StoredResponse", "IdempotencyKeyReused"]


class IdempotencyKeyReused(SpecError):
    """The key was first used for a different request."""

    code = "idempotency_key_reused"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any
    headers: dict[str, str]


class IdempotencyKeys:
    """Idempotency keys in the store's database."""

    def __init__(self, db: Database, *, ttl: dt.timedelta = dt.timedelta(hours=24),
                 stale_after: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        self._db = db
        self.ttl = ttl
        self.stale_after = stale_after

    @staticmethod
    def validate(key: str) -> str:
        if not 1 <= len(key) <= IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
            raise SpecError("invalid Idempotency-Key", details=[{
                "path": "Idempotency-Key", "message": f"1-{IDEMPOTENCY_KEY_LENGTH} printable characters"}])
        return key

    def claim(self, key: str, fingerprint: str) -> StoredResponse | None:
        now = utcnow()
        with self._db.tx(write=True) as s:
            s.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - self.ttl))
            row = s.get(IdempotencyKey, key)
            if row is None:
                s.add(IdempotencyKey(key=key, fingerprint=fingerprint, created_at=now))
                try:
                    s.flush()
                except IntegrityError:
                    raise Conflict("a request with this Idempotency-Key is in progress",
                                   details={"idempotency_key": key}) from None
                return None
            if row.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was used for a different request",
                    details=[{"path": "Idempotency-Key", "message": "reused with another method, path or body"}])
            if row.status_code is not None:
                stored = row.response or {}
                return StoredResponse(row.status_code, stored.get("body"), dict(stored.get("headers") or {}))
            if now - row.created_at < self.stale_after:
                raise Conflict("a request with this Idempotency-Key is in progress",
                               details={"idempotency_key": key})
            row.created_at = now  # the first handler died: take the key over
            return None

    def complete(self, key: str, status_code: int, body: Any, headers: dict[str, str]) -> None:
        with self._db.tx(write=True) as s:
            s.execute(update(IdempotencyKey).where(IdempotencyKey.key == key).values(
                status_code=status_code, response={"body": body, "headers": headers}))

    def release(self, key: str) -> None:
        with self._db.tx(write=True) as s:
            s.execute(delete(IdempotencyKey).where(IdempotencyKey.key == key,
                                                   IdempotencyKey.status_code.is_(None)))

    def count(self) -> int:
        """Keys currently stored (for tests and diagnostics)."""
        with self._db.tx() as s:
            return int(s.scalar(select(func.count()).select_from(IdempotencyKey)) or 0)
