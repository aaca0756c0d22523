"""Azure Monitor autoscale settings targeting online deployments: state and Azure's rules.

``Microsoft.Insights/autoscalesettings`` is a resource of its own, in a resource group, next to
(not under) the workspace: deleting the deployment or the endpoint it targets does NOT delete it
(as in Azure). Writes are synchronous (no long-running operation): PUT answers 201 (created) or
200 (replaced) with the resource, DELETE 200 (deleted) or 204 (there was nothing).

Rules enforced on PUT, beyond the strict schema walk (:mod:`.monitor_schema`):

- name 1-260 characters without ``<>*%&:\\?/#+`` and not ending in ``.`` or a space;
- ``properties.targetResourceUri`` is required and must name an online deployment of this
  emulator: 400 ``InvalidTargetResource`` when it is not a deployment id, 404 ``ResourceNotFound``
  when the deployment does not exist (or is being deleted);
- 1-20 profiles, at most 10 rules per profile; capacity ``minimum <= default <= maximum``, each an
  integer in 0..1000;
- each metric trigger reads a metric the resource it names publishes: the deployment's own
  metrics on the target deployment, or the endpoint's metrics on its parent endpoint; ``timeGrain``
  PT1M..PT12H, ``timeWindow`` PT5M..PT12H and not shorter than the grain; ``cooldown``
  PT1M..P7D; ``ChangeCount``/``ExactCount`` values are non-negative integers (positive for
  ``ChangeCount``), ``PercentChangeCount`` a positive integer.

Refusals are :class:`~emulators.azureml.errors.ArmError` (ARM error JSON).
"""

from __future__ import annotations

import builtins
import copy
import re
import threading
from typing import Any

from . import monitor_schema
from .errors import ArmError, bad_request, not_found, validation_error
from .rules import duration_seconds

__all__ = [
    "API_VERSIONS",
    "DEPLOYMENT_METRICS",
    "ENDPOINT_METRICS",
    "AutoscaleStore",
    "MAX_RULES_PER_PROFILE",
]

API_VERSIONS = frozenset({monitor_schema.API_VERSION})
"""api-versions of ``Microsoft.Insights/autoscalesettings`` answered: the one azure-mgmt-monitor
7.0.0 sends, whose models validate the bodies."""

DEPLOYMENT_METRICS = frozenset({
    "CpuUtilizationPercentage", "CpuMemoryUtilizationPercentage", "DataCollectionErrorsPerMinute",
    "DataCollectionEventsPerMinute", "DeploymentCapacity", "DiskUtilization", "GpuEnergyJoules",
    "GpuMemoryUtilizationPercentage", "GpuUtilizationPercentage",
})
"""Metrics of ``Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments``."""

ENDPOINT_METRICS = frozenset({
    "ConnectionsActive", "DataCollectionErrorsPerMinute", "DataCollectionEventsPerMinute", "NetworkBytes",
    "NewConnectionsPerSecond", "RequestLatency", "RequestLatency_P50", "RequestLatency_P90", "RequestLatency_P95",
    "RequestLatency_P99", "RequestsPerMinute",
})
"""Metrics of ``Microsoft.MachineLearningServices/workspaces/onlineEndpoints``."""

MAX_RULES_PER_PROFILE = 10
MAX_CAPACITY = 1000
RESOURCE_TYPE = "Microsoft.Insights/autoscaleSettings"
_NAME = re.compile(r"^[^<>*%&:\\?/#+]{1,260}$")
_DEPLOYMENT_ID = re.compile(
    r"(?i)^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.MachineLearningServices/workspaces/(?P<ws>[^/]+)/onlineEndpoints/(?P<ep>[^/]+)"
    r"/deployments/(?P<dep>[^/]+)/?$")
_LIMITS = {"timeGrain": (60, 12 * 3600), "timeWindow": (300, 12 * 3600), "cooldown": (60, 7 * 86400)}


class AutoscaleStore:
    """Autoscale settings of one emulator, keyed by (subscription, resource group, name), case-
    insensitively. ``backend`` resolves target deployments (an ``AzureMLBackend``)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._settings: dict[tuple[str, str, str], dict[str, Any]] = {}

    def clear(self) -> None:
        """Forget every setting (the emulator's reset)."""
        with self.lock:
            self._settings.clear()

    # ------------------------------------------------------------------------------- reads

    def get(self, sub: str, rg: str, name: str) -> dict[str, Any]:
        """The stored setting; 404 ``ResourceNotFound``."""
        with self.lock:
            found = self._settings.get(_key(sub, rg, name))
            if found is None:
                raise not_found("resource", f"{RESOURCE_TYPE}/{name}", parent=f"resource group '{rg}'")
            return copy.deepcopy(found)

    def list(self, sub: str, rg: str | None = None) -> list[dict[str, Any]]:
        """Settings of a subscription (of one resource group when ``rg`` is given), by name."""
        with self.lock:
            return [copy.deepcopy(v) for k, v in sorted(self._settings.items())
                    if k[0] == sub.lower() and (rg is None or k[1] == rg.lower())]

    def all(self) -> builtins.list[dict[str, Any]]:
        """Every setting (control API view)."""
        with self.lock:
            return [copy.deepcopy(v) for _, v in sorted(self._settings.items())]

    # ------------------------------------------------------------------------------ writes

    def put(self, backend: Any, sub: str, rg: str, name: str, body: Any) -> tuple[int, dict[str, Any]]:
        """Create or replace; (201 or 200, the resource). Every rule in the module docstring."""
        if not _NAME.fullmatch(name) or name.endswith((".", " ")):
            raise bad_request(f"Invalid autoscale setting name '{name}': 1-260 characters, none of <>*%&:\\?/#+, "
                              "not ending in '.' or a space.", target="name", code="InvalidResourceName")
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
        cleaned, problems = monitor_schema.validate("AutoscaleSettingResource", body)
        if problems:
            raise validation_error(problems)
        properties = cleaned.setdefault("properties", {})
        target = properties.get("targetResourceUri")
        if not target:
            raise bad_request("The autoscale setting needs properties.targetResourceUri (the resource to scale).",
                              target="properties.targetResourceUri", code="InvalidTargetResource")
        deployment = _deployment(backend, target)
        _check_profiles(properties.get("profiles") or [], deployment)
        with self.lock:
            key = _key(sub, rg, name)
            existing = self._settings.get(key)
            stored_name = existing["name"] if existing else name
            resource = {
                "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/microsoft.insights/autoscalesettings/"
                      f"{stored_name}",
                "name": stored_name, "type": RESOURCE_TYPE,
                "location": cleaned["location"], "tags": dict(cleaned.get("tags") or {}),
                "properties": {"profiles": [], "enabled": False, "notifications": [], **properties,
                               "name": stored_name, "targetResourceUri": deployment.id,
                               "targetResourceLocation": cleaned["location"]},
            }
            self._settings[key] = resource
            return (200 if existing else 201), copy.deepcopy(resource)

    def delete(self, sub: str, rg: str, name: str) -> bool:
        """Delete; True if there was a setting."""
        with self.lock:
            return self._settings.pop(_key(sub, rg, name), None) is not None

    def update(self, sub: str, rg: str, name: str, change: dict[str, Any]) -> dict[str, Any]:
        """Behind the back (control API): merge ``change`` into ``properties`` without the rules."""
        with self.lock:
            found = self._settings.get(_key(sub, rg, name))
            if found is None:
                raise not_found("resource", f"{RESOURCE_TYPE}/{name}", parent=f"resource group '{rg}'")
            found["properties"].update(copy.deepcopy(change))
            return copy.deepcopy(found)


def _key(sub: str, rg: str, name: str) -> tuple[str, str, str]:
    return (sub.lower(), rg.lower(), name.lower())


def _deployment(backend: Any, uri: str) -> Any:
    """The emulator's deployment ``uri`` names (400 if not a deployment id, 404 if missing)."""
    match = _DEPLOYMENT_ID.fullmatch(uri)
    if match is None:
        raise bad_request(f"The target resource '{uri}' is not an online deployment "
                          "(Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments): "
                          "only online deployments can be autoscaled here.",
                          target="properties.targetResourceUri", code="InvalidTargetResource")
    with backend.lock:
        workspace = backend.workspaces.get((match["sub"].lower(), match["rg"].lower(), match["ws"].lower()))
        endpoint = workspace.endpoints.get(match["ep"].lower()) if workspace is not None else None
        deployment = endpoint.deployments.get(match["dep"].lower()) if endpoint is not None else None
        if deployment is None or deployment.state == "Deleting":
            raise ArmError(404, "ResourceNotFound", f"The target resource '{uri}' was not found.",
                           target="properties.targetResourceUri")
        return deployment


def _check_profiles(profiles: list[dict[str, Any]], deployment: Any) -> None:
    if not profiles:
        raise bad_request("An autoscale setting needs at least one profile.", target="properties.profiles")
    for i, profile in enumerate(profiles):
        where = f"properties.profiles[{i}]"
        _check_capacity(profile["capacity"], f"{where}.capacity")
        rules = profile.get("rules") or []
        if len(rules) > MAX_RULES_PER_PROFILE:
            raise bad_request(f"A profile allows at most {MAX_RULES_PER_PROFILE} rules, got {len(rules)}.",
                              target=f"{where}.rules")
        for j, rule in enumerate(rules):
            _check_trigger(rule["metricTrigger"], deployment, f"{where}.rules[{j}].metricTrigger")
            _check_action(rule["scaleAction"], f"{where}.rules[{j}].scaleAction")


def _integer(value: str, target: str, *, low: int, high: int) -> int:
    if not re.fullmatch(r"\d+", value.strip()) or not low <= int(value) <= high:
        raise bad_request(f"'{value}' must be an integer between {low} and {high}.", target=target)
    return int(value)


def _check_capacity(capacity: dict[str, str], where: str) -> None:
    low, default, high = (_integer(capacity[k], f"{where}.{k}", low=0, high=MAX_CAPACITY)
                          for k in ("minimum", "default", "maximum"))
    if not low <= default <= high:
        raise bad_request(f"The capacity must satisfy minimum <= default <= maximum; got minimum {low}, "
                          f"default {default}, maximum {high}.", target=where)


def _check_duration(value: str, field: str, where: str) -> float:
    seconds = duration_seconds(value)
    low, high = _LIMITS[field]
    if not low <= seconds <= high:
        raise bad_request(f"{field} '{value}' must be between {low // 60} minute(s) and {high // 3600} hour(s).",
                          target=f"{where}.{field}")
    return seconds


def _check_trigger(trigger: dict[str, Any], deployment: Any, where: str) -> None:
    uri = str(trigger["metricResourceUri"]).rstrip("/").lower()
    endpoint_id = deployment.endpoint.id.lower() if deployment.endpoint is not None else None
    if uri == deployment.id.lower():
        allowed, kind = DEPLOYMENT_METRICS, "onlineEndpoints/deployments"
    elif uri == endpoint_id:
        allowed, kind = ENDPOINT_METRICS, "onlineEndpoints"
    else:
        raise bad_request(f"metricResourceUri '{trigger['metricResourceUri']}' must be the target deployment or "
                          "its endpoint.", target=f"{where}.metricResourceUri")
    if trigger["metricName"] not in allowed:
        raise bad_request(f"The metric '{trigger['metricName']}' is not supported for "
                          f"Microsoft.MachineLearningServices/workspaces/{kind}; supported: "
                          f"{', '.join(sorted(allowed))}.", target=f"{where}.metricName", code="UnsupportedMetric")
    namespace = trigger.get("metricNamespace")
    if namespace and namespace.lower() != f"microsoft.machinelearningservices/workspaces/{kind}".lower():
        raise bad_request(f"metricNamespace '{namespace}' does not match the metric resource.",
                          target=f"{where}.metricNamespace")
    grain = _check_duration(trigger["timeGrain"], "timeGrain", where)
    window = _check_duration(trigger["timeWindow"], "timeWindow", where)
    if window < grain:
        raise bad_request("timeWindow must not be shorter than timeGrain.", target=f"{where}.timeWindow")


def _check_action(action: dict[str, Any], where: str) -> None:
    _check_duration(action["cooldown"], "cooldown", where)
    kind, value = action["type"], action.get("value", "1")
    if kind == "ServiceAllowedNextValue":
        return
    low = 0 if kind == "ExactCount" else 1
    _integer(str(value), f"{where}.value", low=low, high=MAX_CAPACITY if kind != "PercentChangeCount" else 10000)
    if action["direction"] == "None" and kind != "ExactCount":
        raise bad_request("A scale action with direction None changes nothing.", target=f"{where}.direction")
