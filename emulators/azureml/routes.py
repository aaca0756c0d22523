"""URL table and WSGI front of the emulator: control API, faults, data plane, ARM dispatch.

ARM paths (matched case-insensitively, as ARM does; ``WS`` =
``/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}``):

=====================================================  ==========================
``WS``                                                 GET
``WS/onlineEndpoints``                                 GET (paged)
``WS/onlineEndpoints/{e}``                             GET PUT PATCH DELETE
``WS/onlineEndpoints/{e}/listKeys|regenerateKeys|token``  POST
``WS/onlineEndpoints/{e}/deployments``                 GET (paged)
``WS/onlineEndpoints/{e}/deployments/{d}``             GET PUT PATCH DELETE
``WS/onlineEndpoints/{e}/deployments/{d}/getLogs``     POST
``WS/{environments|data|codes}/{n}/versions[/{v}]``  GET (PUT with a version)
``WS/models[/{n}[/versions[/{v}]]]``                  GET PUT (:mod:`.model_routes`)
``OPS/mfeOperationsStatus/{id}``, ``OPS/mfeOperationResults/{id}``  GET
=====================================================  ==========================

(``OPS`` = ``/subscriptions/{s}/providers/Microsoft.MachineLearningServices/locations/{region}``.)
Azure Monitor ``Microsoft.Insights/autoscalesettings`` paths: :mod:`.autoscale_routes`.

Every ARM request needs ``Authorization: Bearer <anything>`` (else 401 ``AuthenticationFailed``)
and a known ``api-version`` (else 400). Data plane: ``POST /score/{endpoint}``,
``GET /swagger/{endpoint}``. Control API: ``/_emulator/...``. Each request is logged at DEBUG
(method, path, api-version, body) and kept in a ring buffer the control API serves; each one that
reaches the emulated API (not answered by an injected fault) is counted under its operation's name
(:func:`operation_name`; ``GET /_emulator/azureml/calls``).
"""

from __future__ import annotations

import collections
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from ..common.calls import CallCounter
from ..common.faults import serve_fault
from ..common.wsgi import WSGIApp
from . import autoscale_routes, handlers, model_routes
from .backend import AzureMLBackend
from .errors import ArmError
from .faults import FaultInjector

__all__ = ["SUPPORTED_API_VERSIONS", "AzureMLApp", "RequestLog", "operation_name"]

_log = logging.getLogger(__name__)

SUPPORTED_API_VERSIONS: frozenset[str] = frozenset(
    {
        "2022-02-01-preview",
        "2022-05-01",
        "2022-06-01-preview",
        "2022-10-01",
        "2022-10-01-preview",
        "2022-12-01-preview",
        "2023-02-01-preview",
        "2023-04-01",
        "2023-04-01-preview",
        "2023-06-01-preview",
        "2023-08-01-preview",
        "2023-10-01",
        "2024-01-01-preview",
        "2024-04-01",
        "2024-04-01-preview",
        "2024-07-01-preview",
        "2024-10-01",
        "2024-10-01-preview",
        "2025-01-01-preview",
        "2025-04-01",
        "2025-06-01",
        "2025-09-01",
        "2025-12-01",
    }
)
"""api-versions of Microsoft.MachineLearningServices the emulator answers (those azure-ai-ml sends included)."""

_WS = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.MachineLearningServices/workspaces/(?P<ws>[^/]+)"
)
_EP = _WS + r"/onlineEndpoints/(?P<ep>[^/]+)"
_DEP = _EP + r"/deployments/(?P<dep>[^/]+)"
_ASSET = _WS + r"/(?P<kind>environments|data|codes)/(?P<name>[^/]+)/versions"
_OPS = (
    r"/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.MachineLearningServices/locations/(?P<loc>[^/]+)"
    r"/(?P<what>mfeOperationsStatus|mfeOperationResults)/(?P<op>[^/]+)"
)

Handler = Callable[..., Response]
_h = handlers
ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(f"^{pattern}/?$", re.IGNORECASE), methods)
    for pattern, methods in [
        (_WS, {"GET": _h.get_workspace}),
        (_WS + "/onlineEndpoints", {"GET": _h.list_endpoints}),
        (
            _EP,
            {"GET": _h.get_endpoint, "PUT": _h.put_endpoint, "PATCH": _h.patch_endpoint, "DELETE": _h.delete_endpoint},
        ),
        (_EP + "/listKeys", {"POST": _h.list_keys}),
        (_EP + "/regenerateKeys", {"POST": _h.regenerate_keys}),
        (_EP + "/token", {"POST": _h.get_token}),
        (_EP + "/deployments", {"GET": _h.list_deployments}),
        (
            _DEP,
            {
                "GET": _h.get_deployment,
                "PUT": _h.put_deployment,
                "PATCH": _h.patch_deployment,
                "DELETE": _h.delete_deployment,
            },
        ),
        (_DEP + "/getLogs", {"POST": _h.deployment_logs}),
        (_ASSET, {"GET": _h.list_assets}),
        (_ASSET + "/(?P<version>[^/]+)", {"GET": _h.get_asset, "PUT": _h.put_asset}),
        (_OPS, {"GET": _h.get_operation}),
    ]
] + model_routes.ROUTES + autoscale_routes.ROUTES  # model registry; Microsoft.Insights/autoscalesettings
_DATA_PLANE = re.compile(r"^/(?P<what>score|swagger)/(?P<endpoint>[^/]+)/?$")
_DATA_PLANE_OPERATIONS = {("score", "POST"): "Score", ("swagger", "GET"): "Swagger"}


def operation_name(method: str, path: str) -> str | None:
    """The API method ``method`` ``path`` calls, named after its handler (``put_endpoint`` ->
    ``PutEndpoint``; data plane ``Score``, ``Swagger``): what ``calls()`` counts and a fault's
    ``operation`` matches. None for an unknown path or method."""
    data_plane = _DATA_PLANE.match(path)
    if data_plane is not None:
        return _DATA_PLANE_OPERATIONS.get((data_plane.group("what"), method.upper()))
    for pattern, methods in ROUTES:
        if pattern.match(path):
            handler = methods.get(method.upper())
            return None if handler is None else "".join(p.capitalize() for p in handler.__name__.split("_"))
    return None


class RequestLog:
    """The last ``size`` requests (method, path, api-version, JSON body, status), thread-safe."""

    def __init__(self, size: int = 1000) -> None:
        self._entries: collections.deque[dict[str, Any]] = collections.deque(maxlen=size)

    def add(self, entry: dict[str, Any]) -> None:
        """Record one request."""
        self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """Oldest first."""
        return list(self._entries)

    def clear(self) -> None:
        """Forget every recorded request."""
        self._entries.clear()


class AzureMLApp:
    """The emulator's WSGI application; ``base_url`` is filled in once the server is bound."""

    def __init__(
        self, backend: AzureMLBackend, faults: FaultInjector, control: WSGIApp, log: RequestLog, calls: CallCounter
    ) -> None:
        self.backend = backend
        self.faults = faults
        self.control = control
        self.log = log
        self.calls = calls

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/_emulator/"):
            return self.control(environ, start_response)

        operation = operation_name(request.method, request.path)

        def answer(env: dict[str, Any], respond: Callable[..., Any]) -> Iterable[bytes]:
            if operation is not None:
                self.calls.record(operation)
            response = self._respond(request)
            self._finish(request, response)
            return response(env, respond)

        fault = self.faults.take(request.method, request.path, operation)
        if fault is None:
            return answer(environ, start_response)
        _log.info("injecting %s into %s %s", "drop" if fault.drop else fault.status or "latency", request.method,
                  request.path)
        error = _error(fault.error()) if fault.answers_error else None
        if error is not None:
            error.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        served = serve_fault(
            environ, start_response, answer, delay=fault.delay, drop=fault.drop, after=fault.after,
            error=None if error is None else (error.status_code, error.get_wsgi_headers(environ).to_wsgi_list(),
                                              error.get_data()),
        )
        if error is not None:
            self._record(request, error)
        return served

    def _finish(self, request: Request, response: Response) -> None:
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        self._record(request, response)

    def _respond(self, request: Request) -> Response:
        data_plane = _DATA_PLANE.match(request.path)
        if data_plane is not None:
            return self._data_plane(request, data_plane.group("what"), data_plane.group("endpoint"))
        try:
            return self._arm(request)
        except ArmError as exc:
            return _error(exc)
        except Exception:
            _log.exception("unhandled error in %s %s", request.method, request.path)
            return _error(ArmError(500, "InternalServerError", "The emulator failed to process the request."))

    def _data_plane(self, request: Request, what: str, endpoint: str) -> Response:
        if what == "score":
            if request.method != "POST":
                return handlers.json_response(405, {"message": "Use POST to score."}, {"Allow": "POST"})
            return handlers.score(self.backend, request, endpoint)
        if request.method != "GET":
            return handlers.json_response(405, {"message": "Use GET for the swagger document."}, {"Allow": "GET"})
        return handlers.swagger(self.backend, request, endpoint)

    def _arm(self, request: Request) -> Response:
        authorization = request.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ArmError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing or is not a Bearer token.",
                headers={
                    "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", '
                    'error="invalid_token"'
                },
            )
        api_version = request.args.get("api-version")
        if not api_version:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        if api_version not in SUPPORTED_API_VERSIONS:
            raise ArmError(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{api_version}' is invalid. The supported versions are "
                f"'{','.join(sorted(SUPPORTED_API_VERSIONS))}'.",
            )
        for pattern, methods in ROUTES:
            match = pattern.match(request.path)
            if match is None:
                continue
            handler = methods.get(request.method)
            if handler is None:
                raise ArmError(
                    405,
                    "MethodNotAllowed",
                    f"The HTTP method '{request.method}' is not supported for '{request.path}'; use {sorted(methods)}.",
                    headers={"Allow": ", ".join(sorted(methods))},
                )
            ctx = handlers.Context(self.backend, request, api_version, self.backend.base_url)
            return handler(ctx, **match.groupdict())
        raise ArmError(
            404,
            "InvalidResourceType",
            f"The resource type for '{request.path}' could not be found in the namespace "
            f"'Microsoft.MachineLearningServices' for api version '{api_version}'.",
        )

    def _record(self, request: Request, response: Response) -> None:
        raw = request.get_data()
        try:
            body: Any = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        entry = {
            "method": request.method,
            "path": request.path,
            "api_version": request.args.get("api-version"),
            "body": body,
            "status": response.status_code,
        }
        self.log.add(entry)
        _log.debug(
            "%s %s api-version=%s -> %s body=%s",
            request.method,
            request.path,
            entry["api_version"],
            response.status_code,
            raw[:2000],
        )


def _error(error: ArmError) -> Response:
    return handlers.json_response(error.status, error.body(), {"x-ms-failure-cause": "service", **error.headers})
