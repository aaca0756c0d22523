"""The documented shapes of the deployment, plan and operation routes' answers, and of
accept-live's (a spec, or an operation) (OpenAPI only).

Like :mod:`api.routes.check_views`: the routes return the plain dicts of
:func:`api.views.deployment_view`, :func:`api.views.operation_view` and
:meth:`core.service.Service.plan` (``response_model=None``), so nothing they return is filtered
out; these models say what every answer has. None of them forbids extra keys: a key added to an
answer later is still a valid answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.routes.check_views import RecordedChange
from api.security.openapi import ErrorBody
from core.diff import Change

__all__ = ["DeploymentView", "DeploymentList", "OperationMetadata", "OperationResult", "OperationView",
           "OperationList", "PlannedCall", "PlanView", "RepairedField", "AcceptLivePreview",
           "AcceptLiveOperation"]


class DeploymentView(BaseModel):
    """A deployment: the stored spec and revision, and the last observation of it."""

    name: str
    platform: str = Field(description="sagemaker, vertex or azureml.")
    revision: str = Field(description="12-hex hash of the spec's deployed part.")
    generation: int = Field(description="Increases each time the stored spec changes.")
    etag: str = Field(description="Strong ETag (also the `ETag` header): for `If-Match`.")
    health: str = Field(description="provisioning, serving, updating, degraded, failed, deleting, missing, "
                                    "unknown or not_deployed.")
    sync: str = Field(description="in_sync, out_of_sync or unknown.")
    status_message: str | None = Field(description="The provider's or the service's last word on it.")
    observed_at: str | None = Field(description="When live was last read (ISO 8601).")
    checked_at: str | None = Field(description="Last basic (or full) check.")
    full_checked_at: str | None = Field(description="Last full check.")
    drift_streak: int = Field(description="Consecutive checks that found material drift.")
    drift: list[RecordedChange] = Field(description="The current drift: the last check's changes and the "
                                        "ones carried from checks that read paths it did not.")
    provider_ids: dict[str, Any] = Field(description="The provider's ids and names (ARNs, resource ids).")
    current_operation: str | None = Field(description="Id of the operation running on it, if any.")
    deleting: bool
    spec: dict[str, Any] = Field(description="The stored spec (`GET /v1/schema/spec`), secret values "
                                 "replaced by `{secret, fingerprint}`.")
    create_time: str
    update_time: str


class DeploymentList(BaseModel):
    deployments: list[DeploymentView]


class OperationMetadata(BaseModel):
    """Where an operation is."""

    deployment: str
    kind: str = Field(description="apply (PUT, reconcile, accept-live) or delete.")
    revision: str = Field(description="The revision it deploys (or deletes).")
    state: str = Field(description="pending, running, succeeded, failed, timed_out or cancelled.")
    phase: str | None = Field(description="queued, submit, wait, test, finalize, rollback, delete, done ...")
    progress: int = Field(description="0-100.")
    status_message: str | None = Field(description="What it is doing or waiting for.")
    create_time: str
    update_time: str


class RepairedField(BaseModel):
    """A field a reconcile put back."""

    path: str
    was: Any = Field(description="The live value before.")
    now: Any = Field(description="The spec's value (None: a foreign sub-resource was removed).")


class OperationResult(BaseModel):
    """A succeeded operation's result: an apply's deployment (and a reconcile's ``changed``), or a
    delete's ``deleted``/``left``."""

    deployment: DeploymentView | None = Field(default=None, description="apply: the deployment as it serves.")
    test_queries: list[dict[str, Any]] | None = Field(default=None, description="apply: each test query's outcome.")
    changed: list[RepairedField] | None = Field(default=None, description="reconcile: what it put back.")
    name: str | None = Field(default=None, description="delete: the deployment's name.")
    deleted: bool | None = Field(default=None, description="delete: true.")
    left: list[dict[str, Any]] | None = Field(default=None, description="delete: resources left in place "
                                              "because they do not carry the service's stamp.")


class OperationView(BaseModel):
    """A long-running operation (AIP-151): poll ``GET /v1/operations/{id}`` until ``done``."""

    name: str = Field(description="`operations/{id}`.")
    id: str
    done: bool
    metadata: OperationMetadata
    error: ErrorBody | None = Field(default=None, description="Set when it failed, timed out or was "
                                    "cancelled (`details.left`: what is live).")
    response: OperationResult | None = Field(default=None, description="Set when it succeeded.")


class OperationList(BaseModel):
    operations: list[OperationView] = Field(description="Newest first.")


class PlannedCall(BaseModel):
    """One provider API call apply would send."""

    operation: str = Field(description="The provider's operation, e.g. `CreateEndpointConfig`.")
    params: dict[str, Any] = Field(description="Its request, as the provider's SDK takes it.")


class PlanView(BaseModel):
    """A dry run: what apply would send, and how live differs from the spec."""

    name: str
    platform: str
    revision: str = Field(description="The revision the spec would deploy.")
    exists: bool = Field(description="An endpoint of that name exists on the provider.")
    live: dict[str, Any] | None = Field(description="`{health, revision}` of the live endpoint; null if none.")
    calls: list[PlannedCall] = Field(description="Empty when live already serves the spec in sync, or "
                                     "when `requires_replacement` is not empty (apply would refuse).")
    changes: list[Change] = Field(description="How live differs from the spec.")
    requires_replacement: list[dict[str, Any]] = Field(description="Changes the platform cannot make in "
                                                       "place (`path`, `reason`): apply answers 409.")
    in_sync: bool


class AcceptLivePreview(BaseModel):
    """accept-live without an operation: a dry run, nothing drifted, or a new revision that needed
    no deploy (then ``applied`` and ``deployment``)."""

    spec: dict[str, Any] = Field(description="The spec with the adopted live values.")
    adopted: list[RecordedChange] = Field(description="The drifted fields taken from live.")
    applied: bool = Field(description="The spec was stored as a new revision.")
    deployment: DeploymentView | None = Field(default=None, description="When applied: the deployment.")


class AcceptLiveOperation(OperationView):
    """accept-live with a deploy: the Operation applying the new revision, and what it adopted."""

    adopted: list[RecordedChange]
