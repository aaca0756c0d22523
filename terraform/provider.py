"""The provider: its configuration (``endpoint``, ``token``) and the resource types it serves.

Contracts: ``endpoint`` falls back to ``DEPLOY_ANYWHERE_ENDPOINT`` and ``token`` to
``DEPLOY_ANYWHERE_TOKEN``; a missing or malformed endpoint is an error diagnostic on ``endpoint``.
The token is marked sensitive in the schema and is only ever placed in the Authorization header.
The HTTP client is built on first use (configuration happens before the first resource call).
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlparse

from tf.iface import Config, DataSource, Provider, Resource
from tf.schema import Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from terraform import SOURCE
from terraform.client import Client
from terraform.data_sources import DeploymentDataSource, PlatformsDataSource
from terraform.resource import DeploymentResource
from terraform.schema import provider_schema

__all__ = ["DeployAnywhereProvider", "ENDPOINT_ENV", "TOKEN_ENV"]

ENDPOINT_ENV = "DEPLOY_ANYWHERE_ENDPOINT"
TOKEN_ENV = "DEPLOY_ANYWHERE_TOKEN"


def _endpoint_problem(endpoint: str) -> str | None:
    parsed = urlparse(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return f"{endpoint!r} is not an http(s) URL, e.g. http://127.0.0.1:8080"
    return None


class DeployAnywhereProvider(Provider):
    """``deployanywhere``: a REST client of one deploy-anywhere service."""

    def __init__(self) -> None:
        self.endpoint: str | None = None
        self._token: str | None = None
        self._client: Client | None = None
        self._lock = threading.Lock()  # Terraform calls resources concurrently

    def get_model_prefix(self) -> str:
        return "deployanywhere_"

    def full_name(self) -> str:
        return SOURCE

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        return provider_schema()

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        endpoint = config.get("endpoint")
        if isinstance(endpoint, str) and (problem := _endpoint_problem(endpoint)):
            diags.add_error("Invalid endpoint", problem, path=["endpoint"])

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        endpoint = config.get("endpoint")
        if endpoint is None or endpoint is Unknown:
            endpoint = os.environ.get(ENDPOINT_ENV) or None
        if not endpoint:
            diags.add_error("Missing endpoint", f"set the provider's `endpoint` or the environment variable "
                            f"{ENDPOINT_ENV} to the deploy-anywhere service URL", path=["endpoint"])
            return
        if problem := _endpoint_problem(endpoint):
            diags.add_error("Invalid endpoint", problem, path=["endpoint"])
            return
        token = config.get("token")
        token = token if isinstance(token, str) and token else (os.environ.get(TOKEN_ENV) or None)
        with self._lock:
            if (endpoint, token) != (self.endpoint, self._token):  # one --dev process serves many runs
                if self._client is not None:
                    self._client.close()
                self.endpoint, self._token, self._client = endpoint, token, None

    @property
    def client(self) -> Client:
        """The service client (built on first use); RuntimeError before a valid configuration."""
        with self._lock:
            if self._client is None:
                if self.endpoint is None:
                    raise RuntimeError("the provider is not configured (no endpoint)")
                self._client = Client(self.endpoint, self._token)
            return self._client

    def get_data_sources(self) -> list[type[DataSource]]:
        return [DeploymentDataSource, PlatformsDataSource]

    def get_resources(self) -> list[type[Resource]]:
        return [DeploymentResource]

    def __repr__(self) -> str:  # never show the token
        return f"DeployAnywhereProvider(endpoint={self.endpoint!r})"
