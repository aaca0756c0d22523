"""ARM JSON of the emulated resources, shaped like what Azure ML answers.

- Online endpoint: ``id``, ``name``, ``type``, ``location``, ``tags``, ``identity`` (with
  ``principalId``/``tenantId`` for system-assigned), ``kind: "Managed"``, ``properties`` (``authMode``,
  ``description``, ``properties`` bag with ``azureml.onlineendpointid`` and
  ``AzureAsyncOperationUri``, ``scoringUri``, ``swaggerUri``, ``traffic`` with 0 for every
  deployment without traffic, ``mirrorTraffic``, ``publicNetworkAccess``, ``provisioningState``),
  ``systemData``.
- Online deployment: the stored request with Azure's defaults filled in (see
  :func:`with_deployment_defaults`), ``kind: "Managed"``, ``sku``, ``properties.provisioningState``
  and ``AzureAsyncOperationUri`` in the ``properties`` bag.
- Workspace, asset versions, model containers, operation status.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from .lifecycle import Operation
from .state import ARM_NAMESPACE, Asset, Deployment, Endpoint, Workspace

__all__ = [
    "CREATED_BY",
    "TENANT_ID",
    "operation_status_url",
    "render_asset",
    "render_deployment",
    "render_endpoint",
    "render_model_container",
    "render_operation",
    "render_workspace",
    "with_deployment_defaults",
    "with_endpoint_defaults",
]

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CREATED_BY = "emulator-user@example.com"

_REQUEST_DEFAULTS = {"requestTimeout": "PT5S", "maxConcurrentRequestsPerInstance": 1, "maxQueueWait": "PT0.5S"}
_PROBE_DEFAULTS = {
    "initialDelay": "PT10S",
    "period": "PT10S",
    "timeout": "PT2S",
    "successThreshold": 1,
    "failureThreshold": 30,
}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _system_data(created: datetime, modified: datetime) -> dict[str, str]:
    return {
        "createdAt": _iso(created),
        "createdBy": CREATED_BY,
        "createdByType": "User",
        "lastModifiedAt": _iso(modified),
        "lastModifiedBy": CREATED_BY,
        "lastModifiedByType": "User",
    }


def operation_status_url(base_url: str, operation: Operation, api_version: str) -> str:
    """Absolute ``Azure-AsyncOperation`` URL of ``operation``."""
    return f"{base_url}{operation.scope}/mfeOperationsStatus/{operation.id}?api-version={api_version}"


def with_endpoint_defaults(body: dict[str, Any]) -> dict[str, Any]:
    """Fill what Azure fills on an endpoint: system-assigned identity, public network access, maps."""
    body.setdefault("identity", {"type": "SystemAssigned"})
    body.setdefault("tags", {})
    properties = body["properties"]
    properties.setdefault("publicNetworkAccess", "Enabled")
    properties.setdefault("properties", {})
    properties.setdefault("traffic", {})
    properties.setdefault("mirrorTraffic", {})
    return body


def with_deployment_defaults(body: dict[str, Any]) -> dict[str, Any]:
    """Fill Azure's defaults on a managed deployment: request settings (5 s timeout, 1 concurrent
    request, 0.5 s queue wait), liveness/readiness probes (10 s delay and period, 2 s timeout,
    thresholds 1/30, each field filled independently), ``Default`` scale settings, App Insights off,
    egress enabled, empty environment variables, ``sku`` ``Default`` x 1."""
    body.setdefault("tags", {})
    body.setdefault("sku", {"name": "Default", "capacity": 1})
    body["sku"].setdefault("tier", "Standard")
    body["sku"].setdefault("capacity", 1)
    properties = body["properties"]
    properties["requestSettings"] = {**_REQUEST_DEFAULTS, **(properties.get("requestSettings") or {})}
    for probe in ("livenessProbe", "readinessProbe"):
        properties[probe] = {**_PROBE_DEFAULTS, **(properties.get(probe) or {})}
    properties.setdefault("scaleSettings", {"scaleType": "Default"})
    properties.setdefault("appInsightsEnabled", False)
    properties.setdefault("egressPublicNetworkAccess", "Enabled")
    properties.setdefault("environmentVariables", {})
    properties.setdefault("properties", {})
    return body


def _async_uri(resource: Endpoint | Deployment, base_url: str, api_version: str) -> dict[str, str]:
    operation = resource.operation or resource.last_operation
    return {"AzureAsyncOperationUri": operation_status_url(base_url, operation, api_version)} if operation else {}


def render_endpoint(endpoint: Endpoint, base_url: str, api_version: str) -> dict[str, Any]:
    """The endpoint as ARM returns it."""
    body = copy.deepcopy(endpoint.body)
    properties = body["properties"]
    properties["properties"] = {
        **properties.get("properties", {}),
        "azureml.onlineendpointid": endpoint.id,
        **_async_uri(endpoint, base_url, api_version),
    }
    traffic = {d.name: 0 for d in endpoint.deployments.values()}
    traffic.update(endpoint.traffic)
    properties["traffic"] = traffic
    properties["scoringUri"] = f"{base_url}/score/{endpoint.name}"
    properties["swaggerUri"] = f"{base_url}/swagger/{endpoint.name}"
    properties["provisioningState"] = endpoint.state
    identity = body.get("identity") or {}
    if "SystemAssigned" in str(identity.get("type", "")):
        identity["principalId"] = endpoint.principal_id
        identity["tenantId"] = TENANT_ID
    return {
        "id": endpoint.id,
        "name": endpoint.name,
        "type": f"{ARM_NAMESPACE}/workspaces/onlineEndpoints",
        "kind": body.pop("kind", None) or "Managed",
        **body,
        "systemData": _system_data(endpoint.created_at, endpoint.modified_at),
    }


def render_deployment(deployment: Deployment, base_url: str, api_version: str) -> dict[str, Any]:
    """The deployment as ARM returns it."""
    body = copy.deepcopy(deployment.body)
    properties = body["properties"]
    properties["properties"] = {**properties.get("properties", {}), **_async_uri(deployment, base_url, api_version)}
    properties["provisioningState"] = deployment.state
    return {
        "id": deployment.id,
        "name": deployment.name,
        "type": f"{ARM_NAMESPACE}/workspaces/onlineEndpoints/deployments",
        "kind": body.pop("kind", None) or "Managed",
        **body,
        "systemData": _system_data(deployment.created_at, deployment.modified_at),
    }


def render_workspace(workspace: Workspace, base_url: str) -> dict[str, Any]:
    """A Basic workspace in the emulator's region."""
    prefix = f"/subscriptions/{workspace.subscription}/resourceGroups/{workspace.resource_group}/providers"
    return {
        "id": workspace.id,
        "name": workspace.name,
        "type": f"{ARM_NAMESPACE}/workspaces",
        "location": workspace.location,
        "kind": "Default",
        "tags": {},
        "identity": {"type": "SystemAssigned", "principalId": workspace.workspace_id, "tenantId": TENANT_ID},
        "sku": {"name": "Basic", "tier": "Basic"},
        "properties": {
            "friendlyName": workspace.name,
            "workspaceId": workspace.workspace_id,
            "provisioningState": "Succeeded",
            "publicNetworkAccess": "Enabled",
            "hbiWorkspace": False,
            "v1LegacyMode": False,
            "storageAccount": f"{prefix}/Microsoft.Storage/storageAccounts/{workspace.name.lower()[:16]}storage",
            "keyVault": f"{prefix}/Microsoft.KeyVault/vaults/{workspace.name.lower()[:16]}kv",
            "applicationInsights": f"{prefix}/Microsoft.Insights/components/{workspace.name.lower()}ai",
            "discoveryUrl": f"{base_url}/discovery",
            "mlFlowTrackingUri": f"azureml://{workspace.location}.api.azureml.ms/mlflow/v1.0{workspace.id}",
        },
        "systemData": _system_data(workspace.created_at, workspace.created_at),
    }


_ASSET_TYPES = {"environments": "environments", "models": "models", "data": "data", "codes": "codes"}


def render_asset(asset: Asset) -> dict[str, Any]:
    """An asset version (``provisioningState`` Succeeded; environments get ``environmentType``)."""
    body = copy.deepcopy(asset.body)
    properties = body.setdefault("properties", {})
    if asset.kind != "data":
        properties["provisioningState"] = "Succeeded"
    if asset.kind == "environments":
        properties["environmentType"] = "UserCreated"
    return {
        "id": asset.id,
        "name": asset.version,
        "type": f"{ARM_NAMESPACE}/workspaces/{_ASSET_TYPES[asset.kind]}/versions",
        **body,
        "systemData": _system_data(asset.created_at, asset.modified_at),
    }


def render_model_container(container: Asset, latest_version: str | None, next_version: str) -> dict[str, Any]:
    """A model container: its stored ``properties`` plus ``latestVersion`` (omitted when it has no
    version yet), ``nextVersion`` and ``provisioningState``."""
    body = copy.deepcopy(container.body)
    properties = body.setdefault("properties", {})
    if latest_version is not None:
        properties["latestVersion"] = latest_version
    properties["nextVersion"] = next_version
    properties["provisioningState"] = "Succeeded"
    return {
        "id": container.id,
        "name": container.name,
        "type": f"{ARM_NAMESPACE}/workspaces/models",
        **body,
        "systemData": _system_data(container.created_at, container.modified_at),
    }


def render_operation(operation: Operation) -> dict[str, Any]:
    """The body of the operation's status URL."""
    result: dict[str, Any] = {
        "id": f"{operation.scope}/mfeOperationsStatus/{operation.id}",
        "name": operation.id,
        "status": operation.status,
        "startTime": _iso(operation.start_time),
    }
    if operation.end_time is not None:
        result["endTime"] = _iso(operation.end_time)
    error = operation.error()
    if error is not None:
        result["error"] = error
    return result
