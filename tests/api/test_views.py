"""api.views: an operation's response shows the deployment view built from the record data the
workflow stored, the same JSON as the view of the record itself."""

from __future__ import annotations

import datetime as dt

from api.views import deployment_view, operation_view
from core.store import DeploymentRecord, OperationRecord

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


def _deployment() -> DeploymentRecord:
    return DeploymentRecord(
        name="demo", platform="sagemaker", spec={"name": "demo"}, revision="r1", generation=3, health="serving",
        sync="in_sync", status_message=None, provider_ids={"endpoint": "demo"}, observed_at=NOW,
        current_operation_id=None, deleting=False, created_at=NOW, updated_at=NOW, basic_checked_at=NOW,
        full_checked_at=None, drift_streak=0, secret_fingerprints={"A": ["fp"]}, drift=[], owner="0" * 32)


def _operation(result: dict) -> OperationRecord:
    return OperationRecord(id="op1", deployment_name="demo", kind="apply", revision="r1", state="succeeded",
                           done=True, phase="done", progress=100, status_message=None, error=None,
                           result=result, created_at=NOW, updated_at=NOW)


def test_record_data_round_trips() -> None:
    dep = _deployment()
    assert DeploymentRecord.from_dict(dep.to_dict()) == dep
    assert DeploymentRecord.is_record_data(dep.to_dict())
    assert not DeploymentRecord.is_record_data(deployment_view(dep))


def test_operation_response_shows_the_view_of_the_stored_record() -> None:
    dep = _deployment()
    stored = _operation({"deployment": dep.to_dict(), "test_queries": []})
    assert operation_view(stored)["response"] == {"deployment": deployment_view(dep), "test_queries": []}


def test_a_result_stored_as_the_view_is_shown_as_stored() -> None:
    legacy = {"deployment": deployment_view(_deployment()), "test_queries": []}
    assert operation_view(_operation(legacy))["response"] == legacy
