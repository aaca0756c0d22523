"""Google Secret Manager reads for env values ``{"value_from": {"gcp_secret_manager": NAME}}``.

A Vertex AI Model's ``containerSpec.env`` holds ``EnvVar {name, value}`` only: no Secret Manager
reference (``aiplatform_v1`` has ``SecretEnvVar``/``SecretRef``, but only Reasoning Engines use
them). So the service reads the value at deploy time with its own credentials for the target and
sends it as text (GetModel shows it to whoever may read the model).

Contract of :meth:`SecretReader.read`: ``AccessSecretVersion(name)`` through the official client
(``google-cloud-secret-manager``, ``SecretManagerServiceClient``, REST transport; imported on first
use), where ``name`` is the reference with ``/versions/latest`` added when it names no version.
Sandbox: pointed at the Vertex AI emulator with anonymous credentials, exactly like the
``aiplatform_v1`` clients (:class:`adapters.vertex.client.Clients`); production: Secret Manager's
default endpoint and the same Application Default Credentials. Every call has the adapter's
timeout and retry (:class:`adapters.vertex.client.CallPolicy`). Returns ``payload.data`` decoded
as UTF-8, after checking ``payload.data_crc32c`` when the answer carries one.

Raises :class:`core.errors.SecretUnavailable` naming the reference (never a value) on 404 (no such
secret or version), 403 (permission denied: Secret Manager also says so for a secret that does not
exist), 400 (a disabled or destroyed version, a malformed name) and for a payload that is not UTF-8
text; throttling, 5xx, dropped connections and a checksum mismatch (corruption in transit) are
``ProviderUnavailable`` (core retries); 401 / missing credentials ``ProviderAuthError``.
"""

from __future__ import annotations

import threading
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions

from adapters.vertex.client import Clients
from adapters.vertex.errors import sdk_errors
from core.errors import ProviderNotInstalled, ProviderUnavailable, SecretUnavailable
from core.spec_env import SecretRef

__all__ = ["SecretReader", "version_name"]

_REFUSED = (gexc.NotFound, gexc.Forbidden, gexc.BadRequest)
"""Answers that mean "this secret cannot be read" (BadRequest covers INVALID_ARGUMENT and
FAILED_PRECONDITION): not worth a retry."""


def version_name(ref: SecretRef) -> str:
    """The secret version ``ref`` names: ``projects/P/secrets/S/versions/{V|latest}``."""
    name = ref.ref
    return name if "/versions/" in name else f"{name}/versions/latest"


class SecretReader:
    """One ``SecretManagerServiceClient`` (made on first use) bound to the adapter's credentials."""

    def __init__(self, clients: Clients) -> None:
        self._clients = clients
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        """The Secret Manager client (REST): the emulator in sandbox mode, else Google's endpoint."""
        with self._lock:
            if self._client is None:
                try:
                    from google.cloud import secretmanager_v1
                except ImportError as exc:  # pragma: no cover - the vertex extra installs it
                    raise ProviderNotInstalled(
                        "reading Google Secret Manager secrets needs google-cloud-secret-manager: "
                        "pip install 'deploy-anywhere[vertex]'") from exc
                kwargs: dict[str, Any] = {"credentials": self._clients.credentials, "transport": "rest"}
                if self._clients.emulated:
                    kwargs["client_options"] = ClientOptions(api_endpoint=self._clients.api)
                self._client = secretmanager_v1.SecretManagerServiceClient(**kwargs)
            return self._client

    def read(self, ref: SecretRef) -> str:
        """See the module contract."""
        name = version_name(ref)
        client = self.client()
        policy = self._clients.policy
        with sdk_errors("Secret Manager AccessSecretVersion"):
            try:
                answer = client.access_secret_version(
                    request={"name": name}, retry=policy.retry(), timeout=policy.timeout)
            except _REFUSED as exc:
                status = exc.grpc_status_code.name if exc.grpc_status_code is not None else type(exc).__name__
                raise SecretUnavailable(
                    f"Google Secret Manager secret {name} cannot be read: {exc.code} {exc.message}",
                    details={"reference": ref.model_dump(), "provider_code": status},
                ) from exc
        payload = answer.payload
        data = bytes(payload.data)
        if type(payload).pb(payload).HasField("data_crc32c"):
            import google_crc32c

            if google_crc32c.value(data) != payload.data_crc32c:
                raise ProviderUnavailable(
                    f"Google Secret Manager AccessSecretVersion {name}: the payload does not match its "
                    f"CRC32C checksum (corrupted in transit)")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretUnavailable(
                f"Google Secret Manager secret {name} holds binary data that is not UTF-8 text: only "
                f"text can be an environment value",
                details={"reference": ref.model_dump(), "provider_code": "NOT_UTF8"},
            ) from None
