"""Fault injection: answer matching Vertex AI requests with Google errors, latency, or nothing.

A :class:`Fault` matches a request by HTTP ``method`` (None = any) and ``path_contains`` (a substring
of the URL path, e.g. ``":deployModel"``, ``"/operations/"``, ``"/endpoints/ep1"``; None = any).
Control API requests (``/_emulator/...``) are never faulted. When it fires
(:class:`~emulators.common.faults.Trigger`, shared by every emulator): ``count`` times (default 1;
``null``: until cleared), each matching request with ``probability`` (default 1), drawn from a
generator seeded by ``seed``; the first matching fault that fires wins, in the order they were
added. A fired fault sleeps ``delay`` seconds, then:

- ``drop``: closes the connection without an answer;
- ``status`` 0: lets the request through (pure latency);
- any other status (400-599): Google's JSON error with that HTTP status and its code
  (429 ``RESOURCE_EXHAUSTED``, 500 ``INTERNAL``, 503 ``UNAVAILABLE``, ...), plus ``Retry-After``
  when ``retry_after`` is set.

With ``after: true`` the request is processed first and its answer replaced by the error or the
dropped connection (the change is made, the client does not know it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..common.faults import TRIGGER_FIELDS, RequestFault, bool_field, check_effect, check_fault_spec, error_status
from ..common.faults import FaultInjector as _FaultInjector
from ..common.faults import number_field, trigger_fields
from .errors import error_body, status_for_http

__all__ = ["Fault", "FaultInjector", "fault_response", "parse_fault"]

_MESSAGES = {
    429: "Quota exceeded for quota metric 'Resource management (CRUD) requests' and limit 'Resource "
    "management (CRUD) requests per minute per region' of service 'aiplatform.googleapis.com'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}
_FIELDS = TRIGGER_FIELDS | {"method", "path_contains", "status", "retry_after", "delay", "drop", "after"}


@dataclass
class Fault(RequestFault):
    """One injected fault (``count``, ``probability``, ``seed``, ``method``, ``path_contains``,
    ``status`` as in :class:`~emulators.common.faults.RequestFault`) and its effect: ``delay``
    seconds first, then ``drop`` or the error with ``Retry-After: retry_after``, ``after`` the
    request was processed if ``after``."""

    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    after: bool = False


class FaultInjector(_FaultInjector[Fault]):
    """Thread-safe list of active faults of one emulator (taken by ``(method, path)``)."""


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the control API's JSON body); ``ValueError`` with a clear message."""
    check_fault_spec(spec, _FIELDS)
    method, path = spec.get("method"), spec.get("path_contains")
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        raise ValueError(f"'method' must be an HTTP method name or null, got {method!r}")
    if path is not None and (not isinstance(path, str) or not path):
        raise ValueError(f"'path_contains' must be a non-empty string or null, got {path!r}")
    status = error_status(spec, 429)
    drop, after = bool_field(spec, "drop"), bool_field(spec, "after")
    check_effect(drop=drop, after=after, error=status != 0)
    return Fault(
        **trigger_fields(spec),
        method=method.upper() if method else None,
        path_contains=path,
        status=status,
        retry_after=number_field(spec, "retry_after", None, 0, 3600),
        delay=float(number_field(spec, "delay", 0.0, 0, 600) or 0.0),
        drop=drop,
        after=after,
    )


def fault_response(fault: Fault) -> tuple[int, list[tuple[str, str]], bytes]:
    """``(status, headers, body)`` of an error fault."""
    status_name = status_for_http(fault.status)
    body = error_body(fault.status, status_name, _MESSAGES.get(fault.status, f"Injected fault: HTTP {fault.status}."))
    headers = [("Content-Type", "application/json; charset=UTF-8"), ("Content-Length", str(len(body)))]
    if fault.retry_after is not None:
        headers.append(("Retry-After", f"{fault.retry_after:g}"))
    return fault.status, headers, body
