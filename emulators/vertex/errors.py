"""Google API errors as the Vertex AI REST API answers them.

Every refusal of the emulator is an :class:`ApiError` carrying a ``google.rpc.Code`` name; the HTTP
layer turns it into Google's JSON error shape::

    {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT", "details": []}}

with the HTTP status of that code (the mapping of ``google.rpc.code.proto`` / AIP-193). The GAPIC
REST clients map the HTTP status to ``google.api_core.exceptions`` (400 ``BadRequest`` /
``InvalidArgument`` / ``FailedPrecondition``, 404 ``NotFound``, 409 ``Conflict``, 429
``TooManyRequests``, 500 ``InternalServerError``, 501 ``MethodNotImplemented``, 503
``ServiceUnavailable``).

A failed long-running operation carries the same code as an integer: ``{"code": 9, "message": ...}``.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "CODES",
    "FAILURE_CODES",
    "ApiError",
    "already_exists",
    "error_body",
    "failed_precondition",
    "invalid_argument",
    "not_found",
    "status_for_http",
    "unimplemented",
]

# google.rpc.Code name -> (numeric code, HTTP status)
CODES: dict[str, tuple[int, int]] = {
    "OK": (0, 200),
    "CANCELLED": (1, 499),
    "UNKNOWN": (2, 500),
    "INVALID_ARGUMENT": (3, 400),
    "DEADLINE_EXCEEDED": (4, 504),
    "NOT_FOUND": (5, 404),
    "ALREADY_EXISTS": (6, 409),
    "PERMISSION_DENIED": (7, 403),
    "RESOURCE_EXHAUSTED": (8, 429),
    "FAILED_PRECONDITION": (9, 400),
    "ABORTED": (10, 409),
    "OUT_OF_RANGE": (11, 400),
    "UNIMPLEMENTED": (12, 501),
    "INTERNAL": (13, 500),
    "UNAVAILABLE": (14, 503),
    "DATA_LOSS": (15, 500),
    "UNAUTHENTICATED": (16, 401),
}

FAILURE_CODES: dict[int, str] = {
    3: "INVALID_ARGUMENT",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    13: "INTERNAL",
    14: "UNAVAILABLE",
}
"""The ``google.rpc.Code`` numbers a configured operation failure (``fail_endpoint``) may end with."""

_BY_HTTP: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def status_for_http(http_status: int) -> str:
    """The ``google.rpc.Code`` name Google uses for an HTTP error status (``UNKNOWN`` if none)."""
    if http_status in _BY_HTTP:
        return _BY_HTTP[http_status]
    if 400 <= http_status < 500:
        return "FAILED_PRECONDITION"
    return "UNKNOWN"


class ApiError(Exception):
    """A refusal with a ``google.rpc.Code`` name (``status``) and a human message.

    ``http_status`` defaults to the code's HTTP mapping; pass it to answer with another status
    (e.g. a prediction container's own status).
    """

    def __init__(self, status: str, message: str, *, http_status: int | None = None) -> None:
        if status not in CODES:
            raise ValueError(f"unknown google.rpc.Code name {status!r}")
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = CODES[status][0]
        self.http_status = http_status if http_status is not None else CODES[status][1]

    def body(self) -> bytes:
        """Google's JSON error body for this error."""
        return error_body(self.http_status, self.status, self.message)


def error_body(http_status: int, status: str, message: str, details: list[Any] | None = None) -> bytes:
    """``{"error": {"code", "message", "status", "details"}}`` as UTF-8 JSON."""
    payload = {"error": {"code": http_status, "message": message, "status": status, "details": details or []}}
    return json.dumps(payload).encode("utf-8")


def invalid_argument(message: str) -> ApiError:
    """HTTP 400 ``INVALID_ARGUMENT``."""
    return ApiError("INVALID_ARGUMENT", message)


def failed_precondition(message: str) -> ApiError:
    """HTTP 400 ``FAILED_PRECONDITION``."""
    return ApiError("FAILED_PRECONDITION", message)


def not_found(message: str) -> ApiError:
    """HTTP 404 ``NOT_FOUND``."""
    return ApiError("NOT_FOUND", message)


def already_exists(message: str) -> ApiError:
    """HTTP 409 ``ALREADY_EXISTS`` (GAPIC REST raises ``google.api_core.exceptions.Conflict``)."""
    return ApiError("ALREADY_EXISTS", message)


def unimplemented(message: str) -> ApiError:
    """HTTP 501 ``UNIMPLEMENTED``: valid on real Vertex AI, not emulated."""
    return ApiError("UNIMPLEMENTED", message)
