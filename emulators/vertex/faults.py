"""Fault injection: answer matching Vertex AI requests with Google errors, latency, or nothing.

The fault vocabulary is the one every emulator shares (:class:`~emulators.common.faults.RequestFault`,
validated by :func:`~emulators.common.faults.parse_fault`): a fault matches by ``operation`` (the
API method as ``calls()`` counts it: ``DeployModel``, ``GetOperation``, ``AccessSecretVersion``...),
HTTP ``method`` and ``path_contains`` (a substring of the URL path, e.g. ``":deployModel"``,
``"/operations/"``, ``"/endpoints/ep1"``); None = any. Control API requests (``/_emulator/...``)
are never faulted. When it fires (:class:`~emulators.common.faults.Trigger`, shared by every
emulator): ``count`` times (default 1; ``null``: until cleared), each matching request with
``probability`` (default 1), drawn from a generator seeded by ``seed``; the first matching fault
that fires wins, in the order they were added. A fired fault sleeps ``delay`` seconds, then:

- ``drop``: closes the connection without an answer;
- ``status`` 0: lets the request through (pure latency);
- any other status (400-599, default 429): Google's JSON error with that HTTP status and its code
  (429 ``RESOURCE_EXHAUSTED``, 500 ``INTERNAL``, 503 ``UNAVAILABLE``, ...; ``code`` names another),
  plus ``Retry-After`` when ``retry_after`` is set.

With ``after: true`` the request is processed first and its answer replaced by the error or the
dropped connection (the change is made, the client does not know it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..common.faults import FaultInjector as _FaultInjector
from ..common.faults import RequestFault
from ..common.faults import parse_fault as common_parse_fault
from .errors import error_body, status_for_http

__all__ = ["FaultInjector", "fault_response", "parse_fault"]

_MESSAGES = {
    429: "Quota exceeded for quota metric 'Resource management (CRUD) requests' and limit 'Resource "
    "management (CRUD) requests per minute per region' of service 'aiplatform.googleapis.com'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class FaultInjector(_FaultInjector[RequestFault]):
    """Thread-safe list of active faults of one emulator (taken by ``(method, path, operation)``)."""


def parse_fault(spec: Mapping[str, Any]) -> RequestFault:
    """Validate a fault spec (the control API's JSON body); ``ValueError`` with a clear message."""
    return common_parse_fault(spec, RequestFault, default_status=429)


def fault_response(fault: RequestFault) -> tuple[int, list[tuple[str, str]], bytes]:
    """``(status, headers, body)`` of an error fault."""
    status_name = fault.code or status_for_http(fault.status)
    body = error_body(fault.status, status_name, _MESSAGES.get(fault.status, f"Injected fault: HTTP {fault.status}."))
    headers = [("Content-Type", "application/json; charset=UTF-8"), ("Content-Length", str(len(body)))]
    if fault.retry_after is not None:
        headers.append(("Retry-After", f"{fault.retry_after:g}"))
    return fault.status, headers, body
