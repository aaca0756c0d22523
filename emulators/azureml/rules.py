"""Azure ML rules on top of the REST schema: names, SKUs, quotas, ranges, traffic, asset references.

Pure functions over cleaned request bodies (see :mod:`emulators.azureml.schema`); each raises
:class:`~emulators.azureml.errors.ArmError` (HTTP 400) with a message naming the offending value.

Limits (Azure ML managed online endpoints, default quotas): names 3-32 characters
``^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$``; 1-20 instances per deployment; 20 deployments per
endpoint; request timeout 1 ms - 180 s; probe thresholds >= 1 (liveness success threshold exactly
1); data collection sampling rate 0-1; traffic: integer percentages 0-100 over existing deployments
summing to 100 or 0; mirror traffic: at most one deployment, 0-50 %, not one that takes live
traffic; managed deployments scale with ``Default`` scale settings only (autoscale is Azure
Monitor's job); model/environment/code references are ARM ids of versioned assets (workspace or
registry).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from adapters.azureml.catalog import SKUS, canonical_sku

from .errors import bad_request

__all__ = [
    "INSTANCE_TYPES",
    "MAX_DEPLOYMENTS_PER_ENDPOINT",
    "MAX_INSTANCE_COUNT",
    "MAX_REQUEST_TIMEOUT_S",
    "canonical_instance_type",
    "check_asset_references",
    "check_deployment_settings",
    "check_name",
    "check_traffic",
    "duration_seconds",
    "normalise_location",
]

NAME_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$")
MAX_INSTANCE_COUNT = 20
MAX_DEPLOYMENTS_PER_ENDPOINT = 20
MAX_REQUEST_TIMEOUT_S = 180.0
MAX_MIRROR_PERCENT = 50

INSTANCE_TYPES: tuple[str, ...] = SKUS
"""VM sizes accepted for managed online deployments (matched case-insensitively): the catalog the
service's preflight reads (:mod:`adapters.azureml.catalog`, which states its source and date)."""

_SUBSCRIPTION_SCOPE = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices"
_ASSET_ID = {
    kind: re.compile(
        rf"^(?:{_SUBSCRIPTION_SCOPE}/(?:workspaces|registries)/[^/]+|azureml://registries/[^/]+)/{kind}/[^/]+/versions/[^/]+$",
        re.IGNORECASE,
    )
    for kind in ("models", "environments", "codes")
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([YMWDHS])")
_SECONDS = {"Y": 365 * 86400.0, "W": 7 * 86400.0, "D": 86400.0, "H": 3600.0, "S": 1.0}


def check_name(name: str, kind: str) -> None:
    """Refuse an endpoint/deployment name that Azure refuses (``kind`` is used in the message)."""
    if not NAME_PATTERN.match(name):
        raise bad_request(
            f"Invalid {kind} name '{name}': it must be 3-32 characters, start with a letter, end with a letter "
            f"or digit, and contain only letters, digits and '-' (regex {NAME_PATTERN.pattern}).",
            target="name",
        )


def normalise_location(location: str) -> str:
    """ARM spelling of a region: ``"West Europe"`` -> ``"westeurope"``."""
    return location.replace(" ", "").lower()


def canonical_instance_type(value: str) -> str:
    """The canonical spelling of a supported VM size; 400 naming ``value`` otherwise."""
    canonical = canonical_sku(value)
    if canonical is None:
        raise bad_request(
            f'"{value}" is not a supported instance type for managed online deployments '
            "(e.g. Standard_DS3_v2, Standard_F4s_v2, Standard_E4s_v3, Standard_NC6s_v3).",
            target="properties.instanceType",
        )
    return canonical


def duration_seconds(value: str) -> float:
    """Seconds in an ISO 8601 duration already validated by the schema (months count as 30 days)."""
    date, _, clock = value[1:].partition("T")
    total = 0.0
    for number, unit in _DURATION_PART.findall(date):
        total += float(number) * (30 * 86400.0 if unit == "M" else _SECONDS[unit])
    for number, unit in _DURATION_PART.findall(clock):
        total += float(number) * {"H": 3600.0, "M": 60.0, "S": 1.0}[unit]
    return total


def _positive_int(value: Any, target: str, *, low: int = 1, high: int | None = None) -> None:
    if value is None:
        return
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_request(f"'{target}' must be {bound}, got {value}.", target=target)


def _probe(probe: Mapping[str, Any] | None, target: str, *, liveness: bool) -> None:
    if not probe:
        return
    _positive_int(probe.get("failureThreshold"), f"{target}.failureThreshold")
    success = probe.get("successThreshold")
    _positive_int(success, f"{target}.successThreshold")
    if liveness and success not in (None, 1):
        raise bad_request(f"'{target}.successThreshold' must be 1 for a liveness probe, got {success}.", target=target)
    for key, minimum in (("initialDelay", 0.0), ("period", 1.0), ("timeout", 1.0)):
        if key in probe and duration_seconds(probe[key]) < minimum:
            raise bad_request(f"'{target}.{key}' must be at least {minimum:g} s, got {probe[key]}.", target=target)


def check_deployment_settings(properties: Mapping[str, Any], sku: Mapping[str, Any] | None) -> None:
    """Ranges and combinations of a managed deployment's settings (cleaned ``properties``/``sku``)."""
    scale = properties.get("scaleSettings")
    if scale and scale.get("scaleType") != "Default":
        raise bad_request(
            f"Scale settings of type '{scale.get('scaleType')}' are not supported for managed online deployments; "
            "ManagedOnlineDeployment supports DefaultScaleSettings only "
            "(use sku.capacity, autoscale with Azure Monitor).",
            target="properties.scaleSettings",
        )
    if sku is not None:
        _positive_int(sku.get("capacity"), "sku.capacity", high=MAX_INSTANCE_COUNT)
    request = properties.get("requestSettings") or {}
    if "requestTimeout" in request:
        seconds = duration_seconds(request["requestTimeout"])
        if not 0.001 <= seconds <= MAX_REQUEST_TIMEOUT_S:
            raise bad_request(
                f"'properties.requestSettings.requestTimeout' must be between 1 ms and {MAX_REQUEST_TIMEOUT_S:g} s "
                f"(180000 ms), got {request['requestTimeout']}.",
                target="properties.requestSettings.requestTimeout",
            )
    _positive_int(
        request.get("maxConcurrentRequestsPerInstance"), "properties.requestSettings.maxConcurrentRequestsPerInstance"
    )
    _probe(properties.get("livenessProbe"), "properties.livenessProbe", liveness=True)
    _probe(properties.get("readinessProbe"), "properties.readinessProbe", liveness=False)
    _probe(properties.get("startupProbe"), "properties.startupProbe", liveness=True)
    collector = properties.get("dataCollector") or {}
    for name, collection in (collector.get("collections") or {}).items():
        rate = collection.get("samplingRate")
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise bad_request(
                f"'properties.dataCollector.collections['{name}'].samplingRate' must be between 0 and 1, got {rate}.",
                target="properties.dataCollector",
            )


def check_asset_references(properties: Mapping[str, Any]) -> None:
    """``model``, ``environmentId`` and ``codeConfiguration.codeId`` must be ARM ids of asset versions.

    A managed deployment needs an environment or a (MLflow) model.
    """
    for key, kind in (("model", "models"), ("environmentId", "environments")):
        value = properties.get(key)
        if value is not None and not _ASSET_ID[kind].match(value):
            raise bad_request(
                f"'properties.{key}' must be the ARM id of a registered {kind[:-1]} version "
                f"(.../workspaces/<ws>/{kind}/<name>/versions/<version> or "
                f"azureml://registries/<r>/{kind}/<name>/versions/<version>), "
                f"got '{value}'.",
                target=f"properties.{key}",
            )
    code = (properties.get("codeConfiguration") or {}).get("codeId")
    if code is not None and not _ASSET_ID["codes"].match(code):
        raise bad_request(
            f"'properties.codeConfiguration.codeId' must be the ARM id of a code version, got '{code}'.",
            target="properties.codeConfiguration.codeId",
        )
    if properties.get("model") is None and properties.get("environmentId") is None:
        raise bad_request(
            "A managed online deployment needs an environment ('properties.environmentId') or an MLflow model "
            "('properties.model').",
            target="properties.environmentId",
        )


def check_traffic(
    traffic: Mapping[str, int] | None,
    mirror: Mapping[str, int] | None,
    deployments: Mapping[str, str],
) -> tuple[dict[str, int], dict[str, int]]:
    """Validate ``traffic`` / ``mirrorTraffic`` against existing ``deployments`` (lower name -> name).

    Returns both maps keyed by the deployments' own spelling, without zero entries.
    """
    live = _traffic_map(traffic or {}, deployments, "traffic")
    total = sum(live.values())
    if total not in (0, 100):
        raise bad_request(
            f"Traffic values must sum to 100 (or 0 for no traffic), got {total}: {dict(traffic or {})}.",
            target="properties.traffic",
        )
    mirrored = _traffic_map(mirror or {}, deployments, "mirrorTraffic")
    if len(mirrored) > 1:
        raise bad_request("Mirror traffic can target only one deployment.", target="properties.mirrorTraffic")
    for name, percent in mirrored.items():
        if percent > MAX_MIRROR_PERCENT:
            raise bad_request(
                f"Mirror traffic of deployment '{name}' is {percent}%; the maximum is {MAX_MIRROR_PERCENT}%.",
                target="properties.mirrorTraffic",
            )
        if live.get(name):
            raise bad_request(
                f"Deployment '{name}' takes live traffic and cannot also receive mirror traffic.",
                target="properties.mirrorTraffic",
            )
    return live, mirrored


def _traffic_map(values: Mapping[str, int], deployments: Mapping[str, str], field: str) -> dict[str, int]:
    result: dict[str, int] = {}
    for name, percent in values.items():
        target = f"properties.{field}"
        canonical = deployments.get(name.lower())
        if canonical is None:
            raise bad_request(
                f"{field} names deployment '{name}', which does not exist in this endpoint "
                f"(existing: {sorted(deployments.values()) or 'none'}).",
                target=target,
            )
        if not 0 <= percent <= 100:
            raise bad_request(
                f"{field} of deployment '{name}' must be between 0 and 100, got {percent}.", target=target
            )
        if percent:
            result[canonical] = percent
    return result
