"""Server side of the Vertex AI emulator's control API (``/_emulator/...``; never faulted).

Routes (JSON bodies and answers; a bad body is HTTP 400 ``{"error": "<message>"}``, an unknown
route 404, a wrong method 405). The client is :class:`emulators.vertex.control.VertexControl`.

``GET  /_emulator/health``                          ``{"status": "ok"}``
``POST /_emulator/reset``                           drop all state, faults, failures, responses;
                                                    progression back to the server's default
``GET|POST /_emulator/vertex/progression``          ``{"progression": "immediate"|"manual"|"time",
                                                    "times": n, "seconds": s}``
``PUT|DELETE /_emulator/vertex/endpoints/{id}/failure``    body ``{"on", "reason", "code"}``
``PUT|DELETE /_emulator/vertex/models/{id}/failure``       body ``{"reason", "code"}``
``PUT|DELETE /_emulator/vertex/endpoints/{id}/prediction`` body ``{"status", "body" | "body_base64",
                                                    "content_type"}``
``GET|POST|DELETE /_emulator/vertex/faults``        list / add (see :mod:`emulators.vertex.faults`) / clear
``GET  /_emulator/vertex/projects/{project}/number`` ``{"project": id, "number": "123456789012"}``
``GET  /_emulator/vertex/behaviour``                configured failures and prediction responses
``POST /_emulator/vertex/drift``                    body ``{"name": <model or endpoint name>,
                                                    "patch": {<proto JSON fields to replace>}}``
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from .backend import VertexBackend
from .behaviour import FAILURE_CODES, FAILURE_PHASES, Failure, PredictionResponse
from .errors import ApiError
from .faults import FaultInjector, parse_fault
from .names import project_number
from .operations import Progression

__all__ = ["CONTROL_PREFIX", "ControlAPI"]

CONTROL_PREFIX = "/_emulator/"

_RESOURCE_ROUTE = re.compile(
    r"^/_emulator/vertex/(?P<kind>endpoints|models)/(?P<id>[^/]+)/(?P<what>failure|prediction)$"
)
_NUMBER_ROUTE = re.compile(r"^/_emulator/vertex/projects/(?P<project>[^/]+)/number$")


class _BadRequest(ValueError):
    """A control request refused with HTTP 400."""


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


def _failure(body: dict[str, Any], allowed: set[str]) -> Failure:
    unknown = set(body) - allowed
    if unknown:
        raise _BadRequest(f"unknown field(s): {sorted(unknown)}")
    reason, code = body.get("reason"), body.get("code", 9)
    if not isinstance(reason, str) or not reason:
        raise _BadRequest(f"'reason' must be a non-empty string, got {reason!r}")
    if isinstance(code, bool) or code not in FAILURE_CODES:
        raise _BadRequest(f"'code' must be one of {sorted(FAILURE_CODES)}, got {code!r}")
    return Failure(code=code, reason=reason)


def _prediction(body: dict[str, Any]) -> PredictionResponse:
    unknown = set(body) - {"status", "body", "body_base64", "content_type"}
    if unknown:
        raise _BadRequest(f"unknown field(s): {sorted(unknown)}")
    status = body.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise _BadRequest(f"'status' must be an HTTP status code, got {status!r}")
    content_type = body.get("content_type", "application/json")
    if not isinstance(content_type, str) or not content_type:
        raise _BadRequest(f"'content_type' must be a non-empty string, got {content_type!r}")
    if "body_base64" in body:
        try:
            raw = base64.b64decode(str(body["body_base64"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _BadRequest(f"'body_base64' is not valid base64: {exc}") from None
    else:
        value = body.get("body", "")
        raw = value.encode("utf-8") if isinstance(value, str) else json.dumps(value).encode("utf-8")
    return PredictionResponse(status=status, body=raw, content_type=content_type)


class ControlAPI:
    """WSGI app answering ``/_emulator/...`` for one emulator."""

    def __init__(self, backend: VertexBackend, faults: FaultInjector) -> None:
        self._backend = backend
        self._faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._route(request)
        except ApiError as exc:
            response = _json(exc.http_status, {"error": exc.message})
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
        elif path == "/_emulator/vertex/progression":
            handlers = {"GET": self._get_progression, "POST": self._set_progression}
        elif path == "/_emulator/vertex/faults":
            handlers = {"GET": self._list_faults, "POST": self._add_fault, "DELETE": self._clear_faults}
        elif path == "/_emulator/vertex/behaviour":
            handlers = {"GET": lambda _r: _json(200, self._backend.state.behaviour.describe())}
        elif path == "/_emulator/vertex/drift":
            handlers = {"POST": self._drift}
        elif match := _NUMBER_ROUTE.match(path):
            project = match["project"]
            handlers = {"GET": lambda _r: _json(200, {"project": project, "number": project_number(project)})}
        elif match := _RESOURCE_ROUTE.match(path):
            handlers = self._resource_handlers(match["kind"], match["id"], match["what"])
        if handlers is None:
            return _json(404, {"error": f"no control route {path}"})
        handler = handlers.get(method)
        if handler is None:
            return _json(405, {"error": f"{method} not allowed on {path}; use {sorted(handlers)}"})
        return handler(request)

    def _resource_handlers(self, kind: str, rid: str, what: str) -> dict[str, Callable[[Request], Response]] | None:
        behaviour = self._backend.state.behaviour

        def cleared(action: Callable[[str], None]) -> Callable[[Request], Response]:
            def handler(_request: Request) -> Response:
                action(rid)
                return _json(200, {kind[:-1]: rid, what: None})

            return handler

        def fail_model(request: Request) -> Response:
            behaviour.fail_model_upload(rid, _failure(_json_body(request), {"reason", "code"}))
            return _json(200, {"model": rid, "failure": "next upload"})

        def fail_endpoint(request: Request) -> Response:
            body = _json_body(request)
            on = body.pop("on", None)
            if on not in FAILURE_PHASES:
                raise _BadRequest(f"'on' must be one of {list(FAILURE_PHASES)}, got {on!r}")
            behaviour.fail_endpoint(rid, on, _failure(body, {"reason", "code"}))
            return _json(200, {"endpoint": rid, "on": on})

        def set_prediction(request: Request) -> Response:
            behaviour.set_prediction(rid, _prediction(_json_body(request)))
            return _json(200, {"endpoint": rid, "prediction": "configured"})

        if kind == "models" and what == "failure":
            return {"PUT": fail_model, "DELETE": cleared(behaviour.clear_model_failure)}
        if kind == "endpoints" and what == "failure":
            return {"PUT": fail_endpoint, "DELETE": cleared(behaviour.clear_endpoint_failure)}
        if kind == "endpoints" and what == "prediction":
            return {"PUT": set_prediction, "DELETE": cleared(behaviour.clear_prediction)}
        return None

    def _reset(self, _request: Request) -> Response:
        self._backend.reset()
        self._faults.clear()
        return _json(200, {"status": "reset", "progression": self._backend.progression.as_dict()})

    def _get_progression(self, _request: Request) -> Response:
        return _json(200, {"progression": self._backend.progression.as_dict()})

    def _set_progression(self, request: Request) -> Response:
        progression = Progression.parse(_json_body(request))
        self._backend.set_progression(progression)
        return _json(200, {"progression": progression.as_dict()})

    def _list_faults(self, _request: Request) -> Response:
        return _json(200, {"faults": self._faults.active()})

    def _add_fault(self, request: Request) -> Response:
        self._faults.add(parse_fault(_json_body(request)))
        return _json(200, {"faults": self._faults.active()})

    def _clear_faults(self, _request: Request) -> Response:
        self._faults.clear()
        return _json(200, {"faults": []})

    def _drift(self, request: Request) -> Response:
        body = _json_body(request)
        name, patch = body.get("name"), body.get("patch")
        if not isinstance(name, str) or not isinstance(patch, dict) or set(body) - {"name", "patch"}:
            raise _BadRequest("body must be {\"name\": <resource name>, \"patch\": {<proto JSON fields>}}")
        return _json(200, {"resource": self._backend.drift(name, patch)})
