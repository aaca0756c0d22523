"""Deployments, their revisions and their operations (:class:`Deployments`).

Contracts:

- Each public method is one short transaction and returns frozen records (never ORM objects).
- :meth:`Deployments.begin_operation` is the concurrency gate: at most one not-done operation per
  deployment, across threads (SQLite: ``BEGIN IMMEDIATE``) and processes (PostgreSQL:
  ``SELECT ... FOR UPDATE``), backed by a compare-and-set ``UPDATE`` on ``current_operation_id``
  and by the primary key for the insert race of a new deployment.
- Datetimes in and out are timezone-aware UTC; naive datetimes are rejected (``ValueError``).
"""

from __future__ import annotations

import builtins
import copy
import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.auth import Scope
from core.errors import Conflict, NotFound
from core.ownership import Ownership, new_owner
from core.preconditions import Preconditions
from core.store.db import Database, utcnow
from core.store.gate import begin
from core.store.keys import scope_clauses
from core.store.models import NAME_LENGTH, Deployment, Operation, Revision, Secret
from core.store.records import (
    OPERATION_KINDS,
    OPERATION_STATES,
    TERMINAL_STATES,
    DeploymentRecord,
    OperationRecord,
)
from core.store.secrets import LITERAL

__all__ = ["Deployments"]

_BEGIN_ATTEMPTS = 3


class Deployments:
    """The deployments repository: desired specs and revisions, operations, ownership."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- deployments -------------------------------------------------------------------------

    def get(self, name: str) -> DeploymentRecord | None:
        """The deployment called ``name``, or ``None``."""
        with self._db.tx() as s:
            row = s.get(Deployment, name)
            return DeploymentRecord.from_row(row) if row is not None else None

    def list(
        self, *, platform: str | None = None, limit: int = 100, offset: int = 0, scope: Scope | None = None
    ) -> list[DeploymentRecord]:
        """Deployments ordered by name, optionally only those on ``platform`` / within ``scope``."""
        _check_page(limit, offset)
        stmt = (select(Deployment).where(*scope_clauses(scope, Deployment.name, Deployment.platform))
                .order_by(Deployment.name).limit(limit).offset(offset))
        if platform is not None:
            stmt = stmt.where(Deployment.platform == platform)
        with self._db.tx() as s:
            return [DeploymentRecord.from_row(r) for r in s.scalars(stmt)]

    def count(self, *, platform: str | None = None) -> int:
        """How many deployments exist (optionally on ``platform``)."""
        stmt = select(func.count()).select_from(Deployment)
        if platform is not None:
            stmt = stmt.where(Deployment.platform == platform)
        with self._db.tx() as s:
            return int(s.execute(stmt).scalar_one())

    # -- operations --------------------------------------------------------------------------

    def begin_operation(
        self, name: str, *, kind: str, platform: str, spec: dict[str, Any] | None, revision: str | None,
        preconditions: Preconditions | None = None,
    ) -> OperationRecord:
        """Start an operation on deployment ``name`` (atomic; the concurrency gate).

        ``kind="apply"``: upsert the deployment with the desired ``spec``/``revision``/``platform``
        (``generation`` += 1 when the revision differs or the row is new; a revision row is added
        when the ``(name, revision)`` pair is new; ``deleting`` is reset) and insert a ``pending``
        operation in phase ``queued``, recorded as the deployment's ``current_operation_id``.

        ``kind="delete"``: the deployment must exist (else :class:`NotFound`); sets ``deleting``
        and ``current_operation_id``. ``spec`` and ``platform`` are ignored; the operation's
        revision is ``revision`` or, when ``None``, the deployment's current revision.

        Raises :class:`Conflict` (``details={"operation": id}``) when the deployment's current
        operation is not done, :class:`PreconditionFailed` when ``preconditions`` (If-Match /
        If-None-Match, checked under the same lock) do not hold. Of concurrent callers for one
        name, exactly one succeeds.
        """
        if kind not in OPERATION_KINDS:
            raise ValueError(f"unknown operation kind {kind!r}; expected one of {sorted(OPERATION_KINDS)}")
        if kind == "apply" and (spec is None or not revision):
            raise ValueError("an apply operation needs a spec and its revision")
        if not name or len(name) > NAME_LENGTH:
            raise ValueError(f"deployment name must be 1..{NAME_LENGTH} characters")
        for attempt in range(_BEGIN_ATTEMPTS):
            try:
                with self._db.tx(write=True) as s:
                    stmt = self._db.locked(select(Deployment).where(Deployment.name == name))
                    dep = s.scalars(stmt).one_or_none()
                    op = begin(s, dep, name, kind=kind, platform=platform, spec=spec, revision=revision,
                               preconditions=preconditions)
                    return OperationRecord.from_row(op)
            except IntegrityError:
                # Another transaction inserted the same new deployment first; retrying sees its row
                # (and, normally, its not-done operation -> Conflict).
                if attempt == _BEGIN_ATTEMPTS - 1:
                    raise Conflict(
                        f"deployment {name!r} is being created by another request",
                        details={"operation": None},
                    ) from None
        raise AssertionError("unreachable")

    def _locked_operation(self, s: Session, op_id: str) -> Operation:
        """The operation row, locked for update; NotFound if missing."""
        op = s.scalars(self._db.locked(select(Operation).where(Operation.id == op_id))).one_or_none()
        if op is None:
            raise NotFound(f"operation {op_id!r} not found", details={"operation": op_id})
        return op

    def update_operation(
        self,
        op_id: str,
        *,
        state: str | None = None,
        phase: str | None = None,
        progress: int | None = None,
        status_message: str | None = None,
    ) -> OperationRecord:
        """Change only the given fields of a not-done operation (``NotFound`` if missing).

        ``state`` must be non-terminal (``pending``/``running``; use :meth:`finish_operation`),
        ``progress`` 0..100. A done operation is returned unchanged (late updates are ignored).
        """
        if state is not None and state not in OPERATION_STATES - TERMINAL_STATES:
            raise ValueError(f"update_operation takes state pending|running, not {state!r}; use finish_operation")
        if progress is not None and not 0 <= progress <= 100:
            raise ValueError(f"progress must be 0..100, got {progress}")
        with self._db.tx(write=True) as s:
            op = self._locked_operation(s, op_id)
            if op.done:
                return OperationRecord.from_row(op)
            changes = {"state": state, "phase": phase, "progress": progress, "status_message": status_message}
            for field, value in changes.items():
                if value is not None:
                    setattr(op, field, value)
            op.updated_at = utcnow()
            s.flush()
            return OperationRecord.from_row(op)

    def finish_operation(
        self, op_id: str, *, state: str, error: dict[str, Any] | None = None, result: dict[str, Any] | None = None
    ) -> OperationRecord:
        """Mark the operation done with terminal ``state`` (idempotent).

        Sets phase ``done`` (and progress 100 on ``succeeded``), stores ``error``/``result`` and clears
        the deployment's ``current_operation_id`` if it is this operation. A delete that ends
        ``failed``/``cancelled`` also resets ``deleting`` (a ``timed_out`` delete may still complete on
        the provider, so the flag stays). Finishing a done operation returns it unchanged.
        ``NotFound`` if the operation does not exist.
        """
        if state not in TERMINAL_STATES:
            raise ValueError(f"finish state must be one of {sorted(TERMINAL_STATES)}, not {state!r}")
        now = utcnow()
        with self._db.tx(write=True) as s:
            op = self._locked_operation(s, op_id)
            if op.done:
                return OperationRecord.from_row(op)
            op.state, op.done, op.phase = state, True, "done"
            if state == "succeeded":
                op.progress = 100
            op.error, op.result, op.updated_at = error, result, now
            values: dict[str, Any] = {"current_operation_id": None, "updated_at": now}
            if op.kind == "delete" and state in ("failed", "cancelled"):
                values["deleting"] = False
            s.execute(
                update(Deployment)
                .where(Deployment.name == op.deployment_name, Deployment.current_operation_id == op_id)
                .values(**values),
                execution_options={"synchronize_session": False},
            )
            s.flush()
            return OperationRecord.from_row(op)

    def get_operation(self, op_id: str) -> OperationRecord | None:
        """The operation ``op_id``, or ``None``."""
        with self._db.tx() as s:
            op = s.get(Operation, op_id)
            return OperationRecord.from_row(op) if op is not None else None

    def list_operations(
        self, *, deployment: str | None = None, state: str | None = None, limit: int = 100,
        scope: Scope | None = None,
    ) -> builtins.list[OperationRecord]:
        """Operations, newest first, optionally of one deployment and/or in one state, within ``scope``."""
        _check_page(limit, 0)
        stmt = (select(Operation).where(*scope_clauses(scope, Operation.deployment_name))
                .order_by(Operation.created_at.desc(), Operation.id.desc()).limit(limit))
        if deployment is not None:
            stmt = stmt.where(Operation.deployment_name == deployment)
        if state is not None:
            stmt = stmt.where(Operation.state == state)
        with self._db.tx() as s:
            return [OperationRecord.from_row(r) for r in s.scalars(stmt)]

    # -- specs and revisions -------------------------------------------------------------------

    def update_spec(self, name: str, spec: dict[str, Any]) -> DeploymentRecord:
        """Store a new desired ``spec`` whose deployed part (revision) is unchanged (test queries,
        sync policy): no operation; ``generation`` += 1 so the ETag changes. NotFound if absent."""
        with self._db.tx(write=True) as s:
            dep = s.scalars(self._db.locked(select(Deployment).where(Deployment.name == name))).one_or_none()
            if dep is None:
                raise NotFound(f"deployment {name!r} not found")
            if dep.spec != spec:
                dep.spec = copy.deepcopy(spec)
                dep.generation += 1
                rev = s.scalars(select(Revision).where(Revision.deployment_name == name,
                                                       Revision.revision == dep.revision)).one_or_none()
                if rev is not None:
                    rev.spec = copy.deepcopy(spec)
            s.flush()
            return DeploymentRecord.from_row(dep)

    def remove(self, name: str) -> None:
        """Remove the deployment row after a completed delete (its revisions cascade; operations and
        check results are kept). Idempotent. Guard: if an *apply* operation is in progress on the
        deployment (it was re-applied meanwhile), nothing is removed."""
        with self._db.tx(write=True) as s:
            dep = s.scalars(self._db.locked(select(Deployment).where(Deployment.name == name))).one_or_none()
            if dep is None:
                return
            if dep.current_operation_id is not None:
                op = s.get(Operation, dep.current_operation_id)
                if op is not None and not op.done and op.kind == "apply":
                    return
            # Explicit delete of revisions too: does not rely on the FK cascade being enforced.
            s.execute(delete(Revision).where(Revision.deployment_name == name))
            s.execute(delete(Deployment).where(Deployment.name == name))
            s.execute(delete(Secret).where(Secret.scope == LITERAL, Secret.owner == name))

    def revisions(self, name: str) -> builtins.list[tuple[str, dict[str, Any], dt.datetime]]:
        """``(revision, spec, created_at)`` of every desired spec ``name`` has had, oldest first
        (empty for an unknown deployment)."""
        stmt = (
            select(Revision)
            .where(Revision.deployment_name == name)
            .order_by(Revision.created_at, Revision.id)
        )
        with self._db.tx() as s:
            return [(r.revision, copy.deepcopy(r.spec), r.created_at) for r in s.scalars(stmt)]

    def ownership(self, name: str) -> Ownership | None:
        """Who deployment ``name`` is on the provider (:mod:`core.ownership`): its owner uid and
        the revisions it has stored; None when there is no such deployment. A row without a uid
        (stored by a replica running code from before owner stamps, during a rolling upgrade) is
        given one here, once."""
        with self._db.tx() as s:
            row = s.execute(select(Deployment.name, Deployment.owner).where(Deployment.name == name)).one_or_none()
            if row is None:
                return None
            owner = row.owner
            revisions = frozenset(s.scalars(select(Revision.revision).where(Revision.deployment_name == name)))
        if owner is None:
            with self._db.tx(write=True) as s:
                s.execute(update(Deployment).where(Deployment.name == name, Deployment.owner.is_(None))
                          .values(owner=new_owner()), execution_options={"synchronize_session": False})
                owner = s.scalar(select(Deployment.owner).where(Deployment.name == name))
            if owner is None:
                return None  # removed meanwhile
        return Ownership(uid=owner, revisions=revisions)


def _check_page(limit: int, offset: int) -> None:
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be >= 0")
