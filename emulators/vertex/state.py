"""The state of one Vertex AI emulator: resources, operations, settings, one lock.

Resources are stored as ``aiplatform_v1`` protobuf messages under their canonical names (project
NUMBER, no model version): ``projects/123456789012/locations/us-central1/models/m`` and
``.../endpoints/e``. Every service method takes :attr:`State.lock` (re-entrant) and first calls
:meth:`State.sync` so time-driven operations complete before anything is read.

Generated ids (models, endpoints, deployed models, operations) are 19-digit numbers derived from a
per-emulator counter: deterministic for a given sequence of calls, restarted by :meth:`reset`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from google.cloud import aiplatform_v1 as v1
from google.protobuf.message import Message

from ..common.behaviour import Behaviour, Failure
from .errors import FAILURE_CODES, ApiError, failed_precondition, not_found
from .lifecycle import Operation, OperationStore, Progression
from .wire import timestamp

__all__ = ["ENDPOINT", "MODEL", "State"]

MODEL: type[Message] = v1.Model.pb()
ENDPOINT: type[Message] = v1.Endpoint.pb()
_GENERIC_METADATA: type[Message] = v1.GenericOperationMetadata.pb()


class State:
    """Resources, operations and settings of one emulator (see the module docstring)."""

    def __init__(self, default_progression: Progression) -> None:
        self.lock = threading.RLock()
        self.default_progression = default_progression
        self.progression = default_progression
        self.behaviour = Behaviour()
        """Configured failures (keys: endpoint ids; ``models/{id}`` with phase ``upload``) and
        canned predictions (by endpoint id)."""
        self.ops = OperationStore()
        self.models: dict[str, Message] = {}
        self.endpoints: dict[str, Message] = {}
        self.routing: dict[str, dict[str, int]] = {}
        self._revisions: dict[str, int] = {}
        self._counter = itertools.count(1)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the lock and complete due time-driven operations first."""
        with self.lock:
            self.ops.advance()
            yield

    def sync(self) -> None:
        """Complete due time-driven operations (lock held by the caller)."""
        self.ops.advance()

    def reset(self) -> None:
        """Drop every resource, operation, failure and prediction; progression back to the default."""
        with self.lock:
            self.models.clear()
            self.endpoints.clear()
            self.routing.clear()
            self._revisions.clear()
            self.ops.clear()
            self.behaviour.reset()
            self.progression = self.default_progression
            self._counter = itertools.count(1)

    def new_id(self, kind: str) -> str:
        """A fresh 19-digit numeric id (deterministic per emulator and call order)."""
        digest = int(hashlib.sha256(f"{kind}:{next(self._counter)}".encode()).hexdigest(), 16)
        return str(1_000_000_000_000_000_000 + digest % 8_000_000_000_000_000_000)

    def touch(self, name: str, resource: Message, *, created: bool = False) -> None:
        """Stamp ``update_time`` (and ``create_time`` when ``created``) and a new ``etag``."""
        now = timestamp()
        if created:
            resource.create_time.CopyFrom(now)
        resource.update_time.CopyFrom(now)
        revision = self._revisions.get(name, 0) + 1
        self._revisions[name] = revision
        digest = hashlib.sha256(f"{name}#{revision}".encode()).digest()[:18]
        resource.etag = "AMEw9y" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def forget_revision(self, name: str) -> None:
        """Drop the etag counter of a deleted resource."""
        self._revisions.pop(name, None)

    def model(self, name: str) -> Message:
        """The stored Model ``name``; ``NOT_FOUND`` if absent."""
        model = self.models.get(name)
        if model is None:
            raise not_found(f'The Model "{name}" does not exist.')
        return model

    def endpoint(self, name: str) -> Message:
        """The stored Endpoint ``name``; ``NOT_FOUND`` if absent."""
        endpoint = self.endpoints.get(name)
        if endpoint is None:
            raise not_found(f'The Endpoint "{name}" does not exist.')
        return endpoint

    def require_idle(self, name: str, what: str) -> None:
        """``FAILED_PRECONDITION`` while an operation changing ``name`` is still running."""
        running = self.ops.pending(name)
        if running:
            raise failed_precondition(
                f'The {what} "{name}" has an operation in progress: {running[0].name}. '
                "Wait for it to finish before changing the resource."
            )

    def metadata(self, message_type: type[Message], **fields: object) -> Message:
        """Operation metadata of ``message_type`` with ``generic_metadata`` create/update times now."""
        generic = _GENERIC_METADATA()
        generic.create_time.CopyFrom(timestamp())
        generic.update_time.CopyFrom(generic.create_time)
        return message_type(generic_metadata=generic, **fields)

    def start_operation(
        self,
        parent: str,
        *,
        targets: tuple[str, ...],
        metadata: Message,
        effect: Callable[[], Message],
        failure: Failure | None = None,
        involves: tuple[str, ...] = (),
    ) -> Operation:
        """Start an operation named ``{parent}/operations/{id}`` with the current progression.

        Reads of ``targets`` count as reads of it; ``involves`` names resources it uses (a model being
        deployed) so they can refuse deletion meanwhile.
        """
        op = Operation(
            name=f"{parent}/operations/{self.new_id('operation')}",
            targets=targets,
            metadata=metadata,
            effect=effect,
            progression=self.progression,
            failure=ApiError(FAILURE_CODES[failure.code], failure.reason) if failure is not None else None,
            involves=involves,
        )
        return self.ops.start(op)
