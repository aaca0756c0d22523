"""Application Auto Scaling for SageMaker variants (``endpoint/<ep>/variant/<v>``), as AWS behaves.

moto 5.2.5 registers/describes targets and policies for the ``sagemaker`` namespace but:

- accepts a target for an endpoint or variant that does not exist (AWS validates the resource);
- accepts PutScalingPolicy without a registered target (AWS: ``ObjectNotFoundException``);
- keeps a target's scaling policies after DeregisterScalableTarget (AWS deletes them, and the target's
  scheduled actions);
- ignores DescribeScalingPolicies' ``PolicyNames`` and matches ``ResourceId``/``ScalableDimension``
  as substrings of the filter (AWS: exact names, exact resource id), so a reader of
  ``endpoint/a/variant/stable`` may be answered another endpoint's ``stable`` policy.
  (DescribeScalableTargets' ``ResourceIds`` is already exact in moto.)

The functions here fix that for the ``sagemaker`` namespace only (other namespaces keep moto's
behaviour) and offer the SageMaker side what it needs: DeleteEndpoint deregisters the endpoint's
variants; UpdateEndpoint asks which variants are scaled.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.core.exceptions import JsonRESTError
from moto.sagemaker.models import sagemaker_backends

__all__ = [
    "describe_scaling_policies",
    "SAGEMAKER_NAMESPACE",
    "VARIANT_DIMENSION",
    "deregister_endpoint",
    "deregister_scalable_target",
    "put_scaling_policy",
    "register_scalable_target",
    "scaled_variants",
]

SAGEMAKER_NAMESPACE = "sagemaker"
VARIANT_DIMENSION = "sagemaker:variant:DesiredInstanceCount"


class _ValidationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


class _ObjectNotFoundException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ObjectNotFoundException", message)


def _variant_of(resource_id: str) -> tuple[str, str] | None:
    parts = resource_id.split("/")
    if len(parts) == 4 and parts[0] == "endpoint" and parts[2] == "variant":
        return parts[1], parts[3]
    return None


def register_scalable_target(
    original: Callable[..., Any], backend: Any, namespace: str, r_id: str, dimension: str, *args: Any, **kwargs: Any
) -> Any:
    """RegisterScalableTarget: for a SageMaker variant, the endpoint and the variant must exist."""
    if namespace == SAGEMAKER_NAMESPACE and dimension == VARIANT_DIMENSION:
        parsed = _variant_of(r_id)
        if parsed is not None:
            endpoint_name, variant_name = parsed
            endpoint = sagemaker_backends[backend.account_id][backend.region_name].endpoints.get(endpoint_name)
            variants = {v["VariantName"] for v in endpoint.production_variants} if endpoint else set()
            if variant_name not in variants:
                raise _ValidationException(
                    f"The SageMaker endpoint variant does not exist: {r_id} (endpoint {endpoint_name!r}, "
                    f"variant {variant_name!r})."
                )
    return original(backend, namespace, r_id, dimension, *args, **kwargs)


def deregister_scalable_target(
    original: Callable[..., Any], backend: Any, namespace: str, r_id: str, dimension: str
) -> None:
    """DeregisterScalableTarget: also delete the target's scaling policies and scheduled actions."""
    original(backend, namespace, r_id, dimension)
    if namespace == SAGEMAKER_NAMESPACE:
        _drop_dependents(backend, namespace, r_id, dimension)


def put_scaling_policy(original: Callable[..., Any], backend: Any, *args: Any, **kwargs: Any) -> Any:
    """PutScalingPolicy: a SageMaker target must be registered first (``ObjectNotFoundException``)."""
    namespace = kwargs.get("service_namespace")
    r_id = kwargs.get("resource_id")
    dimension = kwargs.get("scalable_dimension")
    if namespace == SAGEMAKER_NAMESPACE and r_id not in backend.targets.get(dimension, {}):
        raise _ObjectNotFoundException(
            f"No scalable target registered for service namespace: {namespace}, resource ID: {r_id}, "
            f"scalable dimension: {dimension}"
        )
    return original(backend, *args, **kwargs)


def describe_scaling_policies(original: Callable[..., Any], response: Any) -> Any:
    """DescribeScalingPolicies as AWS filters it: ``PolicyNames`` (exact names, when given),
    ``ResourceId`` and ``ScalableDimension`` (exact), paged by ``MaxResults``/``NextToken``. Every
    namespace: the filters mean the same everywhere."""
    from moto.applicationautoscaling.responses import _build_policy

    names = response._get_param("PolicyNames") or None
    resource_id = response._get_param("ResourceId")
    dimension = response._get_param("ScalableDimension")
    namespace = response._get_param("ServiceNamespace")
    policies = [p for p in response.applicationautoscaling_backend.policies.values()
                if p.service_namespace == namespace
                and (names is None or p.policy_name in names)
                and (not resource_id or p.resource_id == resource_id)
                and (not dimension or p.scalable_dimension == dimension)]
    start = int(response._get_param("NextToken") or 0)
    end = start + (response._get_int_param("MaxResults") or 100)
    return json.dumps({"ScalingPolicies": [_build_policy(p) for p in policies[start:end]],
                       "NextToken": str(end) if end < len(policies) else None})


def _drop_dependents(backend: Any, namespace: str, r_id: str, dimension: str) -> None:
    for key, policy in list(backend.policies.items()):
        if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (namespace, r_id, dimension):
            policy.delete_alarms(backend.account_id, backend.region_name)
            del backend.policies[key]
    backend.scheduled_actions = [
        a
        for a in backend.scheduled_actions
        if (a.service_namespace, a.resource_id, a.scalable_dimension) != (namespace, r_id, dimension)
    ]


def _backend(account_id: str, region: str) -> Any:
    return applicationautoscaling_backends[account_id][region]


def scaled_variants(account_id: str, region: str, endpoint_name: str) -> set[str]:
    """Names of the endpoint's variants registered as scalable targets."""
    targets = _backend(account_id, region).targets.get(VARIANT_DIMENSION, {})
    names = set()
    for r_id in targets:
        parsed = _variant_of(r_id)
        if parsed is not None and parsed[0] == endpoint_name:
            names.add(parsed[1])
    return names


def deregister_endpoint(account_id: str, region: str, endpoint_name: str) -> None:
    """Deregister every variant of the endpoint (and drop their policies), as DeleteEndpoint does."""
    backend = _backend(account_id, region)
    targets = backend.targets.get(VARIANT_DIMENSION, {})
    for variant_name in scaled_variants(account_id, region, endpoint_name):
        r_id = f"endpoint/{endpoint_name}/variant/{variant_name}"
        targets.pop(r_id, None)
        _drop_dependents(backend, SAGEMAKER_NAMESPACE, r_id, VARIANT_DIMENSION)
