"""Check results, the deployments' check clocks, and health/sync transition events.

Contracts:

- :meth:`Checks.record` writes a batch of checks in ONE transaction (a fleet pass writes ~100 at a
  time): per check, the deployment's observed state and check clocks, its drift streak, one
  ``check_results`` row, and an event for each *settled* transition. A deployment deleted meanwhile
  is skipped. Rows are locked (PostgreSQL ``FOR UPDATE``; SQLite holds the write lock), so two
  replicas checking the same deployment never emit the same transition twice.
- Transitions compare settled states only: health ``serving`` vs down (``failed``, ``missing``,
  ``degraded``); sync ``in_sync`` vs ``out_of_sync``. Passing states (``updating``, ``unknown`` ...)
  never emit; ``serving -> updating -> failed`` emits one ``serving -> failed``. Before a deployment's
  first event its baseline is ``serving`` / ``in_sync`` (a new deployment that serves emits nothing).
- :meth:`Checks.due` lists what the scheduler should check: not being deleted, no operation running
  (the operation records its own check), not ``not_deployed`` (a first rollout rolled back: nothing
  is live by design), clock older than the interval (never checked first).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, case, delete, func, or_, select, update

from core.auth import Scope
from core.checks.record_coverage import merge
from core.checks.record_patch import to_patch
from core.diff import Change
from core.live import DOWN, HEALTH_ORDER, SETTLED, SYNC_ORDER
from core.store.db import Database, utcnow
from core.store.keys import scope_clauses
from core.store.models import CheckResult, Deployment, Event
from core.store.records import CHECK_MODES, CheckResultRecord, DeploymentRecord

__all__ = ["Checks", "CheckWrite", "Recorded", "EventRecord", "SETTLED_HEALTH", "SETTLED_SYNC"]

DOWN_HEALTH = frozenset(h.value for h in DOWN)
SETTLED_HEALTH = frozenset(h.value for h in SETTLED)
SETTLED_SYNC = frozenset({"in_sync", "out_of_sync"})
_BASELINE = {"health": "serving", "sync": "in_sync"}



@dataclass(frozen=True)
class CheckWrite:
    """One check to record. ``provider_ids`` None keeps the stored ones."""

    name: str
    mode: str
    health: str
    sync: str
    revision_expected: str | None
    revision_live: str | None
    drift: list[Any] = field(default_factory=list)
    patch: list[Any] | None = None
    material: bool = False
    status_message: str | None = None
    provider_ids: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    trigger: str = "manual"
    checked_at: dt.datetime | None = None
    read_at: dt.datetime | None = None
    """When the provider read began (None: ``checked_at``). A read that began before the
    deployment's last applied observation is kept in the history but changes nothing else: a slower
    check overlapping a newer one must not overwrite its reading, streak or events."""
    unobserved: tuple[str, ...] = ()
    """Spec path globs the check did not read: the deployment's drift there is carried, not
    cleared (core.checks.record_coverage). ``("*",)``: it read no configuration."""
    ignore: tuple[str, ...] = ()
    """The deployment's ignore globs now (a carried change they match is dropped)."""
    reapplied: bool = False
    """The check closes a rollout that wrote every field: nothing unread is carried past it."""


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    deployment_name: str
    type: str
    previous: str | None
    current: str
    data: dict[str, Any]
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Event) -> EventRecord:
        return cls(id=row.id, deployment_name=row.deployment_name, type=row.type, previous=row.previous,
                   current=row.current, data=copy.deepcopy(row.data or {}), created_at=row.created_at)


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Checks.record` wrote for one check."""

    result: CheckResultRecord
    events: tuple[EventRecord, ...]
    drift_streak: int


class Checks:
    """Check history, check clocks and events in the store's database (``store.checks``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writes --------------------------------------------------------------------------------

    def record(self, writes: Sequence[CheckWrite]) -> list[Recorded | None]:
        """Record ``writes`` in one transaction; the result is aligned with ``writes`` (None: the
        deployment no longer exists, nothing was written)."""
        out: list[Recorded | None] = []
        if not writes:
            return out
        for w in writes:
            if w.mode not in CHECK_MODES:
                raise ValueError(f"check mode must be one of {sorted(CHECK_MODES)}, not {w.mode!r}")
        with self._db.tx(write=True) as s:
            names = sorted({w.name for w in writes})
            rows = {d.name: d for d in s.scalars(self._db.locked(
                select(Deployment).where(Deployment.name.in_(names)).order_by(Deployment.name)))}
            staged = [None if (dep := rows.get(w.name)) is None else self._stage(s, dep, w) for w in writes]
            s.flush()  # one round trip for the whole batch; events below need the check ids
            for w, item in zip(writes, staged):
                if item is not None:
                    self._stamp_check_id(rows[w.name], item[0] is not None, item[1])
                out.append(None if item is None else self._events(s, w, *item))
        return out

    @staticmethod
    def _stage(s: Any, dep: Deployment, w: CheckWrite) -> tuple[dict[str, str] | None, CheckResult, int, dt.datetime]:
        """Update the deployment's observed state (unless the read is stale: ``previous`` None),
        current drift, clocks and streak; add the check row.

        The row and the deployment hold the MERGED state (core.checks.record_coverage): drift the check did not
        observe is carried with its original observation; sync is ``out_of_sync`` while any change
        is left, observed or carried. A check that could not judge (sync ``unknown``: a provider
        error, an unreadable configuration) keeps the current drift and the streak as they are.
        A stale read records only what it saw."""
        now = w.checked_at or utcnow()
        read_at = w.read_at or now
        if now.utcoffset() is None or read_at.utcoffset() is None:
            raise ValueError("naive datetime: check timestamps must be timezone-aware")
        observed = [dict(c) | {"observed_at": read_at.isoformat(), "mode": w.mode, "carried": False,
                               "revision": w.revision_expected} for c in w.drift]
        previous: dict[str, str] | None = None
        sync, drift, patch = w.sync, observed, None if w.patch is None else list(w.patch)
        if dep.observed_at is None or read_at >= dep.observed_at:
            previous = {"health": dep.health, "sync": dep.sync}
            if w.sync == "unknown":
                drift = observed + [dict(c) | {"carried": True} for c in dep.drift or []
                                    if c.get("path") not in {o["path"] for o in observed}]
            else:
                merged = merge(dep.drift, observed, unobserved=w.unobserved, ignore=w.ignore,
                               revision=w.revision_expected, reapplied=w.reapplied)
                drift = merged.changes
                sync = "out_of_sync" if drift else w.sync
                if merged.carried:
                    patch = to_patch(dep.spec, [Change.model_validate(c) for c in drift]) or None
                material = w.material or any(c.get("carried") and c.get("severity") == "material" for c in drift)
                dep.drift_streak = (dep.drift_streak or 0) + 1 if (sync == "out_of_sync" and material) else 0
            dep.health, dep.sync, dep.status_message, dep.observed_at = w.health, sync, w.status_message, read_at
            if sync != w.sync and w.status_message is None:
                dep.status_message = f"{len(drift)} field(s) differ"
            dep.drift = drift
            if w.provider_ids is not None:
                dep.provider_ids = w.provider_ids
        dep.basic_checked_at = now
        if w.mode == "full":
            dep.full_checked_at = now
        row = CheckResult(
            deployment_name=w.name, mode=w.mode, health=w.health, sync=sync,
            revision_expected=w.revision_expected, revision_live=w.revision_live, drift=drift,
            patch=patch, trigger=w.trigger, error=w.error, unobserved=list(w.unobserved),
            duration_ms=float(w.duration_ms), checked_at=now)
        s.add(row)
        return previous, row, dep.drift_streak, now

    @staticmethod
    def _stamp_check_id(dep: Deployment, applied: bool, row: CheckResult) -> None:
        """Name the check that observed each change it reported (its id exists once flushed);
        carried changes keep the id of the check that observed them."""
        drift = [c if c.get("carried") else c | {"check_id": row.id} for c in row.drift or []]
        row.drift = drift
        if applied:
            dep.drift = copy.deepcopy(drift)

    @staticmethod
    def _events(s: Any, w: CheckWrite, previous: dict[str, str] | None, row: CheckResult, streak: int,
                now: dt.datetime) -> Recorded:
        """The settled transitions of one recorded check, as events (none for a stale read)."""
        if previous is None:
            return Recorded(CheckResultRecord.from_row(row), (), streak)
        events: list[EventRecord] = []
        for axis, settled in (("health", SETTLED_HEALTH), ("sync", SETTLED_SYNC)):
            current = getattr(row, axis)  # the merged sync, not only what this check read
            if current not in settled or current == previous[axis]:
                continue  # passing state, or no change since the last observation
            last = s.scalars(select(Event.current).where(Event.deployment_name == w.name, Event.type == axis)
                             .order_by(Event.id.desc()).limit(1)).first()
            if current == (last or _BASELINE[axis]):
                continue
            event = Event(deployment_name=w.name, type=axis, previous=last or _BASELINE[axis], current=current,
                          created_at=now, data={
                              "health": w.health, "sync": row.sync, "revision": w.revision_expected,
                              "live_revision": w.revision_live, "message": w.status_message,
                              "changes": len(row.drift or []), "check_id": row.id, "mode": w.mode,
                              "carried": sum(1 for c in row.drift or [] if c.get("carried"))})
            s.add(event)
            s.flush()
            events.append(EventRecord.from_row(event))
        return Recorded(CheckResultRecord.from_row(row), tuple(events), streak)

    def mark_not_deployed(self, name: str, *, message: str) -> None:
        """The first rollout of ``name`` failed and was fully rolled back: health ``not_deployed``
        (not down), sync ``unknown``, no current drift, ``message`` saying how to retry or delete.
        Scheduled checks skip it until the next rollout (:meth:`due`)."""
        with self._db.tx(write=True) as s:
            dep = s.get(Deployment, name)
            if dep is not None:
                dep.health, dep.sync, dep.status_message = "not_deployed", "unknown", message
                dep.drift, dep.drift_streak, dep.observed_at = [], 0, utcnow()

    def add_event(self, name: str, *, type: str, current: str, data: dict[str, Any]) -> EventRecord:
        """Record a non-transition event (e.g. ``remediation``)."""
        with self._db.tx(write=True) as s:
            event = Event(deployment_name=name, type=type, previous=None, current=current, data=data,
                          created_at=utcnow())
            s.add(event)
            s.flush()
            return EventRecord.from_row(event)

    def undispatched(self, *, limit: int = 100) -> list[EventRecord]:
        """Events not yet handed to webhook delivery (the outbox), oldest first."""
        with self._db.tx() as s:
            rows = s.scalars(select(Event).where(Event.dispatched.is_(False)).order_by(Event.id).limit(limit))
            return [EventRecord.from_row(r) for r in rows]

    def mark_dispatched(self, ids: Sequence[int]) -> None:
        if ids:
            with self._db.tx(write=True) as s:
                s.execute(update(Event).where(Event.id.in_(list(ids))).values(dispatched=True),
                          execution_options={"synchronize_session": False})

    def event(self, event_id: int) -> EventRecord | None:
        with self._db.tx() as s:
            row = s.get(Event, event_id)
            return None if row is None else EventRecord.from_row(row)

    def reset_streak(self, name: str) -> None:
        with self._db.tx(write=True) as s:
            dep = s.get(Deployment, name)
            if dep is not None:
                dep.drift_streak = 0

    def prune(self, *, older_than: dt.datetime) -> tuple[int, int]:
        """Delete check results and events older than ``older_than``: ``(checks, events)`` deleted."""
        with self._db.tx(write=True) as s:
            checks = cast("CursorResult[Any]", s.execute(
                delete(CheckResult).where(CheckResult.checked_at < older_than),
                execution_options={"synchronize_session": False})).rowcount
            events = cast("CursorResult[Any]", s.execute(
                delete(Event).where(Event.created_at < older_than),
                execution_options={"synchronize_session": False})).rowcount
        return int(checks or 0), int(events or 0)

    # -- reads ---------------------------------------------------------------------------------

    def history(self, name: str, *, limit: int = 50, mode: str | None = None,
                before: int | None = None) -> list[CheckResultRecord]:
        """``name``'s check results, newest first; ``before``: only ids below it (paging)."""
        stmt = select(CheckResult).where(CheckResult.deployment_name == name)
        if mode is not None:
            stmt = stmt.where(CheckResult.mode == mode)
        if before is not None:
            stmt = stmt.where(CheckResult.id < before)
        stmt = stmt.order_by(CheckResult.id.desc()).limit(limit)
        with self._db.tx() as s:
            return [CheckResultRecord.from_row(r) for r in s.scalars(stmt)]

    def events(self, *, deployment: str | None = None, after: int | None = None, limit: int = 100,
               scope: Scope | None = None) -> list[EventRecord]:
        """Events, newest first (``after``: only ids above it, oldest first, for tailing), within
        ``scope`` (an API key's)."""
        stmt = select(Event).where(*scope_clauses(scope, Event.deployment_name))
        if deployment is not None:
            stmt = stmt.where(Event.deployment_name == deployment)
        if after is not None:
            stmt = stmt.where(Event.id > after).order_by(Event.id)
        else:
            stmt = stmt.order_by(Event.id.desc())
        with self._db.tx() as s:
            return [EventRecord.from_row(r) for r in s.scalars(stmt.limit(limit))]

    def due(self, *, basic_before: dt.datetime, full_before: dt.datetime,
            limit: int = 10_000) -> list[tuple[DeploymentRecord, str]]:
        """Deployments to check now and at which depth (full when its full clock is due), oldest
        clock first; skips deployments being deleted or with an operation running."""
        stmt = (select(Deployment)
                .where(Deployment.deleting.is_(False), Deployment.current_operation_id.is_(None),
                       Deployment.health != "not_deployed",
                       or_(Deployment.basic_checked_at.is_(None), Deployment.basic_checked_at < basic_before,
                           Deployment.full_checked_at.is_(None), Deployment.full_checked_at < full_before))
                .order_by(Deployment.basic_checked_at.is_not(None), Deployment.basic_checked_at, Deployment.name)
                .limit(limit))
        with self._db.tx() as s:
            out = []
            for row in s.scalars(stmt):
                full = row.full_checked_at is None or row.full_checked_at < full_before
                out.append((DeploymentRecord.from_row(row), "full" if full else "basic"))
            return out

    def counts(self, *, platform: str | None = None, scope: Scope | None = None) -> list[tuple[str, str, str, int]]:
        """``(platform, health, sync, count)`` over every deployment (on ``platform``, within ``scope``)."""
        where = _where(platform, scope)
        with self._db.tx() as s:
            rows = s.execute(select(Deployment.platform, Deployment.health, Deployment.sync, func.count())
                             .where(*where).group_by(Deployment.platform, Deployment.health, Deployment.sync))
            return [(p, h, y, int(n)) for p, h, y, n in rows]

    def summary(self, *, platform: str | None = None, worst: int = 20, scope: Scope | None = None) -> dict[str, Any]:
        """Fleet counts by health, sync and platform, and the ``worst`` deployments, worst first
        (on ``platform``, within ``scope``)."""
        health_rank = case({h.value: i for i, h in enumerate(HEALTH_ORDER)}, value=Deployment.health,
                           else_=len(HEALTH_ORDER))
        sync_rank = case({y.value: i for i, y in enumerate(SYNC_ORDER)}, value=Deployment.sync, else_=len(SYNC_ORDER))
        where = _where(platform, scope)
        with self._db.tx() as s:
            rows = s.scalars(select(Deployment).where(*where)
                             .order_by(health_rank, sync_rank, Deployment.observed_at, Deployment.name)
                             .limit(worst)).all()
            worst_rows = [DeploymentRecord.from_row(r) for r in rows]
        by_health: dict[str, int] = {}
        by_sync: dict[str, int] = {}
        by_platform: dict[str, dict[str, int]] = {}
        for plat, health, sync, n in self.counts(platform=platform, scope=scope):
            by_health[health] = by_health.get(health, 0) + n
            by_sync[sync] = by_sync.get(sync, 0) + n
            entry = by_platform.setdefault(plat, {"total": 0, "down": 0, "out_of_sync": 0})
            entry["total"] += n
            entry["down"] += n if health in DOWN_HEALTH else 0
            entry["out_of_sync"] += n if sync == "out_of_sync" else 0
        return {"total": sum(by_health.values()), "by_health": by_health, "by_sync": by_sync,
                "by_platform": by_platform, "worst": worst_rows}


def _where(platform: str | None, scope: Scope | None) -> list[Any]:
    clauses = scope_clauses(scope, Deployment.name, Deployment.platform)
    return clauses if platform is None else [*clauses, Deployment.platform == platform]
