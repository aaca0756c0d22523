"""Server side of the Azure ML emulator's control API (``/_emulator/...``, JSON in and out).

A bad body is HTTP 400 ``{"error": "<message>"}``, an unknown route 404, a wrong method 405. The
client and the route list are in :mod:`emulators.azureml.control`.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from ..common.calls import CallCounter
from ..common.control_api import BadRequest, ControlAPIBase, Handlers, http_status_field, json_body, json_response
from .backend import AzureMLBackend
from .errors import ArmError
from .faults import FIELDS as FAULT_FIELDS
from .faults import FaultInjector, parse_fault
from .handlers import decode_scoring_body
from .routes import RequestLog
from .state import ScoringResponse

__all__ = ["ControlAPI"]

_PREFIX = "/_emulator/azureml"
_ENDPOINT = re.compile(rf"^{_PREFIX}/endpoints/(?P<endpoint>[^/]+)/(?P<what>failure|scoring|drift)$")
_KEY_VAULT_SECRET = re.compile(rf"^{_PREFIX}/keyvaults/(?P<vault>[^/]+)/secrets/(?P<name>[^/]+)$")
_DEPLOYMENT = re.compile(
    rf"^{_PREFIX}/endpoints/(?P<endpoint>[^/]+)/deployments/(?P<deployment>[^/]+)/(?P<what>failure|drift)$"
)


def _optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise BadRequest(f"'{key}' must be a non-empty string, got {value!r}")
    return value


def _required_str(body: dict[str, Any], key: str) -> str:
    value = _optional_str(body, key)
    if value is None:
        raise BadRequest(f"'{key}' is required")
    return value


def _str_map(body: dict[str, Any], key: str, value_type: type = str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, value_type) and not isinstance(v, bool) for k, v in value.items()
    ):
        raise BadRequest(f"'{key}' must be an object of {value_type.__name__} values, got {value!r}")
    return value


class ControlAPI(ControlAPIBase):
    """WSGI app answering ``/_emulator/...`` for one emulator."""

    prefix = _PREFIX
    progression_fields = frozenset({"progression", "times", "seconds"})
    fault_fields = FAULT_FIELDS

    def __init__(self, backend: AzureMLBackend, faults: FaultInjector, log: RequestLog, calls: CallCounter) -> None:
        super().__init__(faults, parse_fault, calls)
        self._backend = backend
        self._log = log

    def _error_response(self, exc: Exception) -> Response | None:
        if isinstance(exc, ArmError):
            return json_response(exc.status, {"error": exc.message, "code": exc.code})
        return super()._error_response(exc)

    def _reset_state(self) -> None:
        self._backend.reset_state()
        self._log.clear()

    def _current_progression(self) -> dict[str, Any]:
        return self._backend.progression.as_dict()

    def _apply_progression(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._backend.set_progression(body).as_dict()

    def _provider_handlers(self, path: str) -> Handlers | None:
        fixed: dict[str, Handlers] = {
            f"{_PREFIX}/failures": {"GET": lambda _r: json_response(200, self._backend.failures())},
            f"{_PREFIX}/requests": {"GET": self._requests, "DELETE": self._clear_requests},
            f"{_PREFIX}/state": {"GET": lambda _r: json_response(200, self._backend.snapshot())},
            f"{_PREFIX}/keyvaults": {"GET": lambda _r: json_response(200, self._backend.key_vaults())},
        }
        secret = _KEY_VAULT_SECRET.match(path)
        if secret:
            return {"PUT": lambda r: self._add_key_vault_secret(secret["vault"], secret["name"], r)}
        return fixed.get(path) or self._resource_handlers(path)

    def _resource_handlers(self, path: str) -> Handlers | None:
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

    def _add_key_vault_secret(self, vault: str, name: str, request: Request) -> Response:
        body = json_body(request, {"version"})
        try:
            uri = self._backend.add_key_vault_secret(vault, name, _optional_str(body, "version"))
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        return json_response(200, {"id": uri})

    def _requests(self, _request: Request) -> Response:
        return json_response(200, {"requests": self._log.entries()})

    def _clear_requests(self, _request: Request) -> Response:
        self._log.clear()
        return json_response(200, {"requests": []})

    def _fail_endpoint(self, endpoint: str, request: Request) -> Response:
        body = json_body(request, {"on", "reason", "code"})
        on, reason = _required_str(body, "on"), _required_str(body, "reason")
        self._backend.fail_endpoint(endpoint, on, reason, _optional_str(body, "code"))
        return json_response(200, self._backend.failures())

    def _fail_deployment(self, endpoint: str, deployment: str, request: Request) -> Response:
        body = json_body(request, {"reason", "code"})
        reason = _required_str(body, "reason")
        self._backend.fail_deployment(endpoint, deployment, reason, _optional_str(body, "code"))
        return json_response(200, self._backend.failures())

    def _clear_failure(self, endpoint: str) -> Response:
        self._backend.clear_failure(endpoint)
        return json_response(200, self._backend.failures())

    def _set_scoring(self, endpoint: str, request: Request) -> Response:
        body = json_body(request, {"status", "content_type", "deployment", "json", "text", "base64"})
        status = http_status_field(body)
        content_type = _optional_str(body, "content_type") or "application/json"
        response = ScoringResponse(status=status, body=decode_scoring_body(body), content_type=content_type)
        self._backend.set_scoring_response(endpoint, response, _optional_str(body, "deployment"))
        return json_response(200, {"endpoint": endpoint, "status": status})

    def _clear_scoring(self, endpoint: str) -> Response:
        self._backend.clear_scoring_response(endpoint)
        return json_response(200, {"endpoint": endpoint, "scoring": None})

    def _drift_endpoint(self, endpoint: str, request: Request) -> Response:
        body = json_body(request, {"tags", "traffic"})
        rendered = self._backend.drift_endpoint(
            endpoint, tags=_str_map(body, "tags"), traffic=_str_map(body, "traffic", int)
        )
        return json_response(200, rendered)

    def _drift_deployment(self, endpoint: str, deployment: str, request: Request) -> Response:
        body = json_body(request, {"tags", "instance_count", "environment_variables"})
        count = body.get("instance_count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise BadRequest(f"'instance_count' must be an integer, got {count!r}")
        rendered = self._backend.drift_deployment(
            endpoint,
            deployment,
            tags=_str_map(body, "tags"),
            instance_count=count,
            environment_variables=_str_map(body, "environment_variables"),
        )
        return json_response(200, rendered)
