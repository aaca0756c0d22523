"""API keys in the store: created, registered (bootstrap), authenticated, listed, revoked.

Contracts:

- The secret is never stored, returned or logged: rows keep a salt and ``HMAC-SHA256`` of it
  (see :mod:`core.auth`); :meth:`ApiKeys.create` returns the full token once, to the creator.
- :meth:`ApiKeys.authenticate` raises :class:`Unauthenticated` for a malformed token, an unknown key
  id, a wrong secret (the same message for all three, and the same work: an unknown id still costs
  one HMAC and one constant-time comparison), and names the reason only to a caller that proved it
  holds the secret (revoked, expired).
- :meth:`ApiKeys.register` stores a given token idempotently (bootstrap at every start-up): a row
  with the same id and secret is left as it is (a revoked bootstrap key stays revoked); the same id
  with another secret is a :class:`Conflict`.
- Revoking is idempotent and keeps the row (the audit log refers to key ids); revoking the last
  active admin key is refused (:class:`Conflict`) so the service never locks its admins out.
- Admin keys are never scoped (an admin can create any key anyway).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from core.auth import Principal, Role, Scope, hash_secret, new_salt, new_token, parse_token, verify_secret
from core.errors import Conflict, NotFound, Unauthenticated
from core.store.db import Database, utcnow
from core.store.models import ApiKey, Deployment

__all__ = ["ApiKeyRecord", "ApiKeys", "scope_clauses"]

_DUMMY_SALT = "0" * 32
_DUMMY_HASH = "0" * 64
_INVALID = "invalid API key"


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A stored key without its secret or hash."""

    id: str
    description: str
    role: Role
    scope: Scope
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def active(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def principal(self) -> Principal:
        return Principal(key_id=self.id, role=self.role, scope=self.scope)

    def view(self) -> dict[str, Any]:
        """The key as the API shows it (never the secret or its hash)."""
        return {"id": self.id, "description": self.description, "role": self.role.value,
                **self.scope.to_dict(), "created_by": self.created_by,
                "created_at": self.created_at.isoformat(),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "active": self.active(utcnow())}

    @classmethod
    def from_row(cls, row: ApiKey) -> ApiKeyRecord:
        return cls(
            id=row.id, description=row.description, role=Role(row.role),
            scope=Scope(platforms=tuple(row.platforms) if row.platforms is not None else None,
                        name_prefixes=tuple(row.name_prefixes) if row.name_prefixes is not None else None),
            created_by=row.created_by, created_at=row.created_at, expires_at=row.expires_at,
            revoked_at=row.revoked_at)


def _scope_values(role: Role, platforms: Sequence[str] | None,
                  name_prefixes: Sequence[str] | None) -> tuple[list[str] | None, list[str] | None]:
    if role is Role.ADMIN and (platforms is not None or name_prefixes is not None):
        raise ValueError("admin keys cannot be scoped")
    if platforms is not None and not platforms or name_prefixes is not None and not name_prefixes:
        raise ValueError("a scope list must not be empty (None: unrestricted)")
    return (sorted(set(platforms)) if platforms is not None else None,
            sorted(set(name_prefixes)) if name_prefixes is not None else None)


def scope_clauses(scope: Scope | None, name: InstrumentedAttribute[str],
                  platform: InstrumentedAttribute[str] | None = None) -> list[ColumnElement[bool]]:
    """``WHERE`` clauses keeping rows whose deployment ``name`` (and ``platform``; when no platform
    column is given, the platform of the deployment of that name) is within ``scope``."""
    if scope is None:
        return []
    clauses: list[ColumnElement[bool]] = []
    if scope.name_prefixes is not None:
        clauses.append(or_(*(name.startswith(p, autoescape=True) for p in scope.name_prefixes)))
    if scope.platforms is not None:
        if platform is not None:
            clauses.append(platform.in_(scope.platforms))
        else:
            clauses.append(name.in_(select(Deployment.name).where(Deployment.platform.in_(scope.platforms))))
    return clauses


class ApiKeys:
    """API keys in the store's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, *, role: Role, description: str = "", platforms: Sequence[str] | None = None,
               name_prefixes: Sequence[str] | None = None, created_by: str,
               expires_at: dt.datetime | None = None) -> tuple[ApiKeyRecord, str]:
        """A new key; returns its record and the full token (the only time the secret is seen)."""
        plats, prefixes = _scope_values(role, platforms, name_prefixes)
        if expires_at is not None and expires_at.utcoffset() is None:
            raise ValueError("expires_at must be timezone-aware")
        for _ in range(3):
            parsed = new_token()
            salt = new_salt()
            row = ApiKey(id=parsed.key_id, description=description, role=role.value, salt=salt,
                         secret_hash=hash_secret(parsed.secret, salt), platforms=plats, name_prefixes=prefixes,
                         created_by=created_by, created_at=utcnow(), expires_at=expires_at)
            try:
                with self._db.tx(write=True) as s:
                    s.add(row)
                    s.flush()
                    return ApiKeyRecord.from_row(row), parsed.token
            except IntegrityError:  # a 64-bit id collision: draw again
                continue
        raise Conflict("could not allocate a key id")

    def register(self, token: str, *, role: Role, description: str, created_by: str) -> ApiKeyRecord:
        """Store ``token`` (bootstrap) unless it is already stored; see the module contract."""
        parsed = parse_token(token)
        if parsed is None:
            raise ValueError("not an API key of the form da_<id>_<secret>")
        with self._db.tx(write=True) as s:
            row = s.get(ApiKey, parsed.key_id)
            if row is not None:
                if not verify_secret(parsed.secret, row.salt, row.secret_hash):
                    raise Conflict(f"key id {parsed.key_id!r} already exists with another secret")
                return ApiKeyRecord.from_row(row)
            salt = new_salt()
            row = ApiKey(id=parsed.key_id, description=description, role=role.value, salt=salt,
                         secret_hash=hash_secret(parsed.secret, salt), platforms=None, name_prefixes=None,
                         created_by=created_by, created_at=utcnow())
            s.add(row)
            s.flush()
            return ApiKeyRecord.from_row(row)

    def authenticate(self, token: str) -> ApiKeyRecord:
        """The active key ``token`` belongs to; :class:`Unauthenticated` otherwise."""
        parsed = parse_token(token)
        with self._db.tx() as s:
            row = s.get(ApiKey, parsed.key_id) if parsed is not None else None
            salt, expected = (row.salt, row.secret_hash) if row is not None else (_DUMMY_SALT, _DUMMY_HASH)
            ok = verify_secret(parsed.secret if parsed else token, salt, expected)
            if row is None or not ok:
                raise Unauthenticated(_INVALID, challenge='Bearer realm="deploy-anywhere", error="invalid_token"')
            record = ApiKeyRecord.from_row(row)
        if record.revoked_at is not None:
            raise Unauthenticated(f"API key {record.id} was revoked",
                                  challenge='Bearer realm="deploy-anywhere", error="invalid_token"')
        if record.expires_at is not None and record.expires_at <= utcnow():
            raise Unauthenticated(f"API key {record.id} expired",
                                  challenge='Bearer realm="deploy-anywhere", error="invalid_token"')
        return record

    def get(self, key_id: str) -> ApiKeyRecord:
        with self._db.tx() as s:
            row = s.get(ApiKey, key_id)
            if row is None:
                raise NotFound(f"API key {key_id!r} not found")
            return ApiKeyRecord.from_row(row)

    def list_keys(self, *, include_revoked: bool = True) -> list[ApiKeyRecord]:
        """Keys, oldest first."""
        stmt = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
        if not include_revoked:
            stmt = stmt.where(ApiKey.revoked_at.is_(None))
        with self._db.tx() as s:
            return [ApiKeyRecord.from_row(r) for r in s.scalars(stmt)]

    def revoke(self, key_id: str) -> ApiKeyRecord:
        """Revoke ``key_id`` (idempotent); :class:`NotFound`, or :class:`Conflict` for the last admin."""
        now = utcnow()
        with self._db.tx(write=True) as s:
            row = s.scalars(self._db.locked(select(ApiKey).where(ApiKey.id == key_id))).one_or_none()
            if row is None:
                raise NotFound(f"API key {key_id!r} not found")
            if row.revoked_at is None:
                if row.role == Role.ADMIN.value and not self._other_active_admin(s, key_id, now):
                    raise Conflict("refusing to revoke the last active admin key: create another admin key first",
                                   details={"key": key_id})
                row.revoked_at = now
                s.flush()
            return ApiKeyRecord.from_row(row)

    def _other_active_admin(self, s: Any, key_id: str, now: dt.datetime) -> bool:
        stmt = self._db.locked(select(ApiKey).where(
            ApiKey.role == Role.ADMIN.value, ApiKey.id != key_id, ApiKey.revoked_at.is_(None)))
        return any(r.expires_at is None or r.expires_at > now for r in s.scalars(stmt))
