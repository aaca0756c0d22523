"""Fault injection: answer matching requests with an AWS error, after a delay, or drop them.

A :class:`Fault` matches a request by ``service`` and ``operation``:

- service ``"sagemaker"`` (``X-Amz-Target: SageMaker.<Op>``), ``"application-autoscaling"``
  (``X-Amz-Target: AnyScaleFrontendService.<Op>``), ``"secretsmanager"`` (``X-Amz-Target:
  secretsmanager.<Op>``, e.g. ``GetSecretValue``), ``"sagemaker-runtime"`` (``POST
  /endpoints/<name>/invocations`` is ``InvokeEndpoint``; also ``InvokeEndpointAsync``,
  ``InvokeEndpointWithResponseStream``), or ``"*"`` for any of them;
- operation ``"*"`` or an operation name (``"DescribeEndpoint"``; ``"SageMaker.DescribeEndpoint"`` is
  accepted too).

When it fires (:class:`~emulators.common.faults.Trigger`, shared by every emulator): ``count``
times (default 1; ``null``: until cleared), each matching request with ``probability`` (default 1),
drawn from a generator seeded by ``seed``. The first matching fault that fires wins, in the order
they were added. A fired fault sleeps ``latency_ms``, then:

- ``code == ""`` (:data:`PASS_THROUGH`): the request goes on to moto (pure latency);
- ``code == "DroppedConnection"`` (:data:`DROP_CONNECTION`): the connection is closed without answer;
- any other code: an AWS JSON error with HTTP ``status``, body ``{"__type": code, "message": ...}``
  and header ``x-amzn-ErrorType: code`` (awsJson1.1 for sagemaker, application-autoscaling and
  secretsmanager, rest-json for the runtime; botocore parses both). ``retry_after`` (seconds) adds AWS's
  ``x-amz-retry-after`` header (milliseconds; botocore >= 1.44 waits at least that long, at most
  5 s more than its own backoff, before its next attempt) and ``Retry-After`` (whole seconds,
  rounded up).

With ``after: true`` the request is processed by moto first and its answer thrown away before the
error or the dropped connection (the change is made, the client does not know it).

Requests that are not one of those services' operations (moto-api, control API) are never faulted.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..common.faults import TRIGGER_FIELDS, Trigger, bool_field, check_effect, check_fault_spec, int_field, number_field
from ..common.faults import FaultInjector as _FaultInjector
from ..common.faults import trigger_fields

__all__ = [
    "DROP_CONNECTION",
    "PASS_THROUGH",
    "SERVICES",
    "Fault",
    "FaultInjector",
    "error_response",
    "identify",
    "parse_fault",
]

PASS_THROUGH = ""
DROP_CONNECTION = "DroppedConnection"
SERVICES: tuple[str, ...] = ("sagemaker", "sagemaker-runtime", "application-autoscaling", "secretsmanager", "*")

_TARGET_PREFIXES = {"SageMaker": "sagemaker", "AnyScaleFrontendService": "application-autoscaling",
                    "secretsmanager": "secretsmanager"}
_RUNTIME_PATH = re.compile(r"^/endpoints/[^/]+/(invocations|async-invocations|invocations-response-stream)$")
_RUNTIME_OPERATIONS = {
    "invocations": "InvokeEndpoint",
    "async-invocations": "InvokeEndpointAsync",
    "invocations-response-stream": "InvokeEndpointWithResponseStream",
}
_MESSAGES = {
    "ThrottlingException": "Rate exceeded",
    "ThrottledException": "Rate exceeded",
    "InternalFailure": "We encountered an internal error. Please try again.",
    "ServiceUnavailable": "Service is unavailable. Please try again.",
    "InternalServiceError": "An error occurred on the server side.",
}


_FIELDS = TRIGGER_FIELDS | {"operation", "code", "status", "latency_ms", "service", "retry_after", "after"}


@dataclass
class Fault(Trigger):
    """One injected fault: when it fires (``count``, ``probability``, ``seed``: :class:`Trigger`),
    what it matches (``service``, ``operation``) and what it does (``latency_ms``, ``code``,
    ``status``, ``retry_after``, ``after``)."""

    operation: str = "*"
    code: str = "ThrottlingException"
    status: int = 400
    latency_ms: int = 0
    service: str = "sagemaker"
    retry_after: float | None = None
    after: bool = False

    def matches(self, service: str, operation: str) -> bool:
        """True if this fault applies to ``operation`` of ``service``."""
        if self.service not in ("*", service):
            return False
        return self.operation == "*" or self.operation.split(".")[-1] == operation


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the control API's JSON body); raise ``ValueError`` with a clear message."""
    check_fault_spec(spec, _FIELDS)
    operation = spec.get("operation", "*")
    if not isinstance(operation, str) or not operation:
        raise ValueError(f"'operation' must be a non-empty string, got {operation!r}")
    code = spec.get("code", "ThrottlingException")
    if not isinstance(code, str):
        raise ValueError(f"'code' must be a string, got {code!r}")
    service = spec.get("service", "sagemaker")
    if service not in SERVICES:
        raise ValueError(f"'service' must be one of {list(SERVICES)}, got {service!r}")
    after = bool_field(spec, "after")
    check_effect(drop=code == DROP_CONNECTION, after=after, error=code not in (PASS_THROUGH, DROP_CONNECTION))
    return Fault(
        **trigger_fields(spec),
        operation=operation,
        code=code,
        status=int_field(spec, "status", 400, 400, 599),
        latency_ms=int_field(spec, "latency_ms", 0, 0, 600_000),
        service=service,
        retry_after=number_field(spec, "retry_after", None, 0, 3600),
        after=after,
    )


def identify(environ: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(service, operation)`` of an AWS request for the emulated services, else None."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if "." in target:
        prefix, operation = target.split(".", 1)
        service = _TARGET_PREFIXES.get(prefix)
        return (service, operation) if service else None
    match = _RUNTIME_PATH.match(environ.get("PATH_INFO", ""))
    if match and environ.get("REQUEST_METHOD") == "POST":
        return "sagemaker-runtime", _RUNTIME_OPERATIONS[match.group(1)]
    return None


def error_response(fault: Fault, service: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """The HTTP answer of an error fault: ``(status, headers, body)``."""
    content_type = "application/json" if service == "sagemaker-runtime" else "application/x-amz-json-1.1"
    body = json.dumps(
        {"__type": fault.code, "message": _MESSAGES.get(fault.code, f"Injected fault: {fault.code}")}
    ).encode("utf-8")
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", fault.code),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    if fault.retry_after is not None:
        headers.append(("x-amz-retry-after", str(round(fault.retry_after * 1000))))
        headers.append(("Retry-After", str(math.ceil(fault.retry_after))))
    return fault.status, headers, body


class FaultInjector(_FaultInjector[Fault]):
    """Thread-safe list of active faults (taken by ``(service, operation)``)."""
