"""Fault injection: answer matching requests with an AWS error, after a delay, or drop them.

The fault vocabulary is the one every emulator shares (:class:`~emulators.common.faults.RequestFault`,
validated by :func:`~emulators.common.faults.parse_fault`); SageMaker adds ``service``, the AWS API
a fault matches:

- ``"sagemaker"`` (default; ``X-Amz-Target: SageMaker.<Op>``), ``"application-autoscaling"``
  (``X-Amz-Target: AnyScaleFrontendService.<Op>``), ``"secretsmanager"`` (``X-Amz-Target:
  secretsmanager.<Op>``, e.g. ``GetSecretValue``), ``"sagemaker-runtime"`` (``POST
  /endpoints/<name>/invocations`` is ``InvokeEndpoint``; also ``InvokeEndpointAsync``,
  ``InvokeEndpointWithResponseStream``), or ``"*"`` for any of them;
- ``operation`` is then an operation name of that API (``"DescribeEndpoint"``;
  ``"SageMaker.DescribeEndpoint"`` is accepted too), ``method`` / ``path_contains`` the HTTP request's
  (every awsJson request is ``POST /``).

When it fires (:class:`~emulators.common.faults.Trigger`, shared by every emulator): ``count``
times (default 1; ``null``: until cleared), each matching request with ``probability`` (default 1),
drawn from a generator seeded by ``seed``. The first matching fault that fires wins, in the order
they were added. A fired fault sleeps ``delay`` seconds, then:

- ``drop``: the connection is closed without answer;
- ``status`` 0: the request goes on to moto (pure latency);
- any other status (default 400): an AWS JSON error with that HTTP status, body ``{"__type": code,
  "message": ...}`` and header ``x-amzn-ErrorType: code``; ``code`` defaults to
  ``ThrottlingException`` (``InternalFailure`` for 500, ``ServiceUnavailable`` for 503)
  (awsJson1.1 for sagemaker, application-autoscaling and secretsmanager, rest-json for the
  runtime; botocore parses both). ``retry_after`` (seconds) adds AWS's ``x-amz-retry-after`` header
  (milliseconds; botocore >= 1.44 waits at least that long, at most 5 s more than its own backoff,
  before its next attempt) and ``Retry-After`` (whole seconds, rounded up).

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

from ..common.faults import FAULT_FIELDS, RequestFault, check_fault_spec
from ..common.faults import FaultInjector as _FaultInjector
from ..common.faults import parse_fault as common_parse_fault

__all__ = [
    "DEFAULT_STATUS",
    "FIELDS",
    "SERVICES",
    "Fault",
    "FaultInjector",
    "error_response",
    "identify",
    "parse_fault",
]

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


FIELDS: frozenset[str] = FAULT_FIELDS | {"service"}
"""The fields of a fault spec: the shared ones and ``service``."""
DEFAULT_STATUS = 400
"""The HTTP status of a fault that names none: AWS's throttling (``ThrottlingException``)."""
_DEFAULT_CODES = {500: "InternalFailure", 503: "ServiceUnavailable"}


@dataclass
class Fault(RequestFault):
    """One injected fault: the shared fields (:class:`~emulators.common.faults.RequestFault`) and
    ``service``, the AWS API it matches."""

    service: str = "sagemaker"

    def matches(self, method: str, path: str, operation: str | None = None, service: str = "") -> bool:
        """True if this fault applies to ``operation`` of ``service``, sent as ``method`` ``path``."""
        if self.service not in ("*", service):
            return False
        return super().matches(method, path, operation)

    @property
    def error_code(self) -> str:
        """The AWS error code it answers: ``code``, else the one for its status."""
        return self.code or _DEFAULT_CODES.get(self.status, "ThrottlingException")


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the control API's JSON body); raise ``ValueError`` with a clear message."""
    check_fault_spec(spec, FIELDS)
    service = spec.get("service", "sagemaker")
    if service not in SERVICES:
        raise ValueError(f"'service' must be one of {list(SERVICES)}, got {service!r}")
    return common_parse_fault(spec, Fault, fields=FIELDS, default_status=DEFAULT_STATUS, service=service)


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
    code = fault.error_code
    body = json.dumps({"__type": code, "message": _MESSAGES.get(code, f"Injected fault: {code}")}).encode("utf-8")
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", code),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    if fault.retry_after is not None:
        headers.append(("x-amz-retry-after", str(round(fault.retry_after * 1000))))
        headers.append(("Retry-After", str(math.ceil(fault.retry_after))))
    return fault.status, headers, body


class FaultInjector(_FaultInjector[Fault]):
    """Thread-safe list of active faults (taken by ``(method, path, operation, service)``)."""
