"""Fault injection: answer matching requests with an ARM error (429/5xx...), after a delay, or drop them.

A :class:`Fault` matches a request by HTTP ``method`` (None: any) and ``path_contains`` (a
substring of the path, None: any); control API requests are never faulted. When it fires
(:class:`~emulators.common.faults.Trigger`, shared by every emulator): ``count`` times (default 1;
``null``: until cleared), each matching request with ``probability`` (default 1), drawn from a
generator seeded by ``seed``; the first matching fault that fires wins, in the order they were
added. A fired fault sleeps ``delay`` seconds, then:

- ``drop``: closes the connection without an answer (azure-core: ``ServiceResponseError``);
- ``status == 0``: the request goes on normally (pure latency);
- otherwise: HTTP ``status`` with an ARM error body ``{"error": {"code", "message"}}`` (code
  ``TooManyRequests`` for 429, ``InternalServerError`` for 500, ``ServiceUnavailable`` for 503...)
  and, if ``retry_after`` is not None, a ``Retry-After`` header (integer seconds); with
  ``retry_after_ms``, also ``retry-after-ms`` (azure-core honours it when there is no
  ``Retry-After``: ``retry_after=None`` for fast tests).

With ``after: true`` the request is processed first and its answer replaced by the error or the
dropped connection (the change is made, the client does not know it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..common.faults import TRIGGER_FIELDS, RequestFault, bool_field, check_effect, check_fault_spec, error_status
from ..common.faults import FaultInjector as _FaultInjector
from ..common.faults import optional_int_field, trigger_fields
from .errors import ArmError

__all__ = ["FIELDS", "Fault", "FaultInjector", "parse_fault"]

FIELDS: frozenset[str] = TRIGGER_FIELDS | {
    "method", "path_contains", "status", "retry_after", "retry_after_ms", "delay", "drop", "after"}
"""The fields of a fault spec."""

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
    """One injected fault (``count``, ``probability``, ``seed``, ``method``, ``path_contains``,
    ``status`` as in :class:`~emulators.common.faults.RequestFault`) and its effect: ``delay``
    seconds first, then ``drop`` or the ARM error with ``Retry-After: retry_after`` (and
    ``retry-after-ms: retry_after_ms``), ``after`` the request was processed if ``after``."""

    retry_after: int | None = 1
    retry_after_ms: int | None = None
    delay: float = 0.0
    drop: bool = False
    after: bool = False

    def error(self) -> ArmError:
        """The ARM error this fault answers with (``status`` != 0)."""
        code, message = _CODES.get(self.status, (f"Error{self.status}", f"Injected fault (HTTP {self.status})."))
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.retry_after_ms)
        return ArmError(self.status, code, message, headers=headers)


class FaultInjector(_FaultInjector[Fault]):
    """Thread-safe list of active faults (taken by ``(method, path)``)."""


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the control API's JSON body); ``ValueError`` with a clear message."""
    check_fault_spec(spec, FIELDS)
    method, path = spec.get("method"), spec.get("path_contains")
    for key, value in (("method", method), ("path_contains", path)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"'{key}' must be a non-empty string or null, got {value!r}")
    status = error_status(spec, 429)
    retry_after = optional_int_field(spec, "retry_after", 1, 0)
    delay = spec.get("delay", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 600:
        raise ValueError(f"'delay' must be a number of seconds in [0, 600], got {delay!r}")
    drop, after = bool_field(spec, "drop"), bool_field(spec, "after")
    check_effect(drop=drop, after=after, error=status != 0)
    return Fault(
        **trigger_fields(spec),
        method=method.upper() if method else None,
        path_contains=path,
        status=status,
        retry_after=retry_after,
        retry_after_ms=optional_int_field(spec, "retry_after_ms", None, 0, 3_600_000),
        delay=float(delay),
        drop=drop,
        after=after,
    )
