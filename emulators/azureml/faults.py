"""Fault injection: answer matching requests with an ARM error (429/5xx...), after a delay, or drop them.

The fault vocabulary is the one every emulator shares (:class:`~emulators.common.faults.RequestFault`,
validated by :func:`~emulators.common.faults.parse_fault`): a fault matches by ``operation`` (the
API method as ``calls()`` counts it: ``PutEndpoint``, ``GetDeployment``, ``Score``...), HTTP
``method`` and ``path_contains`` (a substring of the path); None = any. Control API requests are
never faulted. When it fires (:class:`~emulators.common.faults.Trigger`, shared by every emulator):
``count`` times (default 1; ``null``: until cleared), each matching request with ``probability``
(default 1), drawn from a generator seeded by ``seed``; the first matching fault that fires wins,
in the order they were added. A fired fault sleeps ``delay`` seconds, then:

- ``drop``: closes the connection without an answer (azure-core: ``ServiceResponseError``);
- ``status == 0``: the request goes on normally (pure latency);
- otherwise (default 429): HTTP ``status`` with an ARM error body ``{"error": {"code", "message"}}``
  (``code``, default ``TooManyRequests`` for 429, ``InternalServerError`` for 500,
  ``ServiceUnavailable`` for 503...) and, if ``retry_after`` is set, a ``Retry-After`` header
  (whole seconds, rounded up); Azure ML adds ``retry_after_ms``: also ``retry-after-ms``
  (azure-core honours it when there is no ``Retry-After``, for fast tests).

With ``after: true`` the request is processed first and its answer replaced by the error or the
dropped connection (the change is made, the client does not know it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..common.faults import FAULT_FIELDS, RequestFault, check_fault_spec, optional_int_field
from ..common.faults import FaultInjector as _FaultInjector
from ..common.faults import parse_fault as common_parse_fault
from .errors import ArmError

__all__ = ["FIELDS", "Fault", "FaultInjector", "parse_fault"]

FIELDS: frozenset[str] = FAULT_FIELDS | {"retry_after_ms"}
"""The fields of a fault spec: the shared ones and ``retry_after_ms``."""

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
    """One injected fault: the shared fields (:class:`~emulators.common.faults.RequestFault`) and
    ``retry_after_ms``, sent as ``retry-after-ms`` with its error."""

    retry_after_ms: int | None = None

    def error(self) -> ArmError:
        """The ARM error this fault answers with (``status`` != 0)."""
        code, message = _CODES.get(self.status, (f"Error{self.status}", f"Injected fault (HTTP {self.status})."))
        headers = {"Retry-After": str(math.ceil(self.retry_after))} if self.retry_after is not None else {}
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.retry_after_ms)
        return ArmError(self.status, self.code or code, message, headers=headers)


class FaultInjector(_FaultInjector[Fault]):
    """Thread-safe list of active faults (taken by ``(method, path, operation)``)."""


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the control API's JSON body); ``ValueError`` with a clear message."""
    check_fault_spec(spec, FIELDS)
    retry_after_ms = optional_int_field(spec, "retry_after_ms", None, 0, 3_600_000)
    return common_parse_fault(spec, Fault, fields=FIELDS, default_status=429, retry_after_ms=retry_after_ms)
