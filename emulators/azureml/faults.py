"""Fault injection: answer matching requests with an ARM error (429/5xx...), after a delay.

A :class:`Fault` matches a request by HTTP ``method`` (None: any) and ``path_contains`` (a
substring of the path, None: any); control API requests are never faulted. A matching fault is
consumed (``count`` requests, then it is gone; the first matching fault in the order they were
added wins). It sleeps ``delay`` seconds, then:

- ``status == 0``: the request goes on normally (pure latency);
- otherwise: HTTP ``status`` with an ARM error body ``{"error": {"code", "message"}}`` (code
  ``TooManyRequests`` for 429, ``InternalServerError`` for 500, ``ServiceUnavailable`` for 503...)
  and, if ``retry_after`` is not None, a ``Retry-After`` header (integer seconds).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .errors import ArmError

__all__ = ["Fault", "FaultInjector", "parse_fault"]

_CODES = {
    400: ("BadRequest", "The request is invalid."),
    401: ("AuthenticationFailed", "Authentication failed."),
    403: ("AuthorizationFailed", "The client does not have authorization to perform this action."),
    404: ("NotFound", "The resource was not found."),
    408: ("RequestTimeout", "The request timed out."),
    409: ("Conflict", "The request conflicts with the current state of the resource."),
    429: ("TooManyRequests", "The request is being throttled; retry after the time in the Retry-After header."),
    500: ("InternalServerError", "The server encountered an internal error. Please retry the request."),
    502: ("BadGateway", "The gateway did not receive a valid response. Please retry the request."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry the request."),
    504: ("GatewayTimeout", "The gateway timed out. Please retry the request."),
}


@dataclass
class Fault:
    """One injected fault; ``remaining`` counts down from ``count``."""

    method: str | None = None
    path_contains: str | None = None
    status: int = 429
    count: int = 1
    retry_after: int | None = 1
    delay: float = 0.0
    remaining: int = 0

    def matches(self, method: str, path: str) -> bool:
        """True if this fault applies to ``method`` ``path``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_contains is None or self.path_contains in path

    def error(self) -> ArmError:
        """The ARM error this fault answers with (``status`` != 0)."""
        code, message = _CODES.get(self.status, (f"Error{self.status}", f"Injected fault (HTTP {self.status})."))
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        return ArmError(self.status, code, message, headers=headers)


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the control API's JSON body); ``ValueError`` with a clear message."""
    if not isinstance(spec, Mapping):
        raise ValueError("fault must be a JSON object")
    unknown = set(spec) - {"method", "path_contains", "status", "count", "retry_after", "delay"}
    if unknown:
        raise ValueError(f"unknown fault field(s): {sorted(unknown)}")
    method, path = spec.get("method"), spec.get("path_contains")
    for key, value in (("method", method), ("path_contains", path)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"'{key}' must be a non-empty string or null, got {value!r}")
    status = spec.get("status", 429)
    if isinstance(status, bool) or not isinstance(status, int) or not (status == 0 or 400 <= status <= 599):
        raise ValueError(f"'status' must be 0 (latency only) or an HTTP error status 400-599, got {status!r}")
    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"'count' must be an integer >= 1, got {count!r}")
    retry_after = spec.get("retry_after", 1)
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
    ):
        raise ValueError(f"'retry_after' must be an integer >= 0 or null, got {retry_after!r}")
    delay = spec.get("delay", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 600:
        raise ValueError(f"'delay' must be a number of seconds in [0, 600], got {delay!r}")
    return Fault(
        method=method.upper() if method else None,
        path_contains=path,
        status=status,
        count=count,
        retry_after=retry_after,
        delay=float(delay),
        remaining=count,
    )


class FaultInjector:
    """Thread-safe list of active faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Activate ``fault`` (after the ones already active)."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Drop every active fault."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching the request, or return None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def active(self) -> list[dict[str, Any]]:
        """The active faults as JSON-able dicts (with ``remaining``)."""
        with self._lock:
            return [asdict(f) for f in self._faults]
