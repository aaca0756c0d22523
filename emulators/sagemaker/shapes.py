"""Build SageMaker response pieces (DescribeEndpoint and friends) from what the user sent.

Pure functions over plain dicts: they never touch moto's backends. Field names and nesting follow
botocore's SageMaker service model (``ProductionVariantSummary``, ``PendingDeploymentSummary``,
``DataCaptureConfigSummary``...), which is what moto's serializer filters responses against.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

__all__ = [
    "RETAINABLE_PROPERTIES",
    "config_extras",
    "data_capture_summary",
    "deployed_images",
    "describe_endpoint",
    "pending_deployment_summary",
    "variant_summaries",
]

RETAINABLE_PROPERTIES = ("DesiredInstanceCount", "DesiredWeight", "DataCaptureConfig")
"""Values of ``VariantPropertyType`` accepted in UpdateEndpoint's ``ExcludeRetainedVariantProperties``."""

_DEFAULT_WEIGHT = 1.0  # SageMaker's default InitialVariantWeight


def _repository(image: str) -> str:
    """``registry/repo`` of an image URI, without tag or digest."""
    base = image.split("@", 1)[0]
    if base.rfind(":") > base.rfind("/"):
        base = base[: base.rfind(":")]
    return base


def deployed_images(model_request: Mapping[str, Any] | None, when: datetime) -> list[dict[str, Any]]:
    """``DeployedImages`` of a variant serving the model created with ``model_request``.

    The resolved digest is a stable hash of the image URI (the emulator pulls nothing).
    """
    if not model_request:
        return []
    containers: list[Mapping[str, Any]] = []
    if model_request.get("PrimaryContainer"):
        containers.append(model_request["PrimaryContainer"])
    containers.extend(model_request.get("Containers") or [])
    images = []
    for container in containers:
        image = container.get("Image")
        if not image:
            continue
        digest = hashlib.sha256(image.encode("utf-8")).hexdigest()
        images.append(
            {
                "SpecifiedImage": image,
                "ResolvedImage": f"{_repository(image)}@sha256:{digest}",
                "ResolutionTime": when,
            }
        )
    return images


def variant_summaries(
    config_variants: Iterable[Mapping[str, Any]],
    *,
    models: Mapping[str, Mapping[str, Any]],
    when: datetime,
    retain_from: Iterable[Mapping[str, Any]] = (),
    retain: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """``ProductionVariantSummary`` list of an endpoint serving ``config_variants``.

    ``models`` maps model names to their CreateModel requests (for ``DeployedImages``). With
    ``retain_from`` (the current summaries) and ``retain`` (property names among ``DesiredWeight``,
    ``DesiredInstanceCount``), variants keeping their name keep those current values
    (UpdateEndpoint ``RetainAllVariantProperties``). A weight of 0.0 is kept (moto drops it).
    """
    current = {v["VariantName"]: v for v in retain_from}
    retained = set(retain)
    summaries = []
    for variant in config_variants:
        name = variant["VariantName"]
        summary: dict[str, Any] = {"VariantName": name}
        images = deployed_images(models.get(variant.get("ModelName", "")), when)
        if images:
            summary["DeployedImages"] = images
        weight = variant.get("InitialVariantWeight", _DEFAULT_WEIGHT)
        count = variant.get("InitialInstanceCount")
        old = current.get(name)
        if old is not None and "DesiredWeight" in retained and "DesiredWeight" in old:
            weight = old["DesiredWeight"]
        if old is not None and "DesiredInstanceCount" in retained and "DesiredInstanceCount" in old:
            count = old["DesiredInstanceCount"]
        summary["CurrentWeight"] = float(weight)
        summary["DesiredWeight"] = float(weight)
        if count is not None:
            summary["CurrentInstanceCount"] = count
            summary["DesiredInstanceCount"] = count
        if variant.get("ServerlessConfig"):
            summary["CurrentServerlessConfig"] = copy.deepcopy(variant["ServerlessConfig"])
            summary["DesiredServerlessConfig"] = copy.deepcopy(variant["ServerlessConfig"])
        for key in ("ManagedInstanceScaling", "RoutingConfig", "CapacityReservationConfig"):
            if variant.get(key):
                summary[key] = copy.deepcopy(variant[key])
        summaries.append(summary)
    return summaries


def data_capture_summary(data_capture_config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``DataCaptureConfigSummary`` for an endpoint config's ``DataCaptureConfig``; None if never configured."""
    if not data_capture_config:
        return None
    enabled = bool(data_capture_config.get("EnableCapture", True))
    summary: dict[str, Any] = {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": data_capture_config.get("InitialSamplingPercentage", 0),
        "DestinationS3Uri": data_capture_config.get("DestinationS3Uri", ""),
    }
    if data_capture_config.get("KmsKeyId"):
        summary["KmsKeyId"] = data_capture_config["KmsKeyId"]
    return summary


def config_extras(
    config_request: Mapping[str, Any], *, models: Mapping[str, Mapping[str, Any]], when: datetime
) -> dict[str, Any]:
    """The optional parts of an endpoint config that DescribeEndpoint reports as they are."""
    extras: dict[str, Any] = {}
    for key in ("AsyncInferenceConfig", "ExplainerConfig", "MetricsConfig"):
        if config_request.get(key):
            extras[key] = copy.deepcopy(config_request[key])
    if config_request.get("ShadowProductionVariants"):
        extras["ShadowProductionVariants"] = variant_summaries(
            config_request["ShadowProductionVariants"], models=models, when=when
        )
    return extras


def pending_deployment_summary(
    config_name: str,
    config_request: Mapping[str, Any],
    variants: Iterable[Mapping[str, Any]],
    start_time: datetime,
) -> dict[str, Any]:
    """``PendingDeploymentSummary`` of an UpdateEndpoint in progress towards ``config_name``."""
    config_variants = {v["VariantName"]: v for v in config_request.get("ProductionVariants", [])}
    pending = []
    for summary in variants:
        source = config_variants.get(summary["VariantName"], {})
        item: dict[str, Any] = {"VariantName": summary["VariantName"]}
        for key in ("DesiredWeight", "DesiredInstanceCount", "DesiredServerlessConfig", "DeployedImages"):
            if key in summary:
                item[key] = copy.deepcopy(summary[key])
        for key in ("InstanceType", "AcceleratorType"):
            if source.get(key):
                item[key] = source[key]
        item["VariantStatus"] = [
            {"Status": "Creating", "StatusMessage": "Deploying the new endpoint configuration.",
             "StartTime": start_time}
        ]
        pending.append(item)
    return {"EndpointConfigName": config_name, "ProductionVariants": pending, "StartTime": start_time}


def describe_endpoint(
    *,
    name: str,
    arn: str,
    config_name: str,
    status: str,
    variants: list[dict[str, Any]],
    data_capture_config: Mapping[str, Any] | None,
    failure_reason: str | None,
    creation_time: datetime,
    last_modified_time: datetime,
    extras: Mapping[str, Any],
    last_deployment_config: Mapping[str, Any] | None,
    pending: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The DescribeEndpoint response (without ResponseMetadata) from the endpoint's current state."""
    response: dict[str, Any] = {
        "EndpointName": name,
        "EndpointArn": arn,
        "EndpointConfigName": config_name,
        "ProductionVariants": copy.deepcopy(variants),
        "EndpointStatus": status,
        "CreationTime": creation_time,
        "LastModifiedTime": last_modified_time,
    }
    capture = data_capture_summary(data_capture_config)
    if capture is not None:
        response["DataCaptureConfig"] = capture
    if failure_reason:
        response["FailureReason"] = failure_reason
    response.update(copy.deepcopy(dict(extras)))
    if last_deployment_config:
        response["LastDeploymentConfig"] = copy.deepcopy(dict(last_deployment_config))
    if pending:
        response["PendingDeploymentSummary"] = copy.deepcopy(dict(pending))
    return response
