"""Helpers for the Azure ML emulator tests: SDK client factory, raw ARM client, request bodies.

The real ``MLClient`` is pointed at the emulator with public arguments only (see
:mod:`emulators.azureml.server`); ``ArmClient`` sends raw REST requests (to test what the SDK
cannot send: unknown fields, bad names...).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from emulators.azureml import AzureMLEmulator

__all__ = [
    "SUBSCRIPTION",
    "RESOURCE_GROUP",
    "WORKSPACE",
    "ArmClient",
    "FakeCredential",
    "deployment_body",
    "endpoint_body",
    "make_ml_client",
    "quiet",
    "silence_azure_logging",
    "drop_current_cloud",
]

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
RESOURCE_GROUP = "rg-emulator"
WORKSPACE = "ws-emulator"
API = "2023-04-01-preview"
T = TypeVar("T")


class FakeCredential:
    """Any object with ``get_token`` is a credential for azure-core."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("fake-arm-token", 4_102_444_800)


def silence_azure_logging() -> None:
    """The SDK logs progress at INFO/WARNING; keep test output clean."""
    names = ["azure", "azure.ai.ml", "azure.core", "azure.identity"]
    names += [n for n in logging.root.manager.loggerDict if n.startswith("azure")]
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def drop_current_cloud() -> None:
    """MLClient sets ``AZUREML_CURRENT_CLOUD`` process-wide; remove it."""
    os.environ.pop("AZUREML_CURRENT_CLOUD", None)


def make_ml_client(emulator: AzureMLEmulator, workspace: str = WORKSPACE) -> Any:
    """A real MLClient on ``emulator`` (a cloud name unique to this call)."""
    from azure.ai.ml import MLClient

    silence_azure_logging()
    return MLClient(
        credential=FakeCredential(),
        subscription_id=SUBSCRIPTION,
        resource_group_name=RESOURCE_GROUP,
        workspace_name=workspace,
        cloud=f"azureml-emulator-{uuid.uuid4().hex[:12]}",
        cloud_metadata=emulator.cloud_metadata(),
        connection_verify=emulator.ca_file,
        enable_telemetry=False,
    )


def quiet(call: Callable[[], T]) -> T:
    """Run ``call`` with stdout captured (the SDK's pollers print progress dots)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return call()


class ArmClient:
    """Raw ARM requests to the emulator (bearer token, api-version, workspace prefix)."""

    def __init__(self, emulator: AzureMLEmulator, workspace: str = WORKSPACE) -> None:
        self.url = emulator.url
        self.prefix = (
            f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{workspace}"
        )
        self.http = httpx.Client(base_url=emulator.url, verify=emulator.ca_file, timeout=10.0)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        api_version: str | None = API,
        token: str | None = "t",
        content: bytes | None = None,
    ) -> httpx.Response:
        """``path`` is relative to the workspace unless it starts with ``/subscriptions``."""
        url = path if path.startswith(("/subscriptions", "http")) else f"{self.prefix}{path}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        extra: dict[str, Any] = {"params": {"api-version": api_version}} if api_version else {}
        if content is not None:
            headers["Content-Type"] = "application/json"
            return self.http.request(method, url, content=content, headers=headers, **extra)
        return self.http.request(method, url, json=body, headers=headers, **extra)

    def put_endpoint(self, name: str, **overrides: Any) -> httpx.Response:
        return self.request("PUT", f"/onlineEndpoints/{name}", endpoint_body(**overrides))

    def put_deployment(self, endpoint: str, name: str, **overrides: Any) -> httpx.Response:
        return self.request("PUT", f"/onlineEndpoints/{endpoint}/deployments/{name}", deployment_body(**overrides))

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def settle(self, path: str, limit: int = 20) -> dict[str, Any]:
        """GET ``path`` until its provisioningState is terminal (for manual progressions)."""
        for _ in range(limit):
            body = self.get(path).json()
            if body["properties"]["provisioningState"] in ("Succeeded", "Failed", "Canceled"):
                return body
        raise AssertionError(f"{path} did not settle")

    def close(self) -> None:
        self.http.close()


def endpoint_body(**overrides: Any) -> dict[str, Any]:
    """A valid OnlineEndpoint body; keyword overrides go into ``properties`` unless top-level."""
    body: dict[str, Any] = {
        "location": "westeurope",
        "identity": {"type": "SystemAssigned"},
        "tags": {},
        "properties": {"authMode": "Key", "traffic": {}},
    }
    for key, value in overrides.items():
        (body if key in ("location", "identity", "tags", "kind", "sku", "unknownTop") else body["properties"])[key] = (
            value
        )
    return body


def deployment_body(**overrides: Any) -> dict[str, Any]:
    """A valid managed OnlineDeployment body; overrides as for :func:`endpoint_body` (``sku`` top-level)."""
    prefix = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
        f"/providers/Microsoft.MachineLearningServices/workspaces/{WORKSPACE}"
    )
    body: dict[str, Any] = {
        "location": "westeurope",
        "tags": {},
        "sku": {"name": "Default", "capacity": 1},
        "properties": {
            "endpointComputeType": "Managed",
            "model": f"{prefix}/models/m/versions/1",
            "environmentId": f"{prefix}/environments/env/versions/3",
            "instanceType": "Standard_DS3_v2",
        },
    }
    for key, value in overrides.items():
        (body if key in ("location", "tags", "sku", "kind", "identity") else body["properties"])[key] = value
    return body


@contextlib.contextmanager
def raw_client(emulator: AzureMLEmulator, workspace: str = WORKSPACE) -> Iterator[ArmClient]:
    """An :class:`ArmClient`, closed on exit."""
    client = ArmClient(emulator, workspace)
    try:
        yield client
    finally:
        client.close()
