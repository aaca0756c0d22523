"""Long-running operations and how they progress.

Every PUT/DELETE of an online endpoint or deployment (and a key regeneration or a deployment
scale-out through PATCH) starts an :class:`Operation`. The resource shows the transitional
``provisioningState`` of the operation's kind (``Creating``, ``Updating``, ``Deleting``) until the
operation completes, then ``Succeeded`` or ``Failed`` (or is gone, for a delete).

When an operation completes is decided by the emulator's :class:`Progression`, evaluated lazily
whenever something looks at the operation (a read of the resource, of a list containing it, of the
operation's status/result URL, or another request touching the resource):

- ``immediate``: at the first look after the request that started it;
- ``manual`` with ``times = n``: after ``n`` reads; a read reports the state *then* counts, so with
  ``n = 1`` the first poll says ``InProgress``/``Creating`` and the second ``Succeeded``;
- ``time`` with ``seconds = s``: once ``s`` seconds have passed since the operation started.

The current progression applies to operations already in flight (switching to ``immediate``
completes them at their next look).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

from ..common.progression import Progression, parse_progression

__all__ = [
    "TRANSITIONAL_STATES",
    "Operation",
    "OperationKind",
    "Progression",
    "parse_progression",
]

OperationKind = Literal["create", "update", "delete", "action"]

TRANSITIONAL_STATES: dict[str, str] = {
    "create": "Creating",
    "update": "Updating",
    "delete": "Deleting",
    "action": "Updating",
}
"""The ``provisioningState`` a resource shows while an operation of each kind runs."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Operation:
    """One long-running operation.

    ``failure`` (``(code, message)``) is decided when the operation starts; ``on_complete`` is called
    once, under the backend's lock, with ``succeeded`` when the operation completes. ``status`` is
    ``InProgress``, ``Succeeded``, ``Failed`` or ``Canceled`` (superseded by a delete).
    """

    kind: OperationKind
    resource_id: str
    on_complete: Callable[[bool], None]
    scope: str = ""
    """Status URL prefix ``/subscriptions/{s}/providers/Microsoft.MachineLearningServices/locations/{region}``."""
    failure: tuple[str, str] | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "InProgress"
    start_time: datetime = field(default_factory=_now)
    end_time: datetime | None = None
    reads: int = 0
    _started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> bool:
        """True once the operation has completed (either way)."""
        return self.status != "InProgress"

    def _due(self, progression: Progression) -> bool:
        if progression.kind == "manual":
            return self.reads >= progression.times
        if progression.kind == "time":
            return time.monotonic() - self._started >= progression.seconds
        return True

    def observe(self, progression: Progression, *, read: bool) -> None:
        """Complete the operation if ``progression`` says it is due, then count a read if ``read``."""
        if not self.done and self._due(progression):
            self.complete()
        if read and not self.done:
            self.reads += 1

    def complete(self) -> None:
        """Finish now: ``Failed`` if a failure was decided, else ``Succeeded``. No-op if done."""
        if self.done:
            return
        self.status = "Failed" if self.failure else "Succeeded"
        self.end_time = _now()
        self.on_complete(self.failure is None)

    def cancel(self) -> None:
        """End an in-flight operation as ``Canceled`` (superseded by a delete); ``on_complete`` is not called."""
        if not self.done:
            self.status = "Canceled"
            self.end_time = _now()

    def error(self) -> dict[str, str] | None:
        """The ARM error object of a failed operation."""
        if self.status != "Failed" or self.failure is None:
            return None
        return {"code": self.failure[0], "message": self.failure[1]}
