"""Client of the Azure ML emulator's control API (stdlib only, HTTPS with the emulator's CA).

HTTP routes, under the emulator's URL; JSON bodies and answers. Invalid input is HTTP 400
``{"error": "<message>"}``, an unknown route 404, a wrong method 405.

``GET  /_emulator/health``                  ``{"status": "ok"}``
``POST /_emulator/reset``                   drop all state, faults, failures, scoring responses and
                                            the request log; progression back to the emulator's default
``GET|POST /_emulator/azureml/progression`` ``{"progression": "immediate"}`` |
                                            ``{"progression": "manual", "times": n}`` |
                                            ``{"progression": "time", "seconds": s}``
``PUT|DELETE /_emulator/azureml/endpoints/{e}/failure``   ``{"on": "create"|"update", "reason", "code"?}``
                                            (DELETE also forgets the endpoint's deployment failures)
``PUT  /_emulator/azureml/endpoints/{e}/deployments/{d}/failure``  ``{"reason", "code"?}``
``GET  /_emulator/azureml/failures``        the configured failures
``PUT|DELETE /_emulator/azureml/endpoints/{e}/scoring``   ``{"status", "content_type", "deployment"?,
                                            and one of "json" | "text" | "base64"}``
``POST /_emulator/azureml/endpoints/{e}/drift``           ``{"tags"?, "traffic"?}`` (no operation)
``POST /_emulator/azureml/endpoints/{e}/deployments/{d}/drift``  ``{"tags"?, "instance_count"?,
                                            "environment_variables"?}`` (no operation)
``GET|POST|DELETE /_emulator/azureml/faults``  list (``{"faults": [...], "injected": [...]}``:
                                            active faults, firings) / add (``{"method"?, "path_contains"?,
                                            "status", "count", "probability", "seed", "retry_after",
                                            "retry_after_ms",
                                            "delay", "drop", "after"}``, see :mod:`emulators.azureml.faults`)
                                            / clear
``GET|DELETE /_emulator/azureml/requests``  the recorded ARM and data-plane requests / forget them
``GET  /_emulator/azureml/state``           endpoints, deployments and their provisioning states
``PUT  /_emulator/azureml/keyvaults/{vault}/secrets/{name}``  ``{"version"?}`` (32 hex; default: a new
                                            one): register a Key Vault secret version, answers
                                            ``{"id": <secret identifier>}``; deployments referencing a
                                            registered vault's missing secret/version then fail
``GET  /_emulator/azureml/keyvaults``       ``{"key_vaults": {vault: {secret: [versions]}}}``
"""

from __future__ import annotations

import base64
import ssl
from typing import Any
from urllib.parse import quote

from ..common.control import ControlAPIError, ControlClient

__all__ = ["AzureMLControl", "ControlAPIError"]

_PREFIX = "/_emulator/azureml"


class AzureMLControl(ControlClient):
    """HTTP client of the control API of the emulator at ``url``, trusting the CA in ``ca_file``.

    :meth:`set_progression` applies to operations in flight too (``"manual"``: after ``times`` reads
    of the status URL or the resource). :meth:`reset` drops all state, faults, failures, scoring
    responses and recorded requests; the progression goes back to the emulator's default.
    """

    prefix = _PREFIX

    def __init__(self, url: str, ca_file: str) -> None:
        super().__init__(url, context=ssl.create_default_context(cafile=ca_file))

    @staticmethod
    def _endpoint(name: str, what: str) -> str:
        return f"{_PREFIX}/endpoints/{quote(name, safe='')}/{what}"

    @staticmethod
    def _deployment(endpoint: str, deployment: str, what: str) -> str:
        return f"{_PREFIX}/endpoints/{quote(endpoint, safe='')}/deployments/{quote(deployment, safe='')}/{what}"

    def fail_endpoint(self, name: str, *, on: str, reason: str, code: str | None = None) -> None:
        """Make endpoint ``name`` fail with ``reason`` until :meth:`clear_failure`.

        ``on="create"``: its creation (and its first deployment create, while it has no Succeeded
        deployment) ends ``Failed``; ``on="update"``: deployment creates/updates on it end ``Failed``
        once it has a Succeeded deployment. The operation status carries ``error{code, message=reason}``.
        """
        self._call("PUT", self._endpoint(name, "failure"), {"on": on, "reason": reason, "code": code})

    def fail_deployment(self, endpoint: str, deployment: str, *, reason: str, code: str | None = None) -> None:
        """Make every create/update of ``deployment`` of ``endpoint`` end ``Failed`` with ``reason``."""
        self._call("PUT", self._deployment(endpoint, deployment, "failure"), {"reason": reason, "code": code})

    def clear_failure(self, name: str) -> None:
        """Forget the failures configured for endpoint ``name`` and its deployments."""
        self._call("DELETE", self._endpoint(name, "failure"))

    def failures(self) -> dict[str, Any]:
        """The configured failures."""
        return dict(self._call("GET", f"{_PREFIX}/failures"))

    def set_scoring_response(
        self,
        endpoint: str,
        *,
        status: int = 200,
        body: bytes | str | dict[str, Any] | list[Any],
        content_type: str = "application/json",
        deployment: str | None = None,
    ) -> None:
        """Answer scoring requests of ``endpoint`` (or only those routed to ``deployment``) with
        ``status`` and ``body`` (a dict/list is JSON-encoded, a str UTF-8, bytes sent as they are)."""
        spec: dict[str, Any] = {"status": status, "content_type": content_type, "deployment": deployment}
        if isinstance(body, bytes):
            spec["base64"] = base64.b64encode(body).decode("ascii")
        elif isinstance(body, str):
            spec["text"] = body
        else:
            spec["json"] = body
        self._call("PUT", self._endpoint(endpoint, "scoring"), spec)

    def clear_scoring_response(self, endpoint: str) -> None:
        """Back to the default echo answer for ``endpoint``."""
        self._call("DELETE", self._endpoint(endpoint, "scoring"))

    def update_endpoint(
        self, name: str, *, tags: dict[str, str] | None = None, traffic: dict[str, int] | None = None
    ) -> dict[str, Any]:
        """Change an endpoint behind the client's back (no operation); returns its ARM JSON."""
        return dict(self._call("POST", self._endpoint(name, "drift"), {"tags": tags, "traffic": traffic}))

    def update_deployment(
        self,
        endpoint: str,
        deployment: str,
        *,
        tags: dict[str, str] | None = None,
        instance_count: int | None = None,
        environment_variables: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Change a deployment behind the client's back (no operation); returns its ARM JSON."""
        body = {"tags": tags, "instance_count": instance_count, "environment_variables": environment_variables}
        return dict(self._call("POST", self._deployment(endpoint, deployment, "drift"), body))


    def requests(self) -> list[dict[str, Any]]:
        """Recorded requests (``method``, ``path``, ``api_version``, ``body``, ``status``), oldest first."""
        return list(self._call("GET", f"{_PREFIX}/requests")["requests"])

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._call("DELETE", f"{_PREFIX}/requests")

    def state(self) -> dict[str, Any]:
        """Endpoints, deployments and their provisioning states, per workspace."""
        return dict(self._call("GET", f"{_PREFIX}/state"))

    def add_key_vault_secret(self, vault: str, name: str, *, version: str | None = None) -> str:
        """Register a Key Vault secret version (a new one when ``version`` is None); its identifier
        ``https://{vault}.vault.azure.net/secrets/{name}/{version}``. Deployments that reference a
        registered vault's missing secret or version then fail, as secret injection does in Azure."""
        path = f"{_PREFIX}/keyvaults/{quote(vault, safe='')}/secrets/{quote(name, safe='')}"
        return str(self._call("PUT", path, {} if version is None else {"version": version})["id"])

    def key_vaults(self) -> dict[str, dict[str, list[str]]]:
        """The registered Key Vault secrets: vault -> secret -> versions (lower-cased)."""
        return dict(self._call("GET", f"{_PREFIX}/keyvaults")["key_vaults"])
