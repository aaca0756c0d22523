"""Configured endpoint behaviour: lifecycle failures and canned invocation responses.

This is process-global state, like moto's own backends: two emulators in one process share it (and
share moto's SageMaker state). Entries are keyed by endpoint *name* and apply in every account and
region. Everything here is thread-safe.

Contracts
---------
- A failure configured with ``on="create"`` makes every CreateEndpoint of that name end ``Failed``
  with the given ``FailureReason`` until cleared; ``on="update"`` makes every UpdateEndpoint of that
  name roll back (endpoint back ``InService`` on its old config, ``FailureReason`` set). Failures are
  looked up when the transition happens, so one configured while the endpoint is ``Creating`` or
  ``Updating`` still applies.
- An invocation response replaces the default prediction of InvokeEndpoint for that name until
  cleared (see :mod:`emulators.sagemaker.invoke`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "FAILURE_PHASES",
    "BEHAVIOUR",
    "Behaviour",
    "FailurePhase",
    "InvocationResponse",
]

FailurePhase = Literal["create", "update"]
FAILURE_PHASES: tuple[str, ...] = ("create", "update")


@dataclass(frozen=True)
class InvocationResponse:
    """A canned InvokeEndpoint answer.

    ``status == 200`` answers with ``body`` and ``content_type`` (``body=None`` keeps the default
    prediction, which is always JSON). Any other status answers as SageMaker's ``ModelError``
    (HTTP 424) with ``OriginalStatusCode=status`` and ``OriginalMessage=body``. ``body`` is sent as
    is when it is ``str``, else JSON-encoded.
    """

    status: int = 200
    body: object = None
    content_type: str = "application/json"


class Behaviour:
    """Thread-safe registry of configured failures and invocation responses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, dict[str, str]] = {}
        self._invocations: dict[str, InvocationResponse] = {}

    def set_failure(self, name: str, on: str, reason: str) -> None:
        """Make the next (and every later) ``on`` transition of endpoint ``name`` fail with ``reason``."""
        if on not in FAILURE_PHASES:
            raise ValueError(f"'on' must be one of {list(FAILURE_PHASES)}, got {on!r}")
        with self._lock:
            self._failures.setdefault(name, {})[on] = reason

    def clear_failure(self, name: str) -> None:
        """Forget every failure configured for endpoint ``name`` (no error if none)."""
        with self._lock:
            self._failures.pop(name, None)

    def failure_for(self, name: str, on: str) -> str | None:
        """The configured failure reason for ``name`` and phase ``on``, or None."""
        with self._lock:
            return self._failures.get(name, {}).get(on)

    def set_invocation(self, name: str, response: InvocationResponse) -> None:
        """Answer InvokeEndpoint of ``name`` with ``response`` until cleared."""
        with self._lock:
            self._invocations[name] = response

    def clear_invocation(self, name: str) -> None:
        """Restore the default InvokeEndpoint answer for ``name``."""
        with self._lock:
            self._invocations.pop(name, None)

    def invocation_for(self, name: str) -> InvocationResponse | None:
        """The canned response for ``name``, or None for the default prediction."""
        with self._lock:
            return self._invocations.get(name)

    def reset(self) -> None:
        """Forget all failures and invocation responses."""
        with self._lock:
            self._failures.clear()
            self._invocations.clear()


BEHAVIOUR = Behaviour()
"""The process-wide registry used by the emulator's moto extension."""
