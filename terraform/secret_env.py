"""The spec's env map as Terraform attributes: text, references and write-only secrets.

A variant's ``env`` is split by value (contract, both directions): text -> the variant's ``env``;
``{"value_from": {kind: ref}}`` -> the variant's ``env_from`` as ``"kind:ref"``; a literal secret ->
the top-level write-only :data:`SECRET_ENV` keyed ``"<variant>.<ENV>"``, whose fingerprints the state
keeps in :data:`SECRET_FINGERPRINTS`. :mod:`terraform.shape` does the rest of the mapping.
"""

from __future__ import annotations

import re
from typing import Any

from terraform.spec_fields import SECRET_KINDS

__all__ = [
    "SECRET_KINDS", "SECRET_ENV", "SECRET_VERSION", "SECRET_FINGERPRINTS", "ENV_NAME", "secret_key",
    "split_secret_key", "env_from_text", "env_from_value", "secret_env", "env_part", "fingerprints",
]

SECRET_ENV = "secret_env_wo"
"""Write-only ``"<variant>.<ENV>"`` -> plaintext: literal secrets (never in plan nor state)."""
SECRET_VERSION = "secret_env_wo_version"
"""A new value sends ``secret_env_wo``'s values again; otherwise the service keeps the ones it holds."""
SECRET_FINGERPRINTS = "secret_env_fingerprints"
"""Computed ``"<variant>.<ENV>"`` -> the fingerprint the service reports for that secret."""
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""An environment variable name (the spec's rule, minus its length limit)."""


def secret_key(variant: str, env: str) -> str:
    """The ``secret_env_wo`` / ``secret_env_fingerprints`` key of a variant's secret."""
    return f"{variant}.{env}"


def split_secret_key(key: str) -> tuple[str, str] | None:
    """``"stable.API_KEY"`` -> ``("stable", "API_KEY")``; None when it is not ``<variant>.<ENV>``."""
    variant, dot, env = key.rpartition(".")  # variant names have no dot, ENV names neither
    return (variant, env) if dot and variant and ENV_NAME.fullmatch(env) else None


def env_from_value(text: str) -> dict[str, Any]:
    """``"aws_secrets_manager:arn:..."`` -> ``{"value_from": {"aws_secrets_manager": "arn:..."}}``."""
    kind, colon, ref = text.partition(":")
    if not colon or kind not in SECRET_KINDS or not ref:
        raise ValueError(f"write \"<kind>:<reference>\" with kind one of {', '.join(SECRET_KINDS)}")
    return {"value_from": {kind: ref}}


def env_from_text(value: dict[str, Any]) -> str:
    """``{"value_from": {kind: ref}}`` -> ``"kind:ref"``."""
    ((kind, ref),) = value["value_from"].items()
    return f"{kind}:{ref}"


def secret_env(state: dict[str, Any], prior: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """``"<variant>.<ENV>"`` -> the spec's env value for each key of ``secret_env_wo``.

    The value (``{"secret": true, "value": ...}``) on a create, when ``secret_env_wo_version``
    changed, or for a key the service holds no fingerprint of; otherwise ``{"secret": true,
    "fingerprint": ...}`` from ``prior``'s ``secret_env_fingerprints``, which keeps the value the
    service holds (Terraform's convention for write-only arguments: bump the version to roll out).
    """
    values = state.get(SECRET_ENV) or {}
    held = (prior or {}).get(SECRET_FINGERPRINTS) or {}
    resend = prior is None or prior.get(SECRET_VERSION) != state.get(SECRET_VERSION)
    return {key: ({"secret": True, "fingerprint": held[key]} if not resend and held.get(key)
                  else {"secret": True, "value": value})
            for key, value in sorted(values.items())}


def env_part(kind: str, env: Any) -> dict[str, str] | None:
    """The text values (kind ``env``) or the references as ``"kind:ref"`` (``env_from``) of a spec
    env map; secrets belong to neither."""
    if not isinstance(env, dict):
        return None
    if kind == "env":
        return {str(k): str(v) for k, v in env.items() if not isinstance(v, dict)}
    return {str(k): env_from_text(v) for k, v in env.items() if isinstance(v, dict) and "value_from" in v}


def fingerprints(spec: dict[str, Any]) -> dict[str, str]:
    """``"<variant>.<ENV>"`` -> fingerprint of every literal secret in a spec the service returned."""
    out = {}
    for variant in spec.get("variants") or []:
        for env, value in (variant.get("env") or {}).items():
            if isinstance(value, dict) and value.get("secret"):
                out[secret_key(str(variant.get("name")), str(env))] = str(value.get("fingerprint") or "")
    return out
