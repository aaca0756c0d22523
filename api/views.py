"""The JSON the API answers with, built from the store's records (the one place of HTTP shapes).

The routes return these plain dicts (``response_model=None``); their documented models are in
:mod:`api.routes.deployment_views` and :mod:`api.routes.check_views`. Core never builds them: a
finished operation stores the deployment's record data (:meth:`core.store.records.DeploymentRecord.to_dict`)
in its result, and :func:`operation_view` turns it into a :func:`deployment_view` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.store import CheckResultRecord, DeploymentRecord, OperationRecord

__all__ = ["deployment_view", "operation_view", "check_view", "fleet_view"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def deployment_view(dep: DeploymentRecord) -> dict[str, Any]:
    """A deployment: its stored spec and revision, and the last observation of it."""
    return {
        "name": dep.name, "platform": dep.platform, "revision": dep.revision,
        "generation": dep.generation, "etag": dep.etag, "health": dep.health, "sync": dep.sync,
        "status_message": dep.status_message, "observed_at": _iso(dep.observed_at),
        "checked_at": _iso(dep.basic_checked_at), "full_checked_at": _iso(dep.full_checked_at),
        "drift_streak": dep.drift_streak, "drift": dep.drift,
        "provider_ids": dep.provider_ids, "current_operation": dep.current_operation_id,
        "deleting": dep.deleting, "spec": dep.spec,
        "create_time": _iso(dep.created_at), "update_time": _iso(dep.updated_at),
    }


def _response(result: Mapping[str, Any]) -> dict[str, Any]:
    """An operation's stored result as the API shows it: the deployment's record data (a finished
    apply) as its :func:`deployment_view`. A result stored as the view already (operations finished
    before results held record data) is shown as stored."""
    response = dict(result)
    dep = response.get("deployment")
    if isinstance(dep, Mapping) and DeploymentRecord.is_record_data(dep):
        response["deployment"] = deployment_view(DeploymentRecord.from_dict(dep))
    return response


def operation_view(op: OperationRecord) -> dict[str, Any]:
    """An Operation in the AIP-151 shape: name, done, metadata, error | response."""
    view: dict[str, Any] = {
        "name": f"operations/{op.id}",
        "id": op.id,
        "done": op.done,
        "metadata": {
            "deployment": op.deployment_name, "kind": op.kind, "revision": op.revision,
            "state": op.state, "phase": op.phase, "progress": op.progress,
            "status_message": op.status_message,
            "create_time": _iso(op.created_at), "update_time": _iso(op.updated_at),
        },
    }
    if op.error is not None:
        view["error"] = op.error
    if op.result is not None:
        view["response"] = _response(op.result)
    return view


def check_view(record: CheckResultRecord) -> dict[str, Any]:
    """A recorded check: health, the deployment's sync after it, each change (path, provider field,
    expected, actual, severity; when and by which check it was observed, ``carried`` when this
    check did not read it), the paths it did not read (``unobserved``) and the RFC 6902 patch from
    the expected spec to live."""
    return {"id": record.id, "deployment": record.deployment_name, "mode": record.mode,
            "trigger": record.trigger, "health": record.health, "sync": record.sync,
            "revision_expected": record.revision_expected, "revision_live": record.revision_live,
            "changes": record.drift, "unobserved": record.unobserved, "patch": record.patch or [],
            "error": record.error,
            "duration_ms": round(record.duration_ms, 2), "checked_at": record.checked_at.isoformat()}


def fleet_view(summary: dict[str, Any]) -> dict[str, Any]:
    """The fleet summary (:meth:`core.store.checks.Checks.summary`) with its worst deployments as
    ``{name, platform, health, sync, status_message, observed_at}``."""
    worst = [{"name": d.name, "platform": d.platform, "health": d.health, "sync": d.sync,
              "status_message": d.status_message,
              "observed_at": d.observed_at.isoformat() if d.observed_at else None} for d in summary["worst"]]
    return summary | {"worst": worst}
