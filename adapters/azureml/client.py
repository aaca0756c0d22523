"""Building ``MLClient``: production credentials or a sandbox emulator, without global leaks.

- Production: ``azure.identity.DefaultAzureCredential`` and the public Azure cloud.
- Sandbox (``{"url": "https://127.0.0.1:PORT", "ca_file": ...}``): a static local credential, a
  cloud registered under a name unique to the URL (azure-ai-ml registers a cloud name once per
  process), every cloud endpoint pointed at the URL, ``connection_verify`` = the CA file.

``MLClient`` sets ``AZUREML_CURRENT_CLOUD`` in the process environment; :func:`make_client`
restores the previous value under a lock, so clients for different clouds do not leak into each
other. azure-core retries a call at most ``RETRY_TOTAL`` times, honouring ``Retry-After`` up to
``MAX_RETRY_AFTER`` seconds; anything longer surfaces as ``ProviderUnavailable`` and is core's to
retry. The SDK's loggers are silenced and its progress output turned off.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.http_env import frozen_settings
from core.targets import AzureMLTarget

__all__ = ["StaticCredential", "ClientBundle", "make_client", "make_monitor_client", "cloud_name",
           "cloud_metadata", "silence_sdk", "RETRY_TOTAL", "MAX_RETRY_AFTER"]

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
