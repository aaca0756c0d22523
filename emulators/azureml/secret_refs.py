"""Secret injection references in a deployment's ``environmentVariables`` (Azure ML, preview).

Azure ML resolves, with the endpoint's identity when a deployment is created or updated, an
environment value of one of these forms and injects the secret into the container (Microsoft
Learn, "Access secrets from online deployment using secret injection"):

- ``${{keyvault:https://<vault>.vault.azure.net/secrets/<name>/<version>}}`` (Key Vault secret
  identifier; the version-less form, the current version, is accepted too);
- ``${{azureml://connections/<connection>}}``, ``.../credentials/<key>``, ``.../metadata/<key>``,
  ``.../target`` (workspace connections).

:func:`check_environment_variables` refuses (400, naming the variable) a value that starts one of
these forms but is not well formed: Key Vault vault names 3-24 of ``[A-Za-z0-9-]`` starting with a
letter, ending with a letter or digit, no ``--``; secret names 1-127 of ``[A-Za-z0-9-]``; versions
32 hexadecimal characters; Key Vault DNS suffixes of the Azure clouds. Other values are literals.
A well-formed reference is stored and returned as sent (the real service keeps the reference
too; the value only reaches the container).

Key Vault contents are optional: a test registers secrets with the control API
(``control.add_key_vault_secret``, kept in the backend's ``vault_secrets``).
Once a vault has a registered secret, a deployment create/update referencing a secret or version
of that vault that is not registered ends ``Failed`` (:func:`injection_failure`), as Azure ML's does
when the secret does not exist or the endpoint identity may not read it. References to vaults
with nothing registered are not checked (Key Vault is not emulated).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from .errors import bad_request

__all__ = ["KEY_VAULT_SUFFIXES", "KeyVaults", "add_secret", "check_environment_variables", "injection_failure",
           "keyvault_problem"]

KeyVaults = dict[str, dict[str, list[str]]]
"""Registered Key Vault secrets: vault name -> secret name -> versions (all lower-cased)."""

KEY_VAULT_SUFFIXES = ("vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net", "vault.microsoftazure.de")
_KEYVAULT = re.compile(r"^\$\{\{keyvault:(?P<uri>.*)\}\}$", re.DOTALL)
_CONNECTION = re.compile(r"^\$\{\{azureml://connections/(?P<rest>.*)\}\}$", re.DOTALL)
_SECRET_URI = re.compile(
    r"^https://(?P<vault>[^./]+)\.(?P<suffix>[a-z.]+)/secrets/(?P<name>[^/]+)(?:/(?P<version>[^/]+))?/?$")
_VAULT = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")
_SECRET_NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
_VERSION = re.compile(r"^[0-9a-fA-F]{32}$")
_CONNECTION_REST = re.compile(r"^[A-Za-z0-9_.-]{1,255}(?:/(?:credentials|metadata)/[A-Za-z0-9_.-]{1,255}|/target)?$")
_FORM = "${{keyvault:https://<vault>.vault.azure.net/secrets/<name>/<version>}}"


def keyvault_problem(uri: str) -> str | None:
    """Why ``uri`` is not a Key Vault secret identifier, or None when it is one."""
    match = _SECRET_URI.match(uri)
    if match is None:
        return f"'{uri}' is not a Key Vault secret identifier"
    vault, suffix, name, version = match["vault"], match["suffix"], match["name"], match["version"]
    if suffix not in KEY_VAULT_SUFFIXES:
        return f"'{suffix}' is not a Key Vault DNS suffix ({', '.join(KEY_VAULT_SUFFIXES)})"
    if not _VAULT.match(vault) or "--" in vault:
        return (f"'{vault}' is not a valid vault name (3-24 letters, digits and '-', starting with a letter, "
                "ending with a letter or digit, no '--')")
    if not _SECRET_NAME.match(name):
        return f"'{name}' is not a valid secret name (1-127 letters, digits and '-')"
    if version is not None and not _VERSION.match(version):
        return f"'{version}' is not a secret version (32 hexadecimal characters)"
    return None


def check_environment_variables(env: Mapping[str, str] | None) -> None:
    """400 ``BadRequest`` for the first malformed secret reference in ``env`` (see the module)."""
    for key, value in (env or {}).items():
        if not isinstance(value, str) or not value.startswith("${{"):
            continue
        target = f"properties.environmentVariables.{key}"
        keyvault = _KEYVAULT.match(value)
        if keyvault is not None:
            problem = keyvault_problem(keyvault["uri"])
            if problem is not None:
                raise bad_request(
                    f"Environment variable '{key}' has an invalid Key Vault secret reference: {problem}; "
                    f"expected {_FORM}.", target=target)
        elif value.startswith("${{keyvault:"):
            raise bad_request(
                f"Environment variable '{key}' has an invalid Key Vault secret reference: expected {_FORM}.",
                target=target)
        elif value.startswith("${{azureml://connections/"):
            connection = _CONNECTION.match(value)
            if connection is None or not _CONNECTION_REST.match(connection["rest"]):
                raise bad_request(
                    f"Environment variable '{key}' has an invalid workspace connection reference: expected "
                    "${{azureml://connections/<name>[/credentials/<key>|/metadata/<key>|/target]}}.",
                    target=target)


def add_secret(vaults: KeyVaults, vault: str, name: str, version: str | None = None) -> str:
    """Register a secret version (a new deterministic one when ``version`` is None); its identifier
    ``https://{vault}.vault.azure.net/secrets/{name}/{version}``. ``ValueError`` for bad names."""
    uri = f"https://{vault}.vault.azure.net/secrets/{name}"
    problem = keyvault_problem(uri if version is None else f"{uri}/{version}")
    if problem is not None:
        raise ValueError(problem)
    versions = vaults.setdefault(vault.lower(), {}).setdefault(name.lower(), [])
    if version is None:
        version = hashlib.sha256(f"{uri}#{len(versions)}".encode()).hexdigest()[:32]
    if version.lower() not in versions:
        versions.append(version.lower())
    return f"{uri}/{version}"


def injection_failure(env: Mapping[str, str] | None, vaults: KeyVaults) -> str | None:
    """The failure reason of a deployment whose Key Vault references name a registered vault's
    missing secret or version (see the module), else None."""
    for key, value in (env or {}).items():
        keyvault = _KEYVAULT.match(value) if isinstance(value, str) else None
        if keyvault is None:
            continue
        reference = keyvault["uri"]
        uri = _SECRET_URI.match(reference)
        if uri is None or uri["vault"].lower() not in vaults:
            continue
        versions = vaults[uri["vault"].lower()].get(uri["name"].lower())
        if versions is None or (uri["version"] is not None and uri["version"].lower() not in versions):
            return (f"Secret injection failed for environment variable '{key}': the Key Vault secret "
                    f"'{reference}' was not found, or the endpoint's identity is not allowed to read it.")
    return None
