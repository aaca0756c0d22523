"""The data plane: ``POST /score/{endpoint}`` (the endpoint's ``scoringUri``) and its swagger.

Contract:

- ``Authorization: Bearer <credential>``: the primary or secondary key (auth mode Key), a token
  from the ``token`` API that has not expired (AMLToken), any bearer (AADToken). Missing or wrong
  -> 401.
- Unknown endpoint (or being deleted) -> 404. Header ``azureml-model-deployment: <name>`` routes
  to that deployment (any traffic; unknown -> 404); otherwise a deterministic smooth weighted
  round robin over the deployments with live traffic (none -> 404 "No valid deployments to route
  to..."). A deployment that is not ``Succeeded``/``Updating`` answers 503.
- Answer: the response configured with ``set_prediction`` (deployment-specific first, then
  endpoint-wide), else 200 ``{"echo": <request JSON or text>, "deployment": <name>}``; header
  ``azureml-model-deployment: <name>`` on every answer from a deployment.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from .base import BackendCore
from .state import Deployment, Endpoint

__all__ = ["DataPlaneAnswer", "ScoringOperations"]

DataPlaneAnswer = tuple[int, dict[str, str], bytes]
"""``(status, headers, body)`` of a data-plane answer."""

_NO_ROUTE = (
    "No valid deployments to route to. Please check that the endpoint has at least one deployment with "
    "positive weight values or use a deployment specific header to route."
)


def _message(status: int, message: str, extra: dict[str, str] | None = None) -> DataPlaneAnswer:
    headers = {"Content-Type": "application/json", "x-request-id": str(uuid.uuid4()), **(extra or {})}
    return status, headers, json.dumps({"message": message}).encode("utf-8")


class ScoringOperations(BackendCore):
    """Mixin: authentication, routing and answers of the scoring URI."""

    def score(self, endpoint_name: str, headers: dict[str, str], body: bytes) -> DataPlaneAnswer:
        """Answer one scoring request (``headers`` with lower-cased names)."""
        with self.lock:
            endpoint = self._serving_endpoint(endpoint_name)
            if endpoint is None:
                return _message(404, f"Endpoint '{endpoint_name}' not found.")
            refusal = self._authenticate(endpoint, headers.get("authorization", ""))
            if refusal is not None:
                return refusal
            wanted = headers.get("azureml-model-deployment")
            if wanted:
                deployment = self.deployment_of(endpoint, wanted)
                if deployment is None or deployment.state == "Deleting":
                    return _message(404, f"Deployment '{wanted}' not found in endpoint '{endpoint.name}'.")
            else:
                deployment = self._route(endpoint)
                if deployment is None:
                    return _message(404, _NO_ROUTE)
            marker = {"azureml-model-deployment": deployment.name}
            if deployment.state not in ("Succeeded", "Updating"):
                return _message(
                    503, f"Deployment '{deployment.name}' is not ready (provisioningState {deployment.state}).", marker
                )
            configured = self.behaviour.response(endpoint.name, deployment.name)
            if configured is not None:
                return configured.status, {"Content-Type": configured.content_type, **marker}, configured.body
            payload: Any
            try:
                payload = json.loads(body) if body else None
            except ValueError:
                payload = body.decode("utf-8", "replace")
            answer = json.dumps({"echo": payload, "deployment": deployment.name}).encode("utf-8")
            return 200, {"Content-Type": "application/json", **marker}, answer

    def swagger(self, endpoint_name: str, headers: dict[str, str]) -> DataPlaneAnswer:
        """A minimal OpenAPI document of the endpoint (same authentication as scoring)."""
        with self.lock:
            endpoint = self._serving_endpoint(endpoint_name)
            if endpoint is None:
                return _message(404, f"Endpoint '{endpoint_name}' not found.")
            refusal = self._authenticate(endpoint, headers.get("authorization", ""))
            if refusal is not None:
                return refusal
            document = {
                "openapi": "3.0.1",
                "info": {"title": endpoint.name, "version": "1.0"},
                "paths": {"/score": {"post": {"responses": {"200": {"description": "prediction"}}}}},
            }
            return 200, {"Content-Type": "application/json"}, json.dumps(document).encode("utf-8")

    def _serving_endpoint(self, name: str) -> Endpoint | None:
        endpoint = self.find_endpoint(name)
        if endpoint is None:
            return None
        self.observe_endpoint(endpoint, read=False)
        if self.find_endpoint(name) is not endpoint or endpoint.state == "Deleting":
            return None
        return endpoint

    @staticmethod
    def _authenticate(endpoint: Endpoint, authorization: str) -> DataPlaneAnswer | None:
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            return _message(401, "Missing or malformed Authorization header; expected 'Bearer <key or token>'.")
        mode = endpoint.auth_mode
        if mode == "Key":
            valid = credential in (endpoint.keys["primaryKey"], endpoint.keys["secondaryKey"])
        elif mode == "AMLToken":
            valid = endpoint.tokens.get(credential, 0) > time.time()
        else:
            valid = True
        if not valid:
            return _message(401, f"Invalid credential for endpoint '{endpoint.name}' (auth mode {mode}).")
        return None

    @staticmethod
    def _route(endpoint: Endpoint) -> Deployment | None:
        weights = tuple(sorted((name, percent) for name, percent in endpoint.traffic.items() if percent > 0))
        if not weights:
            return None
        if weights != endpoint.router_signature:
            endpoint.router = {name: 0 for name, _ in weights}
            endpoint.router_signature = weights
        total = sum(percent for _, percent in weights)
        for name, percent in weights:
            endpoint.router[name] += percent
        chosen = max(weights, key=lambda item: endpoint.router[item[0]])[0]
        endpoint.router[chosen] -= total
        return endpoint.deployments.get(chosen.lower())
