"""The emulator's backend: one :class:`VertexBackend` per emulator, the services and the LRO methods.

The HTTP layer (:mod:`emulators.vertex.handlers`) calls :attr:`VertexBackend.models`,
:attr:`~VertexBackend.endpoints`, :attr:`~VertexBackend.deployments` and
:attr:`~VertexBackend.prediction` and :attr:`~VertexBackend.secrets` (Secret Manager), wraps
operations with :meth:`VertexBackend.lro`, and serves the ``google.longrunning.Operations`` methods
from here. Operation names are accepted with the project id or number (they always come back with
the number).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from google.longrunning import operations_pb2
from google.protobuf import json_format

from .deployments import DeploymentService
from .endpoints import EndpointService
from .errors import invalid_argument
from .lifecycle import Operation, OperationStore, Progression, parse_done_filter
from .listing import page
from .models import ModelService
from .names import parse_location, parse_resource
from .prediction import PredictionService
from .secrets import SecretStore
from .state import State
from .wire import parse_message

__all__ = ["VertexBackend"]

_OPERATION = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)(?P<rest>(?:/(?:models|endpoints)/[^/]+)?)"
    r"/operations/(?P<id>[^/]+)$"
)
_OPERATIONS_PARENT = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)(?P<rest>(?:/(?:models|endpoints)/[^/]+)?)$"
)
_MAX_WAIT_S = 30.0
_WAIT_STEP_S = 0.02


class VertexBackend:
    """State + services of one emulator. ``progression`` is the default (and :meth:`reset`) progression."""

    def __init__(self, progression: Progression | None = None) -> None:
        self.state = State(progression or Progression())
        self.models = ModelService(self.state)
        self.endpoints = EndpointService(self.state)
        self.deployments = DeploymentService(self.state)
        self.prediction = PredictionService(self.state)
        self.secrets = SecretStore()

    # -- settings -------------------------------------------------------------------------------
    @property
    def progression(self) -> Progression:
        """How operations started from now on complete."""
        return self.state.progression

    def set_progression(self, progression: Progression) -> None:
        """Change the progression of operations started from now on (running ones keep theirs)."""
        with self.state.lock:
            self.state.progression = progression

    def reset(self) -> None:
        """Drop all resources, operations, failures, prediction responses and secrets; default progression."""
        self.state.reset()
        self.secrets.reset()

    def drift(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        """Change a stored model or endpoint behind the API's back (to test drift detection).

        Each top-level field in ``patch`` (proto JSON) replaces that field; the result is not
        validated beyond the proto types, and gets a new ``update_time`` and ``etag``. Answers the
        resource as proto JSON. ``NOT_FOUND`` / ``INVALID_ARGUMENT`` as the API would.
        """
        where, collection, resource_id, _version = parse_resource(name)
        if collection is None or resource_id is None:
            raise invalid_argument(f'"{name}" names neither a model nor an endpoint.')
        canonical = where.model(resource_id) if collection == "models" else where.endpoint(resource_id)
        with self.state.locked():
            store = self.state.models if collection == "models" else self.state.endpoints
            resource = self.state.model(canonical) if collection == "models" else self.state.endpoint(canonical)
            candidate = type(resource)()
            candidate.CopyFrom(resource)
            for key in patch:
                descriptor = candidate.DESCRIPTOR
                field = descriptor.fields_by_camelcase_name.get(key) or descriptor.fields_by_name.get(key)
                if field is None:
                    raise invalid_argument(f'Unknown field "{key}" for {candidate.DESCRIPTOR.name}.')
                candidate.ClearField(field.name)
            parse_message(patch, candidate)
            self.state.touch(canonical, candidate)
            store[canonical] = candidate
            return dict(json_format.MessageToDict(candidate))

    # -- operations -----------------------------------------------------------------------------
    def lro(self, start: Callable[..., Operation], *args: Any) -> operations_pb2.Operation:
        """Run a service method that starts an operation and answer with the operation's proto."""
        with self.state.lock:
            return OperationStore.to_proto(start(*args))

    @staticmethod
    def canonical_operation(name: str) -> str:
        """``name`` with the project number; ``INVALID_ARGUMENT`` unless it names an operation."""
        match = _OPERATION.match(name)
        if not match:
            raise invalid_argument(f'Invalid operation name "{name}".')
        where = parse_location(match["project"], match["location"])
        return f"{where.parent}{match['rest']}/operations/{match['id']}"

    def get_operation(self, name: str) -> operations_pb2.Operation:
        """GetOperation: a read of the operation (may complete a manual one)."""
        canonical = self.canonical_operation(name)
        with self.state.locked():
            return OperationStore.to_proto(self.state.ops.read(canonical))

    def list_operations(
        self, parent: str, *, filter_text: str, page_size: int, page_token: str
    ) -> operations_pb2.ListOperationsResponse:
        """ListOperations of a location, model or endpoint (each listed operation counts as read)."""
        match = _OPERATIONS_PARENT.match(parent)
        if not match:
            raise invalid_argument(f'Invalid resource name "{parent}".')
        where = parse_location(match["project"], match["location"])
        done = parse_done_filter(filter_text)
        with self.state.locked():
            ops = self.state.ops.list(f"{where.parent}{match['rest']}", done=done)
            chunk, token = page(ops, page_size=page_size, page_token=page_token, filter_text=filter_text)
            return operations_pb2.ListOperationsResponse(
                operations=[OperationStore.to_proto(op) for op in chunk], next_page_token=token
            )

    def cancel_operation(self, name: str) -> None:
        """CancelOperation: a running operation ends ``CANCELLED`` without effect."""
        canonical = self.canonical_operation(name)
        with self.state.locked():
            self.state.ops.cancel(canonical)

    def delete_operation(self, name: str) -> None:
        """DeleteOperation: forget a finished operation."""
        canonical = self.canonical_operation(name)
        with self.state.locked():
            self.state.ops.delete(canonical)

    def wait_operation(self, name: str, timeout_s: float) -> operations_pb2.Operation:
        """WaitOperation: one read, then (time progression) wait until done or ``timeout_s`` passed."""
        canonical = self.canonical_operation(name)
        deadline = time.monotonic() + min(timeout_s if timeout_s > 0 else _MAX_WAIT_S, _MAX_WAIT_S)
        with self.state.locked():
            op = self.state.ops.read(canonical)
        while not op.done and op.progression.kind == "time" and time.monotonic() < deadline:
            time.sleep(_WAIT_STEP_S)
            with self.state.locked():
                op = self.state.ops.get(canonical)
        with self.state.lock:
            return OperationStore.to_proto(op)
