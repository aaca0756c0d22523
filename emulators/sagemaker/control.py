"""Client of the SageMaker emulator's control API (stdlib only).

HTTP routes, all under the emulator's URL; bodies and answers are JSON. Invalid input is answered
HTTP 400 ``{"error": "<message>"}``, an unknown route 404, a wrong method 405.

``GET  /_emulator/health``
    ``{"status": "ok"}`` once the server is up.
``POST /_emulator/reset``
    Clear all SageMaker, sagemaker-runtime, Application Auto Scaling and Secrets Manager state
    (every account and region), configured failures and canned predictions, and this emulator's
    faults. The progression setting is kept.
``GET  /_emulator/sagemaker/progression``
    The current endpoint progression, ``{"progression": {...}}``.
``POST /_emulator/sagemaker/progression``
    Body ``{"progression": "immediate"}``, ``{"progression": "manual", "times": n}`` (n >= 1: a
    lifecycle phase ends after n DescribeEndpoint/ListEndpoints reads) or
    ``{"progression": "time", "seconds": s}`` (s >= 0). Same as moto's
    ``/moto-api/state-manager/set-transition`` for model ``sagemaker::endpoint``.
``PUT  /_emulator/sagemaker/endpoints/{name}/failure``
    Body ``{"on": "create" | "update", "reason": "...", "once": false}``: creates of ``name`` end
    ``Failed`` with that ``FailureReason``; updates roll back (``InService`` on the old config +
    ``FailureReason``). Every one until deleted (``once``: the next one only).
``DELETE /_emulator/sagemaker/endpoints/{name}/failure``
    Forget the failures configured for ``name``.
``PUT  /_emulator/sagemaker/endpoints/{name}/prediction``
    Body ``{"status": 200, "content_type": "application/json"}`` and one of ``"json"``, ``"text"``,
    ``"base64"`` (the body): InvokeEndpoint of ``name`` answers that body or, with a status other
    than 200, ``ModelError`` (HTTP 424, ``OriginalStatusCode`` = status, ``OriginalMessage`` = body).
``DELETE /_emulator/sagemaker/endpoints/{name}/prediction``
    Back to the default prediction.
``POST /_emulator/sagemaker/faults``
    Body ``{"operation": null, "method": null, "path_contains": null, "service": "sagemaker",
    "status": 400, "code": null, "delay": 0, "drop": false, "retry_after": null, "after": false,
    "count": 1, "probability": 1.0, "seed": null}`` (all optional): see
    :mod:`emulators.sagemaker.faults` and "Faults" below.
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
``sagemaker-runtime``, ``secretsmanager`` or ``*``) and ``operation`` (None or a name such as
``CreateEndpoint``), and ``method`` / ``path_contains`` if given.

- **When** (the same in every emulator, :class:`emulators.common.faults.Trigger`): ``count`` is how
  many times it fires (default 1; ``null``: until cleared or reset); ``probability`` (default 1.0)
  is the chance that a matching request fires it (a request that does not goes on to the next
  matching fault, then to moto); ``seed`` makes those draws repeatable. E.g. ``{"service": "*",
  "probability": 0.3, "count": null, "seed": 7}``: 30 % of every request throttled, until cleared.
- **What**: ``status`` 400 with ``code`` ``ThrottlingException`` (AWS's throttling; default),
  ``status`` 500/503 (``InternalFailure``/``ServiceUnavailable`` unless ``code`` says otherwise),
  ``status`` 0 (latency only), ``drop`` (the connection is closed without an answer). ``delay``
  (seconds) delays any of them. ``retry_after`` (seconds) adds
  ``x-amz-retry-after`` (ms, which botocore honours) and ``Retry-After``. ``after: true`` lets moto
  process the request before the error or the drop replaces its answer (the change is made, the
  client does not know it: what turns a careless retry into a duplicate).
- **Seen**: :meth:`SageMakerControl.faults` (``matched`` requests, ``injected`` firings) and
  :meth:`~emulators.common.control.ControlClient.injections` (when each firing happened, spent
  faults' too: e.g. to check that a client waited for ``Retry-After``).
"""

from __future__ import annotations

from ..common.control import ControlAPIError, ControlClient

__all__ = ["ControlAPIError", "SageMakerControl"]


class SageMakerControl(ControlClient):
    """HTTP client of the control API of the emulator at ``url`` (e.g. ``http://127.0.0.1:54321``).

    The shared vocabulary (:mod:`emulators.common.control`); SageMaker has no :meth:`drift` (endpoint
    configs are immutable: change an endpoint through the API). :meth:`set_progression` is
    process-wide (shared by emulators in one process): lifecycle phases end after ``times``
    DescribeEndpoint/ListEndpoints reads (``"manual"``). :meth:`reset` clears all
    SageMaker/autoscaling/Secrets Manager state, failures, canned predictions and faults; it keeps
    the progression.
    """

    prefix = "/_emulator/sagemaker"

    def __init__(self, url: str) -> None:
        super().__init__(url)
