"""URL routing and the WSGI application of the Vertex AI emulator.

Served paths (``{parent}`` = ``projects/{project}/locations/{location}``, project by id or number):

=======  ================================================================  ======================
Method   Path                                                              Method of the API
=======  ================================================================  ======================
POST     ``/v1/{parent}/models:upload``                                    ModelService.UploadModel
GET      ``/v1/{parent}/models``                                           ListModels
GET      ``/v1/{parent}/models/{model}``                                   GetModel
PATCH    ``/v1/{parent}/models/{model}``                                   UpdateModel
DELETE   ``/v1/{parent}/models/{model}``                                   DeleteModel
POST     ``/v1/{parent}/endpoints``                                        EndpointService.CreateEndpoint
GET      ``/v1/{parent}/endpoints``                                        ListEndpoints
GET      ``/v1/{parent}/endpoints/{endpoint}``                             GetEndpoint
PATCH    ``/v1/{parent}/endpoints/{endpoint}``                             UpdateEndpoint
DELETE   ``/v1/{parent}/endpoints/{endpoint}``                             DeleteEndpoint
POST     ``/v1/{parent}/endpoints/{endpoint}:deployModel``                 DeployModel
POST     ``/v1/{parent}/endpoints/{endpoint}:undeployModel``               UndeployModel
POST     ``/v1/{parent}/endpoints/{endpoint}:mutateDeployedModel``         MutateDeployedModel
POST     ``/v1/{parent}/endpoints/{endpoint}:predict``                     PredictionService.Predict
POST     ``/v1/{parent}/endpoints/{endpoint}:rawPredict``                  RawPredict
GET      ``/{ui|v1}/{parent}[/models|endpoints/{id}]/operations/{op}``     Operations.GetOperation
DELETE   same                                                              DeleteOperation
POST     same + ``:cancel`` / ``:wait``                                    CancelOperation / WaitOperation
GET      ``/{ui|v1}/{parent}[/models|endpoints/{id}]/operations``          ListOperations
POST     ``/v1/projects/{p}/secrets?secretId=``                            SecretManagerService.CreateSecret
POST     ``/v1/projects/{p}/secrets/{s}:addVersion``                       AddSecretVersion
GET      ``/v1/projects/{p}/secrets/{s}/versions/{v}:access``              AccessSecretVersion
POST     ``/v1/projects/{p}/secrets/{s}/versions/{v}:disable``             DisableSecretVersion
POST     same with ``:enable`` / ``:destroy``                              Enable/DestroySecretVersion
=======  ================================================================  ======================

Secret Manager (:mod:`emulators.vertex.secrets`) shares the server: in sandbox mode the
service's Secret Manager client is pointed here like the ``aiplatform_v1`` clients.

Every other method of ModelService, EndpointService and PredictionService (and their IAM, Locations
and Operations mixins on models/endpoints), as the ``aiplatform_v1`` REST transports lay them out
(:mod:`emulators.vertex.known_methods`: ``GET .../models/{m}:listVersions``, ``POST ...:explain``,
``POST .../endpoints/{e}:update``, ``POST .../models:copy`` ...), answers 501 ``UNIMPLEMENTED`` and
is counted under its name; unknown paths (or a verb the path does not have) 404 ``NOT_FOUND``.
``/_emulator/...`` is the control API (:mod:`emulators.vertex.control_api`). Before routing,
injected faults are applied (:mod:`emulators.vertex.faults`, served by
:func:`emulators.common.faults.serve_fault`). Authorization headers are accepted and ignored. Every
routed request is counted under its method's name (the right-hand column, without the service:
``CreateEndpoint``, ``GetOperation`` ...; ``GET /_emulator/vertex/calls``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from ..common.calls import CallCounter
from ..common.faults import serve_fault
from . import handlers as h
from .backend import VertexBackend
from .control_api import CONTROL_PREFIX, ControlAPI
from .errors import ApiError, unimplemented
from .faults import FaultInjector, fault_response
from .known_methods import known_method

__all__ = ["ROUTES", "Route", "VertexApp", "operation_name"]

_log = logging.getLogger(__name__)

_P = r"projects/(?P<project>[^/:]+)/locations/(?P<location>[^/:]+)"
_OPS_PARENT = r"projects/[^/:]+/locations/[^/:]+(?:/(?:models|endpoints)/[^/:]+)?"
_S = r"/v1/projects/(?P<project>[^/:]+)/secrets"
_V = rf"{_S}/(?P<secret>[^/:]+)/versions/(?P<version>[^/:]+)"
_SECRETS_NOT_EMULATED = r"/v1/projects/[^/]+/(?:locations/[^/]+/)?secrets(?:[/:].*)?"
"""Every other Secret Manager path: 501 ``UNIMPLEMENTED``."""


@dataclass(frozen=True)
class Route:
    """``method`` + full-match ``pattern`` -> ``handler``."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[[h.Call], Response]


def _r(method: str, pattern: str, handler: Callable[[h.Call], Response]) -> Route:
    return Route(method, re.compile(pattern), handler)


ROUTES: tuple[Route, ...] = (
    _r("POST", rf"/v1/{_P}/models:upload", h.upload_model),
    _r("GET", rf"/v1/{_P}/models", h.list_models),
    _r("GET", rf"/v1/{_P}/models/(?P<model>[^/:]+)", h.get_model),
    _r("PATCH", rf"/v1/{_P}/models/(?P<model>[^/:]+)", h.update_model),
    _r("DELETE", rf"/v1/{_P}/models/(?P<model>[^/:]+)", h.delete_model),
    _r("POST", rf"/v1/{_P}/endpoints", h.create_endpoint),
    _r("GET", rf"/v1/{_P}/endpoints", h.list_endpoints),
    _r("GET", rf"/v1/{_P}/endpoints/(?P<endpoint>[^/:]+)", h.get_endpoint),
    _r("PATCH", rf"/v1/{_P}/endpoints/(?P<endpoint>[^/:]+)", h.update_endpoint),
    _r("DELETE", rf"/v1/{_P}/endpoints/(?P<endpoint>[^/:]+)", h.delete_endpoint),
    _r("POST", rf"/v1/{_P}/endpoints/(?P<endpoint>[^/:]+):deployModel", h.deploy_model),
    _r("POST", rf"/v1/{_P}/endpoints/(?P<endpoint>[^/:]+):undeployModel", h.undeploy_model),
    _r("POST", rf"/v1/{_P}/endpoints/(?P<endpoint>[^/:]+):mutateDeployedModel", h.mutate_deployed_model),
    _r("POST", rf"/v1/{_P}/endpoints/(?P<endpoint>[^/:]+):predict", h.predict),
    _r("POST", rf"/v1/{_P}/endpoints/(?P<endpoint>[^/:]+):rawPredict", h.raw_predict),
    _r("GET", rf"/(?:ui|v1)/(?P<name>{_OPS_PARENT}/operations/[^/:]+)", h.get_operation),
    _r("DELETE", rf"/(?:ui|v1)/(?P<name>{_OPS_PARENT}/operations/[^/:]+)", h.delete_operation),
    _r("POST", rf"/(?:ui|v1)/(?P<name>{_OPS_PARENT}/operations/[^/:]+):cancel", h.cancel_operation),
    _r("POST", rf"/(?:ui|v1)/(?P<name>{_OPS_PARENT}/operations/[^/:]+):wait", h.wait_operation),
    _r("GET", rf"/(?:ui|v1)/(?P<name>{_OPS_PARENT})/operations", h.list_operations),
    _r("POST", rf"{_S}", h.create_secret),
    _r("POST", rf"{_S}/(?P<secret>[^/:]+):addVersion", h.add_secret_version),
    _r("GET", rf"{_V}:access", h.access_secret_version),
    _r("POST", rf"{_V}:disable", h.disable_secret_version),
    _r("POST", rf"{_V}:enable", h.enable_secret_version),
    _r("POST", rf"{_V}:destroy", h.destroy_secret_version),
    *(_r(method, _SECRETS_NOT_EMULATED, h.not_emulated) for method in ("GET", "POST", "PATCH", "DELETE")),
)


def _method_name(route: Route) -> str:
    """The API method a route serves, from its handler's name: ``create_endpoint`` -> ``CreateEndpoint``."""
    return "".join(part.capitalize() for part in route.handler.__name__.split("_"))


def operation_name(method: str, path: str) -> str | None:
    """The API method ``method`` ``path`` calls (``CreateEndpoint``, ``ExplainEndpoint``...: what
    ``calls()`` counts and a fault's ``operation`` matches); None for an unknown path."""
    for route in ROUTES:
        if route.method == method and route.pattern.fullmatch(path):
            return _method_name(route)
    known = known_method(method, path)
    return known.method if known is not None else None


def _json_error(error: ApiError) -> Response:
    return Response(error.body(), status=error.http_status, content_type="application/json; charset=UTF-8")


class VertexApp:
    """The WSGI app of one emulator: control API, faults, then the Vertex AI routes."""

    def __init__(self, backend: VertexBackend, faults: FaultInjector) -> None:
        self._backend = backend
        self._faults = faults
        self._calls = CallCounter()
        self._control = ControlAPI(backend, faults, self._calls)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(environ, start_response)
        fault = self._faults.take(method, path, operation_name(method, path))
        if fault is None:
            return self._answer(environ, start_response)
        _log.info("injecting fault (status %s, delay %s s, drop %s, after %s) into %s %s", fault.status,
                  fault.delay, fault.drop, fault.after, method, path)
        return serve_fault(environ, start_response, self._answer, delay=fault.delay, drop=fault.drop,
                           after=fault.after, error=fault_response(fault) if fault.answers_error else None)

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The emulated API's answer to one request (API errors as Google's JSON errors)."""
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except ApiError as exc:
            _log.debug("%s %s -> %s %s", request.method, request.path, exc.http_status, exc.message)
            response = _json_error(exc)
        except Exception as exc:  # never let a bug take the connection down without an answer
            _log.exception("unhandled error on %s %s", request.method, request.path)
            response = _json_error(ApiError("INTERNAL", f"Internal error in the emulator: {exc}"))
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path, method = request.path, request.method
        path_matched = False
        for route in ROUTES:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            path_matched = True
            if route.method == method:
                self._calls.record(_method_name(route))
                return route.handler(h.Call(request, match.groupdict(), self._backend))
        known = known_method(method, path)
        if known is not None:
            self._calls.record(known.method)
            raise unimplemented(f"{known.full_name} ({method} {path}) is not emulated by the Vertex AI emulator.")
        if path_matched:
            raise ApiError("NOT_FOUND", f"Method {method} is not supported on {path}.")
        raise ApiError("NOT_FOUND", f"The requested URL {path} was not found on this server.")
