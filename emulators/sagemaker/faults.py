"""Fault injection: answer matching requests with an AWS error, after a delay, or drop them.

A :class:`Fault` matches a request by ``service`` and ``operation``:

- service ``"sagemaker"`` (``X-Amz-Target: SageMaker.<Op>``), ``"application-autoscaling"``
  (``X-Amz-Target: AnyScaleFrontendService.<Op>``), ``"sagemaker-runtime"`` (``POST
  /endpoints/<name>/invocations`` is ``InvokeEndpoint``; also ``InvokeEndpointAsync``,
  ``InvokeEndpointWithResponseStream``), or ``"*"`` for any of them;
- operation ``"*"`` or an operation name (``"DescribeEndpoint"``; ``"SageMaker.DescribeEndpoint"`` is
  accepted too).

A matching fault is consumed (``count`` requests, then it is gone; the first matching fault in the
order they were added wins). It sleeps ``latency_ms``, then:

- ``code == ""`` (:data:`PASS_THROUGH`): the request goes on to moto (pure latency);
- ``code == "DroppedConnection"`` (:data:`DROP_CONNECTION`): the connection is closed without answer;
- any other code: an AWS JSON error with HTTP ``status``, body ``{"__type": code, "message": ...}``
  and header ``x-amzn-ErrorType: code`` (awsJson1.1 for sagemaker and application-autoscaling,
  rest-json for the runtime; botocore parses both).

Requests that are not one of those services' operations (moto-api, control API) are never faulted.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..common.faults import FaultInjector as _FaultInjector
from ..common.faults import check_fault_spec, int_field

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
SERVICES: tuple[str, ...] = ("sagemaker", "sagemaker-runtime", "application-autoscaling", "*")

_TARGET_PREFIXES = {"SageMaker": "sagemaker", "AnyScaleFrontendService": "application-autoscaling"}
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
}


@dataclass
class Fault:
    """One injected fault; ``remaining`` counts down from ``count``."""

    operation: str = "*"
    code: str = "ThrottlingException"
    status: int = 400
    count: int = 1
    latency_ms: int = 0
    service: str = "sagemaker"
    remaining: int = 0

    def matches(self, service: str, operation: str) -> bool:
        """True if this fault applies to ``operation`` of ``service``."""
        if self.service not in ("*", service):
            return False
        return self.operation == "*" or self.operation.split(".")[-1] == operation


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the control API's JSON body); raise ``ValueError`` with a clear message."""
    check_fault_spec(spec, ("operation", "code", "status", "count", "latency_ms", "service"))
    operation = spec.get("operation", "*")
    if not isinstance(operation, str) or not operation:
        raise ValueError(f"'operation' must be a non-empty string, got {operation!r}")
    code = spec.get("code", "ThrottlingException")
    if not isinstance(code, str):
        raise ValueError(f"'code' must be a string, got {code!r}")
    service = spec.get("service", "sagemaker")
    if service not in SERVICES:
        raise ValueError(f"'service' must be one of {list(SERVICES)}, got {service!r}")
    count = int_field(spec, "count", 1, 1, 1_000_000)
    return Fault(
        operation=operation,
        code=code,
        status=int_field(spec, "status", 400, 400, 599),
        count=count,
        latency_ms=int_field(spec, "latency_ms", 0, 0, 600_000),
        service=service,
        remaining=count,
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
    return fault.status, headers, body


class FaultInjector(_FaultInjector[Fault]):
    """Thread-safe list of active faults (taken by ``(service, operation)``)."""
