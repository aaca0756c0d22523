"""Server side of the emulators' control API (``/_emulator/...``): JSON plumbing and the shared routes.

Every emulator answers ``GET /_emulator/health``, ``POST /_emulator/reset`` and, under its prefix
(``/_emulator/<provider>``):

- ``GET|POST progression``;
- ``GET|POST|DELETE faults`` (``GET``: ``{"faults": [active faults], "injected": [firings, oldest
  first]}``; a ``POST`` body is a fault spec, :mod:`emulators.common.faults`);
- ``GET|DELETE calls``: ``{"calls": {operation: count}}`` (:class:`~emulators.common.calls.CallCounter`);
- ``PUT|DELETE endpoints/{name}/failure``: body ``{"on": "create" | "update", "reason", "once"?,
  "code"?}``; fail the endpoint's changes of that phase (every one, or the next one with ``once``);
  ``DELETE`` forgets its failures (and its children's);
- ``PUT|DELETE endpoints/{name}/prediction``: body ``{"status"?, "content_type"?, "deployment"?}``
  and exactly one of ``"json"`` (any JSON, sent JSON-encoded), ``"text"`` (sent as UTF-8) or
  ``"base64"`` (bytes); the endpoint's data plane answers it until ``DELETE``;
- ``POST drift`` (emulators that can change live config behind the API's back): body
  ``{"name", "patch", "deployment"?}``, answers the changed resource.

Its own routes come from :meth:`ControlAPIBase._provider_handlers`. A bad body is HTTP 400
``{"error": "<message>"}`` (any ``ValueError``), an unknown route 404, a wrong method 405.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from .behaviour import FAILURE_PHASES, Behaviour, CannedResponse, Failure
from .calls import CallCounter
from .faults import FaultInjector

__all__ = [
    "CONTROL_PREFIX",
    "BadRequest",
    "ControlAPIBase",
    "Handlers",
    "content_type_field",
    "http_status_field",
    "json_body",
    "json_response",
    "parse_failure",
    "parse_prediction",
]

CONTROL_PREFIX = "/_emulator/"

Handlers = dict[str, Callable[[Request], Response]]
"""HTTP method -> handler, for one control route."""


class BadRequest(ValueError):
    """A control request refused with HTTP 400."""


def json_response(status: int, payload: Any) -> Response:
    """``payload`` as a JSON answer with HTTP ``status``."""
    return Response(json.dumps(payload), status=status, content_type="application/json")


def json_body(request: Request, allowed: Collection[str] | None = None) -> dict[str, Any]:
    """The request's JSON object (``{}`` if empty); with ``allowed``, other fields are refused."""
    raw = request.get_data()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    if allowed is not None:
        unknown = set(body) - set(allowed)
        if unknown:
            raise BadRequest(f"unknown field(s): {sorted(unknown)}; allowed: {sorted(allowed)}")
    return body


def http_status_field(body: Mapping[str, Any], default: int = 200) -> int:
    """``body["status"]`` (or ``default``), an HTTP status code 100-599; :class:`BadRequest` otherwise."""
    status = body.get("status", default)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise BadRequest(f"'status' must be an HTTP status code, got {status!r}")
    return status


def content_type_field(body: Mapping[str, Any], default: str = "application/json") -> str:
    """``body["content_type"]`` (or ``default``), a non-empty string; :class:`BadRequest` otherwise."""
    content_type = body.get("content_type", default)
    if not isinstance(content_type, str) or not content_type:
        raise BadRequest(f"'content_type' must be a non-empty string, got {content_type!r}")
    return content_type


def parse_failure(body: Mapping[str, Any], code: Callable[[Any], Any]) -> tuple[str, Failure]:
    """``(on, Failure)`` of a ``failure`` body; ``code`` validates the emulator's error code (None:
    its default) and returns what to store. :class:`BadRequest` otherwise."""
    unknown = set(body) - {"on", "reason", "once", "code"}
    if unknown:
        raise BadRequest(f"unknown failure field(s): {sorted(unknown)}")
    on, reason, once = body.get("on"), body.get("reason"), body.get("once", False)
    if on not in FAILURE_PHASES:
        raise BadRequest(f"'on' must be {' or '.join(map(repr, FAILURE_PHASES))}, got {on!r}")
    if not isinstance(reason, str) or not reason:
        raise BadRequest(f"'reason' must be a non-empty string, got {reason!r}")
    if not isinstance(once, bool):
        raise BadRequest(f"'once' must be a boolean, got {once!r}")
    return on, Failure(reason=reason, code=code(body.get("code")), once=once)


def parse_prediction(body: Mapping[str, Any], *, per_deployment: bool) -> tuple[CannedResponse, str | None]:
    """``(CannedResponse, deployment)`` of a ``prediction`` body (``deployment`` only if the
    emulator routes to deployments); :class:`BadRequest` otherwise."""
    allowed = {"status", "content_type", "json", "text", "base64"} | ({"deployment"} if per_deployment else set())
    unknown = set(body) - allowed
    if unknown:
        raise BadRequest(f"unknown prediction field(s): {sorted(unknown)}; allowed: {sorted(allowed)}")
    given = [k for k in ("json", "text", "base64") if k in body]
    if len(given) != 1:
        raise BadRequest("give exactly one of 'json', 'text', 'base64' for the prediction body")
    if given[0] == "json":
        raw = json.dumps(body["json"]).encode("utf-8")
    elif given[0] == "text":
        if not isinstance(body["text"], str):
            raise BadRequest(f"'text' must be a string, got {body['text']!r}")
        raw = body["text"].encode("utf-8")
    else:
        try:
            raw = base64.b64decode(str(body["base64"]), validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("'base64' must be base64-encoded bytes") from None
    deployment = body.get("deployment")
    if deployment is not None and (not isinstance(deployment, str) or not deployment):
        raise BadRequest(f"'deployment' must be a non-empty string, got {deployment!r}")
    response = CannedResponse(status=http_status_field(body), body=raw, content_type=content_type_field(body))
    return response, deployment


class ControlAPIBase:
    """WSGI app answering ``/_emulator/...`` for one emulator.

    Subclasses set :attr:`prefix` and implement the hooks: :meth:`_reset_state`,
    :meth:`_current_progression`, :meth:`_apply_progression` and, for their own routes,
    :meth:`_provider_handlers`; :meth:`_error_response` maps their exceptions to answers.
    ``parse_fault`` turns a fault body into a fault for ``faults``; ``calls`` is served at
    ``{prefix}/calls`` (``GET``: ``{"calls": {method: count}}``, ``DELETE``: forget them) and
    cleared by ``POST /_emulator/reset``. ``behaviour`` receives the endpoint failures and canned
    predictions (keyed by the endpoint name of the route), with the error code checked by
    :meth:`_failure_code`; :meth:`_drift`, if overridden, serves ``POST {prefix}/drift``.
    """

    prefix: ClassVar[str] = "/_emulator"
    progression_fields: ClassVar[Collection[str] | None] = None
    """Fields allowed in a progression body (None: the body is passed on unchecked)."""
    fault_fields: ClassVar[Collection[str] | None] = None
    """Fields allowed in a fault body (None: ``parse_fault`` checks them)."""
    prediction_per_deployment: ClassVar[bool] = False
    """True if a canned prediction may name the ``deployment`` it applies to."""

    def __init__(self, faults: FaultInjector[Any], parse_fault: Callable[[Mapping[str, Any]], Any],
                 calls: CallCounter, behaviour: Behaviour) -> None:
        self._faults = faults
        self._parse_fault = parse_fault
        self._calls = calls
        self._behaviour = behaviour

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._route(request)
        except Exception as exc:
            answer = self._error_response(exc)
            if answer is None:
                raise
            response = answer
        return response(environ, start_response)

    def _error_response(self, exc: Exception) -> Response | None:
        """The answer for an exception raised by a handler (None: let it propagate)."""
        if isinstance(exc, ValueError):
            return json_response(400, {"error": str(exc)})
        return None

    def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        shared: dict[str, Handlers] = {
            "/_emulator/health": {"GET": lambda _r: json_response(200, {"status": "ok"})},
            "/_emulator/reset": {"POST": self._reset},
            f"{self.prefix}/progression": {"GET": self._get_progression, "POST": self._set_progression},
            f"{self.prefix}/faults": {"GET": self._list_faults, "POST": self._add_fault, "DELETE": self._clear_faults},
            f"{self.prefix}/calls": {"GET": self._list_calls, "DELETE": self._clear_calls},
        }
        if type(self)._drift is not ControlAPIBase._drift:
            shared[f"{self.prefix}/drift"] = {"POST": self._drift_request}
        handlers = shared.get(path) or self._endpoint_handlers(path)
        if handlers is None:
            handlers = self._provider_handlers(path)
        if handlers is None:
            return json_response(404, {"error": f"no control route {path}"})
        handler = handlers.get(method)
        if handler is None:
            return json_response(405, {"error": f"{method} not allowed on {path}; use {sorted(handlers)}"})
        return handler(request)

    # hooks ------------------------------------------------------------------------------------

    def _provider_handlers(self, path: str) -> Handlers | None:
        """The handlers of the emulator's own route ``path``, or None (404)."""
        return None

    def _failure_code(self, code: Any) -> Any:
        """The error code to store for a failure's ``code`` (None: not given); :class:`BadRequest`
        if the emulator has no such code. Default: the emulator takes no code."""
        if code is not None:
            raise BadRequest(f"this emulator's failures take no 'code', got {code!r}")
        return None

    def _drift(self, name: str, patch: dict[str, Any], deployment: str | None) -> dict[str, Any]:
        """Change ``name`` (or its ``deployment``) behind the API's back by ``patch``; the changed
        resource. Not overridden: the emulator has no ``drift`` route."""
        raise NotImplementedError

    def _reset_state(self) -> None:
        """Drop the emulator's state for ``POST /_emulator/reset`` (faults are cleared by the caller)."""
        raise NotImplementedError

    def _current_progression(self) -> dict[str, Any]:
        """The current progression in its JSON form."""
        raise NotImplementedError

    def _apply_progression(self, body: dict[str, Any]) -> dict[str, Any]:
        """Validate ``body`` (``ValueError``), make it the progression, return its JSON form."""
        raise NotImplementedError

    # shared routes ----------------------------------------------------------------------------

    def _reset(self, _request: Request) -> Response:
        self._reset_state()
        self._faults.clear()
        self._calls.clear()
        return json_response(200, {"status": "reset", "progression": self._current_progression()})

    def _get_progression(self, _request: Request) -> Response:
        return json_response(200, {"progression": self._current_progression()})

    def _set_progression(self, request: Request) -> Response:
        return json_response(200, {"progression": self._apply_progression(json_body(request, self.progression_fields))})

    def _list_faults(self, _request: Request) -> Response:
        return json_response(200, {"faults": self._faults.active(), "injected": self._faults.history()})

    def _add_fault(self, request: Request) -> Response:
        self._faults.add(self._parse_fault(json_body(request, self.fault_fields)))
        return json_response(200, {"faults": self._faults.active()})

    def _clear_faults(self, _request: Request) -> Response:
        self._faults.clear()
        return json_response(200, {"faults": []})

    def _list_calls(self, _request: Request) -> Response:
        return json_response(200, {"calls": self._calls.counts()})

    def _clear_calls(self, _request: Request) -> Response:
        self._calls.clear()
        return json_response(200, {"calls": {}})

    def _endpoint_handlers(self, path: str) -> Handlers | None:
        match = re.fullmatch(rf"{re.escape(self.prefix)}/endpoints/(?P<name>[^/]+)/(?P<what>failure|prediction)", path)
        if match is None:
            return None
        name = match["name"]
        if match["what"] == "failure":
            return {"PUT": lambda r: self._set_failure(name, r), "DELETE": lambda _r: self._clear_failure(name)}
        return {"PUT": lambda r: self._set_prediction(name, r), "DELETE": lambda _r: self._clear_prediction(name)}

    def _set_failure(self, name: str, request: Request) -> Response:
        on, failure = parse_failure(json_body(request), self._failure_code)
        self._behaviour.set_failure(name, on, failure)
        return json_response(200, {"endpoint": name, "on": on, "reason": failure.reason, "once": failure.once})

    def _clear_failure(self, name: str) -> Response:
        self._behaviour.clear_failures(name)
        return json_response(200, {"endpoint": name, "failure": None})

    def _set_prediction(self, name: str, request: Request) -> Response:
        response, deployment = parse_prediction(json_body(request), per_deployment=self.prediction_per_deployment)
        self._behaviour.set_response(name, response, deployment)
        return json_response(200, {"endpoint": name, "status": response.status})

    def _clear_prediction(self, name: str) -> Response:
        self._behaviour.clear_responses(name)
        return json_response(200, {"endpoint": name, "prediction": None})

    def _drift_request(self, request: Request) -> Response:
        body = json_body(request, {"name", "patch", "deployment"})
        name, patch, deployment = body.get("name"), body.get("patch"), body.get("deployment")
        if not isinstance(name, str) or not name or not isinstance(patch, dict):
            raise BadRequest('body must be {"name": <resource name>, "patch": {<fields>}, "deployment"?: <name>}')
        if deployment is not None and (not isinstance(deployment, str) or not deployment):
            raise BadRequest(f"'deployment' must be a non-empty string, got {deployment!r}")
        return json_response(200, {"resource": self._drift(name, patch, deployment)})
