"""The abstract endpoint spec: one document, deployable to SageMaker, Vertex AI or Azure ML.

Contracts:

- Input is strict: unknown keys are rejected (``extra="forbid"``), every model is frozen, and every
  default a provider would otherwise fill in is explicit here, so the expected and the live side of a
  comparison agree (DESIGN section 4).
- :class:`DeployedConfig` is the part of a spec that lives on the provider. Live configurations are
  built through the *same* models with ``context={"live": True}``, which keeps every normaliser but
  skips the cross-field rules a hand-edited live endpoint may break (weights summing to 100, ...), so
  normalisation is symmetric.
- :func:`revision` is a stable 12-hex hash of the canonical JSON of :attr:`EndpointSpec.config`
  (keys sorted, variants in name order); it changes exactly when something deployed changes (test
  queries, the sync policy and the order variants are listed in are not deployed).
- The spec is split by concern: the shared model base (:mod:`core.spec_base`), targets and the
  platform registry (:mod:`core.targets`), environment values and secret references
  (:mod:`core.spec_env`), test queries and the sync policy (:mod:`core.spec_policy`), and
  reading/validating documents (:mod:`core.spec_io`).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.spec_base import Strict, entry_path, error_at, input_only, is_live
from core.spec_env import MAX_ENV_VALUE, MAX_ENV_VARS, SECRET_SOURCES, EnvValue, SecretValue
from core.spec_policy import SyncPolicy, TestQuery
from core.targets import Target

__all__ = [
    "NAME_PATTERN",
    "VARIANT_NAME_PATTERN",
    "MAX_TAGS",
    "Accelerator",
    "Autoscaling",
    "Variant",
    "PredictionLogging",
    "DeployedConfig",
    "EndpointSpec",
    "revision",
    "identity",
    "secret_digest",
    "canonical_json",
]

NAME_PATTERN = r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$"
"""Portable endpoint name: 3-32 chars, lowercase letters, digits, hyphens (the strictest of the three
clouds: Azure ML's endpoint rule), so one name is valid everywhere."""

VARIANT_NAME_PATTERN = r"^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$"
"""Portable variant name: 1-16 chars, so provider names built from it stay inside every limit."""

_LABEL_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.:/=+@-]{0,62}$")

# Input limits (what a caller may send; live configs are bounded by the provider instead). Portable:
# the strictest of the three clouds, so a spec that passes fits everywhere.
MAX_TAGS = 48  # SageMaker and Azure allow 50 tags per resource; the service adds 2 of its own
_INSTANCE_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NO_WHITESPACE = re.compile(r"^\S+$")


class Accelerator(Strict):
    """Accelerators attached to each replica (platforms that size GPUs apart from the machine)."""

    type: str = Field(
        pattern=r"^[A-Z][A-Z0-9_]{1,63}$",
        description="Accelerator type in the provider's spelling, e.g. `NVIDIA_TESLA_T4`, `NVIDIA_L4`.",
    )
    count: int = Field(default=1, ge=1, le=16, description="Accelerators per replica.")


class Autoscaling(Strict):
    """The target-tracking rule between ``min_replicas`` and ``max_replicas``."""

    metric: Literal["cpu_utilization", "invocations_per_replica"] = Field(
        default="cpu_utilization",
        description="`cpu_utilization`: average CPU percent per replica (all platforms); "
        "`invocations_per_replica`: requests per replica per minute (SageMaker).",
    )
    target: int = Field(
        default=70, ge=1, le=100000,
        description="The value the autoscaler keeps the metric at (percent for cpu_utilization).",
    )

    @model_validator(mode="after")
    def _percent(self) -> Autoscaling:
        if self.metric == "cpu_utilization" and self.target > 100:
            raise error_at(f"a cpu_utilization target is a percentage (1-100), got {self.target}",
                               ["target", "metric"])
        return self


class Variant(Strict):
    """One model server behind the endpoint, receiving ``weight`` percent of the traffic."""

    name: str = Field(pattern=VARIANT_NAME_PATTERN, description="Variant name, unique per spec.")
    image: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9_.\-/:@]+$",
        description="Serving container image URI (registry/repo:tag or @sha256 digest).",
    )
    model_uri: str | None = Field(
        default=None,
        max_length=1024,
        description="Model artifact URI (s3://, gs://, azureml:name:version); None when the image "
        "carries the model.",
    )
    env: dict[str, EnvValue] = Field(
        default_factory=dict,
        description="Environment variables of the serving container: text, `{secret: true, value}` (a "
        "literal kept encrypted, never returned) or `{value_from: {" + " | ".join(SECRET_SOURCES)
        + ": ...}}` (a secret reference).",
    )
    port: int = Field(default=8080, ge=1, le=65535, description="Port the container listens on.")
    predict_route: str = Field(
        default="/invocations", pattern=r"^/[A-Za-z0-9_\-./]*$", description="HTTP path for predictions."
    )
    health_route: str = Field(
        default="/ping", pattern=r"^/[A-Za-z0-9_\-./]*$", description="HTTP path for health checks."
    )
    instance_type: str = Field(
        min_length=1,
        max_length=64,
        description="Provider machine type, e.g. `ml.m5.large`, `n1-standard-4`, "
        "`Standard_DS3_v2`.",
    )
    min_replicas: int = Field(default=1, ge=0, le=1000, description="Minimum instance count.")
    max_replicas: int = Field(
        default=1, ge=1, le=1000, description="Maximum instance count; > min enables autoscaling."
    )
    weight: int = Field(
        default=100, ge=0, le=100, description="Traffic percentage; weights sum to 100."
    )
    accelerator: Accelerator | None = Field(
        default=None, description="GPUs/TPUs per replica where the platform sizes them apart from "
        "the machine type (Vertex AI); elsewhere pick an accelerated instance type.",
    )
    autoscaling: Autoscaling = Field(
        default_factory=Autoscaling,
        description="Target tracking between min and max replicas; ignored (normalised to the "
        "default) when max_replicas equals min_replicas.",
    )
    max_concurrency: int | None = Field(
        default=None, ge=2, le=1000,
        description="Concurrent requests each replica is given (Azure ML "
        "`max_concurrent_requests_per_instance`); None: the platform default (1 on Azure ML).",
    )

    @model_validator(mode="before")
    @classmethod
    def _normalise_fixed_scale(cls, data: Any, info: ValidationInfo) -> Any:
        """Without autoscaling (max == min) the scaling rule means nothing: drop it, so a fixed
        variant compares equal however it was written. A live config drops it before validation;
        caller input is validated first (an invalid rule is an error even where it means nothing,
        as the published schema says) and normalised by :meth:`_fixed_scale_default_rule`."""
        if isinstance(data, dict) and "autoscaling" in data and is_live(info):
            low, high = data.get("min_replicas", 1), data.get("max_replicas", 1)
            if isinstance(low, int) and isinstance(high, int) and high <= low:
                return {k: v for k, v in data.items() if k != "autoscaling"}
        return data

    @field_validator("env")
    @classmethod
    def _env_limits(cls, env: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        input_only(len(env) <= MAX_ENV_VARS, f"at most {MAX_ENV_VARS} environment variables, got {len(env)}", info)
        for key, value in env.items():
            input_only(not isinstance(value, str) or len(value) <= MAX_ENV_VALUE,
                        f"environment variable {key[:64]!r}: value longer than {MAX_ENV_VALUE} characters", info)
        return env

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str, info: ValidationInfo) -> str:
        input_only(bool(_INSTANCE_TYPE.fullmatch(value)),
                    "an instance type is letters, digits, '.', '_' and '-'", info)
        return value

    @field_validator("model_uri")
    @classmethod
    def _model_uri(cls, value: str | None, info: ValidationInfo) -> str | None:
        input_only(value is None or bool(_NO_WHITESPACE.fullmatch(value)), "a URI has no whitespace", info)
        return value

    @field_validator("env")
    @classmethod
    def _env_keys(cls, env: dict[str, Any]) -> dict[str, Any]:
        for key in env:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,1023}", key):
                raise error_at(f"invalid environment variable name {key!r}", [entry_path(key)])
        return dict(sorted(env.items()))

    @model_validator(mode="after")
    def _replicas(self, info: ValidationInfo) -> Variant:
        if not is_live(info) and self.min_replicas > self.max_replicas:
            raise error_at(
                f"min_replicas ({self.min_replicas}) must not exceed max_replicas "
                f"({self.max_replicas})", ["min_replicas", "max_replicas"]
            )
        return self

    @model_validator(mode="after")
    def _fixed_scale_default_rule(self) -> Variant:
        rule = type(self).model_fields["autoscaling"].get_default(call_default_factory=True)
        if self.max_replicas <= self.min_replicas and self.autoscaling != rule:
            return self.model_copy(update={"autoscaling": rule})
        return self


class PredictionLogging(Strict):
    """Request/response capture for later analysis (off by default)."""

    enabled: bool = Field(default=False, description="Capture requests and responses.")
    sample_percent: int = Field(
        default=100, ge=1, le=100, description="Share of requests captured, in percent."
    )
    destination: str | None = Field(
        default=None,
        max_length=1024,
        description="Where captures go: `s3://...` (SageMaker), `bq://project.dataset.table` "
        "(Vertex), an Azure ML datastore URI (Azure ML). Required when enabled.",
    )

    @model_validator(mode="before")
    @classmethod
    def _normalise_disabled(cls, data: Any, info: ValidationInfo) -> Any:
        """Logging off means nothing else applies: drop destination and sample rate, so a
        disabled config compares equal however it was written. A live config drops them before
        validation; caller input is validated first (an invalid value is an error even where it
        means nothing, as the published schema says) and normalised by :meth:`_disabled_defaults`."""
        if isinstance(data, dict) and not data.get("enabled", False) and is_live(info):
            return {k: v for k, v in data.items() if k not in {"destination", "sample_percent"}}
        return data

    @field_validator("destination")
    @classmethod
    def _destination(cls, value: str | None, info: ValidationInfo) -> str | None:
        """No whitespace; a trailing ``/`` is not significant and is dropped, on input and live
        alike (Azure ML strips it when it writes the collection paths, so a spec keeping it would
        never be in sync)."""
        input_only(value is None or bool(_NO_WHITESPACE.fullmatch(value)), "a URI has no whitespace", info)
        return None if value is None else _without_trailing_slash(value)

    @model_validator(mode="after")
    def _destination_when_enabled(self, info: ValidationInfo) -> PredictionLogging:
        if self.enabled and not self.destination and not is_live(info):
            raise error_at("destination is required when prediction logging is enabled", ["destination"])
        return self

    @model_validator(mode="after")
    def _disabled_defaults(self) -> PredictionLogging:
        defaults = {k: type(self).model_fields[k].default for k in ("destination", "sample_percent")}
        if not self.enabled and any(getattr(self, k) != v for k, v in defaults.items()):
            return self.model_copy(update=defaults)
        return self


def _without_trailing_slash(uri: str) -> str:
    """``s3://bucket/prefix/`` -> ``s3://bucket/prefix``; a bare ``scheme://`` is kept as it is."""
    stripped = uri.rstrip("/")
    return stripped if stripped and not stripped.endswith(":") else uri


# ---------------------------------------------------------------------------------------- config


class DeployedConfig(Strict):
    """Everything in a spec that is deployed to (and read back from) the provider."""

    target: Target
    variants: list[Variant] = Field(
        min_length=1, max_length=10, description="Model servers behind the endpoint."
    )
    logging: PredictionLogging = Field(
        default_factory=PredictionLogging, description="Prediction logging."
    )
    auth_mode: Literal["iam", "key", "token"] = Field(
        default="iam",
        description="How callers authenticate to the endpoint: `iam` (cloud identity: SigV4, "
        "Google OAuth, Azure AD token), `key` (endpoint key), `token` (Azure ML token).",
    )
    request_timeout_seconds: int = Field(
        default=60, ge=1, le=3600, description="Per-request timeout for predictions."
    )
    tags: dict[str, str] = Field(
        default_factory=dict, description="Tags/labels applied to every provider resource."
    )

    @field_validator("tags")
    @classmethod
    def _tag_count(cls, tags: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        input_only(len(tags) <= MAX_TAGS, f"at most {MAX_TAGS} tags, got {len(tags)}", info)
        return tags

    @field_validator("tags")
    @classmethod
    def _tag_keys(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            if not _LABEL_KEY.fullmatch(key):
                raise error_at(f"invalid tag key {key!r}", [entry_path(key)])
            if key.startswith("deploy-anywhere"):
                raise error_at(f"tag key {key!r} is reserved for the service", [entry_path(key)])
            if len(value) > 256:
                raise error_at(f"tag {key!r}: value longer than 256 characters", [entry_path(key)])
        return dict(sorted(tags.items()))

    @model_validator(mode="after")
    def _variants(self, info: ValidationInfo) -> DeployedConfig:
        names = [v.name for v in self.variants]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise error_at(f"variant names must be unique; repeated: {', '.join(duplicates)}",
                               [f"variants[{i}].name" for i, n in enumerate(names) if n in duplicates])
        if not is_live(info):
            total = sum(v.weight for v in self.variants)
            if total != 100:
                raise error_at(f"variant weights must sum to 100, got {total}",
                                   [f"variants[{i}].weight" for i in range(len(self.variants))])
        return self


class EndpointSpec(DeployedConfig):
    """One abstract ML endpoint: the document callers PUT."""

    name: str = Field(
        pattern=NAME_PATTERN,
        description="Portable endpoint name (3-32: lowercase letters, digits, hyphens); the "
        "deployment's identity and the provider endpoint's name.",
    )
    test_queries: list[TestQuery] = Field(
        default_factory=list,
        max_length=20,
        description="Requests run against the live endpoint after each deploy.",
    )
    sync_policy: SyncPolicy = Field(
        default_factory=SyncPolicy,
        description="How checks treat this deployment: ignored paths, auto-remediation.",
    )
    _sealed: EndpointSpec | None = PrivateAttr(default=None)
    """Set on a materialized copy (secret values in place of references and fingerprints, for one
    provider request): the sealed spec it came from. Its revision is stamped and provider names are
    derived from it (:func:`identity`), never from a value."""
    _secret_digest: str | None = PrivateAttr(default=None)
    """Set on a materialized copy: a digest of the fingerprints of the values read from secret
    stores (None: none), so a rollout of a rotated value gets new immutable provider resources."""

    @property
    def platform(self) -> str:
        return self.target.platform

    @property
    def config(self) -> dict[str, Any]:
        """The deployed part, as canonical JSON-able data (the expected side of every diff)."""
        return DeployedConfig.model_validate(
            self.model_dump(mode="json", exclude={"name", "test_queries", "sync_policy"})
        ).model_dump(mode="json")


# ------------------------------------------------------------------------------------- functions


def canonical_json(data: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def revision(spec: EndpointSpec) -> str:
    """Stable 12-hex hash of the canonical deployed config (name included, test queries not).

    Canonical: mapping keys are sorted and variants are taken in name order, so neither the order
    of keys nor the order in which variants are listed (e.g. after a Terraform import) makes a new
    revision; variants are matched by name everywhere (diff, adapters), never by position.

    Secret values enter only as their fingerprints: a spec with a literal secret not yet sealed
    (:func:`core.secrets.sealing.seal`) has no revision (``ValueError``)."""
    if spec._sealed is not None:
        return revision(spec._sealed)
    if any(isinstance(value, SecretValue) and value.value is not None
           for v in spec.variants for value in v.env.values()):
        raise ValueError("seal the spec's secret values before computing its revision")
    config = spec.config
    variants = sorted(config["variants"], key=lambda v: str(v["name"]))
    body = {"name": spec.name, "config": config | {"variants": variants}}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()[:12]


def identity(spec: EndpointSpec) -> EndpointSpec:
    """The spec provider names are derived from: the sealed origin of a materialized copy (secret
    references and fingerprints, no values), else ``spec`` itself."""
    return spec._sealed if spec._sealed is not None else spec


def secret_digest(spec: EndpointSpec) -> str | None:
    """8 hex over the fingerprints of the values a materialized copy read from secret stores
    (None: it read none): part of the names of immutable provider resources that hold them."""
    return spec._secret_digest

