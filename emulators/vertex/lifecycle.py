"""Long-running operations and how they progress.

A mutating call (UploadModel, CreateEndpoint, DeployModel, ...) validates synchronously, then
registers an :class:`Operation` whose *effect* (a callable that changes the emulator's state and
returns the response message) runs when the operation completes. Until then the change is not
visible. A configured failure (``failure``) makes the operation end with that error and no effect;
an effect that raises :class:`~emulators.vertex.errors.ApiError` ends it with that error.

When an operation completes is set by its :class:`Progression`, fixed when it starts:

- ``immediate``: done before the call that started it returns (the answer is already ``done``);
- ``manual`` (``times`` = n >= 1): done at its n-th *read*, and that read already sees it done. A
  read is a GET of the operation (``/ui/...`` or ``/v1/...``), a listing of operations that includes
  it, a ``:wait`` on it, or a GET of the resource it changes (its ``targets``, e.g. the endpoint of a
  DeployModel);
- ``time`` (``seconds`` = s >= 0): done at the first request the emulator serves once s seconds
  have passed since it started.

All methods must be called with the backend's lock held (the store does no locking of its own).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.longrunning import operations_pb2
from google.protobuf.message import Message
from google.rpc import status_pb2

from ..common.progression import PROGRESSIONS, parse_progression
from ..common.progression import Progression as BaseProgression
from .errors import CODES, ApiError, failed_precondition, invalid_argument, not_found
from .wire import timestamp

__all__ = ["PROGRESSIONS", "Operation", "OperationStore", "Progression", "parse_done_filter"]

_log = logging.getLogger(__name__)


_STAGE_RUNNING = 5  # DeploymentStage.STARTING_DEPLOYMENT
_STAGE_SUCCEEDED = 11  # SUCCESSFULLY_DEPLOYED
_STAGE_FAILED = 12  # FAILED_TO_DEPLOY


@dataclass(frozen=True)
class Progression(BaseProgression):
    """How operations complete: ``immediate``, ``manual`` after ``times`` reads, ``time`` after ``seconds``."""

    @classmethod
    def parse(cls, spec: Mapping[str, Any] | None) -> Progression:
        """Validate ``{"progression": "manual", "times": n}`` / ``{"progression": "time", "seconds": s}`` /
        ``{"progression": "immediate"}`` (None or no ``progression`` = immediate; ``s`` at most a day);
        ``ValueError`` with a clear message."""
        parsed = parse_progression(spec, default_kind="immediate", max_seconds=86_400)
        return cls(parsed.kind, times=parsed.times, seconds=parsed.seconds)

@dataclass
class Operation:
    """One long-running operation (see the module docstring for its life)."""

    name: str
    targets: tuple[str, ...]
    metadata: Message
    effect: Callable[[], Message]
    progression: Progression
    failure: ApiError | None = None
    involves: tuple[str, ...] = ()
    started: float = field(default_factory=time.monotonic)
    reads: int = 0
    done: bool = False
    response: Message | None = None
    error: status_pb2.Status | None = None

    def due(self, now: float) -> bool:
        """True if the progression says this operation is complete (not counting a pending read)."""
        if self.progression.kind == "immediate":
            return True
        if self.progression.kind == "manual":
            return self.reads >= self.progression.times
        return now - self.started >= self.progression.seconds


def _set_stage(metadata: Message, stage: int) -> None:
    if "deployment_stage" in metadata.DESCRIPTOR.fields_by_name and metadata.deployment_stage:
        metadata.deployment_stage = stage


class OperationStore:
    """The operations of one emulator, by canonical name, in start order."""

    def __init__(self) -> None:
        self._ops: dict[str, Operation] = {}

    def clear(self) -> None:
        """Forget every operation (pending ones never complete)."""
        self._ops.clear()

    def start(self, op: Operation) -> Operation:
        """Register ``op``; an ``immediate`` one completes now."""
        _set_stage(op.metadata, _STAGE_RUNNING)
        self._ops[op.name] = op
        if op.due(time.monotonic()):
            self._complete(op)
        return op

    def _complete(self, op: Operation) -> None:
        op.done = True
        if hasattr(op.metadata, "generic_metadata"):
            op.metadata.generic_metadata.update_time.CopyFrom(timestamp())
        if op.failure is not None:
            op.error = status_pb2.Status(code=op.failure.code, message=op.failure.message)
        else:
            try:
                op.response = op.effect()
            except ApiError as exc:
                op.error = status_pb2.Status(code=exc.code, message=exc.message)
            except Exception as exc:  # a bug in an effect must not kill the server thread
                _log.exception("effect of operation %s failed", op.name)
                op.error = status_pb2.Status(code=CODES["INTERNAL"][0], message=f"Internal error: {exc}")
        _set_stage(op.metadata, _STAGE_FAILED if op.error is not None else _STAGE_SUCCEEDED)
        _log.debug("operation %s done (%s)", op.name, "error" if op.error is not None else "ok")

    def advance(self) -> None:
        """Complete every time-driven operation whose time has come."""
        now = time.monotonic()
        for op in list(self._ops.values()):
            if not op.done and op.progression.kind != "manual" and op.due(now):
                self._complete(op)

    def _tick(self, op: Operation) -> None:
        if not op.done:
            op.reads += 1
            if op.due(time.monotonic()):
                self._complete(op)

    def get(self, name: str) -> Operation:
        """The operation ``name`` (no read counted); ``NOT_FOUND`` if unknown."""
        op = self._ops.get(name)
        if op is None:
            raise not_found(f'Operation "{name}" not found.')
        return op

    def read(self, name: str) -> Operation:
        """A read of operation ``name``: counts towards a manual progression, then returns it."""
        op = self.get(name)
        self._tick(op)
        return op

    def read_target(self, target: str) -> None:
        """A read of resource ``target``: counts as a read of each pending operation changing it."""
        for op in list(self._ops.values()):
            if target in op.targets:
                self._tick(op)

    def pending(self, target: str) -> list[Operation]:
        """Operations changing ``target`` that are not done yet."""
        return [op for op in self._ops.values() if not op.done and target in op.targets]

    def involving(self, name: str) -> list[Operation]:
        """Pending operations that use resource ``name`` without changing it (a model being deployed)."""
        return [op for op in self._ops.values() if not op.done and name in op.involves]

    def list(self, parent: str, *, done: bool | None = None) -> list[Operation]:
        """Operations named ``{parent}/operations/...`` (each counted as read), optionally by ``done``."""
        prefix = f"{parent}/operations/"
        listed = []
        for op in list(self._ops.values()):
            if op.name.startswith(prefix) and "/" not in op.name[len(prefix):]:
                self._tick(op)
                if done is None or op.done == done:
                    listed.append(op)
        return listed

    def cancel(self, name: str) -> None:
        """Cancel a pending operation (done, error ``CANCELLED``, no effect); no-op if done."""
        op = self.get(name)
        if not op.done:
            op.failure = ApiError("CANCELLED", "Operation was cancelled.")
            self._complete(op)

    def delete(self, name: str) -> None:
        """Forget a finished operation; ``FAILED_PRECONDITION`` while it runs."""
        op = self.get(name)
        if not op.done:
            raise failed_precondition(f'Operation "{name}" is still running; cancel it first.')
        del self._ops[name]

    @staticmethod
    def to_proto(op: Operation) -> operations_pb2.Operation:
        """The ``google.longrunning.Operation`` the API answers with."""
        proto = operations_pb2.Operation(name=op.name, done=op.done)
        proto.metadata.Pack(op.metadata)
        if op.error is not None:
            proto.error.CopyFrom(op.error)
        elif op.response is not None:
            proto.response.Pack(op.response)
        return proto


def parse_done_filter(text: str) -> bool | None:
    """The ``filter`` of ListOperations: empty or ``done=true`` / ``done=false``."""
    cleaned = text.replace(" ", "")
    if not cleaned:
        return None
    if cleaned in ("done=true", "done=false"):
        return cleaned == "done=true"
    raise invalid_argument(f'Unsupported operations filter "{text}"; use done=true or done=false.')
