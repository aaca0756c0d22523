"""Server side of the emulator's control API (served under ``/_emulator/`` by the middleware).

Routes (JSON bodies and answers; a bad body is HTTP 400 ``{"error": "<message>"}``, an unknown route
404, a wrong method 405). The client and the full route list are in
:mod:`emulators.sagemaker.control`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.sagemaker.models import sagemaker_backends
from moto.sagemakerruntime.models import sagemakerruntime_backends
from werkzeug.wrappers import Request, Response

from .behaviour import BEHAVIOUR, FAILURE_PHASES, InvocationResponse
from .faults import FaultInjector, parse_fault
from .lifecycle import LOCK, current_progression, set_progression

__all__ = ["CONTROL_PREFIX", "ControlAPI", "reset_emulated_state"]

CONTROL_PREFIX = "/_emulator/"

_ENDPOINT_ROUTE = re.compile(r"^/_emulator/sagemaker/endpoints/(?P<name>[^/]+)/(?P<what>failure|invocation)$")


class _BadRequest(Exception):
    """A request the control API refuses with HTTP 400."""


def reset_emulated_state(faults: FaultInjector) -> None:
    """Clear SageMaker, sagemaker-runtime and Application Auto Scaling state (all accounts and
    regions), configured failures and invocation responses, and ``faults``. The progression stays."""
    with LOCK:
        for backend_dict in (sagemaker_backends, sagemakerruntime_backends, applicationautoscaling_backends):
            for account_backends in list(backend_dict.values()):
                account_backends.reset()
        BEHAVIOUR.reset()
        faults.clear()


def _json_body(request: Request) -> dict[str, Any]:
    raw = request.get_data()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise _BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _BadRequest("body must be a JSON object")
    return body


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


class ControlAPI:
    """WSGI app answering ``/_emulator/...`` for one emulator (its faults; global lifecycle state)."""

    def __init__(self, faults: FaultInjector) -> None:
        self._faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._route(request)
        except _BadRequest as exc:
            response = _json(400, {"error": str(exc)})
        except ValueError as exc:
            response = _json(400, {"error": str(exc)})
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        handlers: dict[str, Callable[[Request], Response]] | None = None
        if path == "/_emulator/health":
            handlers = {"GET": lambda _r: _json(200, {"status": "ok"})}
        elif path == "/_emulator/reset":
            handlers = {"POST": self._reset}
        elif path == "/_emulator/sagemaker/progression":
            handlers = {"GET": self._get_progression, "POST": self._set_progression}
        elif path == "/_emulator/sagemaker/faults":
            handlers = {"GET": self._list_faults, "POST": self._add_fault, "DELETE": self._clear_faults}
        else:
            match = _ENDPOINT_ROUTE.match(path)
            if match:
                name, what = match.group("name"), match.group("what")
                if what == "failure":
                    handlers = {
                        "PUT": lambda r: self._set_failure(name, r),
                        "DELETE": lambda _r: self._clear_failure(name),
                    }
                else:
                    handlers = {
                        "PUT": lambda r: self._set_invocation(name, r),
                        "DELETE": lambda _r: self._clear_invocation(name),
                    }
        if handlers is None:
            return _json(404, {"error": f"no control route {path}"})
        handler = handlers.get(method)
        if handler is None:
            return _json(405, {"error": f"{method} not allowed on {path}; use {sorted(handlers)}"})
        return handler(request)

    def _reset(self, _request: Request) -> Response:
        reset_emulated_state(self._faults)
        return _json(200, {"status": "reset", "progression": current_progression()})

    def _get_progression(self, _request: Request) -> Response:
        return _json(200, {"progression": current_progression()})

    def _set_progression(self, request: Request) -> Response:
        transition = set_progression(_json_body(request))
        return _json(200, {"progression": transition})

    def _list_faults(self, _request: Request) -> Response:
        return _json(200, {"faults": self._faults.active()})

    def _add_fault(self, request: Request) -> Response:
        self._faults.add(parse_fault(_json_body(request)))
        return _json(200, {"faults": self._faults.active()})

    def _clear_faults(self, _request: Request) -> Response:
        self._faults.clear()
        return _json(200, {"faults": []})

    def _set_failure(self, name: str, request: Request) -> Response:
        body = _json_body(request)
        on, reason = body.get("on"), body.get("reason")
        if on not in FAILURE_PHASES:
            raise _BadRequest(f"'on' must be one of {list(FAILURE_PHASES)}, got {on!r}")
        if not isinstance(reason, str) or not reason:
            raise _BadRequest(f"'reason' must be a non-empty string, got {reason!r}")
        BEHAVIOUR.set_failure(name, on, reason)
        return _json(200, {"endpoint": name, "on": on, "reason": reason})

    def _clear_failure(self, name: str) -> Response:
        BEHAVIOUR.clear_failure(name)
        return _json(200, {"endpoint": name, "failure": None})

    def _set_invocation(self, name: str, request: Request) -> Response:
        body = _json_body(request)
        unknown = set(body) - {"status", "body", "content_type"}
        if unknown:
            raise _BadRequest(f"unknown invocation field(s): {sorted(unknown)}")
        status = body.get("status", 200)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise _BadRequest(f"'status' must be an HTTP status code, got {status!r}")
        content_type = body.get("content_type", "application/json")
        if not isinstance(content_type, str) or not content_type:
            raise _BadRequest(f"'content_type' must be a non-empty string, got {content_type!r}")
        BEHAVIOUR.set_invocation(
            name, InvocationResponse(status=status, body=body.get("body"), content_type=content_type)
        )
        return _json(200, {"endpoint": name, "status": status})

    def _clear_invocation(self, name: str) -> Response:
        BEHAVIOUR.clear_invocation(name)
        return _json(200, {"endpoint": name, "invocation": None})
