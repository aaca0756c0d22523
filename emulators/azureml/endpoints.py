"""Online endpoint operations: create/replace, patch, get, list, delete, keys, tokens.

Contracts (as Azure ML behaves):

- PUT validates against ``OnlineEndpoint``; name 3-32 characters; ``location`` must be the
  workspace's region and cannot change; names are unique in the region (another workspace holding
  the name -> 409); ``compute`` (Kubernetes endpoints) refers to no attached compute -> 400;
  traffic/mirror traffic over existing deployments (see :func:`~emulators.azureml.rules.check_traffic`);
  ``properties.keys`` only at creation. 201 + ``Creating`` (create, or re-create of a never
  succeeded endpoint) / 200 + ``Updating``. ``authMode`` may change (the REST model marks it
  updatable). A write while an operation is in flight -> 409.
- PATCH (``PartialMinimalTrackedResourceWithIdentity``): ``tags`` (replaced) and ``identity``; 200.
- DELETE: 202 + ``Deleting`` (deployments too), gone when the operation completes; missing -> 204.
- listKeys only for auth mode Key, token only for AMLToken (400 otherwise); regenerateKeys is an
  operation: 202, the key changes when it completes (``keyValue`` sets it, unless it is the current
  value, which the SDK sends: then a new random key is drawn).
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from . import rules, schema
from .base import Answer, BackendCore, Scope
from .errors import bad_request, conflict, not_found
from .shapes import render_endpoint, with_endpoint_defaults
from .state import Endpoint, new_key

__all__ = ["ENDPOINT_FAILURE_CODE", "TOKEN_LIFETIME_S", "EndpointOperations"]

TOKEN_LIFETIME_S = 3600
ENDPOINT_FAILURE_CODE = "EndpointProvisioningFailed"


class EndpointOperations(BackendCore):
    """Mixin: the online endpoint half of the ARM API."""

    def _endpoint(self, scope: Scope, name: str, *, read: bool = False) -> Endpoint:
        endpoints = self.workspace(scope).endpoints
        endpoint = endpoints.get(name.lower())
        if endpoint is not None:
            self.observe_endpoint(endpoint, read=read)
        if endpoint is None or endpoints.get(name.lower()) is not endpoint:  # missing, or its deletion just completed
            raise not_found("online endpoint", name, parent=f"workspace '{scope.workspace}'")
        return endpoint

    def render_endpoint(self, endpoint: Endpoint, api_version: str) -> dict[str, Any]:
        """ARM JSON of ``endpoint`` (for handlers and the control API)."""
        return render_endpoint(endpoint, self.base_url, api_version)

    def put_endpoint(self, scope: Scope, name: str, body: Any, api_version: str) -> Answer:
        """Create or replace endpoint ``name``."""
        with self.lock:
            workspace = self.workspace(scope)
            rules.check_name(name, "endpoint")
            cleaned = with_endpoint_defaults(self.validated("OnlineEndpoint", body))
            properties = cleaned["properties"]
            location = rules.normalise_location(cleaned["location"])
            if location != workspace.location:
                raise bad_request(
                    f"The endpoint location '{cleaned['location']}' must be the workspace's location "
                    f"'{workspace.location}'.",
                    target="location",
                )
            cleaned["location"] = location
            if properties.get("compute"):
                raise bad_request(
                    f"Compute '{properties['compute']}' is not attached to workspace '{scope.workspace}'; "
                    "Kubernetes online endpoints need an attached Kubernetes compute.",
                    target="properties.compute",
                )
            keys = properties.pop("keys", None)
            other = self.find_endpoint(name)
            if other is not None and other.workspace is not workspace:
                raise conflict(
                    f"An online endpoint named '{name}' already exists in region '{self.location}' "
                    f"(workspace '{other.workspace.name if other.workspace else '?'}'); "
                    "endpoint names are unique per region.",
                    target="name",
                )
            existing = workspace.endpoints.get(name.lower())
            if existing is not None:
                return self._replace_endpoint(existing, cleaned, keys, api_version)
            rules.check_traffic(properties.get("traffic"), properties.get("mirrorTraffic"), {})
            properties["traffic"], properties["mirrorTraffic"] = {}, {}
            endpoint = Endpoint(
                id=f"{scope.workspace_id}/onlineEndpoints/{name}",
                name=name,
                body=cleaned,
                state="Creating",
                workspace=workspace,
                principal_id=str(uuid.uuid4()),
            )
            if keys:
                endpoint.keys.update({k: v for k, v in keys.items() if v})
            workspace.endpoints[name.lower()] = endpoint
            operation = self.start(endpoint, "create", failure=self._endpoint_failure(endpoint))
            return Answer(201, self.render_endpoint(endpoint, api_version), operation)

    def _endpoint_failure(self, endpoint: Endpoint) -> tuple[str, str] | None:
        failure = self.behaviour.failure(endpoint.name, "create")
        return (failure.code or ENDPOINT_FAILURE_CODE, failure.reason) if failure else None

    def _replace_endpoint(self, endpoint: Endpoint, cleaned: dict[str, Any], keys: Any, api_version: str) -> Answer:
        self.observe_endpoint(endpoint, read=False)
        if endpoint.busy():
            raise conflict(
                f"Online endpoint '{endpoint.name}' has an operation in progress (provisioningState "
                f"{endpoint.state}); retry when it has finished.",
                target=endpoint.name,
            )
        changed = schema.immutable_changes("OnlineEndpoint", endpoint.body, cleaned)
        if changed:
            raise bad_request(
                f"Online endpoint '{endpoint.name}': {', '.join(changed)} cannot be changed after creation.",
                target=changed[0],
            )
        if keys:
            raise bad_request(
                "'properties.keys' can only be set when the endpoint is created; use regenerateKeys.",
                target="properties.keys",
            )
        properties = cleaned["properties"]
        live, mirror = rules.check_traffic(
            properties.get("traffic"), properties.get("mirrorTraffic"), endpoint.deployment_names()
        )
        properties["traffic"], properties["mirrorTraffic"] = live, mirror
        properties["properties"] = self.merged_bag(endpoint.properties.get("properties"), properties.get("properties"))
        endpoint.body = cleaned
        recreate = endpoint.state == "Failed" and not endpoint.ever_succeeded
        if recreate:
            operation = self.start(endpoint, "create", failure=self._endpoint_failure(endpoint))
            return Answer(201, self.render_endpoint(endpoint, api_version), operation)
        operation = self.start(endpoint, "update")
        return Answer(200, self.render_endpoint(endpoint, api_version), operation)

    def patch_endpoint(self, scope: Scope, name: str, body: Any, api_version: str) -> Answer:
        """Update tags and/or identity of endpoint ``name`` (synchronous)."""
        with self.lock:
            cleaned = self.validated("PartialMinimalTrackedResourceWithIdentity", body)
            endpoint = self._endpoint(scope, name)
            if endpoint.state == "Deleting":
                raise conflict(f"Online endpoint '{endpoint.name}' is being deleted.", target=endpoint.name)
            if "tags" in cleaned:
                endpoint.body["tags"] = dict(cleaned["tags"])
            if "identity" in cleaned:
                identity = {k: v for k, v in cleaned["identity"].items() if v is not None}
                endpoint.body["identity"] = {**endpoint.body.get("identity", {}), **identity}
            return Answer(200, self.render_endpoint(endpoint, api_version))

    def get_endpoint(self, scope: Scope, name: str, api_version: str) -> Answer:
        """Endpoint ``name`` (a read: counts for the manual progression)."""
        with self.lock:
            return Answer(200, self.render_endpoint(self._endpoint(scope, name, read=True), api_version))

    def list_endpoints(self, scope: Scope, api_version: str) -> list[dict[str, Any]]:
        """Every endpoint of the workspace, oldest first (each listed endpoint counts one read)."""
        with self.lock:
            workspace = self.workspace(scope)
            for endpoint in list(workspace.endpoints.values()):
                self.observe_endpoint(endpoint, read=True)
            ordered = sorted(workspace.endpoints.values(), key=lambda e: e.created_at)
            return [self.render_endpoint(e, api_version) for e in ordered]

    def delete_endpoint(self, scope: Scope, name: str) -> Answer:
        """Start deleting endpoint ``name`` and its deployments (202), or 204 if it does not exist."""
        with self.lock:
            workspace = self.workspace(scope)
            endpoint = workspace.endpoints.get(name.lower())
            if endpoint is None:
                return Answer(204)
            self.observe_endpoint(endpoint, read=False)
            if endpoint.state == "Deleting" and endpoint.busy():
                return Answer(202, None, endpoint.operation)
            if workspace.endpoints.get(name.lower()) is not endpoint:
                return Answer(204)
            for deployment in endpoint.deployments.values():
                if deployment.operation is not None:
                    deployment.operation.cancel()
                deployment.state = "Deleting"

            def remove() -> None:
                if workspace.endpoints.get(endpoint.name.lower()) is endpoint:
                    del workspace.endpoints[endpoint.name.lower()]

            return Answer(202, None, self.start(endpoint, "delete", on_success=remove))

    def _keyed_endpoint(self, scope: Scope, name: str, mode: str, what: str) -> Endpoint:
        endpoint = self._endpoint(scope, name)
        if endpoint.auth_mode != mode:
            raise bad_request(
                f"Online endpoint '{endpoint.name}' uses auth mode '{endpoint.auth_mode}'; {what} is only "
                f"available for auth mode '{mode}'.",
                target="properties.authMode",
            )
        return endpoint

    def list_keys(self, scope: Scope, name: str) -> Answer:
        """The endpoint's primary and secondary keys (auth mode Key only)."""
        with self.lock:
            endpoint = self._keyed_endpoint(scope, name, "Key", "listKeys")
            return Answer(200, dict(endpoint.keys))

    def get_token(self, scope: Scope, name: str) -> Answer:
        """A new AML token for the endpoint's data plane (auth mode AMLToken only), valid one hour."""
        with self.lock:
            endpoint = self._keyed_endpoint(scope, name, "AMLToken", "an AML token")
            now = int(time.time())
            token = secrets.token_urlsafe(32)
            endpoint.tokens[token] = now + TOKEN_LIFETIME_S
            body = {
                "accessToken": token,
                "expiryTimeUtc": now + TOKEN_LIFETIME_S,
                "refreshAfterTimeUtc": now + TOKEN_LIFETIME_S // 2,
                "tokenType": "Bearer",
            }
            return Answer(200, body)

    def regenerate_keys(self, scope: Scope, name: str, body: Any) -> Answer:
        """Start regenerating one key (202); it changes when the operation completes."""
        with self.lock:
            cleaned = self.validated("RegenerateEndpointKeysRequest", body if body is not None else {})
            endpoint = self._keyed_endpoint(scope, name, "Key", "regenerateKeys")
            if endpoint.busy():
                raise conflict(f"Online endpoint '{endpoint.name}' has an operation in progress.", target=endpoint.name)
            slot = "primaryKey" if cleaned["keyType"] == "Primary" else "secondaryKey"
            wanted = cleaned.get("keyValue")
            value = wanted if wanted and wanted != endpoint.keys[slot] else new_key()

            def apply() -> None:
                endpoint.keys[slot] = value

            return Answer(202, None, self.start(endpoint, "action", on_success=apply))
