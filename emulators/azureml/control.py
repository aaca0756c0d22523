"""Client of the Azure ML emulator's control API (stdlib only, HTTPS with the emulator's CA).

HTTP routes, under the emulator's URL; JSON bodies and answers. Invalid input is HTTP 400
``{"error": "<message>"}``, an unknown route 404, a wrong method 405.

``GET  /_emulator/health``                  ``{"status": "ok"}``
``POST /_emulator/reset``                   drop all state, faults, failures, scoring responses and
                                            the request log; progression back to the emulator's default
``GET|POST /_emulator/azureml/progression`` ``{"progression": "immediate"}`` |
                                            ``{"progression": "manual", "times": n}`` |
                                            ``{"progression": "time", "seconds": s}``
``PUT|DELETE /_emulator/azureml/endpoints/{e}/failure``   ``{"on": "create"|"update", "reason", "once"?,
                                            "code"?}`` (DELETE also forgets the endpoint's deployment failures)
``PUT  /_emulator/azureml/endpoints/{e}/deployments/{d}/failure``  ``{"reason", "once"?, "code"?}``
``GET  /_emulator/azureml/failures``        the configured failures
``PUT|DELETE /_emulator/azureml/endpoints/{e}/prediction``  ``{"status", "content_type", "deployment"?,
                                            and one of "json" | "text" | "base64"}``: scoring answers
``POST /_emulator/azureml/drift``           ``{"name": endpoint, "deployment"?, "patch"}``: an endpoint's
                                            ``tags``/``traffic``, a deployment's ``tags``/``instance_count``/
                                            ``environment_variables`` (no operation)
``GET|POST|DELETE /_emulator/azureml/faults``  list (``{"faults": [...], "injected": [...]}``:
                                            active faults, firings) / add (the shared fault fields and
                                            ``retry_after_ms``, see :mod:`emulators.azureml.faults`) / clear
``GET|DELETE /_emulator/azureml/calls``     ``{"calls": {"PutEndpoint": 1, ...}}``: requests per operation
``GET|DELETE /_emulator/azureml/requests``  the recorded ARM and data-plane requests / forget them
``GET  /_emulator/azureml/state``           endpoints, deployments and their provisioning states
``PUT  /_emulator/azureml/keyvaults/{vault}/secrets/{name}``  ``{"version"?}`` (32 hex; default: a new
                                            one): register a Key Vault secret version, answers
                                            ``{"id": <secret identifier>}``; deployments referencing a
                                            registered vault's missing secret/version then fail
``GET  /_emulator/azureml/keyvaults``       ``{"key_vaults": {vault: {secret: [versions]}}}``
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import quote

from ..common.control import ControlAPIError, ControlClient

__all__ = ["AzureMLControl", "ControlAPIError"]

_PREFIX = "/_emulator/azureml"


class AzureMLControl(ControlClient):
    """HTTP client of the control API of the emulator at ``url``, trusting the CA in ``ca_file``.

    The shared vocabulary (:mod:`emulators.common.control`), keyed by endpoint name; a failure
    ``on="create"`` fails the endpoint's creation and its first deployment create (while it has no
    Succeeded deployment), ``on="update"`` the deployment creates/updates once it has one;
    :meth:`set_prediction` may name the ``deployment`` it applies to. :meth:`set_progression`
    applies to operations in flight too (``"manual"``: after ``times`` reads of the status URL or
    the resource). :meth:`reset` drops all state, faults, failures, predictions, call counts and
    recorded requests; the progression goes back to the emulator's default.
    """

    prefix = _PREFIX

    def __init__(self, url: str, ca_file: str) -> None:
        super().__init__(url, context=ssl.create_default_context(cafile=ca_file))

    @staticmethod
    def _deployment(endpoint: str, deployment: str, what: str) -> str:
        return f"{_PREFIX}/endpoints/{quote(endpoint, safe='')}/deployments/{quote(deployment, safe='')}/{what}"

    def fail_deployment(
        self, endpoint: str, deployment: str, *, reason: str, once: bool = False, code: str | None = None
    ) -> None:
        """Make creates/updates of ``deployment`` of ``endpoint`` end ``Failed`` with ``reason``
        (``code``: the ARM error code) until :meth:`clear_failure` of the endpoint (``once=True``:
        the next one only)."""
        body: dict[str, Any] = {"reason": reason, "once": once}
        if code is not None:
            body["code"] = code
        self._call("PUT", self._deployment(endpoint, deployment, "failure"), body)

    def failures(self) -> dict[str, Any]:
        """The configured failures."""
        return dict(self._call("GET", f"{_PREFIX}/failures"))

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
