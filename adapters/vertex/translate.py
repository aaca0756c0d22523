"""Pure Vertex AI translation: spec -> requests (``to_request``, ``request_calls``, ``check_values``).

No SDK import, no I/O. Requests are plain dicts in proto-JSON (camelCase, enums by name), the shape
``aiplatform_v1`` request types parse (``from_json(..., ignore_unknown_fields=False)``); reads come
back the same way and are read by the inverse, :mod:`.reverse`. Rules on values
(``check_values``): :mod:`.values`.

One spec maps onto: an Endpoint (labels incl. the revision stamp, prediction logging, inference
timeout, network and CMEK at creation); per variant one Model (container: image, env, port, routes;
artifact URI) and one DeployedModel (machine spec, accelerator, replicas, autoscaling) whose
``displayName`` is the variant name; the traffic split from the weights. Given the deployment's
ownership, the endpoint and every Model carry its owner label; which deployed models are ours is
decided by those stamps, never by display name (:mod:`.ownership`).

Deterministic ids, resource names and labels:

- endpoint id          ``{name}`` (the spec name; Vertex endpoint ids are ``[a-z0-9-]``, <= 63,
  starting with a letter, which the portable name already is)
- model id per variant ``{name}-{variant}-{hash8}``: the hash covers what is immutable in a Model
  (image, env, port, routes, artifact URI, CMEK key), so an unchanged variant keeps its Model
  across revisions and a changed one gets a new Model; secret env values enter as their
  references / fingerprints plus a digest of the values read (never a value: see
  ``translate._identity_container``), so a rotated secret also gets a new Model
- deployed model id    10 digits (no leading zero) hashed from the model id + machine spec +
  accelerator: the immutable part of a DeployedModel. Replica counts and autoscaling are mutable
  in place (MutateDeployedModel), so they are not in the hash.

Names come back from Vertex with the project NUMBER (``projects/123456789012/...``) even when the
request used the project id: compare resources with :func:`resource_key` (location + collection +
id), never by full name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from adapters.vertex.values import check_values
from core.ownership import OWNER_STAMP, Ownership
from core.spec import EndpointSpec, Variant, canonical_json, identity, revision, secret_digest
from core.targets import VertexTarget

__all__ = [
    "LABEL_DEPLOYMENT",
    "LABEL_REVISION",
    "LABEL_VARIANT",
    "LABEL_CREATED",
    "LABEL_DEPLOYED_PREFIX",
    "RESERVED_LABEL_PREFIX",
    "parent",
    "endpoint_name",
    "model_name",
    "model_id",
    "deployed_model_id",
    "resource_id",
    "resource_key",
    "location_of",
    "same_resource",
    "deployed_label",
    "METRICS",
    "VariantPlan",
    "VertexRequest",
    "check_values",
    "to_request",
    "request_calls",
]

LABEL_DEPLOYMENT = "deploy-anywhere-deployment"
LABEL_REVISION = "deploy-anywhere-revision"
LABEL_VARIANT = "deploy-anywhere-variant"
LABEL_CREATED = "deploy-anywhere-created"
"""Endpoint label set at creation (= the creating revision) and dropped by the first
UpdateEndpoint that stamps a revision: present means the endpoint never served a revision, so
``discard`` may delete it whole."""
LABEL_DEPLOYED_PREFIX = "deploy-anywhere-dm-"
"""Endpoint label ``deploy-anywhere-dm-{deployed model id}`` = variant, one per deployed model of
the revision the endpoint serves (set with the revision label): what ``discard`` must keep."""
RESERVED_LABEL_PREFIX = "deploy-anywhere"

_KEY = re.compile(
    r"^projects/(?P<project>[^/]+)/(?:locations|regions)/(?P<location>[^/]+)/(?P<rest>.+)$"
)


def parent(project: str, location: str) -> str:
    return f"projects/{project}/locations/{location}"


def endpoint_name(project: str, location: str, endpoint_id: str) -> str:
    return f"{parent(project, location)}/endpoints/{endpoint_id}"


def model_name(project: str, location: str, model: str) -> str:
    return f"{parent(project, location)}/models/{model}"


def _digest(body: Any) -> str:
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def model_id(name: str, variant: str, container: dict[str, Any], artifact_uri: str | None,
             kms_key: str | None) -> str:
    """``{name}-{variant}-{hash8}`` over the Model's immutable content (<= 58 characters)."""
    body = {"container": container, "artifact_uri": artifact_uri, "kms_key": kms_key}
    return f"{name}-{variant}-{_digest(body)[:8]}"


def deployed_model_id(model: str, machine_spec: dict[str, Any]) -> str:
    """10 digits, first non-zero, from the model id and the machine spec (type + accelerator)."""
    number = int(_digest({"model": model, "machine_spec": machine_spec}), 16)
    return str(1_000_000_000 + number % 9_000_000_000)


def resource_id(name: str) -> str:
    """The last path component: ``.../models/abc`` -> ``abc`` (a version suffix ``@1`` dropped)."""
    return name.rsplit("/", 1)[-1].split("@", 1)[0]


def resource_key(name: str) -> str:
    """``location/collection/id[/...]`` without the project (id or number), for comparisons."""
    match = _KEY.match(name or "")
    if not match:
        return name
    return f"{match['location']}/{match['rest'].split('@', 1)[0]}"


def location_of(name: str) -> str | None:
    match = _KEY.match(name or "")
    return match["location"] if match else None


def same_resource(a: str | None, b: str | None) -> bool:
    """True when two names denote one resource, whatever project spelling each uses.

    Global names (``projects/p/global/networks/n``) compare by everything after the project.
    """
    if a is None or b is None:
        return a == b

    def strip(name: str) -> str:
        parts = name.split("/")
        if len(parts) > 2 and parts[0] == "projects":
            return "/".join(parts[2:]).split("@", 1)[0]
        return name

    return strip(a) == strip(b)


def deployed_label(deployed_id: str) -> str:
    return f"{LABEL_DEPLOYED_PREFIX}{deployed_id}"


METRICS: dict[str, str] = {
    "cpu_utilization": "aiplatform.googleapis.com/prediction/online/cpu/utilization",
    "invocations_per_replica": "aiplatform.googleapis.com/prediction/online/request_count",
}


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
        return parent(self.project, self.location)

    @property
    def endpoint_name(self) -> str:
        return endpoint_name(self.project, self.location, self.name)

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
        mid = model_id(spec.name, v.name, _identity_container(spec, index, container), v.model_uri,
                             target.encryption_key)
        model: dict[str, Any] = {"displayName": f"{spec.name}-{v.name}", "containerSpec": container}
        if v.model_uri:
            model["artifactUri"] = v.model_uri
        model["labels"] = {LABEL_DEPLOYMENT: spec.name, LABEL_REVISION: rev,
                           LABEL_VARIANT: v.name, **stamp}
        model |= _encryption(target)
        resources = _resources(v)
        dmid = deployed_model_id(mid, resources["machineSpec"])
        deployed = {"id": dmid, "model": model_name(target.project, target.location, mid),
                    "displayName": v.name, "dedicatedResources": resources}
        plans.append(VariantPlan(v.name, v.weight, mid, model, dmid, deployed))
    base_labels = dict(spec.tags) | {LABEL_DEPLOYMENT: spec.name} | stamp
    labels = base_labels | {LABEL_REVISION: rev} | {
        deployed_label(p.deployed_model_id): p.variant for p in plans}
    logging = _logging(spec)
    client_connection = {"inferenceTimeout": f"{spec.request_timeout_seconds}s"}
    endpoint: dict[str, Any] = {"displayName": spec.name,
                                "labels": base_labels | {LABEL_CREATED: rev}}
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
