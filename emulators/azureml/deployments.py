"""Online deployment operations: create/replace, patch, get, list, delete, logs.

Contracts (as Azure ML behaves):

- PUT validates against ``OnlineDeployment`` (discriminated by ``endpointComputeType``); the
  endpoint must exist and be neither ``Failed`` (400) nor ``Deleting`` (409); only ``Managed``
  deployments (the endpoint has no ``compute``); ``location`` = the workspace's region;
  ``instanceType`` required and a supported VM size; Azure's ranges (see :mod:`~emulators.azureml.rules`);
  at most 20 deployments per endpoint. Create-only fields (``instanceType``,
  ``codeConfiguration``, ``location``, ``endpointComputeType`` — from the REST model's visibility)
  cannot change on replace (400: create a new deployment). 201 ``Creating`` / 200 ``Updating``;
  409 while an operation is in flight. Azure's defaults are filled in
  (:func:`~emulators.azureml.shapes.with_deployment_defaults`). Secret injection references in
  ``environmentVariables`` (``${{keyvault:...}}``, ``${{azureml://connections/...}}``) must be
  well formed (:mod:`~emulators.azureml.secret_refs`); they are stored as sent. A Key Vault
  reference to a registered vault's missing secret fails the operation (secret injection).
- Configured failures make the operation end ``Failed`` (resource and operation status, with the
  reason): ``fail_deployment`` for that deployment; an endpoint failure ``on="create"`` for the
  endpoint's first deployment (no Succeeded deployment yet), ``on="update"`` once it has one.
- PATCH (``PartialMinimalTrackedResourceWithSku``): ``tags`` (replaced) synchronously (200);
  ``sku.capacity`` (1-20) is a scale operation (202, ``Updating``); other sku fields cannot change.
- DELETE: 400 while the deployment takes live or mirror traffic; 202 ``Deleting``; missing -> 204.
- getLogs: container log lines; a failed deployment's log ends with its failure reason.
"""

from __future__ import annotations

from typing import Any

from . import rules, schema, secret_refs
from .base import Answer, BackendCore, Scope
from .errors import bad_request, conflict, not_found
from .shapes import render_deployment, with_deployment_defaults
from .state import Deployment, Endpoint

__all__ = ["DEPLOYMENT_FAILURE_CODE", "DeploymentOperations"]

DEPLOYMENT_FAILURE_CODE = "DeploymentFailed"


class DeploymentOperations(BackendCore):
    """Mixin: the online deployment half of the ARM API."""

    def _parent(self, scope: Scope, endpoint_name: str) -> Endpoint:
        endpoints = self.workspace(scope).endpoints
        endpoint = endpoints.get(endpoint_name.lower())
        if endpoint is not None:
            self.observe_endpoint(endpoint, read=False)
        if endpoint is None or endpoints.get(endpoint_name.lower()) is not endpoint:
            raise not_found("online endpoint", endpoint_name, parent=f"workspace '{scope.workspace}'")
        return endpoint

    def _deployment(self, scope: Scope, endpoint_name: str, name: str, *, read: bool = False) -> Deployment:
        endpoint = self._parent(scope, endpoint_name)
        deployment = self.deployment_of(endpoint, name)
        if deployment is not None:
            self.observe(deployment, read=read)
        if deployment is None or self.deployment_of(endpoint, name) is not deployment:
            raise not_found("online deployment", name, parent=f"online endpoint '{endpoint.name}'")
        return deployment

    def render_deployment(self, deployment: Deployment, api_version: str) -> dict[str, Any]:
        """ARM JSON of ``deployment``."""
        return render_deployment(deployment, self.base_url, api_version)

    def put_deployment(self, scope: Scope, endpoint_name: str, name: str, body: Any, api_version: str) -> Answer:
        """Create or replace deployment ``name`` of endpoint ``endpoint_name``."""
        with self.lock:
            endpoint = self._parent(scope, endpoint_name)
            rules.check_name(name, "deployment")
            cleaned = self.validated("OnlineDeployment", body)
            self._check_deployment(scope, endpoint, cleaned)
            with_deployment_defaults(cleaned)
            existing = self.deployment_of(endpoint, name)
            if existing is not None:
                return self._replace_deployment(endpoint, existing, cleaned, api_version)
            if len(endpoint.deployments) >= rules.MAX_DEPLOYMENTS_PER_ENDPOINT:
                raise bad_request(
                    f"Online endpoint '{endpoint.name}' already has {rules.MAX_DEPLOYMENTS_PER_ENDPOINT} deployments "
                    "(the maximum per endpoint).",
                    target="name",
                )
            deployment = Deployment(
                id=f"{endpoint.id}/deployments/{name}", name=name, body=cleaned, state="Creating", endpoint=endpoint
            )
            endpoint.deployments[name.lower()] = deployment
            operation = self.start(deployment, "create", failure=self._deployment_failure(endpoint, deployment))
            return Answer(201, self.render_deployment(deployment, api_version), operation)

    def _check_deployment(self, scope: Scope, endpoint: Endpoint, cleaned: dict[str, Any]) -> None:
        if endpoint.state == "Deleting":
            raise conflict(f"Online endpoint '{endpoint.name}' is being deleted.", target=endpoint.name)
        if endpoint.state == "Failed":
            raise bad_request(
                f"Online endpoint '{endpoint.name}' is in provisioningState Failed; deployments can only be created "
                "on an endpoint that is not Failed or Deleting.",
                target=endpoint.name,
            )
        properties = cleaned["properties"]
        if properties["endpointComputeType"] != "Managed":
            raise bad_request(
                f"Online endpoint '{endpoint.name}' is a managed online endpoint; its deployments must have "
                f"endpointComputeType 'Managed', got '{properties['endpointComputeType']}'.",
                target="properties.endpointComputeType",
            )
        location = rules.normalise_location(cleaned["location"])
        if location != self.workspace(scope).location:
            raise bad_request(
                f"The deployment location '{cleaned['location']}' must be the workspace's location "
                f"'{self.workspace(scope).location}'.",
                target="location",
            )
        cleaned["location"] = location
        if not properties.get("instanceType"):
            raise bad_request(
                "'properties.instanceType' is required for managed online deployments.",
                target="properties.instanceType",
            )
        properties["instanceType"] = rules.canonical_instance_type(properties["instanceType"])
        rules.check_deployment_settings(properties, cleaned.get("sku"))
        rules.check_asset_references(properties)
        secret_refs.check_environment_variables(properties.get("environmentVariables"))

    def _deployment_failure(self, endpoint: Endpoint, deployment: Deployment) -> tuple[str, str] | None:
        configured = self.behaviour.failure(f"{endpoint.name}/{deployment.name}", "deploy")
        if configured is None:
            has_succeeded = any(d.state == "Succeeded" or d.ever_succeeded for d in endpoint.deployments.values())
            configured = self.behaviour.failure(endpoint.name, "update" if has_succeeded else "create")
        if configured is None:
            env = (deployment.body.get("properties") or {}).get("environmentVariables")
            reason = secret_refs.injection_failure(env, self.vault_secrets)
            return None if reason is None else (DEPLOYMENT_FAILURE_CODE, reason)
        return (configured.code or DEPLOYMENT_FAILURE_CODE, configured.reason)

    def _replace_deployment(
        self, endpoint: Endpoint, deployment: Deployment, cleaned: dict[str, Any], api_version: str
    ) -> Answer:
        if deployment.state == "Deleting":
            raise conflict(f"Online deployment '{deployment.name}' is being deleted.", target=deployment.name)
        if deployment.busy():
            raise conflict(
                f"Online deployment '{deployment.name}' has an operation in progress (provisioningState "
                f"{deployment.state}); retry when it has finished.",
                target=deployment.name,
            )
        changed = schema.immutable_changes("OnlineDeployment", deployment.body, cleaned)
        if changed:
            details = ", ".join(
                f"{path} ({_at(deployment.body, path)!r} -> {_at(cleaned, path)!r})" for path in changed
            )
            raise bad_request(
                f"Online deployment '{deployment.name}': {details} cannot be changed after creation; "
                "create a new deployment instead.",
                target=changed[0],
            )
        properties = cleaned["properties"]
        properties["properties"] = self.merged_bag(
            deployment.properties.get("properties"), properties.get("properties")
        )
        deployment.body = cleaned
        recreate = deployment.state == "Failed" and not deployment.ever_succeeded
        failure = self._deployment_failure(endpoint, deployment)
        operation = self.start(deployment, "create" if recreate else "update", failure=failure)
        return Answer(201 if recreate else 200, self.render_deployment(deployment, api_version), operation)

    def patch_deployment(self, scope: Scope, endpoint_name: str, name: str, body: Any, api_version: str) -> Answer:
        """Update tags (200) and/or scale ``sku.capacity`` (202, an operation) of a deployment."""
        with self.lock:
            cleaned = self.validated("PartialMinimalTrackedResourceWithSku", body)
            deployment = self._deployment(scope, endpoint_name, name)
            if deployment.state == "Deleting":
                raise conflict(f"Online deployment '{deployment.name}' is being deleted.", target=deployment.name)
            sku = dict(cleaned.get("sku") or {})
            current = deployment.body["sku"]
            for key, value in sku.items():
                if key != "capacity" and value is not None and str(value).lower() != str(current.get(key)).lower():
                    raise bad_request(
                        f"'sku.{key}' cannot be changed; only sku.capacity can be updated.", target=f"sku.{key}"
                    )
            capacity = sku.get("capacity")
            scale = capacity is not None and capacity != current.get("capacity")
            if scale and deployment.busy():
                raise conflict(
                    f"Online deployment '{deployment.name}' has an operation in progress.", target=deployment.name
                )
            if scale:
                rules.check_deployment_settings({}, {"capacity": capacity})
            if "tags" in cleaned:
                deployment.body["tags"] = dict(cleaned["tags"])
            if not scale:
                return Answer(200, self.render_deployment(deployment, api_version))
            current["capacity"] = capacity
            endpoint = deployment.endpoint
            failure = self._deployment_failure(endpoint, deployment) if endpoint is not None else None
            operation = self.start(deployment, "update", failure=failure)
            return Answer(202, None, operation)

    def get_deployment(self, scope: Scope, endpoint_name: str, name: str, api_version: str) -> Answer:
        """Deployment ``name`` (a read: counts for the manual progression)."""
        with self.lock:
            deployment = self._deployment(scope, endpoint_name, name, read=True)
            return Answer(200, self.render_deployment(deployment, api_version))

    def list_deployments(self, scope: Scope, endpoint_name: str, api_version: str) -> list[dict[str, Any]]:
        """The endpoint's deployments, oldest first (each counts one read)."""
        with self.lock:
            endpoint = self._parent(scope, endpoint_name)
            for deployment in list(endpoint.deployments.values()):
                self.observe(deployment, read=True)
            ordered = sorted(endpoint.deployments.values(), key=lambda d: d.created_at)
            return [self.render_deployment(d, api_version) for d in ordered]

    def delete_deployment(self, scope: Scope, endpoint_name: str, name: str) -> Answer:
        """Start deleting a deployment (202); 204 if missing; 400 while it takes traffic."""
        with self.lock:
            endpoint = self._parent(scope, endpoint_name)
            deployment = self.deployment_of(endpoint, name)
            if deployment is None:
                return Answer(204)
            self.observe(deployment, read=False)
            if self.deployment_of(endpoint, name) is not deployment:
                return Answer(204)
            if deployment.state == "Deleting" and deployment.busy():
                return Answer(202, None, deployment.operation)
            for field, label in (("traffic", "live"), ("mirrorTraffic", "mirror")):
                percent = endpoint.properties.get(field, {}).get(deployment.name, 0)
                if percent:
                    raise bad_request(
                        f"Deployment '{deployment.name}' cannot be deleted because it receives {percent}% of the "
                        f"endpoint's {label} traffic; update the endpoint's {field} to 0 for it first.",
                        target=deployment.name,
                    )

            def remove() -> None:
                if endpoint.deployments.get(deployment.name.lower()) is deployment:
                    del endpoint.deployments[deployment.name.lower()]

            return Answer(202, None, self.start(deployment, "delete", on_success=remove))

    def deployment_logs(self, scope: Scope, endpoint_name: str, name: str, body: Any) -> Answer:
        """``{"content": <log lines>}`` of the deployment's inference server (or storage initializer)."""
        with self.lock:
            cleaned = self.validated("DeploymentLogsRequest", body if body is not None else {})
            deployment = self._deployment(scope, endpoint_name, name)
            container = cleaned.get("containerType", "InferenceServer")
            lines = [
                f"{container}: starting ({deployment.properties.get('instanceType')}, "
                f"{deployment.body['sku'].get('capacity')} instance(s))",
            ]
            operation = deployment.last_operation
            if deployment.state == "Failed" and operation is not None and operation.failure:
                lines.append(f"{container}: error: {operation.failure[1]}")
            elif deployment.state in ("Succeeded", "Updating"):
                lines.append(f"{container}: listening on 0.0.0.0:5001; ready")
            tail = cleaned.get("tail")
            if tail:
                lines = lines[-tail:]
            return Answer(200, {"content": "\n".join(lines) + "\n"})


def _at(body: dict[str, Any], path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
