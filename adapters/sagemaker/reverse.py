"""Pure inverse of :mod:`adapters.sagemaker.translate`: what describe read -> :class:`LiveEndpoint`.

No SDK import, no I/O. :func:`to_live` reads DescribeEndpoint (+ the endpoint config, its models,
ListTags and the scaling targets/policies on a full describe) in the spec's words, with
:data:`STATUS_MAP` (anything else: ``Health.UNKNOWN``). :func:`runtime_changes` is its write-side
twin: what ``submit`` must send (UpdateEndpointWeightsAndCapacities) for a serving endpoint whose
runtime weights or fixed instance counts left the request's; the drift matrix
(tests/checks/test_drift_matrix.py) holds the two readings to one another. Content comparison of
immutable models and configs: :mod:`.repair`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.sagemaker import ownership as own
from adapters.sagemaker.translate import (
    CPU_METRIC,
    INVOCATIONS_METRIC,
    SageMakerRequest,
    revision_of_config,
)
from core.live import Health, LiveEndpoint, build_live_config

__all__ = [
    "STATUS_MAP",
    "ScalingPolicy",
    "SageMakerDescribed",
    "scaling_metric",
    "to_live",
    "runtime_changes",
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
    elif scaling is not None and scaling.max_capacity > scaling.min_capacity:
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


def runtime_changes(request: SageMakerRequest, endpoint: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``DesiredWeightsAndCapacities`` that bring a serving endpoint (DescribeEndpoint) back to
    the request's config: each variant's weight, and the instance count of a variant without
    autoscaling (an autoscaled variant's count is the autoscaler's). Empty when nothing differs."""
    autoscaled = {s.variant for s in request.scaling}
    live = {v["VariantName"]: v for v in endpoint.get("ProductionVariants", [])}
    changes = []
    for pv in request.endpoint_config["ProductionVariants"]:
        name, current = pv["VariantName"], live.get(pv["VariantName"], {})
        change: dict[str, Any] = {}
        if float(current.get("DesiredWeight", pv["InitialVariantWeight"])) != pv["InitialVariantWeight"]:
            change["DesiredWeight"] = pv["InitialVariantWeight"]
        count = current.get("DesiredInstanceCount", pv["InitialInstanceCount"])
        if name not in autoscaled and count != pv["InitialInstanceCount"]:
            change["DesiredInstanceCount"] = pv["InitialInstanceCount"]
        if change:
            changes.append({"VariantName": name, **change})
    return changes
