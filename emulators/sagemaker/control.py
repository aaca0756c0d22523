"""Client of the SageMaker emulator's control API (stdlib only).

HTTP routes, all under the emulator's URL; bodies and answers are JSON. Invalid input is answered
HTTP 400 ``{"error": "<message>"}``, an unknown route 404, a wrong method 405.

``GET  /_emulator/health``
    ``{"status": "ok"}`` once the server is up.
``POST /_emulator/reset``
    Clear all SageMaker, sagemaker-runtime, Application Auto Scaling and Secrets Manager state
    (every account and region), configured failures and invocation responses, and this emulator's
    faults. The progression setting is kept.
``GET  /_emulator/sagemaker/progression``
    The current endpoint progression, ``{"progression": {...}}``.
``POST /_emulator/sagemaker/progression``
    Body ``{"progression": "immediate"}``, ``{"progression": "manual", "times": n}`` (n >= 1: a
    lifecycle phase ends after n DescribeEndpoint/ListEndpoints reads) or
    ``{"progression": "time", "seconds": s}`` (s >= 0). Same as moto's
    ``/moto-api/state-manager/set-transition`` for model ``sagemaker::endpoint``.
``PUT  /_emulator/sagemaker/endpoints/{name}/failure``
    Body ``{"on": "create" | "update", "reason": "..."}``: creates of ``name`` end ``Failed`` with
    that ``FailureReason``; updates roll back (``InService`` on the old config + ``FailureReason``).
    Persistent until deleted.
``DELETE /_emulator/sagemaker/endpoints/{name}/failure``
    Forget the failures configured for ``name``.
``PUT  /_emulator/sagemaker/endpoints/{name}/invocation``
    Body ``{"status": 200, "body": <any JSON>, "content_type": "application/json"}``: InvokeEndpoint of
    ``name`` answers ``body`` (a JSON string is sent as is, anything else JSON-encoded; ``null``
    keeps the default prediction) or, with a status other than 200, ``ModelError`` (HTTP 424,
    ``OriginalStatusCode`` = status, ``OriginalMessage`` = body).
``DELETE /_emulator/sagemaker/endpoints/{name}/invocation``
    Back to the default prediction.
``POST /_emulator/sagemaker/faults``
    Body ``{"operation": "*", "code": "ThrottlingException", "status": 400, "count": 1,
    "probability": 1.0, "seed": null, "latency_ms": 0, "service": "sagemaker", "retry_after": null,
    "after": false}`` (all optional): see :mod:`emulators.sagemaker.faults` and "Faults" below.
``GET  /_emulator/sagemaker/faults`` / ``DELETE /_emulator/sagemaker/faults``
    ``{"faults": [...], "injected": [...]}``: the active faults (with ``id``, ``remaining``,
    ``matched``, ``injected``) and the last 1000 firings (``{"at", "fault", "request"}``) / clear
    both.
``GET  /_emulator/sagemaker/calls`` / ``DELETE /_emulator/sagemaker/calls``
    ``{"calls": {"CreateEndpoint": 1, ...}}``: requests answered per operation (SageMaker,
    sagemaker-runtime, Application Auto Scaling, Secrets Manager; not those answered by a fault) /
    forget them.
    Cleared by reset.

Faults
------
A fault matches requests by ``service`` (``sagemaker``, ``application-autoscaling``,
``sagemaker-runtime``, ``secretsmanager`` or ``*``) and ``operation`` (``*`` or a name such as ``CreateEndpoint``).

- **When** (the same in every emulator, :class:`emulators.common.faults.Trigger`): ``count`` is how
  many times it fires (default 1; ``null``: until cleared or reset); ``probability`` (default 1.0)
  is the chance that a matching request fires it (a request that does not goes on to the next
  matching fault, then to moto); ``seed`` makes those draws repeatable. E.g. ``{"service": "*",
  "probability": 0.3, "count": null, "seed": 7}``: 30 % of every request throttled, until cleared.
- **What**: ``code`` ``ThrottlingException`` (HTTP 400, AWS's throttling; default),
  ``InternalFailure``/``ServiceUnavailable`` with ``status`` 500/503 (5xx), ``""`` with
  ``latency_ms`` (latency only), ``DroppedConnection`` (the connection is closed without an
  answer). ``latency_ms`` delays any of them. ``retry_after`` (seconds) adds
  ``x-amz-retry-after`` (ms, which botocore honours) and ``Retry-After``. ``after: true`` lets moto
  process the request before the error or the drop replaces its answer (the change is made, the
  client does not know it: what turns a careless retry into a duplicate).
- **Seen**: :meth:`SageMakerControl.faults` (``matched`` requests, ``injected`` firings) and
  :meth:`~emulators.common.control.ControlClient.injections` (when each firing happened, spent
  faults' too: e.g. to check that a client waited for ``Retry-After``).
"""

from __future__ import annotations

from urllib.parse import quote

from ..common.control import ControlAPIError, ControlClient

__all__ = ["ControlAPIError", "SageMakerControl"]


class SageMakerControl(ControlClient):
    """HTTP client of the control API of the emulator at ``url`` (e.g. ``http://127.0.0.1:54321``).

    :meth:`set_progression` is process-wide (shared by emulators in one process): lifecycle phases
    end after ``times`` DescribeEndpoint/ListEndpoints reads (``"manual"``). :meth:`reset` clears
    all SageMaker/autoscaling/Secrets Manager state, failures, invocation responses and faults; it keeps the
    progression.
    """

    prefix = "/_emulator/sagemaker"

    def __init__(self, url: str) -> None:
        super().__init__(url)

    @staticmethod
    def _endpoint(name: str, what: str) -> str:
        return f"/_emulator/sagemaker/endpoints/{quote(name, safe='')}/{what}"

    def fail_endpoint(self, name: str, *, on: str, reason: str) -> None:
        """Make creates (``on="create"``) or updates (``on="update"``) of endpoint ``name`` fail with ``reason``."""
        self._call("PUT", self._endpoint(name, "failure"), {"on": on, "reason": reason})

    def clear_failure(self, name: str) -> None:
        """Forget the failures configured for endpoint ``name``."""
        self._call("DELETE", self._endpoint(name, "failure"))

    def set_invocation_response(
        self, name: str, *, status: int = 200, body: object = None, content_type: str = "application/json"
    ) -> None:
        """Answer InvokeEndpoint of ``name`` with ``body`` (status 200) or a ``ModelError`` (other status).

        ``body`` must be JSON-serialisable; a ``str`` is sent as is.
        """
        self._call(
            "PUT", self._endpoint(name, "invocation"), {"status": status, "body": body, "content_type": content_type}
        )

    def clear_invocation_response(self, name: str) -> None:
        """Back to the default prediction for endpoint ``name``."""
        self._call("DELETE", self._endpoint(name, "invocation"))
