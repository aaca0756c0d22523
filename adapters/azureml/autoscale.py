"""Pure mapping of a variant's autoscaling onto an Azure Monitor autoscale setting, and back.

azure-ai-ml refuses target-utilisation scale settings on MANAGED online deployments (Kubernetes
only); Azure's documented way ("Autoscale online endpoints in Azure Machine Learning") is an
Azure Monitor autoscale setting (``Microsoft.Insights/autoscalesettings``, azure-mgmt-monitor)
whose ``targetResourceUri`` is the deployment. No I/O and no azure import here: bodies are the
wire JSON azure-mgmt-monitor sends (api-version 2022-10-01), built and read as dicts.

One setting per autoscaled variant, in the workspace's resource group and region:

- name ``{endpoint}-{deployment}-autoscale`` (deterministic; the deployment name carries the
  instance type hash, so a replaced deployment gets a new setting and the old one is deleted);
- tags ``deploy-anywhere-deployment`` (the endpoint) and ``deploy-anywhere-variant``: how
  ``delete``/``discard`` find every setting of an endpoint, together with the target URI; and
  ``deploy-anywhere-owner`` (the deployment's uid, :mod:`core.ownership`) when it is known;
- one profile ``default``: capacity minimum = default = ``min_replicas``, maximum = ``max_replicas``;
- scale out: ``CpuUtilizationPercentage`` (deployment metric) Average over PT5M (PT1M grain)
  GreaterThan ``autoscaling.target`` -> Increase ChangeCount 1, cooldown PT5M;
- scale in: the same metric LessThan ``target // 2`` -> Decrease ChangeCount 1, cooldown PT10M.
  Half the target is the hysteresis: Azure's flapping guard projects the metric after a scale-in
  to ``value * n / (n - 1)``, which for n >= 2 stays at or below the target, so a scale-in never
  triggers the scale-out that undoes it; the longer cooldown lets load settle first.

Reading back (:func:`variant_scaling`): capacity -> ``min_replicas``/``max_replicas``; the
scale-out rule's threshold -> ``autoscaling.target`` (metric ``cpu_utilization``). A disabled
setting (or none) means fixed scale at the deployment's instance count, so removing autoscaling
behind the back shows as drift of ``max_replicas``. A setting without a recognisable scale-out
rule has no ``autoscaling`` in the spec's words: the caller reports it unreadable. Only the
spec's words are compared: a changed scale-in threshold, cooldown or window is not reported as
drift, but ``finalize`` compares the whole setting (:func:`same_setting`) and rewrites it, so a
re-apply restores it. The deployment's instance count is owned by the autoscaler (not drift).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.azureml.ownership import TAG_DEPLOYMENT, TAG_OWNER, TAG_VARIANT
from core.targets import AzureMLTarget

__all__ = [
    "API_VERSION",
    "METRIC",
    "SCALE_OUT_COOLDOWN",
    "SCALE_IN_COOLDOWN",
    "TIME_GRAIN",
    "TIME_WINDOW",
    "Scaling",
    "deployment_id",
    "setting_name",
    "scale_in_threshold",
    "setting_body",
    "setting_for",
    "same_setting",
    "variant_scaling",
]

API_VERSION = "2022-10-01"
METRIC = "CpuUtilizationPercentage"
TIME_GRAIN = "PT1M"
TIME_WINDOW = "PT5M"
SCALE_OUT_COOLDOWN = "PT5M"
SCALE_IN_COOLDOWN = "PT10M"
PROFILE = "default"


@dataclass(frozen=True)
class Scaling:
    """A variant's autoscaling as the request carries it (JSON-able)."""

    min_replicas: int
    max_replicas: int
    target: int


def deployment_id(subscription: str, resource_group: str, workspace: str, endpoint: str, deployment: str) -> str:
    """ARM id of an online deployment (the setting's target and metric resource)."""
    return (f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{workspace}/onlineEndpoints/{endpoint}"
            f"/deployments/{deployment}")


def setting_name(endpoint: str, deployment: str) -> str:
    """``{endpoint}-{deployment}-autoscale`` (at most 75 characters; Azure allows 260)."""
    return f"{endpoint}-{deployment}-autoscale"


def scale_in_threshold(target: int) -> int:
    """The scale-in threshold for a scale-out ``target``: half of it (see the module docstring)."""
    return target // 2


def _rule(target_uri: str, operator: str, threshold: int, direction: str, cooldown: str) -> dict[str, Any]:
    return {
        "metricTrigger": {
            "metricName": METRIC, "metricResourceUri": target_uri, "timeGrain": TIME_GRAIN,
            "statistic": "Average", "timeWindow": TIME_WINDOW, "timeAggregation": "Average",
            "operator": operator, "threshold": float(threshold),
        },
        "scaleAction": {"direction": direction, "type": "ChangeCount", "value": "1", "cooldown": cooldown},
    }


def setting_body(*, endpoint: str, variant: str, target_uri: str, scaling: Scaling, location: str,
                 owner: str | None = None) -> dict[str, Any]:
    """The AutoscaleSettingResource wire JSON for one autoscaled deployment (``owner``: the owner
    stamp's value)."""
    return {
        "location": location,
        "tags": {TAG_DEPLOYMENT: endpoint, TAG_VARIANT: variant, **({TAG_OWNER: owner} if owner else {})},
        "properties": {
            "profiles": [{
                "name": PROFILE,
                "capacity": {"minimum": str(scaling.min_replicas), "maximum": str(scaling.max_replicas),
                             "default": str(scaling.min_replicas)},
                "rules": [
                    _rule(target_uri, "GreaterThan", scaling.target, "Increase", SCALE_OUT_COOLDOWN),
                    _rule(target_uri, "LessThan", scale_in_threshold(scaling.target), "Decrease", SCALE_IN_COOLDOWN),
                ],
            }],
            "enabled": True,
            "targetResourceUri": target_uri,
        },
    }


def setting_for(target: AzureMLTarget, endpoint: str, variant: str, deployment: str, scaling: Scaling, *,
                location: str, owner: str | None = None) -> dict[str, Any]:
    """The setting ``finalize`` PUTs for ``deployment`` of ``endpoint`` in ``target``'s workspace."""
    uri = deployment_id(target.subscription_id, target.resource_group, target.workspace, endpoint, deployment)
    return setting_body(endpoint=endpoint, variant=variant, target_uri=uri, scaling=scaling, location=location,
                        owner=owner)


def _essence(body: dict[str, Any]) -> Any:
    """What a setting does (ids and echoed read-only fields left out; ids case-insensitive)."""
    props = body.get("properties") or {}

    def rule(r: dict[str, Any]) -> tuple[Any, ...]:
        t, a = r.get("metricTrigger") or {}, r.get("scaleAction") or {}
        return (t.get("metricName"), str(t.get("metricResourceUri") or "").lower(), t.get("timeGrain"),
                t.get("statistic"), t.get("timeWindow"), t.get("timeAggregation"), t.get("operator"),
                float(t.get("threshold") or 0), a.get("direction"), a.get("type"), str(a.get("value", "1")),
                a.get("cooldown"))

    profiles = [(p.get("name"), tuple(sorted((p.get("capacity") or {}).items())),
                 tuple(rule(r) for r in p.get("rules") or []), p.get("fixedDate"), p.get("recurrence"))
                for p in props.get("profiles") or []]
    return (bool(props.get("enabled")), str(props.get("targetResourceUri") or "").lower(), profiles,
            dict(body.get("tags") or {}))


def same_setting(wanted: dict[str, Any], live: dict[str, Any] | None) -> bool:
    """Whether the live setting already does what ``wanted`` asks (no PUT needed)."""
    return live is not None and _essence(wanted) == _essence(live)


def _count(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def variant_scaling(setting: dict[str, Any] | None, instance_count: int) -> dict[str, Any]:
    """``min_replicas``/``max_replicas`` (+ ``autoscaling``) of a variant from its live setting
    (wire JSON, or None when there is none) and the deployment's instance count. Autoscaled
    (max > min) without ``autoscaling``: the setting has no scale-out rule the spec can express."""
    fixed = {"min_replicas": instance_count, "max_replicas": max(instance_count, 1)}
    props = (setting or {}).get("properties") or {}
    profiles = props.get("profiles") or []
    if not props.get("enabled") or not profiles:
        return fixed
    capacity = profiles[0].get("capacity") or {}
    low, high = _count(capacity.get("minimum")), _count(capacity.get("maximum"))
    if low is None or high is None:
        return fixed
    result: dict[str, Any] = {"min_replicas": low, "max_replicas": high}
    if high > low:
        for r in profiles[0].get("rules") or []:
            trigger, action = r.get("metricTrigger") or {}, r.get("scaleAction") or {}
            if (trigger.get("metricName") == METRIC and trigger.get("operator") == "GreaterThan"
                    and action.get("direction") == "Increase"):
                target = max(1, min(100, round(float(trigger.get("threshold") or 0))))
                result["autoscaling"] = {"metric": "cpu_utilization", "target": target}
                break
    return result
