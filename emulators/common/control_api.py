"""Server side of the emulators' control API (``/_emulator/...``): JSON plumbing and the shared routes.

Every emulator answers ``GET /_emulator/health``, ``POST /_emulator/reset`` and, under its prefix
(``/_emulator/<provider>``), ``GET|POST progression``, ``GET|POST|DELETE faults`` (``GET``:
``{"faults": [active faults], "injected": [firings, oldest first]}``, see
:mod:`emulators.common.faults`) and, when it counts
its requests (:class:`~emulators.common.calls.CallCounter`), ``GET|DELETE calls``; its own routes
come from :meth:`ControlAPIBase._provider_handlers`. A bad body is HTTP 400 ``{"error": "<message>"}``
(any ``ValueError``), an unknown route 404, a wrong method 405.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

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


class ControlAPIBase:
    """WSGI app answering ``/_emulator/...`` for one emulator.

    Subclasses set :attr:`prefix` and implement the hooks: :meth:`_reset_state`,
    :meth:`_current_progression`, :meth:`_apply_progression` and, for their own routes,
    :meth:`_provider_handlers`; :meth:`_error_response` maps their exceptions to answers.
    ``parse_fault`` turns a fault body into a fault for ``faults``; ``calls``, if given, is served
    at ``{prefix}/calls`` (``GET``: ``{"calls": {method: count}}``, ``DELETE``: forget them) and
    cleared by ``POST /_emulator/reset``.
    """

    prefix: ClassVar[str] = "/_emulator"
    progression_fields: ClassVar[Collection[str] | None] = None
    """Fields allowed in a progression body (None: the body is passed on unchecked)."""
    fault_fields: ClassVar[Collection[str] | None] = None
    """Fields allowed in a fault body (None: ``parse_fault`` checks them)."""

    def __init__(self, faults: FaultInjector[Any], parse_fault: Callable[[Mapping[str, Any]], Any],
                 calls: CallCounter | None = None) -> None:
        self._faults = faults
        self._parse_fault = parse_fault
        self._calls = calls

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
        }
        if self._calls is not None:
            shared[f"{self.prefix}/calls"] = {"GET": self._list_calls, "DELETE": self._clear_calls}
        handlers = shared.get(path)
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
        if self._calls is not None:
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
        assert self._calls is not None
        return json_response(200, {"calls": self._calls.counts()})

    def _clear_calls(self, _request: Request) -> Response:
        assert self._calls is not None
        self._calls.clear()
        return json_response(200, {"calls": {}})
