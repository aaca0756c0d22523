"""Every change the emulator makes to moto (pinned to 5.2.5), in one place.

:func:`apply` installs them once per process (idempotent, thread-safe). Each patched function first
checks :func:`~emulators.sagemaker.scope.in_emulator_request`: outside a request served by a
SageMakerEmulator it runs moto's original code, so in-process ``mock_aws`` users and other moto
servers in the same process see plain moto.

Patches (target -> replacement, and why):

SageMaker control plane (``moto.sagemaker``)
 1. ``SageMakerResponse.create_model`` -> :func:`sagemaker_api.create_model`: refuse a duplicate name
    (moto overwrites); keep the request (moto drops ``EnableNetworkIsolation``,
    ``InferenceExecutionConfig``).
 2. ``SageMakerResponse.describe_model`` -> :func:`sagemaker_api.describe_model`: answer what was
    sent (moto answers ``EnableNetworkIsolation: false``, default role ``arn:test``, empty containers).
 3. ``SageMakerResponse.create_endpoint_config`` -> :func:`sagemaker_api.create_endpoint_config`:
    refuse a duplicate; keep the whole request (moto drops ``ExecutionRoleArn``, ``VpcConfig``,
    ``ShadowProductionVariants``, ``EnableNetworkIsolation``, ``ExplainerConfig``...).
 4. ``SageMakerModelBackend.describe_endpoint_config`` -> :func:`sagemaker_api.describe_endpoint_config`:
    answer what was sent (moto adds ``DataCaptureConfig: {}`` and loses the fields above).
 5. ``FakeEndpointConfig.validate_production_variants`` -> botocore's ``ProductionVariantInstanceType``
    enum (moto's list is from 2019 and refuses ml.g5.*, ml.m6i.*, ml.inf2.*...).
 6. ``SageMakerResponse.create_endpoint`` -> :func:`sagemaker_api.create_endpoint`: refuse a
    duplicate; start ``Creating`` (moto is ``InService`` at once); keep ``DeploymentConfig``; keep a
    0.0 variant weight (moto drops falsy weights).
 7. ``SageMakerModelBackend.describe_endpoint`` -> :func:`sagemaker_api.describe_endpoint`: advance the
    lifecycle (one read); ``DataCaptureConfig`` in the real summary shape (``CaptureStatus``...) or
    absent when never configured (moto: ``{}``); ``PendingDeploymentSummary`` while updating.
 8. ``SageMakerModelBackend.list_endpoints`` -> :func:`sagemaker_api.list_endpoints`: advance every
    listed endpoint's lifecycle (one read) before moto filters and pages.
 9. ``SageMakerModelBackend.delete_endpoint`` -> :func:`sagemaker_api.delete_endpoint`: ``Deleting``
    then gone (moto deletes at once); deregisters the variants from Application Auto Scaling.
10. ``SageMakerResponse.update_endpoint`` (new; moto has none, and answers HTTP 500 that botocore
    retries) -> :func:`sagemaker_api.update_endpoint`.
11. ``SageMakerModelBackend.update_endpoint_weights_and_capacities`` ->
    :func:`sagemaker_api.update_endpoint_weights_and_capacities`: refused unless ``InService``; keeps
    the variant fields not in the request (moto sets them to None); ``Updating`` then ``InService``.
12. ``SageMakerModelBackend.add_tags`` -> :func:`sagemaker_api.add_tags`: an existing key gets the
    new value (moto appends a duplicate key); an unknown ARN is a ValidationException (moto: HTTP 500).

SageMaker runtime (``moto.sagemakerruntime``)
13. ``SageMakerRuntimeResponse.setup_class``: keep the request body as bytes (moto decodes it as
    UTF-8 and fails on binary payloads such as images).
14. ``SageMakerRuntimeResponse.invoke_endpoint`` -> :func:`invoke.invoke_endpoint`: checks the
    endpoint exists and serves; weighted variant; canned responses and ``ModelError`` (moto answers
    static data for any name).

Application Auto Scaling (``moto.applicationautoscaling``), ``sagemaker`` namespace only
15. ``ApplicationAutoscalingBackend.register_scalable_target``: the endpoint variant must exist.
16. ``ApplicationAutoscalingBackend.deregister_scalable_target``: also delete the target's policies
    and scheduled actions (moto keeps them).
17. ``ApplicationAutoscalingBackend.put_scaling_policy``: ``ObjectNotFoundException`` without a
    registered target (moto accepts).
19. ``ApplicationAutoScalingResponse.describe_scaling_policies`` ->
    :func:`autoscaling.describe_scaling_policies`: honour ``PolicyNames`` and match ``ResourceId`` /
    ``ScalableDimension`` exactly (moto ignores the names and matches substrings).

State manager
18. ``register_default_transition("sagemaker::endpoint", manual, times=1)``: moto's own extension
    point, so ``/moto-api/state-manager/set-transition`` drives endpoint lifecycles too.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import moto
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.responses import ActionResult
from moto.sagemaker.models import FakeEndpointConfig, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from . import autoscaling, invoke, sagemaker_api
from .lifecycle import register_default_progression
from .scope import in_emulator_request

__all__ = ["MOTO_VERSION", "apply", "applied"]

MOTO_VERSION = "5.2.5"
"""The moto version these patches were written against; :func:`apply` refuses any other."""

_lock = threading.Lock()
_applied = False


def _gated(cls: type, name: str, replacement: Callable[..., Any]) -> None:
    """Replace ``cls.name`` by a function calling ``replacement(original, self, ...)`` in emulator
    requests and ``original(self, ...)`` otherwise. ``original`` is None for a method moto lacks."""
    original = getattr(cls, name, None)  # may be inherited (setup_class comes from BaseResponse)

    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        if in_emulator_request():
            return replacement(original, self, *args, **kwargs)
        if original is None:
            raise NotImplementedError(f"The {name} action has not been implemented")
        return original(self, *args, **kwargs)

    if original is not None:
        functools.update_wrapper(patched, original)
    patched.__name__ = name
    patched.__emulator_patch__ = True  # type: ignore[attr-defined]
    setattr(cls, name, patched)


# --- SageMaker control plane ----------------------------------------------------------------------


def _create_model(original: Any, response: SageMakerResponse) -> Any:
    model = sagemaker_api.create_model(response.sagemaker_backend, response._get_params())
    return ActionResult({"ModelArn": model.arn})


def _describe_model(original: Any, response: SageMakerResponse) -> Any:
    return ActionResult(sagemaker_api.describe_model(response.sagemaker_backend, response._get_param("ModelName")))


def _create_endpoint_config(original: Any, response: SageMakerResponse) -> Any:
    config = sagemaker_api.create_endpoint_config(response.sagemaker_backend, response._get_params())
    return ActionResult({"EndpointConfigArn": config.endpoint_config_arn})


def _describe_endpoint_config(original: Any, backend: SageMakerModelBackend, name: str) -> Any:
    return sagemaker_api.describe_endpoint_config(backend, name)


def _validate_production_variants(original: Any, config: FakeEndpointConfig, variants: Any) -> None:
    sagemaker_api.validate_variants(list(variants or []), "productionVariants", config.validate_serverless_config)


def _create_endpoint(original: Any, response: SageMakerResponse) -> Any:
    endpoint = sagemaker_api.create_endpoint(response.sagemaker_backend, response._get_params())
    return ActionResult({"EndpointArn": endpoint.arn})


def _describe_endpoint(original: Any, backend: SageMakerModelBackend, name: str) -> Any:
    return sagemaker_api.describe_endpoint(backend, name)


def _list_endpoints(original: Any, backend: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
    return sagemaker_api.list_endpoints(original, backend, *args, **kwargs)


def _delete_endpoint(original: Any, backend: SageMakerModelBackend, name: str) -> None:
    sagemaker_api.delete_endpoint(backend, name)


def _update_endpoint(original: Any, response: SageMakerResponse) -> Any:
    arn = sagemaker_api.update_endpoint(response.sagemaker_backend, response._get_params())
    return ActionResult({"EndpointArn": arn})


def _update_weights(
    original: Any, backend: SageMakerModelBackend, endpoint_name: str, desired_weights_and_capacities: Any
) -> str:
    return sagemaker_api.update_endpoint_weights_and_capacities(backend, endpoint_name, desired_weights_and_capacities)


def _add_tags(original: Any, backend: SageMakerModelBackend, arn: str, tags: Any) -> Any:
    return sagemaker_api.add_tags(backend, arn, tags)


# --- SageMaker runtime ----------------------------------------------------------------------------


def _runtime_setup_class(original: Any, response: SageMakerRuntimeResponse, *args: Any, **kwargs: Any) -> Any:
    kwargs["use_raw_body"] = True
    return original(response, *args, **kwargs)


def _invoke_endpoint(original: Any, response: SageMakerRuntimeResponse) -> Any:
    # path: /endpoints/{EndpointName}/invocations
    parts = response.path.split("/")
    endpoint_name = unquote(parts[2]) if len(parts) > 2 else ""
    body = response.body if isinstance(response.body, bytes) else (response.body or "").encode("utf-8")
    status, headers, data = invoke.invoke_endpoint(
        account_id=response.current_account,
        region=response.region,
        endpoint_name=endpoint_name,
        body=body,
        headers=response.headers,
    )
    return status, {**headers, "status": str(status)}, data  # moto takes the status from the headers


# --- installation ---------------------------------------------------------------------------------


def applied() -> bool:
    """True once :func:`apply` has installed the patches in this process."""
    return _applied


def apply() -> None:
    """Install all patches listed in the module docstring, once per process.

    Raises ``RuntimeError`` if the installed moto is not :data:`MOTO_VERSION`.
    """
    global _applied
    with _lock:
        if _applied:
            return
        if moto.__version__ != MOTO_VERSION:
            raise RuntimeError(
                f"the SageMaker emulator patches moto {MOTO_VERSION}; moto {moto.__version__} is installed"
            )
        _gated(SageMakerResponse, "create_model", _create_model)
        _gated(SageMakerResponse, "describe_model", _describe_model)
        _gated(SageMakerResponse, "create_endpoint_config", _create_endpoint_config)
        _gated(SageMakerModelBackend, "describe_endpoint_config", _describe_endpoint_config)
        _gated(FakeEndpointConfig, "validate_production_variants", _validate_production_variants)
        _gated(SageMakerResponse, "create_endpoint", _create_endpoint)
        _gated(SageMakerModelBackend, "describe_endpoint", _describe_endpoint)
        _gated(SageMakerModelBackend, "list_endpoints", _list_endpoints)
        _gated(SageMakerModelBackend, "delete_endpoint", _delete_endpoint)
        _gated(SageMakerResponse, "update_endpoint", _update_endpoint)
        _gated(SageMakerModelBackend, "update_endpoint_weights_and_capacities", _update_weights)
        _gated(SageMakerModelBackend, "add_tags", _add_tags)
        _gated(SageMakerRuntimeResponse, "setup_class", _runtime_setup_class)
        _gated(SageMakerRuntimeResponse, "invoke_endpoint", _invoke_endpoint)
        _gated(ApplicationAutoscalingBackend, "register_scalable_target", autoscaling.register_scalable_target)
        _gated(ApplicationAutoscalingBackend, "deregister_scalable_target", autoscaling.deregister_scalable_target)
        _gated(ApplicationAutoscalingBackend, "put_scaling_policy", autoscaling.put_scaling_policy)
        _gated(ApplicationAutoScalingResponse, "describe_scaling_policies", autoscaling.describe_scaling_policies)
        register_default_progression()
        _applied = True
