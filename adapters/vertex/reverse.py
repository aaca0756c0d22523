"""Pure inverse of :mod:`adapters.vertex.translate`: what describe read -> :class:`LiveEndpoint`.

No SDK import, no I/O; reads are proto-JSON dicts (GetEndpoint and the Models its deployed models
name). Deployed models of Models without the owner's stamp are unmanaged (:mod:`.ownership`).

Health: a Vertex endpoint has no status field, so :func:`derive_status` names one from what the
endpoint shows, and :data:`STATUS_MAP` maps it (anything else: ``Health.UNKNOWN``):

- ``NO_DEPLOYED_MODELS``: created, nothing deployed yet -> provisioning
- ``UNDEPLOYED``: it served a revision (revision label) but nothing is deployed any more (undeployed
  behind the service's back) -> degraded: down, not provisioning
- ``SERVING``: deployed models, and a traffic split summing to 100 over them -> serving
- ``NO_TRAFFIC``: deployed models but an empty traffic split (nothing is routed) -> degraded
- ``TRAFFIC_INVALID``: the split names missing deployed models or does not sum to 100 -> degraded
- ``UNRECOGNISED``: a deployed model without an id (not a shape Vertex answers) -> unknown

A failed DeployModel/UploadModel is an operation error, not an endpoint state: ``submit`` raises
it as :class:`core.errors.DeploymentFailed` with Vertex's message. The live revision is the
endpoint's ``deploy-anywhere-revision`` label, written by the UpdateEndpoint that shifts traffic
last, so the serving gate opens only once the new revision carries the traffic.

Write-side twins of :func:`to_live` (what ``submit`` compares before sending a change, under the
drift matrix's guard, tests/checks/test_drift_matrix.py): :func:`endpoint_needs_update` (traffic,
labels, logging, timeout: UpdateEndpoint) and :func:`scaling_needs_update` (replicas and
autoscaling of a kept deployed model: MutateDeployedModel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adapters.vertex import ownership as own
from adapters.vertex import translate as tr
from adapters.vertex.translate import METRICS, VariantPlan, VertexRequest
from core.live import Health, LiveEndpoint, build_live_config
from core.spec import VARIANT_NAME_PATTERN
from core.targets import VertexTarget

__all__ = [
    "STATUS_MAP",
    "DEFAULT_CPU_TARGET",
    "VertexDescribed",
    "derive_status",
    "to_live",
    "traffic_of",
    "logging_of",
    "timeout_of",
    "scaling_of",
    "endpoint_needs_update",
    "scaling_needs_update",
]

STATUS_MAP: dict[str, Health] = {
    "NO_DEPLOYED_MODELS": Health.PROVISIONING,
    "UNDEPLOYED": Health.DEGRADED,
    "SERVING": Health.SERVING,
    "NO_TRAFFIC": Health.DEGRADED,
    "TRAFFIC_INVALID": Health.DEGRADED,
}
"""Derived endpoint states (see the module docstring); anything else is ``Health.UNKNOWN``."""


DEFAULT_CPU_TARGET = 60
"""Vertex autoscales on CPU at 60 % when a DeployedModel names no metric."""
DEFAULT_TIMEOUT_SECONDS = 60
"""What an endpoint without ``clientConnectionConfig`` reads as (the spec's default)."""
_VARIANT = re.compile(VARIANT_NAME_PATTERN)


@dataclass
class VertexDescribed:
    """What describe read: the Endpoint and the Models its deployed models name (proto-JSON).

    ``models``: model resource id -> Model, None when it does not exist (deleted behind our back).
    ``target``: the adapter's target (the expected spelling of project, network and key names).
    """

    endpoint: dict[str, Any]
    target: VertexTarget
    models: dict[str, dict[str, Any] | None] = field(default_factory=dict)



# ----------------------------------------------------------------------------------- live -> spec


def traffic_of(endpoint: dict[str, Any]) -> dict[str, int]:
    """The live traffic split without zero entries."""
    return {k: int(v) for k, v in (endpoint.get("trafficSplit") or {}).items() if int(v)}


def logging_of(config: dict[str, Any] | None) -> dict[str, Any]:
    """A PredictRequestResponseLoggingConfig in the spec's words."""
    config = config or {}
    if not config.get("enabled"):
        return {"enabled": False}
    rate = float(config.get("samplingRate") or 0.0)
    return {"enabled": True, "sample_percent": max(1, round(rate * 100)),
            "destination": (config.get("bigqueryDestination") or {}).get("outputUri")}


def timeout_of(config: dict[str, Any] | None) -> int:
    """``clientConnectionConfig.inferenceTimeout`` (a proto-JSON duration ``"120s"``) in seconds."""
    raw = (config or {}).get("inferenceTimeout")
    if not raw:
        return DEFAULT_TIMEOUT_SECONDS
    return max(1, round(float(str(raw).rstrip("s"))))


def scaling_of(resources: dict[str, Any]) -> tuple[int, int, list[tuple[str, int]]]:
    """(min, max, [(metric name, target)]) of dedicated resources, Vertex defaults applied; the
    metrics only matter (and are only returned) when max > min."""
    low = int(resources.get("minReplicaCount") or 1)
    high = max(int(resources.get("maxReplicaCount") or low), low)
    specs = [(s.get("metricName", ""), int(s.get("target") or DEFAULT_CPU_TARGET))
             for s in resources.get("autoscalingMetricSpecs") or []] if high > low else []
    return low, high, specs


def derive_status(endpoint: dict[str, Any]) -> str:
    """Name the endpoint's state (Vertex has no status field); see the module docstring."""
    deployed = {d.get("id") for d in endpoint.get("deployedModels") or []}
    if None in deployed or "" in deployed:
        return "UNRECOGNISED"
    if not deployed:
        served = (endpoint.get("labels") or {}).get(tr.LABEL_REVISION)
        return "UNDEPLOYED" if served else "NO_DEPLOYED_MODELS"
    traffic = traffic_of(endpoint)
    if not traffic:
        return "NO_TRAFFIC"
    if sum(traffic.values()) == 100 and set(traffic) <= deployed:
        return "SERVING"
    return "TRAFFIC_INVALID"


def _autoscaling(low: int, high: int, specs: list[tuple[str, int]]) -> dict[str, Any] | None:
    """The spec's autoscaling of a deployed model; {} when fixed, None when its metric specs name
    none the spec can express (unreadable)."""
    if high <= low:
        return {}
    by_name = {metric: name for name, metric in METRICS.items()}
    for metric_name, target in specs:
        if metric_name in by_name:
            return {"metric": by_name[metric_name], "target": target}
    if not specs:
        return {"metric": "cpu_utilization", "target": DEFAULT_CPU_TARGET}
    return None


_FROM_MODEL = ("image", "model_uri", "env", "port", "predict_route", "health_route")
"""Variant fields read from the deployed model's Model (its container spec and artifact)."""


def _variant(dm: dict[str, Any], model: dict[str, Any] | None, weight: int,
             unreadable: dict[str, str]) -> dict[str, Any]:
    """One deployed model in the spec's words. What could not be read (its Model, a machine type,
    an autoscaling metric the spec cannot express) is named in ``unreadable`` (spec path -> reason)
    and given no value."""
    container = (model or {}).get("containerSpec") or {}
    resources = dm.get("dedicatedResources") or {}
    machine = resources.get("machineSpec") or {}
    low, high, specs = scaling_of(resources)
    ports = container.get("ports") or []
    name = dm.get("displayName") or ""
    name = name if _VARIANT.fullmatch(name) else f"dm-{dm.get('id')}"
    at = f"variants[{name}]"
    if not container.get("imageUri"):
        model_id = tr.resource_id(dm.get("model", ""))
        why = (f"model {model_id} was not found: deleted outside the service, or not readable here"
               if model is None else f"model {model_id} has no container image")
        unreadable.update({f"{at}.{field}": why for field in _FROM_MODEL})
    if not machine.get("machineType"):
        unreadable[f"{at}.instance_type"] = (f"deployed model {dm.get('id')} names no machine type "
                                             f"(automatic resources, which the spec cannot express)")
    variant: dict[str, Any] = {
        "name": name,
        "image": container.get("imageUri"),
        "model_uri": (model or {}).get("artifactUri") or None,
        "env": {e["name"]: e.get("value", "") for e in container.get("env") or []},
        "port": int(ports[0].get("containerPort") or 8080) if ports else 8080,
        "predict_route": container.get("predictRoute") or "/",
        "health_route": container.get("healthRoute") or "/",
        "instance_type": machine.get("machineType"),
        "min_replicas": low,
        "max_replicas": high,
        "weight": weight,
    }
    accelerator = machine.get("acceleratorType")
    if accelerator and accelerator != "ACCELERATOR_TYPE_UNSPECIFIED":
        variant["accelerator"] = {"type": accelerator, "count": int(machine.get("acceleratorCount") or 1)}
    autoscaling = _autoscaling(low, high, specs)
    if autoscaling is None:
        unreadable[f"{at}.autoscaling"] = (
            f"deployed model {dm.get('id')} autoscales on {', '.join(sorted(m for m, _ in specs))}, "
            f"no metric the spec can express (CPU utilization or request count)")
    elif autoscaling:
        variant["autoscaling"] = autoscaling
    return variant


def _one_per_variant(endpoint: dict[str, Any]) -> list[dict[str, Any]]:
    """Deployed models in endpoint order, one per display name: while a variant is being replaced
    two share a name; the one with traffic (then the newer) stands for the variant."""
    traffic = traffic_of(endpoint)
    chosen: dict[str, dict[str, Any]] = {}
    for dm in endpoint.get("deployedModels") or []:
        key = dm.get("displayName") or dm.get("id", "")
        rank = (traffic.get(dm.get("id", ""), 0), dm.get("createTime") or "")
        current = chosen.get(key)
        if current is None or rank > (traffic.get(current.get("id", ""), 0), current.get("createTime") or ""):
            chosen[key] = dm
    return list(chosen.values())


def _named(live: str | None, expected: str | None) -> str | None:
    """The expected spelling when ``live`` names the same resource (project number vs id)."""
    return expected if live and tr.same_resource(live, expected) else (live or None)


def to_live(described: VertexDescribed, *, owner: str | None = None) -> LiveEndpoint:
    """GetEndpoint (+ its Models) -> :class:`LiveEndpoint`. Deployed models of Models without
    ``owner``'s stamp are unmanaged, never a variant (:mod:`.ownership`)."""
    ep = described.endpoint
    target = described.target
    labels = dict(ep.get("labels") or {})
    status = derive_status(ep)
    traffic = traffic_of(ep)
    ours, unmanaged = own.split(ep, described.models, owner=owner)
    chosen = _one_per_variant(ours)
    unreadable: dict[str, str] = {}
    variants = [_variant(dm, described.models.get(tr.resource_id(dm.get("model", ""))),
                         traffic.get(dm.get("id", ""), 0), unreadable) for dm in chosen]
    kms = (ep.get("encryptionSpec") or {}).get("kmsKeyName")
    config = build_live_config({
        "target": {"platform": "vertex", "project": target.project,
                   "location": tr.location_of(ep.get("name", "")) or target.location,
                   "network": _named(ep.get("network"), target.network),
                   "encryption_key": _named(kms, target.encryption_key)},
        "variants": variants,
        "logging": logging_of(ep.get("predictRequestResponseLoggingConfig")),
        "auth_mode": "iam",
        "request_timeout_seconds": timeout_of(ep.get("clientConnectionConfig")),
        "tags": {k: v for k, v in labels.items() if not k.startswith(tr.RESERVED_LABEL_PREFIX)},
    }, unreadable)
    name = tr.resource_id(ep.get("name", ""))
    location = tr.location_of(ep.get("name", "")) or target.location
    return LiveEndpoint(
        name=name,
        health=STATUS_MAP.get(status, Health.UNKNOWN),
        provider_status=status,
        revision=labels.get(tr.LABEL_REVISION) or None,
        config=config,
        provider_ids={"endpoint": ep.get("name"),
                      "deployed_models": {d.get("displayName"): d.get("id") for d in chosen},
                      "models": sorted(described.models)},
        invoke_url=f"https://{location}-aiplatform.googleapis.com/v1/{ep.get('name')}:predict",
        unobserved=frozenset(),
        unreadable=unreadable,
        unmanaged=unmanaged,
    )


# ------------------------------------------------------------------------- write-side twins


def endpoint_needs_update(endpoint: dict[str, Any], request: VertexRequest) -> bool:
    """Whether the endpoint's traffic split, labels, logging or inference timeout (read as
    :func:`to_live` reads them) differ from what ``request``'s UpdateEndpoint sets."""
    return (traffic_of(endpoint) != request.traffic_split
            or dict(endpoint.get("labels") or {}) != request.labels
            or logging_of(endpoint.get("predictRequestResponseLoggingConfig")) != logging_of(request.logging)
            or timeout_of(endpoint.get("clientConnectionConfig")) != timeout_of(request.client_connection))


def scaling_needs_update(deployed: dict[str, Any], plan: VariantPlan) -> bool:
    """Whether a kept deployed model's replica bounds or autoscaling (read as :func:`to_live`
    reads them) differ from ``plan``'s (a MutateDeployedModel)."""
    return scaling_of(deployed.get("dedicatedResources") or {}) != scaling_of(plan.resources)
