"""Azure ML secret injection: Key Vault references in a deployment's environment variables (pure).

Azure ML managed online deployments resolve an environment variable whose value is
``${{keyvault:https://<vault>.vault.azure.net/secrets/<name>/<version>}}`` themselves, with the
endpoint's identity, when the deployment is created or updated, and inject the secret's value into
the container ("secret injection", preview; Microsoft Learn: "Access secrets from online
deployment using secret injection"). The value never passes through this service. Requirements
(not checked here): the vault uses the Azure RBAC permission model and the endpoint's identity
(system- or user-assigned) has a role that reads secrets (``Key Vault Secrets User``) on it;
otherwise, or when the secret does not exist, the deployment fails. Microsoft documents the form
with a version; the version-less form (the secret's current version at deployment time) is used
in practice too (e.g. NVIDIA's NIM deployment scripts), and the spec allows both: the reference is
sent exactly as the spec gives it.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from core.spec_env import SecretRef

__all__ = ["native_secret", "parse_native_secret", "KEYVAULT_REFERENCE"]

KEYVAULT_REFERENCE = re.compile(r"^\$\{\{keyvault:(?P<uri>[^{}\s]+)\}\}$")
"""An environment value Azure ML reads from Key Vault: ``${{keyvault:<secret identifier>}}``."""


def native_secret(ref: SecretRef) -> str | None:
    """``${{keyvault:<uri>}}`` for an ``azure_key_vault`` reference; None for any other kind."""
    if ref.kind != "azure_key_vault":
        return None
    return "${{keyvault:" + ref.ref + "}}"


def parse_native_secret(value: str) -> SecretRef | None:
    """The reference a live ``${{keyvault:...}}`` value stands for (None if it is not one the spec
    could have written)."""
    match = KEYVAULT_REFERENCE.match(value)
    if match is None:
        return None
    try:
        return SecretRef.model_validate({"azure_key_vault": match["uri"]})
    except ValidationError:
        return None
