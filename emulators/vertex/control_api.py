"""Server side of the Vertex AI emulator's control API (``/_emulator/...``; never faulted).

Routes (JSON bodies and answers; a bad body is HTTP 400 ``{"error": "<message>"}``, an unknown
route 404, a wrong method 405). The client is :class:`emulators.vertex.control.VertexControl`.

The shared routes (:mod:`emulators.common.control_api`: ``health``, ``reset``, ``progression``,
``faults``, ``calls``, ``endpoints/{id}/failure``, ``endpoints/{id}/prediction``, ``drift``) with
Vertex AI's meaning:

- ``reset`` drops all state, faults, failures and predictions; the progression goes back to the
  server's default;
- ``endpoints/{id}/failure`` fails DeployModel operations on the endpoint (``create``: while it has
  no deployed model; ``update``: while it has some) with ``error{code, reason}``; ``code`` is a
  ``google.rpc.Code`` number (3, 8, 9 default, 13 or 14);
- ``endpoints/{id}/prediction`` is what ``:predict`` and ``:rawPredict`` answer;
- ``drift``: body ``{"name": <model or endpoint name>, "patch": {<proto JSON fields to replace>}}``.

And Vertex AI's own:

``PUT|DELETE /_emulator/vertex/models/{id}/failure``   body ``{"reason", "once"?, "code"?}``: UploadModel
                                                       with that ``modelId`` fails
``GET  /_emulator/vertex/projects/{project}/number``   ``{"project": id, "number": "123456789012"}``
``GET  /_emulator/vertex/behaviour``                   configured failures and predictions
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from ..common.calls import CallCounter
from ..common.control_api import (
    CONTROL_PREFIX,
    BadRequest,
    ControlAPIBase,
    Handlers,
    json_body,
    json_response,
    parse_failure,
)
from .backend import VertexBackend
from .errors import FAILURE_CODES, ApiError
from .faults import FaultInjector, parse_fault
from .lifecycle import Progression
from .names import project_number

__all__ = ["CONTROL_PREFIX", "ControlAPI"]

_MODEL_FAILURE_ROUTE = re.compile(r"^/_emulator/vertex/models/(?P<id>[^/]+)/failure$")
_NUMBER_ROUTE = re.compile(r"^/_emulator/vertex/projects/(?P<project>[^/]+)/number$")


class ControlAPI(ControlAPIBase):
    """WSGI app answering ``/_emulator/...`` for one emulator."""

    prefix = "/_emulator/vertex"

    def __init__(self, backend: VertexBackend, faults: FaultInjector, calls: CallCounter) -> None:
        super().__init__(faults, parse_fault, calls, backend.state.behaviour)
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

    def _failure_code(self, code: Any) -> int:
        if code is None:
            return 9
        if isinstance(code, bool) or code not in FAILURE_CODES:
            raise BadRequest(f"'code' must be one of {sorted(FAILURE_CODES)}, got {code!r}")
        return int(code)

    def _drift(self, name: str, patch: dict[str, Any], deployment: str | None) -> dict[str, Any]:
        if deployment is not None:
            raise BadRequest("Vertex AI drift takes no 'deployment': patch the endpoint's 'deployedModels'")
        return self._backend.drift(name, patch)

    def _provider_handlers(self, path: str) -> Handlers | None:
        if path == "/_emulator/vertex/behaviour":
            return {"GET": lambda _r: json_response(200, self._describe_behaviour())}
        if match := _NUMBER_ROUTE.match(path):
            project = match["project"]
            return {"GET": lambda _r: json_response(200, {"project": project, "number": project_number(project)})}
        if match := _MODEL_FAILURE_ROUTE.match(path):
            model_id = match["id"]
            return {"PUT": lambda r: self._fail_model(model_id, r),
                    "DELETE": lambda _r: self._clear_model_failure(model_id)}
        return None

    def _fail_model(self, model_id: str, request: Request) -> Response:
        body = json_body(request, {"reason", "once", "code"})
        _on, failure = parse_failure({"on": "create", **body}, self._failure_code)
        self._backend.state.behaviour.set_failure(f"models/{model_id}", "upload", failure)
        return json_response(200, {"model": model_id, "failure": "next upload" if failure.once else "every upload"})

    def _clear_model_failure(self, model_id: str) -> Response:
        self._backend.state.behaviour.clear_failures(f"models/{model_id}")
        return json_response(200, {"model": model_id, "failure": None})

    def _describe_behaviour(self) -> dict[str, Any]:
        """Configured failures and canned predictions (``GET /_emulator/vertex/behaviour``)."""
        behaviour = self._backend.state.behaviour
        endpoints, models = [], []
        for entry in behaviour.failures():
            key, code = entry["key"], entry["code"]
            if key.startswith("models/"):
                models.append({"model": key[len("models/"):], "code": code, "reason": entry["reason"],
                               "once": entry["once"]})
            else:
                endpoints.append({"endpoint": key, "on": entry["phase"], "code": code, "reason": entry["reason"],
                                  "once": entry["once"]})
        return {"endpoint_failures": endpoints, "model_failures": models, "predictions": behaviour.responses()}
