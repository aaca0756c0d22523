"""The audit log: who (an API key id, or ``system``) did what to which deployment, when, at which
revision. Append-only: events are never updated; :meth:`AuditLog.prune` drops those past the
retention (``AUDIT_RETENTION_DAYS``, run by the scheduled check sweep).

Contracts:

- :meth:`AuditLog.record` appends one event in its own short transaction and returns it.
- ``action`` is a short lowercase word (``apply``, ``delete``, ``cancel``, ``reconcile``,
  ``accept_live``, ``key.create``, ``key.revoke``, ``denied`` ...); ``details`` a small JSON object
  that must never hold a secret.
- :meth:`AuditLog.list_events` returns events newest first, filtered by deployment, actor and/or
  action; ``before`` (an event id) pages backwards.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select

from core.store.db import Database, utcnow
from core.store.models import NAME_LENGTH, REVISION_LENGTH, AuditEvent

__all__ = ["AuditEventRecord", "AuditLog", "ACTION_PATTERN", "SYSTEM_ACTOR"]

ACTION_PATTERN = r"^[a-z][a-z0-9_.-]{0,31}$"
SYSTEM_ACTOR = "system"
_ACTION = re.compile(ACTION_PATTERN)
_ACTOR_LENGTH = 64


@dataclass(frozen=True, slots=True)
class AuditEventRecord:
    id: int
    at: dt.datetime
    actor: str
    action: str
    deployment: str | None
    revision: str | None
    details: dict[str, Any]

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "action": self.action,
                "deployment": self.deployment, "revision": self.revision, "details": copy.deepcopy(self.details)}

    @classmethod
    def from_row(cls, row: AuditEvent) -> AuditEventRecord:
        return cls(id=row.id, at=row.at, actor=row.actor, action=row.action, deployment=row.deployment_name,
                   revision=row.revision, details=copy.deepcopy(row.details or {}))


class AuditLog:
    """Audit events in the store's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, *, actor: str, action: str, deployment: str | None = None, revision: str | None = None,
               details: dict[str, Any] | None = None) -> AuditEventRecord:
        """Append one event (``ValueError`` for an ill-formed action, actor, name or revision)."""
        if not _ACTION.fullmatch(action):
            raise ValueError(f"audit action {action!r} must match {ACTION_PATTERN}")
        if not actor or len(actor) > _ACTOR_LENGTH:
            raise ValueError(f"audit actor must be 1..{_ACTOR_LENGTH} characters")
        if deployment is not None and not 0 < len(deployment) <= NAME_LENGTH:
            raise ValueError(f"deployment name must be 1..{NAME_LENGTH} characters")
        if revision is not None and len(revision) > REVISION_LENGTH:
            raise ValueError(f"revision must be at most {REVISION_LENGTH} characters")
        row = AuditEvent(at=utcnow(), actor=actor, action=action, deployment_name=deployment, revision=revision,
                         details=copy.deepcopy(details or {}))
        with self._db.tx(write=True) as s:
            s.add(row)
            s.flush()
            return AuditEventRecord.from_row(row)

    def list_events(self, *, deployment: str | None = None, actor: str | None = None, action: str | None = None,
                    before: int | None = None, limit: int = 100) -> list[AuditEventRecord]:
        """Events newest first (by id, which increases with time), filtered as given."""
        if limit < 0:
            raise ValueError("limit must be >= 0")
        stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if deployment is not None:
            stmt = stmt.where(AuditEvent.deployment_name == deployment)
        if actor is not None:
            stmt = stmt.where(AuditEvent.actor == actor)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        if before is not None:
            stmt = stmt.where(AuditEvent.id < before)
        with self._db.tx() as s:
            return [AuditEventRecord.from_row(r) for r in s.scalars(stmt)]

    def prune(self, *, older_than: dt.datetime) -> int:
        """Delete events older than ``older_than``; returns how many."""
        with self._db.tx(write=True) as s:
            result = cast("CursorResult[Any]", s.execute(delete(AuditEvent).where(AuditEvent.at < older_than),
                                                         execution_options={"synchronize_session": False}))
        return int(result.rowcount or 0)

    def count(self) -> int:
        """Events stored (for tests and diagnostics)."""
        with self._db.tx() as s:
            return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)
