"""Pure Vertex AI translation: spec -> requests (``to_request``) and reads -> live (``to_live``).

No SDK import, no I/O. Requests are plain dicts in proto-JSON (camelCase, enums by name), the shape
``aiplatform_v1`` request types parse (``from_json(..., ignore_unknown_fields=False)``); reads come
back the same way, so both directions live side by side here. Ids and labels: :mod:`.names`.

One spec maps onto: an Endpoint (labels incl. the revision stamp, prediction logging, inference
timeout, network and CMEK at creation); per variant one Model (container: image, env, port, routes;
artifact URI) and one DeployedModel (machine spec, accelerator, replicas, autoscaling) whose
``displayName`` is the variant name; the traffic split from the weights. Given the deployment's
ownership, the endpoint and every Model carry its owner label; which deployed models are ours is
decided by those stamps, never by display name (:mod:`.ownership`).

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adapters.vertex import names
from adapters.vertex import ownership as own
from adapters.vertex.values import check_values
from core.live import Health, LiveEndpoint, build_live_config
from core.ownership import OWNER_STAMP, Ownership
from core.spec import EndpointSpec, VARIANT_NAME_PATTERN, Variant, identity, revision, secret_digest
from core.targets import VertexTarget

__all__ = [
    "STATUS_MAP",
    "METRICS",
    "DEFAULT_CPU_TARGET",
    "VariantPlan",
    "VertexRequest",
    "VertexDescribed",
    "check_values",
    "derive_status",
    "to_request",
    "request_calls",
    "to_live",
    "traffic_of",
    "logging_of",
    "timeout_of",
    "scaling_of",
]

STATUS_MAP: dict[str, Health] = {
    "NO_DEPLOYED_MODELS": Health.PROVISIONING,
    "UNDEPLOYED": Health.DEGRADED,
    "SERVING": Health.SERVING,
    "NO_TRAFFIC": Health.DEGRADED,
    "TRAFFIC_INVALID": Health.DEGRADED,
}
"""Derived endpoint states (see the module docstring); anything else is ``Health.UNKNOWN``."""

METRICS: dict[str, str] = {
    "cpu_utilization": "aiplatform.googleapis.com/prediction/online/cpu/utilization",
    "invocations_per_replica": "aiplatform.googleapis.com/prediction/online/request_count",
}
DEFAULT_CPU_TARGET = 60
"""Vertex autoscales on CPU at 60 % when a DeployedModel names no metric."""
DEFAULT_TIMEOUT_SECONDS = 60
"""What an endpoint without ``clientConnectionConfig`` reads as (the spec's default)."""
_VARIANT = re.compile(VARIANT_NAME_PATTERN)


@dataclass(frozen=True)
class VariantPlan:
    """One variant's Model and DeployedModel (proto-JSON dicts)."""

    variant: str
    weight: int
    model_id: str
    model: dict[str, Any]
    deployed_model_id: str
    deployed_model: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.deployed_model["dedicatedResources"])


@dataclass(frozen=True)
class VertexRequest:
    """Everything ``submit``/``finalize`` send for one revision."""

    name: str
    revision: str
    project: str
    location: str
    variants: tuple[VariantPlan, ...]
    endpoint: dict[str, Any]
    labels: dict[str, str]
    traffic_split: dict[str, int]
    logging: dict[str, Any]
    client_connection: dict[str, Any]
    model_labels: dict[str, str] = field(default_factory=dict)
    owner: Ownership | None = field(default=None, compare=False)
    """The deployment's ownership (stamped; ``submit`` refuses an endpoint that is not its)."""

    @property
    def parent(self) -> str:
        return names.parent(self.project, self.location)

    @property
    def endpoint_name(self) -> str:
        return names.endpoint_name(self.project, self.location, self.name)

    @property
    def model_ids(self) -> frozenset[str]:
        return frozenset(p.model_id for p in self.variants)

    @property
    def deployed_ids(self) -> frozenset[str]:
        return frozenset(p.deployed_model_id for p in self.variants)

    # ---------------------------------------------------------------- the request bodies

    def upload_model(self, plan: VariantPlan) -> dict[str, Any]:
        return {"parent": self.parent, "modelId": plan.model_id, "model": plan.model}

    def create_endpoint(self) -> dict[str, Any]:
        return {"parent": self.parent, "endpointId": self.name, "endpoint": self.endpoint}

    def deploy_model(self, plan: VariantPlan, *, first: bool) -> dict[str, Any]:
        """DeployModel; on an endpoint with nothing deployed the new model takes all traffic
        (``"0"``: the model being deployed), else it joins with none until UpdateEndpoint."""
        body: dict[str, Any] = {"endpoint": self.endpoint_name, "deployedModel": plan.deployed_model}
        if first:
            body["trafficSplit"] = {"0": 100}
        return body

    def mutate_deployed_model(self, plan: VariantPlan) -> dict[str, Any]:
        """MutateDeployedModel: replica counts and autoscaling, in place."""
        return {
            "endpoint": self.endpoint_name,
            "deployedModel": {"id": plan.deployed_model_id, "dedicatedResources": plan.resources},
            "updateMask": "dedicatedResources.minReplicaCount,dedicatedResources.maxReplicaCount,"
                          "dedicatedResources.autoscalingMetricSpecs",
        }

    def update_endpoint(self) -> dict[str, Any]:
        """UpdateEndpoint (PATCH): traffic, labels (revision stamp), logging, inference timeout."""
        return {
            "endpoint": {"name": self.endpoint_name, "labels": self.labels,
                         "trafficSplit": self.traffic_split,
                         "predictRequestResponseLoggingConfig": self.logging,
                         "clientConnectionConfig": self.client_connection},
            "updateMask": "labels,trafficSplit,predictRequestResponseLoggingConfig,"
                          "clientConnectionConfig",
        }


@dataclass
class VertexDescribed:
    """What describe read: the Endpoint and the Models its deployed models name (proto-JSON).

    ``models``: model resource id -> Model, None when it does not exist (deleted behind our back).
    ``target``: the adapter's target (the expected spelling of project, network and key names).
    """

    endpoint: dict[str, Any]
    target: VertexTarget
    models: dict[str, dict[str, Any] | None] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ spec -> req


def _container(v: Variant) -> dict[str, Any]:
    container: dict[str, Any] = {"imageUri": v.image}
    if v.env:
        container["env"] = [{"name": k, "value": val} for k, val in v.env.items()]
    container |= {"ports": [{"containerPort": v.port}], "predictRoute": v.predict_route,
                  "healthRoute": v.health_route}
    return container


def _identity_container(spec: EndpointSpec, index: int, container: dict[str, Any]) -> dict[str, Any]:
    """The container as the model id hashes it: for a materialized spec (secret values in place),
    the env of the sealed spec it came from (references and fingerprints, never a value) plus the
    digest of the values read from secret stores, so a rotated value gets a new Model."""
    sealed = identity(spec)
    if sealed is spec:
        return container
    keyed = dict(container)
    keyed["env"] = sealed.variants[index].model_dump(mode="json")["env"]
    if (digest := secret_digest(spec)) is not None:
        keyed["secrets"] = digest
    return keyed


def _machine_spec(v: Variant) -> dict[str, Any]:
    spec: dict[str, Any] = {"machineType": v.instance_type}
    if v.accelerator is not None:
        spec |= {"acceleratorType": v.accelerator.type, "acceleratorCount": v.accelerator.count}
    return spec


def _resources(v: Variant) -> dict[str, Any]:
    low = max(v.min_replicas, 1)
    resources: dict[str, Any] = {"machineSpec": _machine_spec(v), "minReplicaCount": low,
                                 "maxReplicaCount": max(v.max_replicas, low)}
    if v.max_replicas > low:
        resources["autoscalingMetricSpecs"] = [
            {"metricName": METRICS[v.autoscaling.metric], "target": v.autoscaling.target}]
    return resources


def _encryption(target: VertexTarget) -> dict[str, Any]:
    return {"encryptionSpec": {"kmsKeyName": target.encryption_key}} if target.encryption_key else {}


def _logging(spec: EndpointSpec) -> dict[str, Any]:
    if not spec.logging.enabled:
        return {}
    return {"enabled": True, "samplingRate": spec.logging.sample_percent / 100,
            "bigqueryDestination": {"outputUri": spec.logging.destination}}


def to_request(spec: EndpointSpec, *, owner: Ownership | None = None) -> VertexRequest:
    """The UploadModel / CreateEndpoint / DeployModel / MutateDeployedModel / UpdateEndpoint
    bodies for ``spec``; the endpoint and every Model labelled with ``owner`` when given."""
    target = spec.target
    assert isinstance(target, VertexTarget), "to_request needs a vertex target"
    rev = revision(spec)
    stamp = {OWNER_STAMP: owner.uid} if owner is not None else {}
    plans = []
    for index, v in enumerate(spec.variants):
        container = _container(v)
        mid = names.model_id(spec.name, v.name, _identity_container(spec, index, container), v.model_uri,
                             target.encryption_key)
        model: dict[str, Any] = {"displayName": f"{spec.name}-{v.name}", "containerSpec": container}
        if v.model_uri:
            model["artifactUri"] = v.model_uri
        model["labels"] = {names.LABEL_DEPLOYMENT: spec.name, names.LABEL_REVISION: rev,
                           names.LABEL_VARIANT: v.name, **stamp}
        model |= _encryption(target)
        resources = _resources(v)
        dmid = names.deployed_model_id(mid, resources["machineSpec"])
        deployed = {"id": dmid, "model": names.model_name(target.project, target.location, mid),
                    "displayName": v.name, "dedicatedResources": resources}
        plans.append(VariantPlan(v.name, v.weight, mid, model, dmid, deployed))
    base_labels = dict(spec.tags) | {names.LABEL_DEPLOYMENT: spec.name} | stamp
    labels = base_labels | {names.LABEL_REVISION: rev} | {
        names.deployed_label(p.deployed_model_id): p.variant for p in plans}
    logging = _logging(spec)
    client_connection = {"inferenceTimeout": f"{spec.request_timeout_seconds}s"}
    endpoint: dict[str, Any] = {"displayName": spec.name,
                                "labels": base_labels | {names.LABEL_CREATED: rev}}
    if target.network:
        endpoint["network"] = target.network
    endpoint |= _encryption(target)
    if logging:
        endpoint["predictRequestResponseLoggingConfig"] = logging
    endpoint["clientConnectionConfig"] = client_connection
    return VertexRequest(
        name=spec.name, revision=rev, project=target.project, location=target.location,
        variants=tuple(plans), endpoint=endpoint, labels=dict(sorted(labels.items())),
        traffic_split={p.deployed_model_id: p.weight for p in plans if p.weight > 0},
        logging=logging, client_connection=client_connection, owner=owner,
    )


def request_calls(request: VertexRequest, *, exists: bool) -> list[dict[str, Any]]:
    """The calls ``submit`` makes, in order (plan shows them). For an existing endpoint the
    uploads and deploys are made only for variants whose Model/DeployedModel is new, and
    MutateDeployedModel only where replicas or autoscaling changed."""
    calls: list[dict[str, Any]] = [{"operation": "UploadModel", "params": request.upload_model(p)}
                                   for p in request.variants]
    if not exists:
        calls.append({"operation": "CreateEndpoint", "params": request.create_endpoint()})
    calls += [{"operation": "DeployModel", "params": request.deploy_model(p, first=not exists and i == 0)}
              for i, p in enumerate(request.variants)]
    if exists:
        calls += [{"operation": "MutateDeployedModel", "params": request.mutate_deployed_model(p)}
                  for p in request.variants]
    calls.append({"operation": "UpdateEndpoint", "params": request.update_endpoint()})
    return calls


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
        served = (endpoint.get("labels") or {}).get(names.LABEL_REVISION)
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
        model_id = names.resource_id(dm.get("model", ""))
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
    return expected if live and names.same_resource(live, expected) else (live or None)


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
    variants = [_variant(dm, described.models.get(names.resource_id(dm.get("model", ""))),
                         traffic.get(dm.get("id", ""), 0), unreadable) for dm in chosen]
    kms = (ep.get("encryptionSpec") or {}).get("kmsKeyName")
    config = build_live_config({
        "target": {"platform": "vertex", "project": target.project,
                   "location": names.location_of(ep.get("name", "")) or target.location,
                   "network": _named(ep.get("network"), target.network),
                   "encryption_key": _named(kms, target.encryption_key)},
        "variants": variants,
        "logging": logging_of(ep.get("predictRequestResponseLoggingConfig")),
        "auth_mode": "iam",
        "request_timeout_seconds": timeout_of(ep.get("clientConnectionConfig")),
        "tags": {k: v for k, v in labels.items() if not k.startswith(names.RESERVED_LABEL_PREFIX)},
    }, unreadable)
    name = names.resource_id(ep.get("name", ""))
    location = names.location_of(ep.get("name", "")) or target.location
    return LiveEndpoint(
        name=name,
        health=STATUS_MAP.get(status, Health.UNKNOWN),
        provider_status=status,
        revision=labels.get(names.LABEL_REVISION) or None,
        config=config,
        provider_ids={"endpoint": ep.get("name"),
                      "deployed_models": {d.get("displayName"): d.get("id") for d in chosen},
                      "models": sorted(described.models)},
        invoke_url=f"https://{location}-aiplatform.googleapis.com/v1/{ep.get('name')}:predict",
        unobserved=frozenset(),
        unreadable=unreadable,
        unmanaged=unmanaged,
    )
