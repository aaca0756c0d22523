"""Pure inverse of :mod:`adapters.azureml.translate`: what describe read -> :class:`LiveEndpoint`,
and its write-side twins (:func:`deployment_needs_update`, :func:`same_tags`, :func:`traffic_of`:
what ``submit`` compares before it PUTs, under the drift matrix's guard,
tests/checks/test_drift_matrix.py).

Described objects are azure-ai-ml entities as ``MLClient`` returns them (full describes), or the
wire views of :mod:`adapters.azureml.wire` answering the same attributes (basic describes), read by
attribute only (no SDK import here). Not drift, on purpose:

- the traffic zeros Azure fills in for deployments without traffic (weight 0 either way);
- the metadata the SDK copies into ``properties``, scoring/swagger URIs, identity, system data;
- a Deleting deployment without traffic (the previous revision being pruned);
- ``max_concurrent_requests_per_instance`` 1 is Azure's default and the spec's ``None``.
- the instance count of an autoscaled deployment (the autoscaler owns it: the bounds and the
  target come from its Azure Monitor autoscale setting, :mod:`adapters.azureml.autoscale`).

The spec's endpoint-level request timeout and logging are per deployment in Azure: the config holds
the first variant's, and a deployment that differs from it is reported in
``LiveEndpoint.variant_overrides`` (a check compares those too). Only the deployment's own
deployments (owner stamp, :mod:`.ownership`) are read as variants and for those fields; a foreign
one is ``LiveEndpoint.unmanaged``.

Health is the endpoint's ``provisioningState`` (STATUS_MAP), ``updating`` while one of its
deployments is Creating/Updating. A deployment whose in-place update failed keeps its previous
instances serving on Azure, so it does not make the endpoint unhealthy; the failure is reported by
the rollout that caused it (``DeploymentFailed`` with Azure's reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adapters.azureml import ownership as own
from adapters.azureml import translate as tr
from adapters.azureml.autoscale import METRIC, variant_scaling
from adapters.azureml.ownership import TAG_CREATED, TAG_REVISION, TAG_VARIANT, TAG_VARIANTS
from core.live import Health, LiveEndpoint, build_live_config
from core.targets import AzureMLTarget

__all__ = ["STATUS_MAP", "AzureMLDescribed", "to_live", "ANONYMOUS_ENVIRONMENT", "BUSY", "traffic_of",
           "same_tags", "deployment_needs_update"]

STATUS_MAP: dict[str, Health] = {
    "Creating": Health.PROVISIONING,
    "Updating": Health.UPDATING,
    "Succeeded": Health.SERVING,
    "Failed": Health.FAILED,
    "Deleting": Health.DELETING,
    "Canceled": Health.DEGRADED,
}
"""Every ``provisioningState`` of an online endpoint; anything else maps to ``Health.UNKNOWN``."""

BUSY = frozenset({"Creating", "Updating", "Deleting"})
ANONYMOUS_ENVIRONMENT = "CliV2AnonymousEnvironment"
_AUTH = {"aad_token": "iam", "key": "key", "aml_token": "token"}
_NAME = re.compile(r"^([a-z](?:[a-z0-9-]{0,14}[a-z0-9])?)-[0-9a-f]{8}$")
_ARM_ASSET = re.compile(r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                        r"Microsoft\.MachineLearningServices/workspaces/[^/]+/(\w+)/([^/]+)/versions/([^/]+)$")


@dataclass
class AzureMLDescribed:
    """What describe read: the endpoint and its deployments (entities, or wire views), plus the
    immutable asset versions they reference (``environments``: environment ARM id -> entity;
    ``data_paths``: data asset ARM id -> path; a missing key means not read)."""

    endpoint: Any
    deployments: list[Any]
    target: AzureMLTarget
    environments: dict[str, Any] = field(default_factory=dict)
    autoscale: dict[str, dict[str, Any]] | None = None
    """Deployment name (lower case) -> the Azure Monitor autoscale setting targeting it (wire
    JSON); a deployment without one is fixed-scale. None: not read (a basic describe), which
    marks the replica bounds and autoscaling unobserved."""
    data_paths: dict[str, str | None] = field(default_factory=dict)


def _get(obj: Any, snake: str, camel: str | None = None) -> Any:
    """Attribute or mapping access (entities, REST models and dicts all answer)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(snake, obj.get(camel or snake))
    value = getattr(obj, snake, None)
    if value is None and camel and hasattr(obj, "get"):
        value = obj.get(camel)
    return value


def _reference(value: str | None) -> str | None:
    """A workspace asset ARM id -> ``azureml:name:version``; anything else unchanged."""
    match = _ARM_ASSET.fullmatch(value or "")
    return f"azureml:{match.group(2)}:{match.group(3)}" if match else value


def variant_name(deployment: Any) -> str:
    tags = _get(deployment, "tags") or {}
    match = _NAME.fullmatch(deployment.name)
    return tags.get(TAG_VARIANT) or (match.group(1) if match else deployment.name)


def _traffic(endpoint: Any) -> dict[str, int]:
    return {k: int(v) for k, v in (_get(endpoint, "traffic") or {}).items()}


def _pick(deployments: list[Any], traffic: dict[str, int]) -> dict[str, Any]:
    """One deployment per variant: during a replacement two exist; the one with traffic (then
    the one not being deleted, then the newest name) speaks for the variant."""
    chosen: dict[str, Any] = {}
    for d in deployments:
        key = variant_name(d)
        rank = (traffic.get(d.name, 0), _get(d, "provisioning_state") != "Deleting", d.name)
        if key not in chosen or rank > chosen[key][0]:
            chosen[key] = (rank, d)
    return {k: v for k, (_, v) in chosen.items()}


_FROM_ENVIRONMENT = ("image", "port", "predict_route", "health_route")
"""Variant fields read from a deployment's (anonymous) environment version."""


def _image(d: Any, at: str, described: AzureMLDescribed, unreadable: dict[str, str]) -> dict[str, Any]:
    """{image, port, predict_route, health_route} of a deployment's environment; when it cannot be
    read, those paths (under ``at``) are named in ``unreadable`` and get no value."""
    env_id = _get(d, "environment") or ""
    match = _ARM_ASSET.fullmatch(env_id)
    defaults = {"port": 8080, "predict_route": "/invocations", "health_route": "/ping"}
    if not env_id:
        unreadable.update({f"{at}.{f}": f"deployment {d.name} names no environment" for f in _FROM_ENVIRONMENT})
        return {}
    if not (match and match.group(2) == ANONYMOUS_ENVIRONMENT):
        return {"image": str(_reference(env_id)), **defaults}
    env = described.environments.get(env_id)
    if env is None:
        why = (f"environment {ANONYMOUS_ENVIRONMENT}:{match.group(3)} of deployment {d.name} was not found "
               f"(it cannot be read in this workspace)")
        unreadable.update({f"{at}.{f}": why for f in _FROM_ENVIRONMENT})
        return {}
    config = _get(env, "inference_config", "inferenceConfig")
    scoring = _get(config, "scoring_route", "scoringRoute")
    health = _get(config, "liveness_route", "livenessRoute")
    return {
        "image": str(_get(env, "image")),
        "port": int(_get(scoring, "port") or 8080),
        "predict_route": _get(scoring, "path") or "/invocations",
        "health_route": _get(health, "path") or "/ping",
    }


def _variant(d: Any, name: str, weight: int, described: AzureMLDescribed,
             unreadable: dict[str, str]) -> dict[str, Any]:
    at = f"variants[{name}]"
    image = _image(d, at, described, unreadable)
    if not _get(d, "instance_type"):
        unreadable[f"{at}.instance_type"] = f"deployment {d.name} names no instance type"
    settings = _get(d, "request_settings")
    concurrency = _get(settings, "max_concurrent_requests_per_instance")
    count = int(_get(d, "instance_count") or 0)
    setting = (described.autoscale or {}).get(str(d.name).lower())
    scaling = variant_scaling(setting, count)
    if scaling["max_replicas"] > scaling["min_replicas"] and "autoscaling" not in scaling:
        unreadable[f"{at}.autoscaling"] = (f"autoscale setting {setting and setting.get('name')} has no "
                                           f"scale-out rule on {METRIC} the spec can express")
    return {
        "name": name, **image, "model_uri": _reference(_get(d, "model")),
        "env": dict(_get(d, "environment_variables") or {}),
        "instance_type": _get(d, "instance_type"), **scaling,
        "weight": weight, "max_concurrency": None if concurrency in (None, 1) else int(concurrency),
    }


def _logging(d: Any, described: AzureMLDescribed, unobserved: set[str],
             unreadable: dict[str, str]) -> dict[str, Any]:
    collector = _get(d, "data_collector")
    collections = _get(collector, "collections") or {}
    inputs = collections.get("model_inputs")
    if inputs is None or str(_get(inputs, "enabled")).lower() != "true":
        return {"enabled": False}
    rate = _get(collector, "sampling_rate")
    data_id = _get(inputs, "data")
    data_id = data_id if isinstance(data_id, str) else _get(data_id, "data_id")
    destination = None
    if data_id in described.data_paths and described.data_paths[data_id] is None:
        unreadable["logging.destination"] = (f"data asset {_reference(data_id)} of deployment {d.name}'s "
                                             f"data collector was not found")
    elif data_id in described.data_paths:
        path = described.data_paths[data_id]
        # the service writes <destination>/<deployment>/model_inputs; a deployment copied by hand
        # (e.g. onto another instance type) keeps its source's <deployment> segment: same destination
        head, _, tail = (path or "").rpartition("/")
        destination = head.rpartition("/")[0] if tail == "model_inputs" and "/" in head else path
    else:
        unobserved.add("logging.destination")
    return {"enabled": True, "sample_percent": round(float(rate if rate is not None else 1.0) * 100),
            "destination": destination}


def _endpoint_level(d: Any, described: AzureMLDescribed, unobserved: set[str],
                    unreadable: dict[str, str]) -> dict[str, Any]:
    """The spec's endpoint-level fields that Azure keeps per deployment, as deployment ``d`` has them."""
    timeout_ms = _get(_get(d, "request_settings"), "request_timeout_ms")
    return {"logging": _logging(d, described, unobserved, unreadable),
            "request_timeout_seconds": max(1, round((timeout_ms or 5000) / 1000))}


def _auth_mode(ep: Any, unreadable: dict[str, str]) -> str | None:
    """The endpoint's auth mode in the spec's words; one the spec cannot name is unreadable."""
    raw = _get(ep, "auth_mode")
    mode = _AUTH.get(str(getattr(raw, "value", raw) or "").lower())
    if mode is None:
        unreadable["auth_mode"] = f"endpoint {ep.name} has auth mode {raw!r}, which the spec cannot express"
    return mode


def to_live(described: AzureMLDescribed, *, owner: str | None = None) -> LiveEndpoint:
    """Endpoint + deployments (+ cached asset versions) -> :class:`LiveEndpoint`."""
    ep = described.endpoint
    tags = dict(_get(ep, "tags") or {})
    traffic = _traffic(ep)
    ours, unmanaged = own.split(described.deployments, ep, traffic, owner=owner,  # foreign ones: never a variant
                                environments=described.environments)
    chosen = _pick(ours, traffic)
    order = [v for v in (tags.get(TAG_VARIANTS) or "").split(",") if v in chosen]
    names = order + sorted(set(chosen) - set(order))
    unobserved: set[str] = set()
    fixed_scale_only: set[str] = set()
    if described.autoscale is None:
        # the deployments list carries each one's sku.capacity: a fixed-size variant's count is
        # seen by a basic check; an autoscaled one's belongs to its Azure Monitor setting
        unobserved.add("variants[*].autoscaling*")
        fixed_scale_only |= {"variants[*].min_replicas", "variants[*].max_replicas"}
    unreadable: dict[str, str] = {}
    variants = [_variant(chosen[n], n, traffic.get(chosen[n].name, 0), described, unreadable) for n in names]
    overrides: dict[str, dict[str, Any]] = {}
    per_variant = {n: _endpoint_level(chosen[n], described, unobserved, unreadable) for n in names}
    if not names:  # kept on each deployment: with none left, there is nothing to read them from
        unreadable |= {f: f"Azure ML keeps {f} on each deployment, and endpoint {ep.name} has none"
                       for f in ("logging", "request_timeout_seconds")}
    base = {
        "target": described.target.model_dump(mode="json"),
        "variants": variants,
        "auth_mode": _auth_mode(ep, unreadable),
        "tags": {k: v for k, v in tags.items() if not k.startswith("deploy-anywhere")},
    }
    config = build_live_config(base | (per_variant[names[0]] if names else {}), unreadable)
    for n in names[1:]:
        differing = {k: v for k, v in per_variant[n].items() if v != per_variant[names[0]][k]}
        if differing:  # normalised as the config is (rare: only when deployments disagree)
            overrides[n] = {k: build_live_config(base | per_variant[n], unreadable).get(k) for k in differing}
    raw = _get(ep, "provisioning_state")
    state = None if raw is None else str(getattr(raw, "value", raw))
    health = STATUS_MAP.get(state or "", Health.UNKNOWN)
    if health is Health.SERVING and any(
            _get(d, "provisioning_state") in ("Creating", "Updating") for d in described.deployments):
        health = Health.UPDATING  # the endpoint serves while a deployment changes under it
    elif health is Health.SERVING and not described.deployments:
        health = Health.DEGRADED  # provisioned, but nothing behind it answers a scoring request
    return LiveEndpoint(
        name=ep.name,
        health=health,
        provider_status=state,
        revision=tags.get(TAG_REVISION),
        config=config,
        provider_ids={"endpoint_id": _get(ep, "id"),
                      "deployments": sorted(d.name for d in described.deployments)},
        invoke_url=_get(ep, "scoring_uri"),
        unobserved=frozenset(unobserved),
        fixed_scale_only=frozenset(fixed_scale_only),
        variant_overrides=overrides,
        unmanaged=unmanaged,
        unreadable=unreadable,
    )


def same_tags(live: dict[str, str], wanted: dict[str, str]) -> bool:
    """Whether the endpoint's tags are the request's; the variants tag (:data:`TAG_VARIANTS`)
    by its names only: the order a spec lists its variants in is not configuration (the revision
    does not count it either), so listing them in another order writes nothing."""
    def canonical(tags: dict[str, str]) -> dict[str, Any]:
        if TAG_VARIANTS not in tags:
            return dict(tags)
        return {**tags, TAG_VARIANTS: sorted(tags[TAG_VARIANTS].split(","))}

    return canonical(live) == canonical(wanted)


def traffic_of(endpoint: Any) -> dict[str, int]:
    """Live traffic without Azure's filled-in zeros."""
    return {k: int(v) for k, v in (getattr(endpoint, "traffic", None) or {}).items() if int(v) > 0}


def deployment_needs_update(request: tr.AzureMLRequest, d: tr.DeploymentRequest, live: Any) -> bool:
    """Whether the live deployment (an entity, read as :func:`to_live` reads it) differs from ``d``
    in what a PUT of ``d`` would set."""
    settings = live.request_settings
    collector = live.data_collector
    collections = getattr(collector, "collections", None) or {}
    want_collector = None
    if d.data_collector:
        want_collector = (float(d.data_collector["sampling_rate"]), sorted(
            tr.arm_id(request.target, "data", a["name"], a["version"]).lower()
            for a in d.data_collector["collections"].values()))
    have_collector = None
    if collections:
        have_collector = (float(getattr(collector, "sampling_rate", None) or 0.0), sorted(
            str(c.data).lower() for c in collections.values() if str(c.enabled).lower() == "true"))
    probes_ok = all(
        probe is not None and all(getattr(probe, k, None) == v for k, v in tr.PROBE.items())
        for probe in (live.liveness_probe, live.readiness_probe))
    tags = {k: v for k, v in (live.tags or {}).items() if k != TAG_CREATED}
    return any((
        (live.environment or "").lower() != d.environment_id.lower(),
        (live.model or "").lower() != (d.model or "").lower(),
        (int(live.instance_count or 0) != d.instance_count if d.scaling is None
         else not d.scaling.min_replicas <= int(live.instance_count or 0) <= d.scaling.max_replicas),
        dict(live.environment_variables or {}) != d.environment_variables,
        bool(live.app_insights_enabled) != d.app_insights_enabled,
        getattr(settings, "request_timeout_ms", None) != d.request_timeout_ms,
        getattr(settings, "max_concurrent_requests_per_instance", None) != d.max_concurrent_requests_per_instance,
        # azure-ai-ml 1.35 reads request-setting durations back truncated to whole seconds
        # (PT0.5S -> 0 ms): compare at that precision, or every re-apply would PUT again.
        (getattr(settings, "max_queue_wait_ms", None) or 0) // 1000 != tr.MAX_QUEUE_WAIT_MS // 1000,
        not probes_ok, want_collector != have_collector, tags != d.tags,
    ))
