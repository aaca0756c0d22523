"""Environment values of a variant: plain text, a literal secret, or a reference to a secret store.

Contracts:

- The secret stores a reference may name are derived from the platform registry
  (:data:`core.targets.PLATFORMS`: each platform's own store) plus ``service_secret`` (a secret kept
  by this service, usable on every platform). :func:`foreign_secret_stores` says, per platform, which
  stores it cannot read and why; :func:`core.adapter.find_gaps` reports their use before any call.
- A secret value is never dumped: a sealed :class:`SecretValue` dumps its fingerprint, an unsealed one
  :data:`REDACTED`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    Discriminator,
    Field,
    SecretStr,
    Tag,
    ValidationInfo,
    create_model,
    field_validator,
    model_serializer,
    model_validator,
)

from core.spec_base import Strict, error_at, input_only
from core.targets import PLATFORMS

__all__ = [
    "MAX_ENV_VARS",
    "MAX_ENV_VALUE",
    "SERVICE_SECRET",
    "SECRET_SOURCES",
    "SECRET_REF_PATTERNS",
    "FINGERPRINT_PATTERN",
    "REDACTED",
    "SecretRef",
    "EnvFrom",
    "SecretValue",
    "EnvValue",
    "foreign_secret_stores",
]

MAX_ENV_VARS = 100  # SageMaker's Environment map
MAX_ENV_VALUE = 1024  # SageMaker's EnvironmentValue

SERVICE_SECRET = "service_secret"
"""The secret-reference kind of a secret stored in this service (``PUT /v1/secrets/{name}``)."""

SECRET_SOURCES: dict[str, str] = {
    **{p.secret_store.kind: p.name for p in PLATFORMS.values() if p.secret_store is not None},
    SERVICE_SECRET: "*",
}
"""Where a secret reference points -> the platform that can use it (``*``: every platform)."""

REDACTED = "**redacted**"
"""What stands in for a secret value wherever one would otherwise be shown."""

FINGERPRINT_PATTERN = r"^hmac-sha256:[0-9a-f]{32}$"
"""A secret's fingerprint: keyed HMAC of the value (see :mod:`core.secrets.keyring`), never the value."""

SECRET_REF_PATTERNS: dict[str, str] = {
    **{p.secret_store.kind: p.secret_store.pattern for p in PLATFORMS.values() if p.secret_store is not None},
    SERVICE_SECRET: r"^[a-z][a-z0-9_.-]{0,62}$",
}
"""Secret-reference kind -> what a reference of that kind looks like."""

_REFERENCE_HELP: dict[str, str] = {
    **{p.secret_store.kind: f"{p.secret_store.reference} ({p.title})."
       for p in PLATFORMS.values() if p.secret_store is not None},
    SERVICE_SECRET: "Name of a secret stored in this service (`PUT /v1/secrets/{name}`); any platform.",
}


def foreign_secret_stores(platform: str) -> dict[str, str]:
    """Secret-reference kind -> why ``platform`` cannot read it, for every other platform's store."""
    own = PLATFORMS[platform]
    reads = (f"{own.secret_store.title} ({own.secret_store.kind}) or service secrets"
             if own.secret_store is not None else "service secrets only")
    return {other.secret_store.kind: f"{own.title} targets read secrets from {reads}, not {other.secret_store.title}"
            for other in PLATFORMS.values() if other.name != platform and other.secret_store is not None}


class _SecretRefBase(Strict):
    """Exactly one source of a secret value. Only the reference is stored and returned; the value is
    read where the platform supports it (Azure Key Vault: by Azure ML itself at runtime) or by the
    service at deploy time (see the README's secrets section)."""

    @model_validator(mode="after")
    def _one(self) -> _SecretRefBase:
        set_ = [k for k in SECRET_SOURCES if getattr(self, k) is not None]
        if len(set_) != 1:
            message = (f"give exactly one of {', '.join(SECRET_SOURCES)}"
                       + (f" (got {', '.join(set_)})" if set_ else ""))
            raise error_at(message, set_) if set_ else ValueError(message)
        return self

    @model_serializer(mode="plain")
    def _dump(self) -> dict[str, str]:
        return {self.kind: self.ref}

    @property
    def kind(self) -> str:
        """Which store the reference points to (a key of :data:`SECRET_SOURCES`)."""
        return next(k for k in SECRET_SOURCES if getattr(self, k) is not None)

    @property
    def ref(self) -> str:
        """The reference itself (an ARN, a resource name, a URL or a service secret's name)."""
        return str(getattr(self, self.kind))


if TYPE_CHECKING:
    SecretRef = _SecretRefBase
else:
    SecretRef = create_model(
        "SecretRef", __base__=_SecretRefBase, __module__=__name__, __doc__=_SecretRefBase.__doc__,
        **{kind: (str | None, Field(default=None, pattern=SECRET_REF_PATTERNS[kind],
                                    description=_REFERENCE_HELP[kind]))
           for kind in SECRET_SOURCES},
    )
    """One field per secret-reference kind (:data:`SECRET_SOURCES`), exactly one of them set."""


class EnvFrom(Strict):
    """An environment variable whose value comes from a secret store."""

    value_from: SecretRef = Field(description="Where the value is read from.")


class SecretValue(Strict):
    """A literal value marked secret. Sent as ``{"secret": true, "value": "..."}``; the service keeps
    the value encrypted and from then on shows ``{"secret": true, "fingerprint": "..."}`` only (in
    responses, plans, checks, events, logs and Terraform state). Sending the fingerprint back keeps
    the value the service holds for this deployment."""

    secret: Literal[True] = Field(description="Marks the value secret.")
    value: SecretStr | None = Field(default=None, description="The value (input only; never returned).")
    fingerprint: str | None = Field(
        default=None, pattern=FINGERPRINT_PATTERN,
        description="Keyed HMAC of a value the service already holds (returned instead of the value).")

    @field_validator("value")
    @classmethod
    def _length(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        input_only(value is None or len(value.get_secret_value()) <= MAX_ENV_VALUE,
                    f"a value is at most {MAX_ENV_VALUE} characters", info)
        return value

    @model_validator(mode="after")
    def _one(self) -> SecretValue:
        if (self.value is None) == (self.fingerprint is None):
            message = "give exactly one of value (a new secret) or fingerprint (keep the stored one)"
            raise ValueError(message) if self.value is None else error_at(message, ["value", "fingerprint"])
        return self

    @model_serializer(mode="plain")
    def _dump(self) -> dict[str, Any]:
        """Never the value: a sealed secret dumps its fingerprint, an unsealed one a redaction mark."""
        if self.fingerprint is not None:
            return {"secret": True, "fingerprint": self.fingerprint}
        return {"secret": True, "value": REDACTED}


def _env_tag(value: Any) -> str:
    if isinstance(value, dict) and "value_from" in value or isinstance(value, EnvFrom):
        return "env:value_from"
    if isinstance(value, (dict, SecretValue)):
        return "env:secret"
    return "env:text"


EnvValue = Annotated[
    Union[Annotated[str, Tag("env:text")], Annotated[SecretValue, Tag("env:secret")],
          Annotated[EnvFrom, Tag("env:value_from")]],
    Discriminator(_env_tag),
]
"""A container environment value: text, a literal secret, or a reference to a secret store."""
