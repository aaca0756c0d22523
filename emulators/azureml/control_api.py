"""Server side of the Azure ML emulator's control API (``/_emulator/...``, JSON in and out).

A bad body is HTTP 400 ``{"error": "<message>"}``, an unknown route 404, a wrong method 405. The
client and the route list are in :mod:`emulators.azureml.control`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from .backend import AzureMLBackend
from .errors import ArmError
from .faults import FaultInjector, parse_fault
from .handlers import decode_scoring_body
from .routes import RequestLog
from .state import ScoringResponse

__all__ = ["ControlAPI"]

_PREFIX = "/_emulator/azureml"
_ENDPOINT = re.compile(rf"^{_PREFIX}/endpoints/(?P<endpoint>[^/]+)/(?P<what>failure|scoring|drift)$")
_DEPLOYMENT = re.compile(
    rf"^{_PREFIX}/endpoints/(?P<endpoint>[^/]+)/deployments/(?P<deployment>[^/]+)/(?P<what>failure|drift)$"
)


class _BadRequest(Exception):
    """A control request refused with HTTP 400."""


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def _body(request: Request, allowed: set[str]) -> dict[str, Any]:
    raw = request.get_data()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise _BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _BadRequest("body must be a JSON object")
    unknown = set(body) - allowed
    if unknown:
        raise _BadRequest(f"unknown field(s): {sorted(unknown)}; allowed: {sorted(allowed)}")
    return body


def _optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise _BadRequest(f"'{key}' must be a non-empty string, got {value!r}")
    return value


def _required_str(body: dict[str, Any], key: str) -> str:
    value = _optional_str(body, key)
    if value is None:
        raise _BadRequest(f"'{key}' is required")
    return value


def _str_map(body: dict[str, Any], key: str, value_type: type = str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, value_type) and not isinstance(v, bool) for k, v in value.items()
    ):
        raise _BadRequest(f"'{key}' must be an object of {value_type.__name__} values, got {value!r}")
    return value


class ControlAPI:
    """WSGI app answering ``/_emulator/...`` for one emulator."""

    def __init__(self, backend: AzureMLBackend, faults: FaultInjector, log: RequestLog) -> None:
        self._backend = backend
        self._faults = faults
        self._log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._route(request)
        except (_BadRequest, ValueError) as exc:
            response = _json(400, {"error": str(exc)})
        except ArmError as exc:
            response = _json(exc.status, {"error": exc.message, "code": exc.code})
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        fixed: dict[str, dict[str, Callable[[Request], Response]]] = {
            "/_emulator/health": {"GET": lambda _r: _json(200, {"status": "ok"})},
            "/_emulator/reset": {"POST": self._reset},
            f"{_PREFIX}/progression": {"GET": self._get_progression, "POST": self._set_progression},
            f"{_PREFIX}/faults": {"GET": self._list_faults, "POST": self._add_fault, "DELETE": self._clear_faults},
            f"{_PREFIX}/failures": {"GET": lambda _r: _json(200, self._backend.failures())},
            f"{_PREFIX}/requests": {"GET": self._requests, "DELETE": self._clear_requests},
            f"{_PREFIX}/state": {"GET": lambda _r: _json(200, self._backend.snapshot())},
        }
        handlers = fixed.get(path)
        if handlers is None:
            handlers = self._resource_handlers(path)
        if handlers is None:
            return _json(404, {"error": f"no control route {path}"})
        handler = handlers.get(method)
        if handler is None:
            return _json(405, {"error": f"{method} not allowed on {path}; use {sorted(handlers)}"})
        return handler(request)

    def _resource_handlers(self, path: str) -> dict[str, Callable[[Request], Response]] | None:
        match = _DEPLOYMENT.match(path)
        if match:
            endpoint, deployment, what = match.group("endpoint", "deployment", "what")
            if what == "failure":
                return {"PUT": lambda r: self._fail_deployment(endpoint, deployment, r)}
            return {"POST": lambda r: self._drift_deployment(endpoint, deployment, r)}
        match = _ENDPOINT.match(path)
        if not match:
            return None
        endpoint, what = match.group("endpoint", "what")
        if what == "failure":
            return {
                "PUT": lambda r: self._fail_endpoint(endpoint, r),
                "DELETE": lambda _r: self._clear_failure(endpoint),
            }
        if what == "scoring":
            return {"PUT": lambda r: self._set_scoring(endpoint, r), "DELETE": lambda _r: self._clear_scoring(endpoint)}
        return {"POST": lambda r: self._drift_endpoint(endpoint, r)}

    def _reset(self, _request: Request) -> Response:
        self._backend.reset_state()
        self._faults.clear()
        self._log.clear()
        return _json(200, {"status": "reset", "progression": self._backend.progression.as_dict()})

    def _get_progression(self, _request: Request) -> Response:
        return _json(200, {"progression": self._backend.progression.as_dict()})

    def _set_progression(self, request: Request) -> Response:
        progression = self._backend.set_progression(_body(request, {"progression", "times", "seconds"}))
        return _json(200, {"progression": progression.as_dict()})

    def _list_faults(self, _request: Request) -> Response:
        return _json(200, {"faults": self._faults.active()})

    def _add_fault(self, request: Request) -> Response:
        self._faults.add(
            parse_fault(_body(request, {"method", "path_contains", "status", "count", "retry_after", "delay"}))
        )
        return _json(200, {"faults": self._faults.active()})

    def _clear_faults(self, _request: Request) -> Response:
        self._faults.clear()
        return _json(200, {"faults": []})

    def _requests(self, _request: Request) -> Response:
        return _json(200, {"requests": self._log.entries()})

    def _clear_requests(self, _request: Request) -> Response:
        self._log.clear()
        return _json(200, {"requests": []})

    def _fail_endpoint(self, endpoint: str, request: Request) -> Response:
        body = _body(request, {"on", "reason", "code"})
        on, reason = _required_str(body, "on"), _required_str(body, "reason")
        self._backend.fail_endpoint(endpoint, on, reason, _optional_str(body, "code"))
        return _json(200, self._backend.failures())

    def _fail_deployment(self, endpoint: str, deployment: str, request: Request) -> Response:
        body = _body(request, {"reason", "code"})
        reason = _required_str(body, "reason")
        self._backend.fail_deployment(endpoint, deployment, reason, _optional_str(body, "code"))
        return _json(200, self._backend.failures())

    def _clear_failure(self, endpoint: str) -> Response:
        self._backend.clear_failure(endpoint)
        return _json(200, self._backend.failures())

    def _set_scoring(self, endpoint: str, request: Request) -> Response:
        body = _body(request, {"status", "content_type", "deployment", "json", "text", "base64"})
        status = body.get("status", 200)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise _BadRequest(f"'status' must be an HTTP status code, got {status!r}")
        content_type = _optional_str(body, "content_type") or "application/json"
        response = ScoringResponse(status=status, body=decode_scoring_body(body), content_type=content_type)
        self._backend.set_scoring_response(endpoint, response, _optional_str(body, "deployment"))
        return _json(200, {"endpoint": endpoint, "status": status})

    def _clear_scoring(self, endpoint: str) -> Response:
        self._backend.clear_scoring_response(endpoint)
        return _json(200, {"endpoint": endpoint, "scoring": None})

    def _drift_endpoint(self, endpoint: str, request: Request) -> Response:
        body = _body(request, {"tags", "traffic"})
        rendered = self._backend.drift_endpoint(
            endpoint, tags=_str_map(body, "tags"), traffic=_str_map(body, "traffic", int)
        )
        return _json(200, rendered)

    def _drift_deployment(self, endpoint: str, deployment: str, request: Request) -> Response:
        body = _body(request, {"tags", "instance_count", "environment_variables"})
        count = body.get("instance_count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise _BadRequest(f"'instance_count' must be an integer, got {count!r}")
        rendered = self._backend.drift_deployment(
            endpoint,
            deployment,
            tags=_str_map(body, "tags"),
            instance_count=count,
            environment_variables=_str_map(body, "environment_variables"),
        )
        return _json(200, rendered)
