"""Pure Azure ML translation: spec -> request (``to_request``, ``request_calls``, ``check_values``);
the inverse (described -> live) is :mod:`.reverse`.

No I/O. azure-ai-ml entities are imported inside the functions that build them (``adapters.azureml``
itself never imports azure); the SDK's private conversions they need are :mod:`.client`'s.
Provider names are deterministic, so a retried create finds its first try:

- endpoint                 ``{name}``
- deployment (per variant) ``{variant}-{hash8}``: the hash covers the create-only fields
  (instance type; no code configuration is ever sent), so an instance type change is a NEW
  deployment (created next to the old one, traffic shifted, old deleted), while image, model, env,
  instance count and request settings update the same deployment in place.
- inline environment       azure-ai-ml's anonymous ``CliV2AnonymousEnvironment`` version (a hash of
  the image and inference config): a registration, nothing uploaded.
- data collection assets   ``{endpoint}-{deployment}-{collection}``, version = hash8 of the path.
- autoscale setting        ``{endpoint}-{deployment}-autoscale`` (Azure Monitor, per autoscaled
  variant: :mod:`adapters.azureml.autoscale`); the deployment starts at ``min_replicas``.

The endpoint, every deployment and autoscale setting carry ``deploy-anywhere-owner`` (the
deployment's uid, given its ownership: :mod:`.ownership`). The endpoint carries the user's tags plus
``deploy-anywhere-deployment`` and ``deploy-anywhere-revision``; the revision tag is written by the
LAST call of a rollout (the one that sets traffic), so a serving endpoint shows a revision only once
that revision takes traffic. Deployments carry the user's tags plus ``deploy-anywhere-deployment``
and ``deploy-anywhere-variant``. Golden bodies come from the entities' own ``_to_rest_object`` (the
wire JSON the SDK sends, via the REST model's ``as_dict()``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, cast

from adapters.azureml import autoscale as asc
from adapters.azureml import client
from adapters.azureml.ownership import TAG_DEPLOYMENT, TAG_REVISION, TAG_VARIANT, TAG_VARIANTS
from adapters.azureml.values import check_values
from core.ownership import OWNER_STAMP, Ownership
from core.spec import EndpointSpec, canonical_json, revision
from core.targets import AzureMLTarget

__all__ = [
    "AUTH_MODES",
    "PROBE",
    "MAX_QUEUE_WAIT_MS",
    "DeploymentRequest",
    "AzureMLRequest",
    "check_values",
    "deployment_name",
    "variant_of",
    "arm_id",
    "asset_reference",
    "to_request",
    "request_calls",
    "endpoint_entity",
    "deployment_entity",
    "environment_entity",
    "wire_bodies",
    "endpoint_rest",
    "deployment_rest",
    "data_assets",
]

AUTH_MODES = {"iam": "aad_token", "key": "key", "token": "aml_token"}
"""Spec auth_mode -> azure-ai-ml's ``auth_mode``."""

PROBE = {"initial_delay": 10, "period": 10, "timeout": 2, "success_threshold": 1, "failure_threshold": 30}
"""Liveness and readiness probes, explicit: Azure's documented defaults (seconds)."""

MAX_QUEUE_WAIT_MS = 500
"""Azure's default (and deprecated) max queue wait, sent explicitly."""

COLLECTIONS = ("model_inputs", "model_outputs")
_DEPLOYMENT_NAME = re.compile(r"^([a-z](?:[a-z0-9-]{0,14}[a-z0-9])?)-([0-9a-f]{8})$")
_ASSET_REF = re.compile(r"^azureml:([A-Za-z0-9_.-]{1,255}):([A-Za-z0-9_.-]{1,64})$")


@dataclass(frozen=True)
class DeploymentRequest:
    """One ManagedOnlineDeployment (JSON-able fields; entities are built from them)."""

    variant: str
    name: str
    weight: int
    instance_type: str
    instance_count: int
    environment_id: str
    model: str | None
    environment_variables: dict[str, str]
    request_timeout_ms: int
    max_concurrent_requests_per_instance: int
    app_insights_enabled: bool
    tags: dict[str, str]
    inline_environment: dict[str, Any] | None = None
    """``{"image", "inference_config"}`` of the anonymous environment to register, or None when
    ``environment_id`` references a registered environment."""
    data_collector: dict[str, Any] | None = None
    """``{"sampling_rate", "collections": {name: {"name", "version", "path"}}}`` or None."""
    scaling: asc.Scaling | None = None
    """Autoscaling (an Azure Monitor autoscale setting attached by ``finalize``), or None for a
    fixed instance count. When set, ``instance_count`` is only the count a NEW deployment starts
    with: afterwards the autoscaler owns it."""

    @property
    def autoscale_name(self) -> str | None:
        """Name of this deployment's autoscale setting (None without autoscaling)."""
        return None if self.scaling is None else asc.setting_name(self.tags[TAG_DEPLOYMENT], self.name)


@dataclass(frozen=True)
class AzureMLRequest:
    """Everything ``submit`` sends for one revision."""

    endpoint_name: str
    revision: str
    auth_mode: str
    tags: dict[str, str]
    deployments: tuple[DeploymentRequest, ...]
    target: AzureMLTarget = field(compare=False)
    owner: Ownership | None = field(default=None, compare=False)
    """The deployment's ownership (stamped; ``submit`` refuses an endpoint that is not its)."""

    @property
    def traffic(self) -> dict[str, int]:
        """Endpoint traffic: deployment -> percent (zeros omitted, as Azure expects)."""
        return {d.name: d.weight for d in self.deployments if d.weight > 0}

    @property
    def create_tags(self) -> dict[str, str]:
        """Tags of a new endpoint: no revision until the rollout's last call sets traffic."""
        return {k: v for k, v in self.tags.items() if k not in (TAG_REVISION, TAG_VARIANTS)}

    @property
    def deployment_names(self) -> frozenset[str]:
        return frozenset(d.name for d in self.deployments)


# ------------------------------------------------------------------------------------ names


def deployment_name(variant: str, instance_type: str) -> str:
    """``{variant}-{hash8}`` over the create-only fields (3-32 chars, letter first)."""
    digest = hashlib.sha256(canonical_json({"instance_type": instance_type}).encode()).hexdigest()[:8]
    return f"{variant}-{digest}"


def variant_of(deployment: str) -> str | None:
    """The variant a deployment name carries, or None for a deployment the service did not name."""
    match = _DEPLOYMENT_NAME.fullmatch(deployment)
    return match.group(1) if match else None


def arm_id(target: AzureMLTarget, kind: str, name: str, version: str) -> str:
    return (f"/subscriptions/{target.subscription_id}/resourceGroups/{target.resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{target.workspace}"
            f"/{kind}/{name}/versions/{version}")


_ARM_ASSET = re.compile(r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                        r"Microsoft\.MachineLearningServices/workspaces/[^/]+/(\w+)/([^/]+)/versions/([^/]+)$")


def asset_reference(value: str | None) -> tuple[str, str, str] | None:
    """(kind, name, version) of a workspace asset ARM id, or None."""
    match = _ARM_ASSET.fullmatch(value or "")
    return (match.group(1).lower(), match.group(2), match.group(3)) if match else None


def _registered(target: AzureMLTarget, kind: str, ref: str) -> str:
    """``azureml:name:version`` -> ARM id; registry URIs pass through."""
    match = _ASSET_REF.fullmatch(ref)
    if match:
        return arm_id(target, kind, match.group(1), match.group(2))
    return ref


def _hash8(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:8]


# ---------------------------------------------------------------------------------- request


def _inference_config(port: int, predict: str, health: str) -> dict[str, Any]:
    return {"liveness_route": {"path": health, "port": port},
            "readiness_route": {"path": health, "port": port},
            "scoring_route": {"path": predict, "port": port}}


def to_request(spec: EndpointSpec, *, owner: Ownership | None = None) -> AzureMLRequest:
    """The environment/deployment/endpoint requests for ``spec`` (imports azure-ai-ml entities to
    name anonymous environments), every resource tagged with ``owner`` when given."""
    target = spec.target
    assert isinstance(target, AzureMLTarget), "to_request needs an azureml target"
    rev = revision(spec)
    stamp = {OWNER_STAMP: owner.uid} if owner is not None else {}
    deployments = []
    for v in spec.variants:
        name = deployment_name(v.name, v.instance_type)
        inline = None
        if v.image.startswith("azureml:"):
            environment_id = _registered(target, "environments", v.image)
        else:
            inline = {"image": v.image,
                      "inference_config": _inference_config(v.port, v.predict_route, v.health_route)}
            env = environment_entity(inline)
            environment_id = arm_id(target, "environments", env.name, env.version)
        collector = None
        if spec.logging.enabled:
            base = str(spec.logging.destination).rstrip("/")
            collector = {"sampling_rate": spec.logging.sample_percent / 100, "collections": {
                c: {"name": f"{spec.name}-{name}-{c}", "version": _hash8(f"{base}/{name}/{c}"),
                    "path": f"{base}/{name}/{c}"} for c in COLLECTIONS}}
        deployments.append(DeploymentRequest(
            variant=v.name, name=name, weight=v.weight, instance_type=v.instance_type,
            instance_count=v.min_replicas, environment_id=environment_id,
            model=_registered(target, "models", v.model_uri) if v.model_uri else None,
            # a materialized or previewed spec (core.secrets.sealing): every env value is text
            environment_variables=cast(dict[str, str], dict(v.env)),
            request_timeout_ms=spec.request_timeout_seconds * 1000,
            max_concurrent_requests_per_instance=v.max_concurrency or 1,
            app_insights_enabled=spec.logging.enabled,
            tags=dict(spec.tags) | {TAG_DEPLOYMENT: spec.name, TAG_VARIANT: v.name} | stamp,
            inline_environment=inline, data_collector=collector,
            scaling=(asc.Scaling(v.min_replicas, v.max_replicas, v.autoscaling.target)
                     if v.max_replicas > v.min_replicas else None),
        ))
    return AzureMLRequest(
        endpoint_name=spec.name, revision=rev, auth_mode=AUTH_MODES[spec.auth_mode],
        tags=dict(spec.tags) | {TAG_DEPLOYMENT: spec.name, TAG_REVISION: rev,
                                TAG_VARIANTS: ",".join(v.name for v in spec.variants)} | stamp,
        deployments=tuple(deployments), target=target, owner=owner,
    )


# ---------------------------------------------------------------------------------- entities


def environment_entity(inline: dict[str, Any]) -> Any:
    """The anonymous :class:`azure.ai.ml.entities.Environment` of an inline image."""
    from azure.ai.ml.entities import Environment

    return Environment(image=inline["image"], inference_config=inline["inference_config"])


def endpoint_entity(request: AzureMLRequest, *, traffic: dict[str, int] | None,
                    tags: dict[str, str]) -> Any:
    """A fresh ManagedOnlineEndpoint (the SDK mutates what it sends: never reuse one)."""
    from azure.ai.ml.entities import ManagedOnlineEndpoint

    return ManagedOnlineEndpoint(name=request.endpoint_name, auth_mode=request.auth_mode,
                                 tags=dict(tags), traffic=dict(traffic) if traffic is not None else None)


def deployment_entity(endpoint: str, d: DeploymentRequest) -> Any:
    """A fresh ManagedOnlineDeployment for ``d`` (references only: nothing to upload)."""
    from azure.ai.ml.entities import (
        DataCollector,
        DefaultScaleSettings,
        DeploymentCollection,
        ManagedOnlineDeployment,
        OnlineRequestSettings,
        ProbeSettings,
    )
    collector = None
    if d.data_collector:
        collector = DataCollector(
            collections={c: DeploymentCollection(enabled="true", data=client.data_asset(asset))
                         for c, asset in d.data_collector["collections"].items()},
            sampling_rate=d.data_collector["sampling_rate"])
    return ManagedOnlineDeployment(
        name=d.name, endpoint_name=endpoint, tags=dict(d.tags), model=d.model,
        environment=d.environment_id, instance_type=d.instance_type, instance_count=d.instance_count,
        environment_variables=dict(d.environment_variables) or None,
        app_insights_enabled=d.app_insights_enabled,
        request_settings=OnlineRequestSettings(
            request_timeout_ms=d.request_timeout_ms, max_queue_wait_ms=MAX_QUEUE_WAIT_MS,
            max_concurrent_requests_per_instance=d.max_concurrent_requests_per_instance),
        liveness_probe=ProbeSettings(**PROBE), readiness_probe=ProbeSettings(**PROBE),
        scale_settings=DefaultScaleSettings(), data_collector=collector,
    )


def _data_entity(asset: dict[str, str]) -> Any:
    """The data asset azure-ai-ml registers for one collection (a reference: no upload)."""
    from azure.ai.ml.entities import Data

    return Data(name=asset["name"], version=asset["version"], path=asset["path"])


def endpoint_rest(request: AzureMLRequest, *, traffic: dict[str, int] | None, tags: dict[str, str],
                  location: str) -> Any:
    """The OnlineEndpoint REST body ``submit`` PUTs."""
    return client.endpoint_rest_object(endpoint_entity(request, traffic=traffic, tags=tags), location=location)


def data_assets(request: AzureMLRequest, d: DeploymentRequest) -> list[Any]:
    """The Data entities (one per collection) a deployment's data collector references."""
    return [_data_entity(a) for a in (d.data_collector or {}).get("collections", {}).values()]


def deployment_rest(request: AzureMLRequest, d: DeploymentRequest, *, location: str,
                    extra_tags: dict[str, str] | None = None) -> Any:
    """The OnlineDeployment REST body ``submit`` PUTs (collections point at their data assets)."""
    entity = deployment_entity(request.endpoint_name, d)
    entity.tags.update(extra_tags or {})
    if entity.data_collector:
        for c, asset in (d.data_collector or {})["collections"].items():
            entity.data_collector.collections[c].data = arm_id(request.target, "data", asset["name"],
                                                               asset["version"])
    return client.rest_object(entity, location=location)


def wire_bodies(request: AzureMLRequest, *, location: str = "westeurope") -> list[dict[str, Any]]:
    """What ``submit`` (then ``finalize``: autoscale settings) sends, as ``[{"operation", "name",
    "body"}]`` with the REST JSON bodies (golden files, plan output), in order."""
    calls: list[dict[str, Any]] = [{
        "operation": "PUT onlineEndpoints", "name": request.endpoint_name,
        "body": endpoint_rest(request, traffic=None, tags=request.create_tags, location=location).as_dict()}]
    for d in request.deployments:
        if d.inline_environment:
            env = environment_entity(d.inline_environment)
            calls.append({"operation": "PUT environments", "name": f"{env.name}:{env.version}",
                          "body": client.rest_object(env).as_dict()})
        for data in data_assets(request, d):
            calls.append({"operation": "PUT data", "name": f"{data.name}:{data.version}",
                          "body": client.rest_object(data).as_dict()})
        calls.append({"operation": "PUT onlineDeployments", "name": d.name,
                      "body": deployment_rest(request, d, location=location).as_dict()})
    calls.append({"operation": "PUT onlineEndpoints", "name": request.endpoint_name,
                  "body": endpoint_rest(request, traffic=request.traffic, tags=request.tags,
                                        location=location).as_dict()})
    for d in request.deployments:  # finalize, once the revision serves
        if d.scaling is not None:
            calls.append({"operation": "PUT autoscaleSettings", "name": d.autoscale_name,
                          "body": asc.setting_for(request.target, request.endpoint_name, d.variant, d.name,
                                                  d.scaling, location=location, owner=d.tags.get(OWNER_STAMP))})
    return calls


def request_calls(request: AzureMLRequest, *, exists: bool) -> list[dict[str, Any]]:
    """The calls ``submit`` (then ``finalize``) makes for an endpoint that does (``exists``) or
    does not exist yet, ``[{"operation", "params": {"name", "body"}}]`` (plan shows them)."""
    calls = wire_bodies(request)
    if exists:
        calls = calls[1:]
    return [{"operation": c["operation"], "params": {"name": c["name"], "body": c["body"]}} for c in calls]
