"""The backend's shared machinery: lock, workspaces, operations, progression, validation helper.

:class:`BackendCore` is the base of :class:`~emulators.azureml.backend.AzureMLBackend`; the
operation families (endpoints, deployments, assets, scoring) are mixins over it. Every public
method of the backend takes the lock, so the threaded HTTP server sees one consistent state.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..common.behaviour import Behaviour
from . import schema
from .autoscale import AutoscaleStore
from .errors import ArmError, validation_error
from .lifecycle import TRANSITIONAL_STATES, Operation, OperationKind, Progression
from .shapes import render_operation
from .state import ARM_NAMESPACE, Deployment, Endpoint, Resource, Workspace, utcnow

__all__ = ["Answer", "BackendCore", "Scope"]


class Scope(NamedTuple):
    """The workspace a request addresses, spelled as in the request path."""

    subscription: str
    resource_group: str
    workspace: str

    @property
    def key(self) -> tuple[str, str, str]:
        """Case-insensitive identity of the workspace."""
        return (self.subscription.lower(), self.resource_group.lower(), self.workspace.lower())

    @property
    def workspace_id(self) -> str:
        """ARM id of the workspace."""
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/{ARM_NAMESPACE}/workspaces/{self.workspace}"
        )


@dataclass
class Answer:
    """What a backend call gives the HTTP layer: status, JSON body (or None), started operation."""

    status: int
    body: Any = None
    operation: Operation | None = None


class BackendCore:
    """State of one emulator plus the helpers every operation family uses."""

    def __init__(
        self, *, location: str = "westeurope", progression: Progression | None = None, retry_after_ms: int = 50
    ) -> None:
        self.lock = threading.RLock()
        self.retry_after_ms = retry_after_ms
        self.location = location
        self.default_progression = progression or Progression()
        self.progression = self.default_progression
        self.base_url = ""
        self.behaviour = Behaviour(casefold=True)
        """Configured failures (keys: endpoint names; ``{endpoint}/{deployment}`` with phase
        ``deploy``) and scoring responses; names compared case-insensitively."""
        self.vault_secrets: dict[str, dict[str, list[str]]] = {}
        """Registered Key Vault secrets (:mod:`emulators.azureml.secret_refs`)."""
        self.workspaces: dict[tuple[str, str, str], Workspace] = {}
        self.operations: dict[str, Operation] = {}
        self.autoscale = AutoscaleStore()

    # ----------------------------------------------------------------------------------- state

    def reset_state(self) -> None:
        """Drop every workspace, resource, operation and configured behaviour; default progression."""
        with self.lock:
            self.workspaces.clear()
            self.operations.clear()
            self.autoscale.clear()
            self.behaviour.reset()
            self.vault_secrets.clear()
            self.progression = self.default_progression

    def workspace(self, scope: Scope) -> Workspace:
        """The workspace ``scope`` names (created on first use, in the emulator's region)."""
        found = self.workspaces.get(scope.key)
        if found is None:
            found = Workspace(
                id=scope.workspace_id,
                subscription=scope.subscription,
                resource_group=scope.resource_group,
                name=scope.workspace,
                location=self.location,
                workspace_id=str(uuid.uuid4()),
            )
            self.workspaces[scope.key] = found
        return found

    def all_endpoints(self) -> list[Endpoint]:
        """Every endpoint of every workspace."""
        return [e for w in self.workspaces.values() for e in w.endpoints.values()]

    def find_endpoint(self, name: str) -> Endpoint | None:
        """The endpoint called ``name`` in any workspace (names are unique per region)."""
        return next((e for e in self.all_endpoints() if e.name.lower() == name.lower()), None)

    # ------------------------------------------------------------------------------ operations

    def observe(self, resource: Resource | None, *, read: bool) -> None:
        """Let ``resource``'s in-flight operation progress (one read counted if ``read``)."""
        if resource is not None and resource.operation is not None:
            resource.operation.observe(self.progression, read=read)

    def observe_endpoint(self, endpoint: Endpoint, *, read: bool) -> None:
        """Observe ``endpoint`` (``read`` counts) and, without counting, its deployments."""
        self.observe(endpoint, read=read)
        for deployment in list(endpoint.deployments.values()):
            self.observe(deployment, read=False)

    def start(
        self,
        resource: Resource,
        kind: OperationKind,
        *,
        failure: tuple[str, str] | None = None,
        on_success: Callable[[], None] | None = None,
        transitional: bool = True,
    ) -> Operation:
        """Start an operation on ``resource``; it shows the kind's transitional state until done.

        On completion the resource becomes ``Succeeded`` (``on_success`` runs first) or ``Failed``;
        delete operations call ``on_success`` only (which removes the resource).
        """
        workspace_scope = resource.id.split("/resourceGroups/")[0]
        previous_state = resource.state

        def complete(succeeded: bool) -> None:
            resource.modified_at = utcnow()
            if kind == "delete":
                if on_success is not None:
                    on_success()
                return
            if succeeded and on_success is not None:
                on_success()
            if kind == "action":
                resource.state = previous_state
            else:
                resource.state = "Succeeded" if succeeded else "Failed"
                resource.ever_succeeded = resource.ever_succeeded or succeeded

        operation = Operation(
            kind=kind,
            resource_id=resource.id,
            on_complete=complete,
            failure=failure,
            scope=f"{workspace_scope}/providers/{ARM_NAMESPACE}/locations/{self.location}",
        )
        if resource.operation is not None and not resource.operation.done:
            resource.operation.cancel()
        resource.operation = operation
        resource.last_operation = operation
        resource.modified_at = utcnow()
        if transitional:
            resource.state = TRANSITIONAL_STATES[kind]
        self.operations[operation.id] = operation
        return operation

    def operation(self, operation_id: str) -> tuple[Operation, dict[str, Any]] | None:
        """A known operation, observed (one read counted), with its status body; None if unknown."""
        with self.lock:
            found = self.operations.get(operation_id)
            if found is None:
                return None
            found.observe(self.progression, read=True)
            return found, render_operation(found)

    # ------------------------------------------------------------------------------ validation

    @staticmethod
    def validated(model: str, body: Any) -> dict[str, Any]:
        """``body`` cleaned by the strict schema walker; 400 ``ValidationError`` listing every problem."""
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
        cleaned, problems = schema.validate(model, body)
        if problems:
            raise validation_error(problems)
        return cleaned

    @staticmethod
    def merged_bag(old: dict[str, str] | None, new: dict[str, str] | None) -> dict[str, str]:
        """The ``properties`` bag after an update: entries can be added, not removed or altered
        (stored values win); the emulator's own keys are never stored."""
        merged = {
            k: v for k, v in (new or {}).items() if k not in ("AzureAsyncOperationUri", "azureml.onlineendpointid")
        }
        merged.update(old or {})
        return merged

    @staticmethod
    def deployment_of(endpoint: Endpoint, name: str) -> Deployment | None:
        """``endpoint``'s deployment called ``name`` (case-insensitive)."""
        return endpoint.deployments.get(name.lower())
