"""Frozen records the repository returns: plain values, detached from any session.

JSON fields (``spec``, ``provider_ids``, ``error``, ``result``, ``drift``) are deep copies: mutating
them never touches the database or another caller's record. Datetimes are timezone-aware UTC.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from core.preconditions import etag
from core.store.models import CheckResult, Deployment, Operation

__all__ = [
    "DeploymentRecord",
    "OperationRecord",
    "CheckResultRecord",
    "OPERATION_KINDS",
    "OPERATION_STATES",
    "TERMINAL_STATES",
    "CHECK_MODES",
]

OPERATION_KINDS = frozenset({"apply", "delete"})
TERMINAL_STATES = frozenset({"succeeded", "failed", "timed_out", "cancelled"})
OPERATION_STATES = frozenset({"pending", "running"}) | TERMINAL_STATES
CHECK_MODES = frozenset({"basic", "full"})


@dataclass(frozen=True, slots=True)
class DeploymentRecord:
    """A deployment: desired spec (``revision``, ``generation`` = ETag) and last observation."""

    name: str
    platform: str
    spec: dict[str, Any]
    revision: str
    generation: int
    health: str
    sync: str
    status_message: str | None
    provider_ids: dict[str, Any]
    observed_at: dt.datetime | None
    current_operation_id: str | None
    deleting: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    basic_checked_at: dt.datetime | None = None
    full_checked_at: dt.datetime | None = None
    drift_streak: int = 0
    secret_fingerprints: dict[str, list[str]] = field(default_factory=dict)
    drift: list[Any] = field(default_factory=list)
    """The current drift (the last check's changes merged with the carried ones; core.checks.record_coverage)."""
    owner: str | None = None
    """The owner uid stamped on every provider resource made for it (core.ownership)."""

    @property
    def etag(self) -> str:
        """Strong ETag; changes exactly when the desired spec changes (see core.preconditions)."""
        return etag(self.generation, self.revision)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON data (datetimes ISO 8601): what a durable workflow's result stores;
        :meth:`from_dict` gives the equal record back."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, dt.datetime) else copy.deepcopy(value)
        return out

    @staticmethod
    def is_record_data(data: Mapping[str, Any]) -> bool:
        """Whether ``data`` is :meth:`to_dict` output (every field present)."""
        return all(f.name in data for f in fields(DeploymentRecord))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeploymentRecord:
        """The record :meth:`to_dict` made ``data`` from."""
        values = {f.name: copy.deepcopy(data[f.name]) for f in fields(cls)}
        for name in _DEPLOYMENT_TIMES:
            if values[name] is not None:
                values[name] = dt.datetime.fromisoformat(values[name])
        return cls(**values)

    @classmethod
    def from_row(cls, row: Deployment) -> DeploymentRecord:
        return cls(
            name=row.name,
            platform=row.platform,
            spec=copy.deepcopy(row.spec),
            revision=row.revision,
            generation=row.generation,
            health=row.health,
            sync=row.sync,
            status_message=row.status_message,
            provider_ids=copy.deepcopy(row.provider_ids or {}),
            observed_at=row.observed_at,
            current_operation_id=row.current_operation_id,
            deleting=bool(row.deleting),
            created_at=row.created_at,
            updated_at=row.updated_at,
            basic_checked_at=row.basic_checked_at,
            full_checked_at=row.full_checked_at,
            drift_streak=row.drift_streak or 0,
            secret_fingerprints=copy.deepcopy(row.secret_fingerprints or {}),
            drift=copy.deepcopy(row.drift or []),
            owner=row.owner,
        )


_DEPLOYMENT_TIMES = ("observed_at", "created_at", "updated_at", "basic_checked_at", "full_checked_at")


@dataclass(frozen=True, slots=True)
class OperationRecord:
    """A long-running apply/delete; ``done`` is true exactly when ``state`` is terminal."""

    id: str
    deployment_name: str
    kind: str
    revision: str | None
    state: str
    done: bool
    phase: str
    progress: int
    status_message: str | None
    error: dict[str, Any] | None
    result: dict[str, Any] | None
    """A succeeded apply: ``{deployment: DeploymentRecord.to_dict(), test_queries[, changed]}``; a
    succeeded delete: ``{name, deleted[, left]}``."""
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Operation) -> OperationRecord:
        return cls(
            id=row.id,
            deployment_name=row.deployment_name,
            kind=row.kind,
            revision=row.revision,
            state=row.state,
            done=bool(row.done),
            phase=row.phase,
            progress=row.progress,
            status_message=row.status_message,
            error=copy.deepcopy(row.error),
            result=copy.deepcopy(row.result),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True, slots=True)
class CheckResultRecord:
    """One check of a deployment; ``drift`` is the list of change dicts (empty when in sync)."""

    id: int
    deployment_name: str
    mode: str
    health: str
    sync: str
    revision_expected: str | None
    revision_live: str | None
    drift: list[Any]
    error: dict[str, Any] | None
    duration_ms: float
    checked_at: dt.datetime
    patch: list[Any] | None = None
    trigger: str = "manual"
    unobserved: list[str] | None = None
    """Spec path globs the check did not read (None: recorded before coverage was kept)."""

    @classmethod
    def from_row(cls, row: CheckResult) -> CheckResultRecord:
        return cls(
            id=row.id,
            deployment_name=row.deployment_name,
            mode=row.mode,
            health=row.health,
            sync=row.sync,
            revision_expected=row.revision_expected,
            revision_live=row.revision_live,
            drift=copy.deepcopy(row.drift or []),
            error=copy.deepcopy(row.error),
            duration_ms=row.duration_ms,
            checked_at=row.checked_at,
            patch=copy.deepcopy(row.patch),
            trigger=row.trigger or "manual",
            unobserved=None if row.unobserved is None else list(row.unobserved),
        )
