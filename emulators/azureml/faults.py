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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..common.faults import FaultInjector as _FaultInjector
from ..common.faults import RequestFault, check_fault_spec, error_status, int_field, optional_int_field
from .errors import ArmError

__all__ = ["Fault", "FaultInjector", "parse_fault"]

_FIELDS = {"method", "path_contains", "status", "count", "retry_after", "delay"}

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
class Fault(RequestFault):
    """One injected fault (``method``, ``path_contains``, ``status``, ``count`` as in
    :class:`~emulators.common.faults.RequestFault`); ``remaining`` counts down from ``count``."""

    retry_after: int | None = 1
    delay: float = 0.0
    remaining: int = 0

    def error(self) -> ArmError:
        """The ARM error this fault answers with (``status`` != 0)."""
        code, message = _CODES.get(self.status, (f"Error{self.status}", f"Injected fault (HTTP {self.status})."))
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        return ArmError(self.status, code, message, headers=headers)


class FaultInjector(_FaultInjector[Fault]):
    """Thread-safe list of active faults (taken by ``(method, path)``)."""


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the control API's JSON body); ``ValueError`` with a clear message."""
    check_fault_spec(spec, _FIELDS)
    method, path = spec.get("method"), spec.get("path_contains")
    for key, value in (("method", method), ("path_contains", path)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"'{key}' must be a non-empty string or null, got {value!r}")
    status = error_status(spec, 429)
    count = int_field(spec, "count", 1, 1)
    retry_after = optional_int_field(spec, "retry_after", 1, 0)
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
