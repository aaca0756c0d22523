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
``GET|POST|DELETE /_emulator/vertex/faults``        list (``{"faults": [...], "injected": [...]}``:
                                                    active faults, firings) / add ``{"method", "path_contains",
                                                    "status", "count", "probability", "seed",
                                                    "retry_after", "delay", "drop", "after"}`` (all
                                                    optional; see :mod:`emulators.vertex.faults`) / clear
``GET|DELETE /_emulator/vertex/calls``              ``{"calls": {"CreateEndpoint": 1, ...}}``: routed
                                                    requests per API method (not those answered by a
                                                    fault) / forget them; cleared by reset
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
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from ..common.calls import CallCounter
from ..common.control_api import (
    CONTROL_PREFIX, BadRequest, ControlAPIBase, Handlers, content_type_field, http_status_field, json_body, json_response
)
from .backend import VertexBackend
from .behaviour import FAILURE_CODES, FAILURE_PHASES, Failure, PredictionResponse
from .errors import ApiError
from .faults import FaultInjector, parse_fault
from .names import project_number
from .lifecycle import Progression

__all__ = ["CONTROL_PREFIX", "ControlAPI"]

_RESOURCE_ROUTE = re.compile(
    r"^/_emulator/vertex/(?P<kind>endpoints|models)/(?P<id>[^/]+)/(?P<what>failure|prediction)$"
)
_NUMBER_ROUTE = re.compile(r"^/_emulator/vertex/projects/(?P<project>[^/]+)/number$")


def _failure(body: dict[str, Any], allowed: set[str]) -> Failure:
    unknown = set(body) - allowed
    if unknown:
        raise BadRequest(f"unknown field(s): {sorted(unknown)}")
    reason, code = body.get("reason"), body.get("code", 9)
    if not isinstance(reason, str) or not reason:
        raise BadRequest(f"'reason' must be a non-empty string, got {reason!r}")
    if isinstance(code, bool) or code not in FAILURE_CODES:
        raise BadRequest(f"'code' must be one of {sorted(FAILURE_CODES)}, got {code!r}")
    return Failure(code=code, reason=reason)


def _prediction(body: dict[str, Any]) -> PredictionResponse:
    unknown = set(body) - {"status", "body", "body_base64", "content_type"}
    if unknown:
        raise BadRequest(f"unknown field(s): {sorted(unknown)}")
    status, content_type = http_status_field(body), content_type_field(body)
    if "body_base64" in body:
        try:
            raw = base64.b64decode(str(body["body_base64"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest(f"'body_base64' is not valid base64: {exc}") from None
    else:
        value = body.get("body", "")
        raw = value.encode("utf-8") if isinstance(value, str) else json.dumps(value).encode("utf-8")
    return PredictionResponse(status=status, body=raw, content_type=content_type)


class ControlAPI(ControlAPIBase):
    """WSGI app answering ``/_emulator/...`` for one emulator."""

    prefix = "/_emulator/vertex"

    def __init__(self, backend: VertexBackend, faults: FaultInjector, calls: CallCounter | None = None) -> None:
        super().__init__(faults, parse_fault, calls)
        self._backend = backend

    def _error_response(self, exc: Exception) -> Response | None:
        if isinstance(exc, ApiError):
            return json_response(exc.http_status, {"error": exc.message})
        return super()._error_response(exc)

    def _reset_state(self) -> None:
        self._backend.reset()

    def _current_progression(self) -> dict[str, Any]:
        return self._backend.progression.as_dict()

    def _apply_progression(self, body: dict[str, Any]) -> dict[str, Any]:
        progression = Progression.parse(body)
        self._backend.set_progression(progression)
        return progression.as_dict()

    def _provider_handlers(self, path: str) -> Handlers | None:
        if path == "/_emulator/vertex/behaviour":
            return {"GET": lambda _r: json_response(200, self._backend.state.behaviour.describe())}
        if path == "/_emulator/vertex/drift":
            return {"POST": self._drift}
        if match := _NUMBER_ROUTE.match(path):
            project = match["project"]
            return {"GET": lambda _r: json_response(200, {"project": project, "number": project_number(project)})}
        if match := _RESOURCE_ROUTE.match(path):
            return self._resource_handlers(match["kind"], match["id"], match["what"])
        return None

    def _resource_handlers(self, kind: str, rid: str, what: str) -> Handlers | None:
        behaviour = self._backend.state.behaviour

        def cleared(action: Callable[[str], None]) -> Callable[[Request], Response]:
            def handler(_request: Request) -> Response:
                action(rid)
                return json_response(200, {kind[:-1]: rid, what: None})

            return handler

        def fail_model(request: Request) -> Response:
            behaviour.fail_model_upload(rid, _failure(json_body(request), {"reason", "code"}))
            return json_response(200, {"model": rid, "failure": "next upload"})

        def fail_endpoint(request: Request) -> Response:
            body = json_body(request)
            on = body.pop("on", None)
            if on not in FAILURE_PHASES:
                raise BadRequest(f"'on' must be one of {list(FAILURE_PHASES)}, got {on!r}")
            behaviour.fail_endpoint(rid, on, _failure(body, {"reason", "code"}))
            return json_response(200, {"endpoint": rid, "on": on})

        def set_prediction(request: Request) -> Response:
            behaviour.set_prediction(rid, _prediction(json_body(request)))
            return json_response(200, {"endpoint": rid, "prediction": "configured"})

        if kind == "models" and what == "failure":
            return {"PUT": fail_model, "DELETE": cleared(behaviour.clear_model_failure)}
        if kind == "endpoints" and what == "failure":
            return {"PUT": fail_endpoint, "DELETE": cleared(behaviour.clear_endpoint_failure)}
        if kind == "endpoints" and what == "prediction":
            return {"PUT": set_prediction, "DELETE": cleared(behaviour.clear_prediction)}
        return None

    def _drift(self, request: Request) -> Response:
        body = json_body(request)
        name, patch = body.get("name"), body.get("patch")
        if not isinstance(name, str) or not isinstance(patch, dict) or set(body) - {"name", "patch"}:
            raise BadRequest("body must be {\"name\": <resource name>, \"patch\": {<proto JSON fields>}}")
        return json_response(200, {"resource": self._backend.drift(name, patch)})
