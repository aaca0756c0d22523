"""Pure SageMaker translation: spec -> requests (``to_request``) and describes -> live (``to_live``).

No SDK import, no I/O. Provider names are deterministic, so a retried create finds its first try:

- endpoint            ``{name}``
- endpoint config     ``{name}-{revision}``            (immutable; the name carries the revision)
- model (per variant) ``{name}-{variant}-{hash8}``     (hash of image, artifact, env and role, so an
  unchanged variant keeps its model across revisions)

Every resource carries the user's tags plus ``deploy-anywhere:deployment`` and
``deploy-anywhere:revision``, and, given the deployment's ownership, ``deploy-anywhere-owner`` (scaling
policies: in their name); which live resources are ours: :mod:`.ownership`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from adapters.sagemaker import ownership as own
from adapters.sagemaker.catalog import instance_type_problem
from core.adapter import Gap
from core.live import Health, LiveEndpoint, build_live_config
from core.ownership import Ownership
from core.spec import Autoscaling, EndpointSpec, canonical_json, identity, revision, secret_digest
from core.targets import SageMakerTarget

__all__ = [
    "STATUS_MAP",
    "TAG_DEPLOYMENT",
    "TAG_REVISION",
    "SCALABLE_DIMENSION",
    "ScalingPolicy",
    "SageMakerRequest",
    "SageMakerDescribed",
    "check_values",
    "config_name",
    "model_name",
    "scaling_resource_id",
    "to_request",
    "to_live",
    "revision_of_config",
]

STATUS_MAP: dict[str, Health] = {
    "Creating": Health.PROVISIONING,
    "Updating": Health.UPDATING,
    "SystemUpdating": Health.UPDATING,
    "RollingBack": Health.UPDATING,
    "InService": Health.SERVING,
    "Deleting": Health.DELETING,
    "Failed": Health.FAILED,
    "OutOfService": Health.DEGRADED,
    "UpdateRollbackFailed": Health.DEGRADED,
}
"""Every EndpointStatus botocore knows; anything else maps to ``Health.UNKNOWN``."""

TAG_DEPLOYMENT = "deploy-anywhere:deployment"
TAG_REVISION = "deploy-anywhere:revision"
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
INVOCATIONS_METRIC = "SageMakerVariantInvocationsPerInstance"
CPU_METRIC = ("CPUUtilization", "/aws/sagemaker/Endpoints")

FIXED_PORT = 8080
FIXED_PREDICT_ROUTE = "/invocations"
FIXED_HEALTH_ROUTE = "/ping"


@dataclass(frozen=True)
class ScalingPolicy:
    """What a variant's live scaling target and policy say, in the spec's words."""

    min_capacity: int
    max_capacity: int
    metric: str | None = None
    target: float | None = None
    policy: str | None = field(default=None, compare=False)
    """The name of the scaling policy read (None: none)."""


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


@dataclass
class SageMakerDescribed:
    """What describe read. ``tags``/``scaling`` are None when not read (basic depth);
    ``config_tags``: the tags of the endpoint config the endpoint runs (None: not read)."""

    endpoint: dict[str, Any]
    region: str
    config: dict[str, Any] | None = None
    models: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    tags: dict[str, str] | None = None
    scaling: dict[str, ScalingPolicy] | None = None
    config_tags: dict[str, str] | None = None


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


def scaling_metric(config: dict[str, Any]) -> tuple[str | None, float | None]:
    """A live TargetTrackingScalingPolicyConfiguration in the spec's words (metric, target)."""
    predefined = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
    custom = config.get("CustomizedMetricSpecification") or {}
    if predefined == INVOCATIONS_METRIC:
        metric = "invocations_per_replica"
    elif (custom.get("MetricName"), custom.get("Namespace")) == CPU_METRIC:
        metric = "cpu_utilization"
    else:
        metric = None
    return metric, config.get("TargetValue")


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


# ----------------------------------------------------------------------------------- live -> spec


def _weights(raw: list[float]) -> list[int]:
    """Relative SageMaker weights -> integer percentages (largest remainder, sums to 100)."""
    total = sum(raw)
    if total <= 0:
        return [0 for _ in raw]
    exact = [w * 100 / total for w in raw]
    out = [int(x) for x in exact]
    for i in sorted(range(len(raw)), key=lambda i: exact[i] - out[i], reverse=True)[: 100 - sum(out)]:
        out[i] += 1
    return out


def _variant(pv: dict[str, Any], runtime: dict[str, Any], model: dict[str, Any] | None,
             scaling: ScalingPolicy | None, weight: int, unreadable: dict[str, str]) -> dict[str, Any]:
    """One production variant in the spec's words. What could not be read (its model deleted, no
    instance type, a scaling policy the spec cannot express) is named in ``unreadable`` (spec path
    -> reason) and given no value."""
    at = f"variants[{pv['VariantName']}]"
    container = (model or {}).get("PrimaryContainer") or {}
    if not container.get("Image"):
        why = (f"model {pv.get('ModelName')} was not found: deleted outside the service" if model is None
               else f"model {pv.get('ModelName')} has no PrimaryContainer image (a container setup the spec "
                    f"cannot express)")
        unreadable.update({f"{at}.{field}": why for field in ("image", "model_uri", "env")})
    if not pv.get("InstanceType"):
        unreadable[f"{at}.instance_type"] = (f"the endpoint config gives variant {pv['VariantName']} no "
                                             f"InstanceType (a serverless variant?)")
    count = runtime.get("DesiredInstanceCount", pv.get("InitialInstanceCount"))
    if count is None:  # a serverless variant has no instance count
        unreadable |= {f"{at}.{f}": f"variant {pv['VariantName']} has no instance count (a serverless variant?)"
                       for f in ("min_replicas", "max_replicas")}
    low, high = (scaling.min_capacity, scaling.max_capacity) if scaling else (count, count)
    autoscaling: dict[str, Any] = {}
    if scaling is not None and scaling.metric is not None and scaling.target is not None:
        autoscaling = {"metric": scaling.metric, "target": int(scaling.target)}
    elif scaling is not None and high > low:
        unreadable[f"{at}.autoscaling"] = (
            "the variant's scalable target has no target-tracking scaling policy on a metric the spec "
            "can express (CPU utilization or invocations per instance)")
    return {
        "name": pv["VariantName"],
        "image": container.get("Image"),
        "model_uri": container.get("ModelDataUrl"),
        "env": container.get("Environment") or {},
        "port": FIXED_PORT,
        "predict_route": FIXED_PREDICT_ROUTE,
        "health_route": FIXED_HEALTH_ROUTE,
        "instance_type": pv.get("InstanceType"),
        "min_replicas": low,
        "max_replicas": high,
        "weight": weight,
        **({"autoscaling": autoscaling} if autoscaling else {}),
    }


def _logging(endpoint: dict[str, Any], unreadable: dict[str, str]) -> dict[str, Any]:
    capture = endpoint.get("DataCaptureConfig") or {}
    if not capture.get("EnableCapture"):
        return {"enabled": False}
    if "CurrentSamplingPercentage" not in capture:
        unreadable["logging.sample_percent"] = "DescribeEndpoint's DataCaptureConfig has no CurrentSamplingPercentage"
    return {"enabled": True, "sample_percent": capture.get("CurrentSamplingPercentage"),
            "destination": capture.get("DestinationS3Uri")}


def _without_config(described: SageMakerDescribed, unreadable: dict[str, str]) -> dict[str, Any]:
    """The live config of an endpoint whose endpoint config cannot be read (deleted outside the
    service while the endpoint still runs it): DescribeEndpoint's own fields (variant names,
    weights, instance counts, data capture, and the tags when read) are compared; what only the
    config and its models hold (image, model, env, instance type, role) is unreadable, with why."""
    ep = described.endpoint
    why = f"endpoint config {ep['EndpointConfigName']} cannot be read: deleted outside the service"
    runtime = ep["ProductionVariants"]
    weights = _weights([float(v.get("DesiredWeight", v.get("CurrentWeight", 1.0))) for v in runtime])
    variants = []
    for v, weight in zip(runtime, weights, strict=True):
        at = f"variants[{v['VariantName']}]"
        unreadable.update({f"{at}.{f}": why for f in ("image", "model_uri", "env", "instance_type")})
        count = v.get("DesiredInstanceCount")
        if count is None:
            unreadable.update({f"{at}.{f}": f"DescribeEndpoint gives variant {v['VariantName']} no instance count"
                               for f in ("min_replicas", "max_replicas")})
        variants.append({"name": v["VariantName"], "port": FIXED_PORT, "predict_route": FIXED_PREDICT_ROUTE,
                         "health_route": FIXED_HEALTH_ROUTE, "weight": weight,
                         **({"min_replicas": count, "max_replicas": count} if count is not None else {})})
    unreadable["target.execution_role_arn"] = why
    return build_live_config({
        "target": {"platform": "sagemaker", "region": described.region, "execution_role_arn": None},
        "variants": variants,
        "logging": _logging(ep, unreadable),
        "auth_mode": "iam",
        "tags": {k: v for k, v in (described.tags or {}).items() if not k.startswith(("deploy-anywhere", "aws:"))},
    }, unreadable)


def to_live(described: SageMakerDescribed, *, owner: str | None = None) -> LiveEndpoint:
    """DescribeEndpoint (+ config, models, tags, scaling) -> :class:`LiveEndpoint`. A config
    without ``owner``'s stamp (:mod:`.ownership`) gives no variant: its variants are unmanaged."""
    ep = described.endpoint
    name = ep["EndpointName"]
    status = ep.get("EndpointStatus")
    pending = (ep.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
    config = None
    unobserved: set[str] = {"request_timeout_seconds"}
    unreadable: dict[str, str] = {}
    fixed_scale_only: set[str] = set()
    unmanaged: dict[str, dict[str, Any]] = {}
    if described.config is not None and not own.config_owned(
            name, described.config_tags, owner=owner, endpoint_tags=described.tags):
        unmanaged = own.foreign_variants(described.config, ep, described.models)
        unobserved |= own.FOREIGN_CONFIG_UNOBSERVED
    if described.config is not None:
        pvs = [] if unmanaged else described.config.get("ProductionVariants", [])
        runtime = {v["VariantName"]: v for v in ep.get("ProductionVariants", [])}
        raw_weights = [float(runtime.get(pv["VariantName"], {}).get(
            "DesiredWeight", pv.get("InitialVariantWeight", 1.0))) for pv in pvs]
        role = next((m["ExecutionRoleArn"] for m in described.models.values() if m and m.get("ExecutionRoleArn")),
                    None)
        if role is None:  # the role is a model's: with none read, it is unknown
            unreadable["target.execution_role_arn"] = (
                f"the execution role is read from the endpoint's models, and none could be read "
                f"({', '.join(sorted(described.models)) or 'no model named'})")
        variants = [
            _variant(pv, runtime.get(pv["VariantName"], {}), described.models.get(pv.get("ModelName", "")),
                     (described.scaling or {}).get(pv["VariantName"]), weight, unreadable)
            for pv, weight in zip(pvs, _weights(raw_weights), strict=True)
        ]
        tags = {k: v for k, v in (described.tags or {}).items()
                if not k.startswith(("deploy-anywhere", "aws:"))}
        config = build_live_config({
            "target": {"platform": "sagemaker", "region": described.region,
                       "execution_role_arn": role},
            "variants": variants,
            "logging": _logging(ep, unreadable),
            "auth_mode": "iam",
            "tags": tags,
        }, unreadable)
        if described.tags is None:
            unobserved |= {"tags", "tags.*"}
        if described.scaling is None:
            # DescribeEndpoint returns each variant's DesiredInstanceCount: a fixed-size variant's
            # count is seen by a basic check; an autoscaled one's belongs to the autoscaler
            unobserved.add("variants[*].autoscaling*")
            if all("DesiredInstanceCount" in runtime.get(pv["VariantName"], {}) for pv in pvs):
                fixed_scale_only |= {"variants[*].min_replicas", "variants[*].max_replicas"}
            else:
                unobserved |= {"variants[*].min_replicas", "variants[*].max_replicas"}
    if described.config is None and ep.get("EndpointConfigName") and ep.get("ProductionVariants"):
        config = _without_config(described, unreadable)
        unobserved.add("variants[*].autoscaling*")  # the scalable targets are read per configured variant
        if described.tags is None:
            unobserved |= {"tags", "tags.*"}
        fixed_scale_only |= {"variants[*].min_replicas", "variants[*].max_replicas"}
    return LiveEndpoint(
        name=name,
        health=STATUS_MAP.get(status or "", Health.UNKNOWN),
        provider_status=status,
        revision=revision_of_config(name, ep.get("EndpointConfigName")),
        pending_revision=revision_of_config(name, pending),
        config=config,
        failure_reason=ep.get("FailureReason"),
        provider_ids={"endpoint_arn": ep.get("EndpointArn"),
                      "endpoint_config_name": ep.get("EndpointConfigName"),
                      "model_names": sorted(described.models)},
        invoke_url=f"https://runtime.sagemaker.{described.region}.amazonaws.com/endpoints/{name}/invocations",
        unobserved=frozenset(unobserved),
        unmanaged=unmanaged,
        fixed_scale_only=frozenset(fixed_scale_only),
        unreadable=unreadable,
    )
