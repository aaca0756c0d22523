"""The operation gate: at most one not-done operation per deployment.

:func:`begin` runs inside a write transaction the caller opened, after reading the deployment row
with the strongest lock the dialect offers (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already holds the database write lock). On top of that lock it writes with a
compare-and-set ``UPDATE ... WHERE current_operation_id IS NULL | = <the id we read>``, so the gate
holds even without the lock; a new deployment row relies on its primary key (the losing insert raises
``IntegrityError``, which the caller turns into a retry).
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, select, update
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound
from core.ownership import new_owner
from core.preconditions import Preconditions, etag
from core.store.db import utcnow
from core.store.models import Deployment, Operation, Revision

__all__ = ["begin", "raise_if_running"]


def raise_if_running(s: Session, name: str, op_id: str) -> None:
    """Raise :class:`Conflict` if operation ``op_id`` (current on ``name``) exists and is not done."""
    op = s.get(Operation, op_id)
    if op is not None and not op.done:
        raise Conflict(
            f"deployment {name!r} has an operation in progress: {op_id} ({op.kind}, {op.state})",
            details={"operation": op_id},
        )


def begin(
    s: Session,
    dep: Deployment | None,
    name: str,
    *,
    kind: str,
    platform: str,
    spec: dict[str, Any] | None,
    revision: str | None,
    preconditions: Preconditions | None = None,
) -> Operation:
    """Take deployment ``name`` (row ``dep``, read under lock, or ``None``) for a new operation.

    Arguments are validated by the caller (``Deployments.begin_operation`` documents the semantics).
    ``preconditions`` are checked against the locked row first. Returns the new, flushed
    ``pending`` operation.
    """
    if preconditions:
        preconditions.check(name, None if dep is None else etag(dep.generation, dep.revision))
    now = utcnow()
    op_id = uuid.uuid4().hex
    if dep is None:
        if kind == "delete":
            raise NotFound(f"deployment {name!r} not found", details={"deployment": name})
        assert spec is not None and revision is not None
        s.add(
            Deployment(
                name=name, platform=platform, spec=spec, revision=revision, generation=1,
                health="unknown", sync="unknown", provider_ids={}, current_operation_id=op_id,
                deleting=False, created_at=now, updated_at=now, owner=new_owner(),
            )
        )
        s.flush()  # the insert race of a new row surfaces here, as IntegrityError
        s.add(Revision(deployment_name=name, revision=revision, spec=spec, created_at=now))
    else:
        seen = dep.current_operation_id
        if seen is not None:
            raise_if_running(s, name, seen)
        values: dict[str, Any] = {"current_operation_id": op_id, "updated_at": now}
        if kind == "apply":
            assert spec is not None and revision is not None
            # full_checked_at None: the next sweep tick gives the rollout its full check
            values.update(spec=spec, platform=platform, revision=revision, deleting=False, full_checked_at=None)
            if revision != dep.revision:
                values["generation"] = dep.generation + 1
            known = s.scalar(
                select(Revision.id).where(Revision.deployment_name == name, Revision.revision == revision)
            )
            if known is None:
                s.add(Revision(deployment_name=name, revision=revision, spec=spec, created_at=now))
        else:
            values["deleting"] = True
            revision = revision or dep.revision
        # Compare-and-set: only if nobody took the deployment since we read it.
        cas: ColumnElement[bool]
        if seen is None:
            cas = Deployment.current_operation_id.is_(None)
        else:
            cas = Deployment.current_operation_id == seen
        res = cast("CursorResult[Any]", s.execute(
            update(Deployment).where(Deployment.name == name, cas).values(**values),
            execution_options={"synchronize_session": False},
        ))
        if res.rowcount != 1:
            taken = s.scalar(select(Deployment.current_operation_id).where(Deployment.name == name))
            raise Conflict(
                f"deployment {name!r} was taken by another operation: {taken}", details={"operation": taken}
            )
    op = Operation(
        id=op_id, deployment_name=name, kind=kind, revision=revision, state="pending", done=False,
        phase="queued", progress=0, created_at=now, updated_at=now,
    )
    s.add(op)
    s.flush()
    return op
