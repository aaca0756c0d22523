"""Azure Monitor autoscale settings of one workspace's endpoints (azure-mgmt-monitor calls only).

Bodies come from :mod:`adapters.azureml.autoscale` (pure) and are sent as the SDK's own
``AutoscaleSettingResource`` model; reads come back as wire JSON (``serialize(keep_readonly=True)``)
so the pure inverse reads dicts. Settings live in the target's resource group; the settings of an
endpoint are those tagged ``deploy-anywhere-deployment: <endpoint>`` or targeting one of its
deployments (found with one list of the resource group; the checks of one fleet pass share that list,
:mod:`core.checks.read_shared`). Errors go through
:func:`adapters.azureml.errors.sdk_errors`; a setting already gone is not an error on delete.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from adapters.azureml import autoscale as asc
from adapters.azureml import ownership as own
from adapters.azureml import translate as tr
from adapters.azureml.errors import sdk_errors
from core.checks.read_shared import shared
from core.errors import NotFound
from core.targets import AzureMLTarget

__all__ = ["AutoscaleSettings"]


class AutoscaleSettings:
    """The autoscale settings side of the adapter; ``client`` builds the
    ``MonitorManagementClient`` on first use (azure-mgmt-monitor is imported only then); ``cloud``
    names the ARM endpoint it talks to (part of the shared listing's key)."""

    def __init__(self, target: AzureMLTarget, client: Callable[[], Any], *, cloud: str) -> None:
        self.target = target
        self._make = client
        self._client: Any | None = None
        self._cloud = cloud

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._make()
        return self._client

    @staticmethod
    def target_of(setting: dict[str, Any]) -> str:
        """The (lower-case) deployment name a setting targets ('' if none)."""
        uri = str((setting.get("properties") or {}).get("targetResourceUri") or "")
        return uri.rstrip("/").rsplit("/", 1)[-1].lower()

    def _resource_group_settings(self) -> list[Any]:
        """Every setting of the resource group (SDK models: the whole fleet's in that group)."""
        t = self.target
        with sdk_errors(f"list autoscale settings of resource group {t.resource_group}"):
            return list(self.client.autoscale_settings.list_by_resource_group(t.resource_group))

    def of_endpoint(self, endpoint: str) -> list[dict[str, Any]]:
        """This endpoint's settings (wire JSON); one list of the resource group, shared by the
        checks of a fleet pass."""
        t = self.target
        prefix = asc.deployment_id(t.subscription_id, t.resource_group, t.workspace, endpoint, "").lower()
        key = ("azure-monitor autoscale settings", self._cloud, t.subscription_id.lower(), t.resource_group.lower())
        found = []
        for item in shared(key, self._resource_group_settings):
            # match on the model, serialize only the matches: serializing every setting of the
            # resource group doubled the cost of a full check
            uri = str(item.target_resource_uri or "").lower()
            if (item.tags or {}).get(own.TAG_DEPLOYMENT) == endpoint or uri.startswith(prefix):
                found.append(item.serialize(keep_readonly=True))
        return found

    def put(self, name: str, body: dict[str, Any]) -> None:
        """Create or replace setting ``name`` with ``body`` (wire JSON)."""
        from azure.mgmt.monitor.models import AutoscaleSettingResource

        with sdk_errors(f"create or update autoscale setting {name}"):
            self.client.autoscale_settings.create_or_update(
                self.target.resource_group, name, AutoscaleSettingResource.deserialize(body))

    def delete(self, name: str) -> None:
        """Delete setting ``name`` (idempotent)."""
        try:
            with sdk_errors(f"delete autoscale setting {name}"):
                self.client.autoscale_settings.delete(self.target.resource_group, name)
        except NotFound:
            pass

    def sync(self, request: tr.AzureMLRequest, location: str) -> None:
        """Settings of ``request``'s autoscaled deployments created or updated where they differ;
        every other setting of the endpoint deleted (fixed-scale now, replaced or gone)."""
        live = {str(s.get("name", "")).lower(): s for s in self.of_endpoint(request.endpoint_name)}
        wanted = set()
        for d in request.deployments:
            if d.scaling is None or d.autoscale_name is None:
                continue
            wanted.add(d.autoscale_name.lower())
            body = asc.setting_for(request.target, request.endpoint_name, d.variant, d.name, d.scaling,
                                   location=location, owner=d.tags.get(own.TAG_OWNER))
            if not asc.same_setting(body, live.get(d.autoscale_name.lower())):
                self.put(d.autoscale_name, body)
        for key, setting in live.items():
            if key not in wanted:
                self.delete(str(setting["name"]))

    def delete_orphans(self, endpoint: str, *, keep_targets: Collection[str], owner: str | None = None) -> bool:
        """Delete the endpoint's settings except those targeting a deployment in
        ``keep_targets`` (``owner``: only those stamped with that owner uid, for an endpoint under
        that name that is not the owner's); True when there was nothing to delete."""
        keep = {k.lower() for k in keep_targets}
        doomed = [s for s in self.of_endpoint(endpoint) if self.target_of(s) not in keep
                  and (owner is None or (s.get("tags") or {}).get(own.TAG_OWNER) == owner)]
        for setting in doomed:
            self.delete(str(setting["name"]))
        return not doomed
