"""Server side of the Azure ML emulator's control API (``/_emulator/...``, JSON in and out).

The shared routes (:mod:`emulators.common.control_api`) and Azure ML's own; a bad body is HTTP 400
``{"error": "<message>"}``, an unknown route 404, a wrong method 405. The client and the route list
are in :mod:`emulators.azureml.control`.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from ..common.calls import CallCounter
from ..common.control_api import BadRequest, ControlAPIBase, Handlers, json_body, json_response, parse_failure
from .backend import AzureMLBackend
from .errors import ArmError
from .faults import FIELDS as FAULT_FIELDS
from .faults import FaultInjector, parse_fault
from .routes import RequestLog

__all__ = ["ControlAPI"]

_PREFIX = "/_emulator/azureml"
_KEY_VAULT_SECRET = re.compile(rf"^{_PREFIX}/keyvaults/(?P<vault>[^/]+)/secrets/(?P<name>[^/]+)$")
_DEPLOYMENT_FAILURE = re.compile(
    rf"^{_PREFIX}/endpoints/(?P<endpoint>[^/]+)/deployments/(?P<deployment>[^/]+)/failure$")


def _optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise BadRequest(f"'{key}' must be a non-empty string, got {value!r}")
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
    prediction_per_deployment = True
    progression_fields = frozenset({"progression", "times", "seconds"})
    fault_fields = FAULT_FIELDS

    def __init__(self, backend: AzureMLBackend, faults: FaultInjector, log: RequestLog, calls: CallCounter) -> None:
        super().__init__(faults, parse_fault, calls, backend.behaviour)
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
        match = _DEPLOYMENT_FAILURE.match(path)
        if match is None:
            return None
        endpoint, deployment = match.group("endpoint", "deployment")
        return {"PUT": lambda r: self._fail_deployment(endpoint, deployment, r)}

    def _failure_code(self, code: Any) -> str | None:
        if code is not None and (not isinstance(code, str) or not code):
            raise BadRequest(f"'code' must be a non-empty string, got {code!r}")
        return code

    def _drift(self, name: str, patch: dict[str, Any], deployment: str | None) -> dict[str, Any]:
        if deployment is None:
            unknown = set(patch) - {"tags", "traffic"}
            if unknown:
                raise BadRequest(f"an endpoint's drift patch takes 'tags', 'traffic'; got {sorted(unknown)}")
            return self._backend.drift_endpoint(
                name, tags=_str_map(patch, "tags"), traffic=_str_map(patch, "traffic", int)
            )
        unknown = set(patch) - {"tags", "instance_count", "environment_variables"}
        if unknown:
            raise BadRequest(
                "a deployment's drift patch takes 'tags', 'instance_count', 'environment_variables'; "
                f"got {sorted(unknown)}"
            )
        count = patch.get("instance_count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise BadRequest(f"'instance_count' must be an integer, got {count!r}")
        return self._backend.drift_deployment(
            name,
            deployment,
            tags=_str_map(patch, "tags"),
            instance_count=count,
            environment_variables=_str_map(patch, "environment_variables"),
        )

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

    def _fail_deployment(self, endpoint: str, deployment: str, request: Request) -> Response:
        body = json_body(request, {"reason", "once", "code"})
        _on, failure = parse_failure({"on": "create", **body}, self._failure_code)
        self._backend.fail_deployment(endpoint, deployment, failure)
        return json_response(200, self._backend.failures())
