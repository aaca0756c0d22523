"""The SDK side of Azure ML: building ``MLClient`` (production credentials or a sandbox emulator,
without global leaks), and every use of azure-ai-ml's private API (pinned in pyproject.toml).

- Production: ``azure.identity.DefaultAzureCredential`` and the public Azure cloud.
- Sandbox (``{"url": "https://127.0.0.1:PORT", "ca_file": ...}``): a static local credential, a
  cloud registered under a name unique to the URL (azure-ai-ml registers a cloud name once per
  process), every cloud endpoint pointed at the URL, ``connection_verify`` = the CA file.

``MLClient`` sets ``AZUREML_CURRENT_CLOUD`` in the process environment; :func:`make_client`
restores the previous value under a lock, so clients for different clouds do not leak into each
other. azure-core retries a call at most ``RETRY_TOTAL`` times, honouring ``Retry-After`` up to
``MAX_RETRY_AFTER`` seconds; anything longer surfaces as ``ProviderUnavailable`` and is core's to
retry. The SDK's loggers are silenced and its progress output turned off.

Private API, all of it here: the generated ARM operation groups behind ``MLClient``
(:func:`rest_endpoints`, :func:`rest_deployments`: writes with ``polling=False``, and the basic
reads of :class:`WireReader`, which parse the JSON themselves), the entity <-> REST conversions
(:func:`endpoint_from_rest`, :func:`endpoint_rest_object`, :func:`rest_object`) and the data
collector's ``DataAsset`` (:func:`data_asset`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import urllib.parse
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.http_env import frozen_settings
from core.targets import AzureMLTarget

__all__ = ["StaticCredential", "ClientBundle", "make_client", "make_monitor_client", "cloud_name",
           "cloud_metadata", "silence_sdk", "RETRY_TOTAL", "MAX_RETRY_AFTER", "rest_endpoints",
           "rest_deployments", "endpoint_from_rest", "endpoint_rest_object", "rest_object", "data_asset",
           "WireReader"]

ARM_URL = "https://management.azure.com/"
"""Azure Resource Manager (public cloud): the host every management call goes to."""
RETRY_TOTAL = 3
MAX_RETRY_AFTER = 10.0
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60
_CLOUD_ENV = "AZUREML_CURRENT_CLOUD"
_LOCK = threading.Lock()
_QUIET = ("azure.ai.ml", "azure.ai.ml._telemetry", "azure.core", "azure.identity", "azure.mgmt", "opencensus")


def silence_sdk() -> None:
    """The SDK logs INFO/WARNING chatter (experimental classes, progress): keep it quiet."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    for name in list(logging.root.manager.loggerDict):  # loggers the SDK gave their own level
        if name.startswith("azure.ai.ml._telemetry"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def load_sdk() -> Any:
    """Import azure-ai-ml with its import-time deprecation warnings (marshmallow) suppressed."""
    silence_sdk()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import azure.ai.ml
        import azure.ai.ml.entities  # noqa: F401
    from adapters.azureml import sdk_patches

    sdk_patches.apply()
    return azure.ai.ml


class StaticCredential:
    """Sandbox credential: any object with ``get_token`` is a credential to azure-core."""

    def __init__(self, token: str = "sandbox-token") -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)


def cloud_name(url: str) -> str:
    """A cloud name unique to one emulator URL."""
    return "DeployAnywhereSandbox" + hashlib.sha256(url.encode()).hexdigest()[:12]


def cloud_metadata(url: str) -> dict[str, str]:
    """Every cloud endpoint of the sandbox cloud pointed at the emulator."""
    base = url.rstrip("/") + "/"
    return {"azure_portal": base, "resource_manager": base, "active_directory": base,
            "aml_resource_id": base, "storage_endpoint": "core.windows.net",
            "registry_discovery_endpoint": base}


def _retry_policy() -> Any:
    from azure.core.pipeline.policies import RetryPolicy

    class CappedRetryPolicy(RetryPolicy):
        """azure-core's retry, except a Retry-After longer than MAX_RETRY_AFTER is not slept."""

        def is_retry(self, settings: Any, response: Any) -> bool:
            after = self.get_retry_after(response)
            if after is not None and after > MAX_RETRY_AFTER:
                return False
            return bool(super().is_retry(settings, response))

    return CappedRetryPolicy(retry_total=RETRY_TOTAL, retry_backoff_factor=0.5, retry_backoff_max=4)


@dataclass
class ClientBundle:
    """An MLClient plus what the adapter needs next to it for polling and the data plane."""

    ml: Any
    credential: Any
    verify: str | bool
    sandbox: bool
    url: str | None = None
    """The emulator's URL in sandbox mode (None: the public Azure cloud)."""


def _environment_kwargs(url: str, verify: str | bool) -> dict[str, Any]:
    """azure-core transport settings: the environment's proxies and CA bundle for ``url`` read
    once (``use_env_settings`` off: requests would re-read them on every call); an explicit
    ``verify`` (the emulator's CA) wins over the CA bundle variables."""
    settings = frozen_settings(url)
    kwargs: dict[str, Any] = {"use_env_settings": False}
    if settings.proxies:
        kwargs["proxies"] = settings.proxies
    if verify is True and settings.ca_bundle:
        kwargs["connection_verify"] = settings.ca_bundle
    return kwargs


def make_client(target: AzureMLTarget, emulator: Mapping[str, Any] | None,
                policies: Sequence[Any] = ()) -> ClientBundle:
    """An MLClient bound to ``target`` (``emulator``: sandbox), leaving no global state behind."""
    load_sdk()
    from azure.ai.ml import MLClient

    kwargs: dict[str, Any] = {
        "enable_telemetry": False, "show_progress": False, "retry_policy": _retry_policy(),
        "connection_timeout": CONNECT_TIMEOUT, "read_timeout": READ_TIMEOUT,
        "user_agent": "deploy-anywhere",
    }
    if policies:
        kwargs["per_call_policies"] = list(policies)
    if emulator:
        credential: Any = StaticCredential()
        verify: str | bool = str(emulator.get("ca_file") or True)
        kwargs |= {"cloud": cloud_name(emulator["url"]), "cloud_metadata": cloud_metadata(emulator["url"]),
                   "connection_verify": verify}
        kwargs |= _environment_kwargs(str(emulator["url"]), verify)
    else:
        from azure.identity import DefaultAzureCredential

        credential, verify = DefaultAzureCredential(), True
        kwargs |= _environment_kwargs(ARM_URL, verify)
    with _LOCK:
        before = os.environ.get(_CLOUD_ENV)
        try:
            ml = MLClient(credential, target.subscription_id, target.resource_group, target.workspace,
                          **kwargs)
        finally:
            if before is None:
                os.environ.pop(_CLOUD_ENV, None)
            else:
                os.environ[_CLOUD_ENV] = before
    silence_sdk()  # operations create telemetry loggers with their own level
    return ClientBundle(ml=ml, credential=credential, verify=verify, sandbox=bool(emulator),
                        url=str(emulator["url"]) if emulator else None)


def make_monitor_client(target: AzureMLTarget, bundle: ClientBundle, policies: Sequence[Any] = ()) -> Any:
    """An azure-mgmt-monitor ``MonitorManagementClient`` (autoscale settings) sharing ``bundle``'s
    credential, TLS trust and retry cap, plus extra ``policies``; in sandbox mode pointed at the emulator
    (``base_url`` works here, unlike MLClient). Imported on first use."""
    from azure.mgmt.monitor import MonitorManagementClient

    kwargs: dict[str, Any] = {"retry_policy": _retry_policy(), "connection_timeout": CONNECT_TIMEOUT,
                              "read_timeout": READ_TIMEOUT, "user_agent": "deploy-anywhere"}
    if policies:
        kwargs["per_call_policies"] = list(policies)
    kwargs |= _environment_kwargs(bundle.url or ARM_URL, bundle.verify)
    if bundle.url:
        kwargs |= {"base_url": bundle.url.rstrip("/"), "connection_verify": bundle.verify,
                   "credential_scopes": [bundle.url.rstrip("/") + "/.default"]}
    client = MonitorManagementClient(bundle.credential, target.subscription_id, **kwargs)
    silence_sdk()
    return client


# ------------------------------------------------------------------------------ private API


def rest_endpoints(ml: Any) -> Any:
    """The generated ARM operation group of online endpoints behind ``ml.online_endpoints``."""
    return ml.online_endpoints._online_operation


def rest_deployments(ml: Any) -> Any:
    """The generated ARM operation group of online deployments behind ``ml.online_deployments``."""
    return ml.online_deployments._online_deployment


def endpoint_from_rest(rest: Any) -> Any:
    """A generated ``OnlineEndpoint`` REST model as the azure-ai-ml entity ``MLClient`` returns."""
    from azure.ai.ml.entities import OnlineEndpoint

    return OnlineEndpoint._from_rest_object(rest)


def endpoint_rest_object(entity: Any, *, location: str) -> Any:
    """An endpoint entity as the REST model azure-ai-ml PUTs."""
    return entity._to_rest_online_endpoint(location=location)


def rest_object(entity: Any, **kwargs: Any) -> Any:
    """A deployment, environment or data entity as the REST model azure-ai-ml PUTs."""
    return entity._to_rest_object(**kwargs)


def data_asset(asset: Mapping[str, Any]) -> Any:
    """The ``DataAsset`` a data collector's collection references (``{"name", "version", "path"}``)."""
    from azure.ai.ml.entities._deployment.data_asset import DataAsset

    return DataAsset(**asset)


class WireReader:
    """GETs of one workspace's online endpoints and deployments, answered as wire JSON.
    ``endpoints`` / ``deployments``: the SDK's generated operation groups (their pipeline,
    configuration and request builders are used as the SDK uses them)."""

    def __init__(self, endpoints: Any, deployments: Any, *, resource_group: str, workspace: str) -> None:
        self._endpoints = endpoints
        self._deployments = deployments
        self._scope = {"resource_group_name": resource_group, "workspace_name": workspace}

    def endpoint(self, name: str) -> dict[str, Any]:
        """``GET .../onlineEndpoints/{name}`` (errors raised as the SDK raises them: a missing
        endpoint is ``ResourceNotFoundError``)."""
        return self._endpoints.get(endpoint_name=name, stream=True, cls=_json, **self._scope)

    def deployments(self, name: str) -> list[dict[str, Any]]:
        """Every page of ``GET .../onlineEndpoints/{name}/deployments``."""
        from azure.ai.ml._restclient.arm_ml_service.operations._operations import (
            build_online_deployments_list_request,
        )

        ops = self._deployments
        config = ops._config
        request = build_online_deployments_list_request(
            endpoint_name=name, subscription_id=config.subscription_id, api_version=config.api_version,
            resource_group_name=self._scope["resource_group_name"], workspace_name=self._scope["workspace_name"])
        out: list[dict[str, Any]] = []
        while True:
            request.url = ops._client.format_url(request.url, endpoint=config.base_url)
            body = _checked(ops._client.send_request(request))
            out += body.get("value") or []
            next_link = body.get("nextLink")
            if not next_link:
                return out
            request = _next_request(next_link, config.api_version)


def _json(pipeline_response: Any, stream: Any, headers: Any) -> dict[str, Any]:
    """The generated operations' ``cls`` hook with ``stream=True``: the raw JSON body."""
    import json

    return json.loads(b"".join(stream))


def _checked(response: Any) -> dict[str, Any]:
    """The JSON of a 200; any other status raised as the generated operations raise it."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceExistsError,
        ResourceNotFoundError,
        ResourceNotModifiedError,
        map_error,
    )
    from azure.mgmt.core.exceptions import ARMErrorFormat

    if response.status_code != 200:
        map_error(status_code=response.status_code, response=response, error_map={
            401: ClientAuthenticationError, 404: ResourceNotFoundError, 409: ResourceExistsError,
            304: ResourceNotModifiedError})
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    return response.json()


def _next_request(next_link: str, api_version: str) -> Any:
    """The next page, with the client's api-version (as the generated pager does)."""
    from azure.core.rest import HttpRequest

    parsed = urllib.parse.urlparse(next_link)
    params = {k: [urllib.parse.quote(v) for v in values] for k, values in urllib.parse.parse_qs(parsed.query).items()}
    params["api-version"] = [api_version]
    return HttpRequest("GET", urllib.parse.urljoin(next_link, parsed.path), params=params)
