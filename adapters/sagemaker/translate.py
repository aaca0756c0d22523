"""Pure SageMaker translation: spec -> requests (``to_request``, ``request_calls``, ``check_values``).

No SDK import, no I/O. Provider names are deterministic, so a retried create finds its first try:

- endpoint            ``{name}``
- endpoint config     ``{name}-{revision}``            (immutable; the name carries the revision)
- model (per variant) ``{name}-{variant}-{hash8}``     (hash of image, artifact, env and role, so an
  unchanged variant keeps its model across revisions)

Every resource carries the user's tags plus ``deploy-anywhere:deployment`` and
``deploy-anywhere:revision``, and, given the deployment's ownership, ``deploy-anywhere-owner`` (scaling
policies: in their name); which live resources are ours: :mod:`.ownership`. The inverse
(describes -> live) is :mod:`.reverse`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from adapters.sagemaker import ownership as own
from adapters.sagemaker.catalog import instance_type_problem
from core.adapter import Gap
from core.ownership import Ownership
from core.spec import Autoscaling, EndpointSpec, canonical_json, identity, revision, secret_digest
from core.targets import SageMakerTarget

__all__ = [
    "TAG_DEPLOYMENT",
    "TAG_REVISION",
    "SCALABLE_DIMENSION",
    "INVOCATIONS_METRIC",
    "CPU_METRIC",
    "ScalingRequest",
    "SageMakerRequest",
    "check_values",
    "config_name",
    "model_name",
    "scaling_resource_id",
    "to_request",
    "request_calls",
    "revision_of_config",
]
TAG_DEPLOYMENT = "deploy-anywhere:deployment"
TAG_REVISION = "deploy-anywhere:revision"
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
INVOCATIONS_METRIC = "SageMakerVariantInvocationsPerInstance"
CPU_METRIC = ("CPUUtilization", "/aws/sagemaker/Endpoints")




@dataclass(frozen=True)
class ScalingRequest:
    """Application Auto Scaling calls for one variant (applied once the endpoint serves)."""

    variant: str
    register: dict[str, Any]
    policy: dict[str, Any]


@dataclass(frozen=True)
class SageMakerRequest:
    """Everything ``submit``/``finalize`` send for one revision."""

    endpoint_name: str
    revision: str
    models: tuple[dict[str, Any], ...]
    endpoint_config: dict[str, Any]
    endpoint: dict[str, Any]
    scaling: tuple[ScalingRequest, ...] = ()
    fixed_variants: tuple[str, ...] = ()
    owner: Ownership | None = field(default=None, compare=False)
    """The deployment's ownership (stamped; ``submit`` refuses an endpoint that is not its)."""

    @property
    def config_name(self) -> str:
        return str(self.endpoint_config["EndpointConfigName"])

    @property
    def model_names(self) -> frozenset[str]:
        return frozenset(m["ModelName"] for m in self.models)



# ------------------------------------------------------------------------------------ spec -> req


def config_name(name: str, rev: str, secrets: str | None = None) -> str:
    """``{name}-{rev}``, or ``{name}-{rev}-{secrets}`` when the spec's values read from secret
    stores (digest ``secrets``) are in it: a rotated value is a new immutable config of the same
    revision."""
    return f"{name}-{rev}" if secrets is None else f"{name}-{rev}-{secrets}"


def model_name(spec: EndpointSpec, variant_index: int) -> str:
    """``{name}-{variant}-{hash8}`` over the model's content, with secret values as their
    references/fingerprints (:func:`core.spec.identity`) plus the digest of the values read."""
    v = identity(spec).variants[variant_index]
    target = spec.target
    assert isinstance(target, SageMakerTarget)
    body = {"image": v.image, "model_uri": v.model_uri, "env": v.model_dump(mode="json")["env"],
            "role": target.execution_role_arn, **({"secrets": d} if (d := secret_digest(spec)) else {})}
    digest = hashlib.sha256(canonical_json(body).encode()).hexdigest()[:8]
    return f"{spec.name}-{v.name}-{digest}"


def policy_name(endpoint: str, variant: str, owner: str | None = None) -> str:
    """See :func:`adapters.sagemaker.ownership.policy_name` (the owner uid is in the name)."""
    return own.policy_name(endpoint, variant, owner)


def _tracking(endpoint: str, variant: str, rule: Autoscaling) -> dict[str, Any]:
    """Target tracking on invocations (predefined) or CPU (the endpoint's CloudWatch metric)."""
    config: dict[str, Any] = {"TargetValue": float(rule.target), "ScaleInCooldown": 300,
                              "ScaleOutCooldown": 60}
    if rule.metric == "invocations_per_replica":
        config["PredefinedMetricSpecification"] = {"PredefinedMetricType": INVOCATIONS_METRIC}
    else:
        config["CustomizedMetricSpecification"] = {
            "MetricName": CPU_METRIC[0], "Namespace": CPU_METRIC[1], "Statistic": "Average",
            "Dimensions": [{"Name": "EndpointName", "Value": endpoint},
                           {"Name": "VariantName", "Value": variant}]}
    return config



def scaling_resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


def revision_of_config(endpoint: str, name: str | None) -> str | None:
    """The revision a config name carries, or None for a config the service did not make."""
    if not name:
        return None
    match = re.fullmatch(re.escape(endpoint) + r"-([0-9a-f]{12})(-[0-9a-f]{8})?", name)
    return match.group(1) if match else None


def _tags(spec: EndpointSpec, rev: str, owner: Ownership | None = None) -> list[dict[str, str]]:
    tags = dict(spec.tags) | {TAG_DEPLOYMENT: spec.name, TAG_REVISION: rev}
    if owner is not None:
        tags[own.TAG_OWNER] = owner.uid
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def check_values(spec: EndpointSpec) -> list[Gap]:
    """SageMaker's rules on values: instance types botocore's model offers
    (:mod:`adapters.sagemaker.catalog`), URI schemes."""
    gaps = []
    for i, v in enumerate(spec.variants):
        if (problem := instance_type_problem(v.instance_type)) is not None:
            gaps.append(Gap(f"variants[{i}].instance_type", "instance_type", problem))
        if v.model_uri is not None and not v.model_uri.startswith("s3://"):
            gaps.append(Gap(f"variants[{i}].model_uri", "model_uri",
                            "SageMaker loads model artifacts from S3: use an s3:// URI"))
    if spec.logging.enabled and not (spec.logging.destination or "").startswith("s3://"):
        gaps.append(Gap("logging.destination", "prediction_logging",
                        "SageMaker data capture writes to S3: use an s3:// destination"))
    return gaps


def to_request(spec: EndpointSpec, *, owner: Ownership | None = None) -> SageMakerRequest:
    """The CreateModel / CreateEndpointConfig / CreateEndpoint (+ scaling) requests for ``spec``,
    every resource stamped with ``owner`` when given."""
    target = spec.target
    assert isinstance(target, SageMakerTarget), "to_request needs a sagemaker target"
    rev = revision(spec)
    tags = _tags(spec, rev, owner)
    models, variants, scaling, fixed = [], [], [], []
    for i, v in enumerate(spec.variants):
        container: dict[str, Any] = {"Image": v.image, "Mode": "SingleModel"}
        if v.model_uri:
            container["ModelDataUrl"] = v.model_uri
        if v.env:
            container["Environment"] = dict(v.env)
        mname = model_name(spec, i)
        models.append({"ModelName": mname, "ExecutionRoleArn": target.execution_role_arn,
                       "PrimaryContainer": container, "Tags": tags})
        variants.append({"VariantName": v.name, "ModelName": mname, "InstanceType": v.instance_type,
                         "InitialInstanceCount": max(v.min_replicas, 1),
                         "InitialVariantWeight": float(v.weight)})
        if v.max_replicas > v.min_replicas:
            resource = scaling_resource_id(spec.name, v.name)
            scaling.append(ScalingRequest(
                variant=v.name,
                register={"ServiceNamespace": "sagemaker", "ResourceId": resource,
                          "ScalableDimension": SCALABLE_DIMENSION,
                          "MinCapacity": max(v.min_replicas, 1), "MaxCapacity": v.max_replicas},
                policy={"PolicyName": policy_name(spec.name, v.name, owner.uid if owner else None),
                        "ServiceNamespace": "sagemaker",
                        "ResourceId": resource, "ScalableDimension": SCALABLE_DIMENSION,
                        "PolicyType": "TargetTrackingScaling",
                        "TargetTrackingScalingPolicyConfiguration": _tracking(spec.name, v.name, v.autoscaling)},
            ))
        else:
            fixed.append(v.name)
    endpoint_config: dict[str, Any] = {"EndpointConfigName": config_name(spec.name, rev, secret_digest(spec)),
                                       "ProductionVariants": variants, "Tags": tags}
    if spec.logging.enabled:
        endpoint_config["DataCaptureConfig"] = {
            "EnableCapture": True,
            "InitialSamplingPercentage": spec.logging.sample_percent,
            "DestinationS3Uri": spec.logging.destination,
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        }
    return SageMakerRequest(
        endpoint_name=spec.name,
        revision=rev,
        models=tuple(models),
        endpoint_config=endpoint_config,
        endpoint={"EndpointName": spec.name, "EndpointConfigName": endpoint_config["EndpointConfigName"],
                  "Tags": tags},
        scaling=tuple(scaling),
        fixed_variants=tuple(fixed),
        owner=owner,
    )


def request_calls(request: SageMakerRequest, *, exists: bool) -> list[dict[str, Any]]:
    """The calls ``submit`` (then ``finalize``: scaling) makes for an endpoint that does
    (``exists``) or does not exist yet, in order (plan shows them)."""
    calls = [{"operation": "CreateModel", "params": m} for m in request.models]
    calls.append({"operation": "CreateEndpointConfig", "params": request.endpoint_config})
    if exists:
        calls.append({"operation": "UpdateEndpoint", "params": {
            "EndpointName": request.endpoint_name, "EndpointConfigName": request.config_name}})
        calls.append({"operation": "AddTags", "params": {
            "ResourceArn": f"<endpoint {request.endpoint_name}>", "Tags": request.endpoint["Tags"]}})
    else:
        calls.append({"operation": "CreateEndpoint", "params": request.endpoint})
    for s in request.scaling:
        calls.append({"operation": "RegisterScalableTarget", "params": s.register})
        calls.append({"operation": "PutScalingPolicy", "params": s.policy})
    return calls
