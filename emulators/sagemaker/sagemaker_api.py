"""The emulator's SageMaker control-plane operations (Model, EndpointConfig, Endpoint, tags).

Each function takes moto's ``SageMakerModelBackend`` for the request's account and region and
implements one operation with real SageMaker semantics; :mod:`emulators.sagemaker.patches` routes
moto's handlers here for requests served by a SageMakerEmulator. Resources are still moto's objects
(``Model``, ``FakeEndpointConfig``, ``FakeEndpoint``) stored in moto's dicts, so ListModels,
ListEndpointConfigs, ListTags, Search... keep working; the request a resource was created from is kept
on it (``_emulator_request``) so Describe* answers what was sent.

Contracts (all errors are ``ValidationException`` unless noted):

- Create* of an existing name is refused (``Cannot create already existing ...``).
- CreateEndpointConfig checks models exist and instance types against botocore's enum.
- CreateEndpoint starts the ``create`` phase (:mod:`~emulators.sagemaker.lifecycle`).
- UpdateEndpoint needs the endpoint and the config to exist and the endpoint to be ``InService``;
  it starts the ``update`` phase. Changing the instance type of, or removing, a variant registered
  with Application Auto Scaling is refused, as SageMaker does.
- UpdateEndpointWeightsAndCapacities needs ``InService``, sets ``Desired*`` at once and starts the
  ``weights`` phase (``Current*`` follow when it ends); fields not in the request are kept.
- DeleteEndpoint (allowed in any status) starts the ``delete`` phase and deregisters the endpoint's
  variants from Application Auto Scaling, as SageMaker does.
- AddTags replaces the value of an existing key.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker.models import FakeEndpoint

from . import autoscaling, shapes
from .lifecycle import LOCK, PendingChange, ensure_lifecycle, lifecycle_of, observe, start_phase
from .validation import (
    ValidationError,
    already_exists,
    not_found,
    resource_arn,
    validate_instance_type,
)

__all__ = [
    "REQUEST_ATTR",
    "add_tags",
    "create_endpoint",
    "create_endpoint_config",
    "create_model",
    "delete_endpoint",
    "describe_endpoint",
    "describe_endpoint_config",
    "describe_model",
    "list_endpoints",
    "update_endpoint",
    "update_endpoint_weights_and_capacities",
    "validate_variants",
]

REQUEST_ATTR = "_emulator_request"
"""Attribute of moto's Model / FakeEndpointConfig holding the Create* request (without Tags)."""


def _arn(backend: Any, kind: str, name: str) -> str:
    return resource_arn(kind, name, backend.account_id, backend.region_name)


def _request_of(resource: Any) -> dict[str, Any] | None:
    return getattr(resource, REQUEST_ATTR, None)


def _remember_request(resource: Any, params: Mapping[str, Any]) -> None:
    """Keep what Create* was sent (tags live elsewhere), so Describe* returns it unchanged."""
    setattr(resource, REQUEST_ATTR, {k: copy.deepcopy(v) for k, v in params.items() if k != "Tags"})


def _recorded_response(resource: Any, *, defaults: Mapping[str, Any] | None = None,
                       **extra: Any) -> dict[str, Any]:
    """Describe*: ``defaults``, then the remembered request, then ``extra`` (ARN, CreationTime);
    moto's own shape for resources created outside the emulator."""
    request = _request_of(resource)
    if request is None:
        return resource.response_object
    return {**(defaults or {}), **copy.deepcopy(request), **extra}


def _model_requests(backend: Any) -> dict[str, Mapping[str, Any]]:
    return {name: _request_of(model) or {} for name, model in backend._models.items()}


# --------------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------------


def create_model(backend: Any, params: Mapping[str, Any]) -> Any:
    """CreateModel: refuse duplicates, keep the whole request for DescribeModel."""
    name = params["ModelName"]
    with LOCK:
        if name in backend._models:
            raise already_exists("model", _arn(backend, "model", name))
        model = backend.create_model(
            model_name=name,
            execution_role_arn=params.get("ExecutionRoleArn"),
            primary_container=params.get("PrimaryContainer"),
            vpc_config=params.get("VpcConfig"),
            containers=params.get("Containers"),
            tags=params.get("Tags"),
        )
        model.enable_network_isolation = bool(params.get("EnableNetworkIsolation", False))
        _remember_request(model, params)
        return model


def describe_model(backend: Any, name: str) -> dict[str, Any]:
    """DescribeModel: what CreateModel was sent, plus ModelArn and CreationTime."""
    model = backend._models.get(name)
    if model is None:
        raise not_found("model", _arn(backend, "model", name))
    return _recorded_response(model, defaults={"EnableNetworkIsolation": False},
                              ModelArn=model.arn, CreationTime=model.creation_time)


# --------------------------------------------------------------------------------------------------
# EndpointConfig
# --------------------------------------------------------------------------------------------------


def validate_variants(
    variants: list[Mapping[str, Any]], member: str, serverless_check: Callable[[dict[str, Any]], None]
) -> None:
    """Validate instance types (botocore's enum) or serverless configs of ``variants``.

    ``member`` is the request member name used in messages (``productionVariants``...).
    """
    for index, variant in enumerate(variants, start=1):
        if "InstanceType" in variant:
            validate_instance_type(variant["InstanceType"], f"{member}.{index}.member.instanceType")
        elif "ServerlessConfig" in variant:
            serverless_check(variant["ServerlessConfig"])
        else:
            raise ValidationError(
                message=(
                    f"Invalid Keys for ProductionVariant: received {sorted(variant)} but expected it "
                    "to contain one of ['InstanceType', 'ServerlessConfig']"
                )
            )


def create_endpoint_config(backend: Any, params: Mapping[str, Any]) -> Any:
    """CreateEndpointConfig: refuse duplicates and missing models, keep the whole request."""
    name = params["EndpointConfigName"]
    variants = list(params.get("ProductionVariants") or [])
    shadows = list(params.get("ShadowProductionVariants") or [])
    with LOCK:
        if name in backend.endpoint_configs:
            raise already_exists("endpoint-config", _arn(backend, "endpoint-config", name))
        for variant in variants + shadows:
            model_name = variant.get("ModelName")
            if model_name and model_name not in backend._models:
                raise not_found("model", _arn(backend, "model", model_name))
        # Shadow variants: FakeEndpointConfig only validates ProductionVariants (through the patch).
        validate_variants(shadows, "shadowProductionVariants", lambda _config: None)
        config = backend.create_endpoint_config(
            endpoint_config_name=name,
            production_variants=variants,
            data_capture_config=params.get("DataCaptureConfig"),
            async_inference_config=params.get("AsyncInferenceConfig"),
            tags=params.get("Tags"),
            kms_key_id=params.get("KmsKeyId"),
        )
        _remember_request(config, params)
        return config


def describe_endpoint_config(backend: Any, name: str) -> dict[str, Any]:
    """DescribeEndpointConfig: what CreateEndpointConfig was sent, plus the ARN and CreationTime."""
    config = backend.endpoint_configs.get(name)
    if config is None:
        raise not_found("endpoint-config", _arn(backend, "endpoint-config", name))
    return _recorded_response(config, EndpointConfigArn=config.endpoint_config_arn,
                              CreationTime=config.creation_time)


def _config_request(backend: Any, name: str) -> dict[str, Any]:
    config = backend.endpoint_configs.get(name)
    if config is None:
        raise not_found("endpoint-config", _arn(backend, "endpoint-config", name))
    request = _request_of(config)
    if request is None:  # created by plain moto: rebuild the request from its fields
        request = {
            "EndpointConfigName": name,
            "ProductionVariants": config.production_variants,
            "DataCaptureConfig": config.data_capture_config,
        }
    return request


# --------------------------------------------------------------------------------------------------
# Endpoint
# --------------------------------------------------------------------------------------------------


def _live_endpoint(backend: Any, name: str, *, read: bool) -> Any:
    """The endpoint named ``name`` after observing its lifecycle; raise 'Could not find' if none."""
    endpoint = backend.endpoints.get(name)
    if endpoint is None or not observe(backend, endpoint, read=read):
        raise not_found("endpoint", _arn(backend, "endpoint", name))
    return endpoint


def create_endpoint(backend: Any, params: Mapping[str, Any]) -> Any:
    """CreateEndpoint: refuse duplicates and missing configs; the endpoint starts ``Creating``."""
    name = params["EndpointName"]
    config_name = params["EndpointConfigName"]
    with LOCK:
        existing = backend.endpoints.get(name)
        if existing is not None and observe(backend, existing, read=False):
            raise already_exists("endpoint", _arn(backend, "endpoint", name))
        request = _config_request(backend, config_name)
        now = utcnow()
        models = _model_requests(backend)
        # moto marks CloudFormationModel.is_created abstract but FakeEndpoint, which moto itself
        # instantiates, does not define it (no ABCMeta: nothing enforces it at runtime)
        endpoint = FakeEndpoint(  # type: ignore[abstract]
            account_id=backend.account_id,
            region_name=backend.region_name,
            endpoint_name=name,
            endpoint_config_name=config_name,
            production_variants=[],
            data_capture_config=copy.deepcopy(request.get("DataCaptureConfig") or {}),
            tags=copy.deepcopy(params.get("Tags") or []),
        )
        endpoint.production_variants = shapes.variant_summaries(
            request.get("ProductionVariants", []), models=models, when=now
        )
        lifecycle = start_phase(endpoint, "create")
        lifecycle.config_extras = shapes.config_extras(request, models=models, when=now)
        lifecycle.last_deployment_config = copy.deepcopy(params.get("DeploymentConfig"))
        lifecycle.instance_types = _instance_types(request)
        backend.endpoints[name] = endpoint
        return endpoint


def describe_endpoint(backend: Any, name: str) -> dict[str, Any]:
    """DescribeEndpoint: one read of the endpoint's lifecycle, then its current description."""
    with LOCK:
        endpoint = _live_endpoint(backend, name, read=True)
        lifecycle = lifecycle_of(endpoint)
        if lifecycle is None:
            return endpoint.response_object
        pending = lifecycle.pending.summary if lifecycle.pending is not None else None
        return shapes.describe_endpoint(
            name=endpoint.endpoint_name,
            arn=endpoint.arn,
            config_name=endpoint.endpoint_config_name,
            status=endpoint.endpoint_status,
            variants=endpoint.production_variants,
            data_capture_config=endpoint.data_capture_config,
            failure_reason=endpoint.failure_reason,
            creation_time=endpoint.creation_time,
            last_modified_time=endpoint.last_modified_time,
            extras=lifecycle.config_extras,
            last_deployment_config=lifecycle.last_deployment_config,
            pending=pending if lifecycle.phase == "update" else None,
        )


def list_endpoints(original: Callable[..., Any], backend: Any, *args: Any, **kwargs: Any) -> Any:
    """ListEndpoints: one read of every endpoint's lifecycle, then moto's listing (filters, paging)."""
    with LOCK:
        for endpoint in list(backend.endpoints.values()):
            observe(backend, endpoint, read=True)
        return original(backend, *args, **kwargs)


def delete_endpoint(backend: Any, name: str) -> None:
    """DeleteEndpoint: the endpoint goes ``Deleting`` (then away); its scalable targets are deregistered."""
    with LOCK:
        endpoint = _live_endpoint(backend, name, read=False)
        lifecycle = lifecycle_of(endpoint)
        if lifecycle is not None and lifecycle.phase == "delete":
            return
        start_phase(endpoint, "delete")
        autoscaling.deregister_endpoint(backend.account_id, backend.region_name, name)


def _refuse_unless_in_service(backend: Any, endpoint: Any) -> None:
    status = endpoint.endpoint_status
    if status == "InService":
        return
    arn = _arn(backend, "endpoint", endpoint.endpoint_name)
    if status == "Failed":
        raise ValidationError(message=f'Cannot update failed endpoint "{arn}".')
    raise ValidationError(message=f'Cannot update in-progress endpoint "{arn}".')


def update_endpoint(backend: Any, params: Mapping[str, Any]) -> str:
    """UpdateEndpoint: validate, then the endpoint goes ``Updating`` towards the new config."""
    name = params["EndpointName"]
    config_name = params["EndpointConfigName"]
    with LOCK:
        endpoint = _live_endpoint(backend, name, read=False)
        request = _config_request(backend, config_name)
        _refuse_unless_in_service(backend, endpoint)
        lifecycle = ensure_lifecycle(endpoint)
        _refuse_instance_type_change_of_scaled_variants(backend, endpoint, request)

        retain_all = bool(params.get("RetainAllVariantProperties", False))
        excluded = {
            item.get("VariantPropertyType") for item in params.get("ExcludeRetainedVariantProperties") or []
        }
        unknown = excluded - set(shapes.RETAINABLE_PROPERTIES) - {None}
        if unknown:
            raise ValidationError(message=f"Invalid VariantPropertyType(s): {sorted(unknown)}")
        retain = {p for p in shapes.RETAINABLE_PROPERTIES if p not in excluded} if retain_all else set()

        now = utcnow()
        models = _model_requests(backend)
        variants = shapes.variant_summaries(
            request.get("ProductionVariants", []),
            models=models,
            when=now,
            retain_from=endpoint.production_variants,
            retain=retain,
        )
        if "DataCaptureConfig" in retain:
            data_capture = copy.deepcopy(endpoint.data_capture_config or {})
        else:
            data_capture = copy.deepcopy(request.get("DataCaptureConfig") or {})
        if params.get("DeploymentConfig"):
            deployment = copy.deepcopy(params["DeploymentConfig"])
        elif params.get("RetainDeploymentConfig"):
            deployment = copy.deepcopy(lifecycle.last_deployment_config)
        else:
            deployment = None

        pending = PendingChange(
            config_name=config_name,
            variants=variants,
            data_capture_config=data_capture,
            config_extras=shapes.config_extras(request, models=models, when=now),
            deployment_config=deployment,
            summary=shapes.pending_deployment_summary(config_name, request, variants, now),
            instance_types=_instance_types(request),
        )
        endpoint.failure_reason = None
        start_phase(endpoint, "update", pending)
        return endpoint.arn


def _instance_types(request: Mapping[str, Any]) -> dict[str, str | None]:
    """Variant -> instance type of an endpoint config request (None: a serverless variant)."""
    return {v["VariantName"]: v.get("InstanceType") for v in request.get("ProductionVariants", [])}


def _refuse_instance_type_change_of_scaled_variants(
    backend: Any, endpoint: Any, new_request: Mapping[str, Any]
) -> None:
    """SageMaker refuses an update that changes the instance type of, or removes, a variant under
    auto scaling (the scalable target must be deregistered first)."""
    scaled = autoscaling.scaled_variants(backend.account_id, backend.region_name, endpoint.endpoint_name)
    if not scaled:
        return
    old_types = ensure_lifecycle(endpoint).instance_types
    if old_types is None:  # created by plain moto: its config (which may be gone) is all there is
        old_types = _instance_types(_config_request(backend, endpoint.endpoint_config_name))
    new_types = {v["VariantName"]: v.get("InstanceType") for v in new_request.get("ProductionVariants", [])}
    blocked = sorted(
        name for name in scaled if name not in new_types or new_types[name] != old_types.get(name, new_types[name])
    )
    if blocked:
        raise ValidationError(
            message=(
                f"The variant(s) {blocked} of endpoint \"{endpoint.arn}\" are registered with Application "
                "Auto Scaling; the update would change their instance type or remove them. Deregister "
                "the scalable target(s) before updating."
            )
        )


def update_endpoint_weights_and_capacities(
    backend: Any, name: str, desired_weights_and_capacities: list[Mapping[str, Any]]
) -> str:
    """UpdateEndpointWeightsAndCapacities: ``Desired*`` now, ``Current*`` when ``Updating`` ends."""
    with LOCK:
        endpoint = _live_endpoint(backend, name, read=False)
        _refuse_unless_in_service(backend, endpoint)
        by_name = {v["VariantName"]: v for v in endpoint.production_variants}
        seen: set[str | None] = set()
        for item in desired_weights_and_capacities:
            variant_name = item.get("VariantName")
            if variant_name in seen:
                raise ValidationError(
                    message=f'The variant name "{variant_name}" was non-unique within the request.'
                )
            seen.add(variant_name)
            if variant_name not in by_name:
                raise ValidationError(
                    message=(
                        f'The variant name(s) "{variant_name}" is/are not present within endpoint '
                        f'configuration "{endpoint.endpoint_config_name}".'
                    )
                )
            if item.get("DesiredWeight") is None and item.get("DesiredInstanceCount") is None:
                raise ValidationError(
                    message=(
                        f'Either DesiredWeight or DesiredInstanceCount must be specified for variant "{variant_name}".'
                    )
                )
        for item in desired_weights_and_capacities:
            variant = by_name[item["VariantName"]]
            if item.get("DesiredWeight") is not None:
                variant["DesiredWeight"] = float(item["DesiredWeight"])
            if item.get("DesiredInstanceCount") is not None:
                variant["DesiredInstanceCount"] = item["DesiredInstanceCount"]
        start_phase(endpoint, "weights")
        return endpoint.arn


# --------------------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------------------


def add_tags(backend: Any, arn: str, tags: list[Mapping[str, str]]) -> list[dict[str, str]]:
    """AddTags: a key that exists gets the new value (no duplicate keys); returns the resource's tags."""
    with LOCK:
        try:
            resource = backend._get_resource_from_arn(arn)
        except (ValueError, AttributeError):
            resource = None
        if resource is None:
            raise ValidationError(message=f'Could not find resource "{arn}".')
        current: list[dict[str, str]] = resource.tags
        index = {tag["Key"]: i for i, tag in enumerate(current)}
        for tag in tags or []:
            if tag["Key"] in index:
                current[index[tag["Key"]]] = dict(tag)
            else:
                index[tag["Key"]] = len(current)
                current.append(dict(tag))
        return current
