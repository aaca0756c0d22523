"""Server side of the emulator's control API (served under ``/_emulator/`` by :mod:`emulators.sagemaker.routes`).

Routes (JSON bodies and answers; a bad body is HTTP 400 ``{"error": "<message>"}``, an unknown route
404, a wrong method 405). The client and the full route list are in
:mod:`emulators.sagemaker.control`.
"""

from __future__ import annotations

import re
from typing import Any

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.sagemaker.models import sagemaker_backends
from moto.sagemakerruntime.models import sagemakerruntime_backends
from moto.secretsmanager.models import secretsmanager_backends
from werkzeug.wrappers import Request, Response

from ..common.calls import CallCounter
from ..common.control_api import (
    CONTROL_PREFIX, BadRequest, ControlAPIBase, Handlers, content_type_field, http_status_field, json_body, json_response
)
from .behaviour import BEHAVIOUR, FAILURE_PHASES, InvocationResponse
from .faults import FaultInjector, parse_fault
from .lifecycle import LOCK, current_progression, set_progression

__all__ = ["CONTROL_PREFIX", "ControlAPI", "reset_emulated_state"]

_ENDPOINT_ROUTE = re.compile(r"^/_emulator/sagemaker/endpoints/(?P<name>[^/]+)/(?P<what>failure|invocation)$")


def reset_emulated_state(faults: FaultInjector) -> None:
    """Clear SageMaker, sagemaker-runtime, Application Auto Scaling and Secrets Manager state (all
    accounts and regions), configured failures and invocation responses, and ``faults``. The
    progression stays."""
    with LOCK:
        for backend_dict in (sagemaker_backends, sagemakerruntime_backends, applicationautoscaling_backends,
                             secretsmanager_backends):
            for account_backends in list(backend_dict.values()):
                account_backends.reset()
        BEHAVIOUR.reset()
        faults.clear()


class ControlAPI(ControlAPIBase):
    """WSGI app answering ``/_emulator/...`` for one emulator (its faults; global lifecycle state)."""

    prefix = "/_emulator/sagemaker"

    def __init__(self, faults: FaultInjector, calls: CallCounter | None = None) -> None:
        super().__init__(faults, parse_fault, calls)
        self._faults: FaultInjector = faults

    def _reset_state(self) -> None:
        reset_emulated_state(self._faults)

    def _current_progression(self) -> dict[str, Any]:
        return current_progression()

    def _apply_progression(self, body: dict[str, Any]) -> dict[str, Any]:
        return set_progression(body)

    def _provider_handlers(self, path: str) -> Handlers | None:
        match = _ENDPOINT_ROUTE.match(path)
        if not match:
            return None
        name, what = match.group("name"), match.group("what")
        if what == "failure":
            return {"PUT": lambda r: self._set_failure(name, r), "DELETE": lambda _r: self._clear_failure(name)}
        return {"PUT": lambda r: self._set_invocation(name, r), "DELETE": lambda _r: self._clear_invocation(name)}

    def _set_failure(self, name: str, request: Request) -> Response:
        body = json_body(request)
        on, reason = body.get("on"), body.get("reason")
        if on not in FAILURE_PHASES:
            raise BadRequest(f"'on' must be one of {list(FAILURE_PHASES)}, got {on!r}")
        if not isinstance(reason, str) or not reason:
            raise BadRequest(f"'reason' must be a non-empty string, got {reason!r}")
        BEHAVIOUR.set_failure(name, on, reason)
        return json_response(200, {"endpoint": name, "on": on, "reason": reason})

    def _clear_failure(self, name: str) -> Response:
        BEHAVIOUR.clear_failure(name)
        return json_response(200, {"endpoint": name, "failure": None})

    def _set_invocation(self, name: str, request: Request) -> Response:
        body = json_body(request)
        unknown = set(body) - {"status", "body", "content_type"}
        if unknown:
            raise BadRequest(f"unknown invocation field(s): {sorted(unknown)}")
        status, content_type = http_status_field(body), content_type_field(body)
        BEHAVIOUR.set_invocation(
            name, InvocationResponse(status=status, body=body.get("body"), content_type=content_type)
        )
        return json_response(200, {"endpoint": name, "status": status})

    def _clear_invocation(self, name: str) -> Response:
        BEHAVIOUR.clear_invocation(name)
        return json_response(200, {"endpoint": name, "invocation": None})
