"""Secret env values between the caller, the store, the provider and the checks.

Contracts (``spec`` is an :class:`EndpointSpec`; paths are spec paths):

- :func:`seal` (apply, plan): every literal secret ``{secret, value}`` becomes ``{secret,
  fingerprint}`` (:func:`keep_literals` stores the value, encrypted, once apply stored the spec); a
  fingerprint sent back must be held for the deployment; a service secret referenced must exist;
  secrets the service must fingerprint need ``SECRETS_KEY``. All problems at once:
  :class:`SecretUnavailable` with paths. The sealed spec is what is stored, hashed into the revision
  and returned.
- :func:`materialize` (inside the provider-call steps of a deploy, never stored): every secret entry
  becomes the text the platform receives: the platform's own reference where it reads the secret
  itself (Azure Key Vault), else the value (decrypted, or read from the secret store with the
  service's credentials). Also returns the fingerprints of the values read from secret stores
  (``{diff path: fingerprint}``), recorded on the deployment so checks can compare live values.
- :func:`preview`: the same text with every value replaced by ``**redacted**`` (plan's requests).
- :func:`redact_live` (every observation, before anything is judged, stored or returned): a live env
  value is replaced by ``{"value_from": ref}`` when it is the platform's reference or a value a
  deploy read for that reference, else by ``{"secret": true, "fingerprint": ...}`` when the spec
  marks the variable secret. So a changed secret is reported as *changed* (two fingerprints), and no
  plaintext reaches a check result, event, patch, live view, log or workflow record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from core.adapter import Adapter
from core.diff import child_path
from core.errors import SecretUnavailable
from core.live import LiveEndpoint
from core.secrets import masking
from core.secrets.vault import Vault
from core.spec import EndpointSpec, canonical_json
from core.spec_env import REDACTED, EnvFrom, SecretRef, SecretValue

__all__ = ["has_secrets", "seal", "keep_literals", "materialize", "preview", "redact_live", "env_path"]

AdapterClass = type[Adapter[Any, Any]]


def env_path(variant: str, key: str) -> str:
    """The diff path of one env variable: ``variants[blue].env.TOKEN``."""
    return child_path(f"variants[{variant}].env", key)


def has_secrets(spec: EndpointSpec) -> bool:
    return any(not isinstance(value, str) for v in spec.variants for value in v.env.values())


def _with_env(spec: EndpointSpec, envs: Mapping[int, dict[str, Any]]) -> EndpointSpec:
    variants = [v.model_copy(update={"env": envs[i]}) if i in envs else v for i, v in enumerate(spec.variants)]
    return spec.model_copy(update={"variants": variants})


def seal(spec: EndpointSpec, vault: Vault, adapter_cls: AdapterClass, *, deployment: str) -> EndpointSpec:
    """See the module contract (nothing is stored: :func:`keep_literals` does, once the spec is)."""
    if not has_secrets(spec):
        return spec
    problems: list[dict[str, str]] = []
    envs: dict[int, dict[str, Any]] = {}
    for i, variant in enumerate(spec.variants):
        env: dict[str, Any] = dict(variant.env)
        for key, value in variant.env.items():
            path = f"variants[{i}].env.{key}"
            problem = _seal_one(value, vault, adapter_cls, deployment=deployment)
            if isinstance(problem, SecretValue):
                env[key] = problem
            elif problem is not None:
                problems.append({"path": path + problem[0], "message": problem[1]})
        envs[i] = env
    if problems:
        raise SecretUnavailable(f"{len(problems)} secret value(s) unavailable", details=problems)
    return _with_env(spec, envs)


def _seal_one(value: Any, vault: Vault, adapter_cls: AdapterClass, *,
              deployment: str) -> SecretValue | tuple[str, str] | None:
    """The sealed replacement, a ``(sub-path, message)`` problem, or None (keep as it is)."""
    needs_key = "needs DEPLOY_ANYWHERE_SECRETS_KEY, which this service does not have"
    if isinstance(value, SecretValue):
        if value.value is not None:
            plain = value.value.get_secret_value()
            if plain == REDACTED:
                return ".value", f"{REDACTED!r} is a placeholder the service shows, not a value"
            if not vault.configured:
                return "", f"a literal secret {needs_key}"
            return SecretValue(secret=True, fingerprint=vault.fingerprint(plain))
        if not vault.holds_literal(deployment, value.fingerprint or ""):
            return ".fingerprint", "no value with this fingerprint is stored for this deployment: send the value"
        return None
    if isinstance(value, EnvFrom):
        ref = value.value_from
        if ref.kind == "service_secret" and not vault.exists(ref.ref):
            return ".value_from.service_secret", f"service secret {ref.ref!r} does not exist (create it with " \
                f"PUT /v1/secrets/{ref.ref})"
        if adapter_cls.native_secret(ref) is None and not vault.configured:
            return f".value_from.{ref.kind}", f"a secret the service reads at deploy time {needs_key}"
    return None


def keep_literals(spec: EndpointSpec, vault: Vault, *, deployment: str) -> None:
    """Store (encrypted) the literal secret values of the unsealed ``spec`` for ``deployment``:
    called once the sealed spec is stored, so a refused request leaves no value behind."""
    for variant in spec.variants:
        for value in variant.env.values():
            if isinstance(value, SecretValue) and value.value is not None:
                vault.keep_literal(deployment, value.value.get_secret_value())


def materialize(spec: EndpointSpec, vault: Vault, adapter: Adapter[Any, Any], *,
                deployment: str) -> tuple[EndpointSpec, dict[str, str]]:
    """See the module contract. The returned spec is for the provider request only."""
    if not has_secrets(spec):
        return spec, {}
    seen: dict[str, str] = {}
    envs: dict[int, dict[str, Any]] = {}
    for i, variant in enumerate(spec.variants):
        env: dict[str, Any] = {}
        for key, value in variant.env.items():
            if isinstance(value, SecretValue):
                env[key] = vault.literal(deployment, value.fingerprint or "")
            elif isinstance(value, EnvFrom):
                env[key] = adapter.native_secret(value.value_from)
                if env[key] is None:
                    env[key] = _read(value.value_from, vault, adapter)
                    seen[env_path(variant.name, key)] = vault.fingerprint(env[key])
            else:
                env[key] = value
        envs[i] = env
    materialized = _with_env(spec, envs)
    materialized._sealed = spec
    if seen:
        digest = hashlib.sha256(canonical_json(sorted(seen.items())).encode()).hexdigest()[:8]
        materialized._secret_digest = digest
    return materialized, seen


def _read(ref: SecretRef, vault: Vault, adapter: Adapter[Any, Any]) -> str:
    value = vault.service_value(ref.ref) if ref.kind == "service_secret" else adapter.resolve_secret(ref)
    masking.register(value)
    return value


def preview(spec: EndpointSpec, adapter_cls: AdapterClass) -> EndpointSpec:
    """See the module contract."""
    if not has_secrets(spec):
        return spec
    envs = {i: {key: value if isinstance(value, str) else
                (adapter_cls.native_secret(value.value_from) if isinstance(value, EnvFrom) else None) or REDACTED
                for key, value in v.env.items()} for i, v in enumerate(spec.variants)}
    previewed = _with_env(spec, envs)
    previewed._sealed = spec
    return previewed


def redact_live(spec: EndpointSpec, live: LiveEndpoint | None, adapter_cls: AdapterClass, *,
                fingerprint: Callable[[str], str] | None, seen: Mapping[str, list[str]]) -> LiveEndpoint | None:
    """See the module contract. ``fingerprint``: the vault's (None without ``SECRETS_KEY``);
    ``seen``: the deployment's recorded fingerprints of resolved values."""
    if live is None or live.config is None:
        return live
    native = adapter_cls.parse_native_secret is not Adapter.parse_native_secret
    if not native and not has_secrets(spec):
        return live
    expected: dict[str, Mapping[str, Any]] = {v.name: v.env for v in spec.variants}
    variants = []
    for variant in live.config.get("variants") or []:
        env = variant.get("env") or {}
        want = expected.get(variant.get("name"), {})
        clean = {key: _redact_one(value, want.get(key), adapter_cls, fingerprint,
                                  seen.get(env_path(variant.get("name", ""), key), ()))
                 for key, value in env.items()}
        variants.append({**variant, "env": clean} if clean != env else variant)
    return live.model_copy(update={"config": {**live.config, "variants": variants}})


def _redact_one(value: Any, want: Any, adapter_cls: AdapterClass, fingerprint: Callable[[str], str] | None,
                seen: Any) -> Any:
    if not isinstance(value, str):
        return value
    ref = adapter_cls.parse_native_secret(value)
    if ref is not None:
        return {"value_from": ref.model_dump()}
    if not isinstance(want, (SecretValue, EnvFrom)):
        return value
    masking.register(value)
    fp = fingerprint(value) if fingerprint is not None else None
    if isinstance(want, EnvFrom) and fp is not None and fp in seen:
        return {"value_from": want.value_from.model_dump()}
    return {"secret": True, "fingerprint": fp} if fp is not None else {"secret": True, "value": REDACTED}


