"""Configured behaviour of an emulator: failures to inject into changes, canned data-plane answers.

One :class:`Behaviour` registry per emulator (SageMaker: one per process, like moto's state) holds
what the control API configures; the emulator's rules look it up when a change ends or a
prediction is answered. Thread-safe.

Contracts
---------
- A failure is set for a resource ``key`` and a ``phase`` (``create``, ``update``, or an emulator's
  own such as Vertex AI's model ``upload``). It applies to every later change of that phase
  (sticky) until cleared, or, set with ``once=True``, to the next one only: :meth:`Behaviour.failure`
  takes it. When the emulator looks it up (when a change starts or ends) is the emulator's.
- :meth:`Behaviour.clear_failures` forgets the failures of ``key`` and of its children, the keys
  ``key/...`` (e.g. an Azure ML endpoint's deployments).
- A canned response is set for an endpoint and optionally one of its deployments;
  :meth:`Behaviour.response` prefers the deployment's, then the endpoint's, and keeps it until
  cleared.
- With ``casefold=True`` keys are compared case-insensitively (ARM names).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["FAILURE_PHASES", "Behaviour", "CannedResponse", "Failure"]

FAILURE_PHASES: tuple[str, ...] = ("create", "update")
"""The phases ``fail_endpoint`` accepts in every emulator."""


@dataclass(frozen=True)
class Failure:
    """A failure to inject: the provider's ``reason`` text, its error ``code`` (the emulator's
    vocabulary; None: the emulator's default) and whether it is used ``once``."""

    reason: str
    code: Any = None
    once: bool = False


@dataclass(frozen=True)
class CannedResponse:
    """A canned data-plane answer: HTTP ``status``, raw ``body`` and its ``content_type``."""

    status: int
    body: bytes
    content_type: str = "application/json"


class Behaviour:
    """Thread-safe registry of configured failures and canned responses (see the module docstring)."""

    def __init__(self, *, casefold: bool = False) -> None:
        self._casefold = casefold
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], Failure] = {}
        self._responses: dict[tuple[str, str], CannedResponse] = {}

    def _key(self, key: str) -> str:
        return key.lower() if self._casefold else key

    # ------------------------------------------------------------------------------ failures

    def set_failure(self, key: str, phase: str, failure: Failure) -> None:
        """Fail the changes of ``phase`` on ``key`` (every one, or the next one if ``failure.once``)."""
        with self._lock:
            self._failures[(self._key(key), phase)] = failure

    def failure(self, key: str, phase: str) -> Failure | None:
        """The failure for ``key`` and ``phase``, or None; a once-only failure is taken (used up)."""
        with self._lock:
            entry = (self._key(key), phase)
            found = self._failures.get(entry)
            if found is not None and found.once:
                del self._failures[entry]
            return found

    def clear_failures(self, key: str) -> None:
        """Forget every failure of ``key`` and of its children (``key/...``); no error if none."""
        key = self._key(key)
        with self._lock:
            for entry in [e for e in self._failures if e[0] == key or e[0].startswith(f"{key}/")]:
                del self._failures[entry]

    def failures(self) -> list[dict[str, Any]]:
        """The configured failures, oldest first: ``{"key", "phase", "reason", "code", "once"}``."""
        with self._lock:
            return [
                {"key": key, "phase": phase, "reason": f.reason, "code": f.code, "once": f.once}
                for (key, phase), f in self._failures.items()
            ]

    # ----------------------------------------------------------------------------- responses

    def set_response(self, endpoint: str, response: CannedResponse, deployment: str | None = None) -> None:
        """Answer predictions of ``endpoint`` (or only those ``deployment`` serves) with ``response``."""
        with self._lock:
            self._responses[(self._key(endpoint), self._key(deployment or ""))] = response

    def response(self, endpoint: str, deployment: str | None = None) -> CannedResponse | None:
        """The response configured for ``deployment`` of ``endpoint``, else for ``endpoint``, else None."""
        endpoint = self._key(endpoint)
        with self._lock:
            if deployment:
                found = self._responses.get((endpoint, self._key(deployment)))
                if found is not None:
                    return found
            return self._responses.get((endpoint, ""))

    def clear_responses(self, endpoint: str) -> None:
        """Back to the default answers for ``endpoint`` (all its deployments); no error if none."""
        endpoint = self._key(endpoint)
        with self._lock:
            for entry in [e for e in self._responses if e[0] == endpoint]:
                del self._responses[entry]

    def responses(self) -> list[str]:
        """The endpoints with a canned response, sorted."""
        with self._lock:
            return sorted({endpoint for endpoint, _ in self._responses})

    def reset(self) -> None:
        """Forget every failure and canned response."""
        with self._lock:
            self._failures.clear()
            self._responses.clear()
