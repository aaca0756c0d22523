"""Secret rows in the store: ciphertexts and fingerprints only, never a plaintext value.

Contracts:

- The store never sees a plaintext: callers (:mod:`core.secrets.vault`) encrypt before :meth:`put`
  and decrypt after :meth:`get`.
- ``service`` rows are named service secrets (``owner`` is empty); ``literal`` rows are a
  deployment's literal secret values, keyed by fingerprint (removed with the deployment); the
  ``meta`` row ``fingerprint-key`` holds the service's fingerprint key (encrypted).
- :meth:`record_fingerprints` keeps, per env path, the fingerprints of the last two values a deploy
  resolved from a secret store (the live value may still be the previous one while a rollout runs).
"""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError

from core.store.db import Database, utcnow
from core.store.models import Deployment, Secret

__all__ = ["SERVICE", "LITERAL", "META", "SecretRow", "Secrets"]

SERVICE = "service"
LITERAL = "literal"
META = "meta"
KEPT_FINGERPRINTS = 2


@dataclass(frozen=True, slots=True)
class SecretRow:
    scope: str
    owner: str
    name: str
    ciphertext: str
    fingerprint: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Secret) -> SecretRow:
        return cls(scope=row.scope, owner=row.owner, name=row.name, ciphertext=row.ciphertext,
                   fingerprint=row.fingerprint, created_at=row.created_at, updated_at=row.updated_at)


class Secrets:
    """Secret rows of the store's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, scope: str, owner: str, name: str) -> SecretRow | None:
        with self._db.tx() as s:
            row = s.get(Secret, (scope, owner, name))
            return None if row is None else SecretRow.from_row(row)

    def put(self, scope: str, owner: str, name: str, *, ciphertext: str, fingerprint: str) -> tuple[SecretRow, bool]:
        """Insert or replace; returns the row and whether it was created."""
        now = utcnow()
        with self._db.tx(write=True) as s:
            row = s.scalars(self._db.locked(select(Secret).where(
                Secret.scope == scope, Secret.owner == owner, Secret.name == name))).one_or_none()
            created = row is None
            if row is None:
                row = Secret(scope=scope, owner=owner, name=name, created_at=now)
                s.add(row)
            row.ciphertext, row.fingerprint, row.updated_at = ciphertext, fingerprint, now
            s.flush()
            return SecretRow.from_row(row), created

    def add(self, scope: str, owner: str, name: str, *, ciphertext: str, fingerprint: str) -> SecretRow:
        """Insert unless the row exists (then the existing row wins: a concurrent first writer)."""
        try:
            with self._db.tx(write=True) as s:
                row = Secret(scope=scope, owner=owner, name=name, ciphertext=ciphertext,
                             fingerprint=fingerprint, created_at=utcnow(), updated_at=utcnow())
                s.add(row)
                s.flush()
                return SecretRow.from_row(row)
        except IntegrityError:
            existing = self.get(scope, owner, name)
            assert existing is not None
            return existing

    def list(self, scope: str, owner: str = "") -> list[SecretRow]:
        with self._db.tx() as s:
            rows = s.scalars(select(Secret).where(Secret.scope == scope, Secret.owner == owner)
                             .order_by(Secret.name))
            return [SecretRow.from_row(r) for r in rows]

    def owners(self, scope: str) -> builtins.list[str]:
        with self._db.tx() as s:
            return list(s.scalars(select(Secret.owner).where(Secret.scope == scope).distinct()))

    def delete(self, scope: str, owner: str, name: str) -> bool:
        with self._db.tx(write=True) as s:
            result = cast("CursorResult[Any]", s.execute(
                delete(Secret).where(Secret.scope == scope, Secret.owner == owner, Secret.name == name)))
            return bool(result.rowcount)

    def record_fingerprints(self, deployment: str, seen: dict[str, str]) -> None:
        """Add the fingerprints a deploy resolved (path -> fingerprint), keeping the last two."""
        if not seen:
            return
        with self._db.tx(write=True) as s:
            dep = s.scalars(self._db.locked(select(Deployment).where(Deployment.name == deployment))).one_or_none()
            if dep is None:
                return
            kept: dict[str, Any] = dict(dep.secret_fingerprints or {})
            for path, fingerprint in seen.items():
                previous = [f for f in kept.get(path, []) if f != fingerprint]
                kept[path] = (previous + [fingerprint])[-KEPT_FINGERPRINTS:]
            dep.secret_fingerprints = kept

    def referencing(self, service_secret: str) -> builtins.list[str]:
        """Deployments whose current spec references the service secret ``service_secret``."""
        with self._db.tx() as s:
            specs = s.execute(select(Deployment.name, Deployment.spec)).all()
        return sorted(name for name, spec in specs if _references(spec, service_secret))


def _references(spec: dict[str, Any], name: str) -> bool:
    for variant in spec.get("variants") or []:
        for value in (variant.get("env") or {}).values():
            if isinstance(value, dict) and (value.get("value_from") or {}).get("service_secret") == name:
                return True
    return False
