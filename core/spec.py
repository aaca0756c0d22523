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
- :func:`load_spec` accepts YAML or JSON text and raises :class:`core.errors.SpecError` listing every
  problem with its field path.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    PrivateAttr,
    SecretStr,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from core.errors import SpecError

__all__ = [
    "NAME_PATTERN",
    "VARIANT_NAME_PATTERN",
    "SageMakerTarget",
    "VertexTarget",
    "AzureMLTarget",
    "Target",
    "Accelerator",
    "Autoscaling",
    "SecretRef",
    "SecretValue",
    "EnvFrom",
    "EnvValue",
    "SECRET_SOURCES",
    "SECRET_REF_PATTERNS",
    "FINGERPRINT_PATTERN",
    "REDACTED",
    "Variant",
    "PredictionLogging",
    "TestQuery",
    "SyncPolicy",
    "DeployedConfig",
    "EndpointSpec",
    "revision",
    "identity",
    "secret_digest",
    "canonical_json",
    "load_spec",
    "load_yaml",
    "parse_spec",
    "spec_json_schema",
    "validation_details",
    "format_loc",
]

NAME_PATTERN = r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$"
"""Portable endpoint name: 3-32 chars, lowercase letters, digits, hyphens (the strictest of the three
clouds: Azure ML's endpoint rule), so one name is valid everywhere."""

VARIANT_NAME_PATTERN = r"^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$"
"""Portable variant name: 1-16 chars, so provider names built from it stay inside every limit."""

_LABEL_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.:/=+@-]{0,62}$")

# Input limits (what a caller may send; live configs are bounded by the provider instead). Portable:
# the strictest of the three clouds, so a spec that passes fits everywhere.
MAX_ENV_VARS = 100  # SageMaker's Environment map
MAX_ENV_VALUE = 1024  # SageMaker's EnvironmentValue
MAX_TAGS = 48  # SageMaker and Azure allow 50 tags per resource; the service adds 2 of its own
MAX_POINTER = 1024
_INSTANCE_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NO_WHITESPACE = re.compile(r"^\S+$")
_MEDIA_TYPE = r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;\s*[A-Za-z0-9_.+-]+=[A-Za-z0-9_.+\"-]+)*$"


def _input_only(check: bool, message: str, info: ValidationInfo) -> None:
    """Raise ``ValueError(message)`` when ``check`` fails on caller input (never on a live config)."""
    if not check and not _is_live(info):
        raise ValueError(message)


def _error_at(message: str, fields: list[str]) -> PydanticCustomError:
    """An error that :func:`validation_details` reports at each of ``fields`` (paths relative to the
    model or field being validated, e.g. ``variants[1].weight``, ``env.KEY``) instead of at that
    model or field: a rule over several fields names them all, a rule on one map entry names it."""
    # ``fields`` first: the template's placeholders are filled in context order, so the message
    # (which may quote user input such as "{fields}") is inserted last and never re-interpreted
    return PydanticCustomError("at_fields", "{message}", {"fields": list(fields), "message": message})


def _entry(key: str) -> str:
    """The relative path of mapping entry ``key`` (quoted as ``["a.b"]`` unless a plain key, as
    :func:`core.diff.child_path` writes it)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'["{key}"]'


class _Strict(BaseModel):
    """Base of every spec model: strict on input, frozen, self-describing."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _is_live(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("live"))


# --------------------------------------------------------------------------------------- targets


class SageMakerTarget(_Strict):
    """Where a SageMaker endpoint lives and the role its models run as."""

    platform: Literal["sagemaker"] = Field(description="Target platform discriminator.")
    region: str = Field(
        pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$",
        description="AWS region, e.g. `eu-west-1`.",
    )
    execution_role_arn: str = Field(
        max_length=2048,
        pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$",
        description="IAM role SageMaker assumes to pull the image and model artifacts.",
    )

    @property
    def account(self) -> str:
        """``sagemaker/{aws account}/{region}``: whose API quota the calls spend."""
        return f"sagemaker/{self.execution_role_arn.split(':')[4]}/{self.region}"


class VertexTarget(_Strict):
    """Where a Vertex AI endpoint lives; ``network`` and ``encryption_key`` are fixed when the
    endpoint is created (changing them means replacing the endpoint)."""

    platform: Literal["vertex"] = Field(description="Target platform discriminator.")
    project: str = Field(
        pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", description="Google Cloud project id."
    )
    location: str = Field(
        pattern=r"^[a-z]+-[a-z]+\d+$", description="Vertex AI region, e.g. `europe-west4`."
    )
    network: str | None = Field(
        default=None,
        pattern=r"^projects/[a-z0-9-]+/global/networks/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$",
        description="VPC network peered with Vertex AI for a private endpoint, "
        "`projects/{project number}/global/networks/{name}`; None: a public endpoint.",
    )
    encryption_key: str | None = Field(
        default=None,
        pattern=r"^projects/[a-z0-9-]+/locations/[a-z0-9-]+/keyRings/[A-Za-z0-9_-]{1,63}"
        r"/cryptoKeys/[A-Za-z0-9_-]{1,63}$",
        description="Cloud KMS key (CMEK) that encrypts the endpoint and its models; None: "
        "Google-managed encryption.",
    )

    @property
    def account(self) -> str:
        """``vertex/{project}/{location}``: Vertex AI quotas are per project and region."""
        return f"vertex/{self.project}/{self.location}"


class AzureMLTarget(_Strict):
    """Which Azure ML workspace hosts the managed online endpoint."""

    platform: Literal["azureml"] = Field(description="Target platform discriminator.")
    subscription_id: str = Field(
        pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
        description="Azure subscription id (a GUID).",
    )
    resource_group: str = Field(
        pattern=r"^[-\w._()]{1,90}$", description="Resource group of the workspace."
    )
    workspace: str = Field(
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$", description="Azure ML workspace name."
    )

    @property
    def account(self) -> str:
        """``azureml/{subscription}``: Azure Resource Manager throttles per subscription."""
        return f"azureml/{self.subscription_id.lower()}"


Target = Annotated[
    Union[SageMakerTarget, VertexTarget, AzureMLTarget],
    Field(discriminator="platform", description="The cloud and account to deploy to."),
]

# -------------------------------------------------------------------------------------- variants


class Accelerator(_Strict):
    """Accelerators attached to each replica (platforms that size GPUs apart from the machine)."""

    type: str = Field(
        pattern=r"^[A-Z][A-Z0-9_]{1,63}$",
        description="Accelerator type in the provider's spelling, e.g. `NVIDIA_TESLA_T4`, `NVIDIA_L4`.",
    )
    count: int = Field(default=1, ge=1, le=16, description="Accelerators per replica.")


class Autoscaling(_Strict):
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
            raise _error_at(f"a cpu_utilization target is a percentage (1-100), got {self.target}",
                               ["target", "metric"])
        return self


# ------------------------------------------------------------------------------------ env values

SECRET_SOURCES: dict[str, str] = {
    "aws_secrets_manager": "sagemaker",
    "gcp_secret_manager": "vertex",
    "azure_key_vault": "azureml",
    "service_secret": "*",
}
"""Where a secret reference points -> the platform that can use it (``*``: every platform)."""

REDACTED = "**redacted**"
"""What stands in for a secret value wherever one would otherwise be shown."""

FINGERPRINT_PATTERN = r"^hmac-sha256:[0-9a-f]{32}$"
"""A secret's fingerprint: keyed HMAC of the value (see :mod:`core.secrets.keyring`), never the value."""

SECRET_REF_PATTERNS: dict[str, str] = {
    "aws_secrets_manager": r"^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d:[0-9]{12}"
                           r":secret:[A-Za-z0-9/_+=.@-]{1,512}$",
    "gcp_secret_manager": r"^projects/[a-z0-9-]{1,63}/secrets/[A-Za-z0-9_-]{1,255}(/versions/([0-9]+|latest))?$",
    "azure_key_vault": r"^https://[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]\.vault\.azure\.net/secrets/"
                       r"[0-9a-zA-Z-]{1,127}(/[0-9a-f]{32})?$",
    "service_secret": r"^[a-z][a-z0-9_.-]{0,62}$",
}


class SecretRef(_Strict):
    """Exactly one source of a secret value. Only the reference is stored and returned; the value is
    read where the platform supports it (Azure Key Vault: by Azure ML itself at runtime) or by the
    service at deploy time (see the README's secrets section)."""

    aws_secrets_manager: str | None = Field(
        default=None, pattern=SECRET_REF_PATTERNS["aws_secrets_manager"],
        description="AWS Secrets Manager secret ARN (SageMaker).")
    gcp_secret_manager: str | None = Field(
        default=None, pattern=SECRET_REF_PATTERNS["gcp_secret_manager"],
        description="Secret Manager secret `projects/{project}/secrets/{name}[/versions/{n|latest}]` (Vertex AI).")
    azure_key_vault: str | None = Field(
        default=None, pattern=SECRET_REF_PATTERNS["azure_key_vault"],
        description="Key Vault secret identifier `https://{vault}.vault.azure.net/secrets/{name}[/{version}]` "
        "(Azure ML).")
    service_secret: str | None = Field(
        default=None, pattern=SECRET_REF_PATTERNS["service_secret"],
        description="Name of a secret stored in this service (`PUT /v1/secrets/{name}`); any platform.")

    @model_validator(mode="after")
    def _one(self) -> SecretRef:
        set_ = [k for k in SECRET_SOURCES if getattr(self, k) is not None]
        if len(set_) != 1:
            message = (f"give exactly one of {', '.join(SECRET_SOURCES)}"
                       + (f" (got {', '.join(set_)})" if set_ else ""))
            raise _error_at(message, set_) if set_ else ValueError(message)
        return self

    @model_serializer(mode="plain")
    def _dump(self) -> dict[str, str]:
        return {self.kind: self.ref}

    @property
    def kind(self) -> str:
        return next(k for k in SECRET_SOURCES if getattr(self, k) is not None)

    @property
    def ref(self) -> str:
        return str(getattr(self, self.kind))


class EnvFrom(_Strict):
    """An environment variable whose value comes from a secret store."""

    value_from: SecretRef = Field(description="Where the value is read from.")


class SecretValue(_Strict):
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
        _input_only(value is None or len(value.get_secret_value()) <= MAX_ENV_VALUE,
                    f"a value is at most {MAX_ENV_VALUE} characters", info)
        return value

    @model_validator(mode="after")
    def _one(self) -> SecretValue:
        if (self.value is None) == (self.fingerprint is None):
            message = "give exactly one of value (a new secret) or fingerprint (keep the stored one)"
            raise ValueError(message) if self.value is None else _error_at(message, ["value", "fingerprint"])
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


class Variant(_Strict):
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
        "literal kept encrypted, never returned) or `{value_from: {aws_secrets_manager | "
        "gcp_secret_manager | azure_key_vault | service_secret: ...}}` (a secret reference).",
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
        if isinstance(data, dict) and "autoscaling" in data and _is_live(info):
            low, high = data.get("min_replicas", 1), data.get("max_replicas", 1)
            if isinstance(low, int) and isinstance(high, int) and high <= low:
                return {k: v for k, v in data.items() if k != "autoscaling"}
        return data

    @field_validator("env")
    @classmethod
    def _env_limits(cls, env: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        _input_only(len(env) <= MAX_ENV_VARS, f"at most {MAX_ENV_VARS} environment variables, got {len(env)}", info)
        for key, value in env.items():
            _input_only(not isinstance(value, str) or len(value) <= MAX_ENV_VALUE,
                        f"environment variable {key[:64]!r}: value longer than {MAX_ENV_VALUE} characters", info)
        return env

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str, info: ValidationInfo) -> str:
        _input_only(bool(_INSTANCE_TYPE.fullmatch(value)),
                    "an instance type is letters, digits, '.', '_' and '-'", info)
        return value

    @field_validator("model_uri")
    @classmethod
    def _model_uri(cls, value: str | None, info: ValidationInfo) -> str | None:
        _input_only(value is None or bool(_NO_WHITESPACE.fullmatch(value)), "a URI has no whitespace", info)
        return value

    @field_validator("env")
    @classmethod
    def _env_keys(cls, env: dict[str, Any]) -> dict[str, Any]:
        for key in env:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,1023}", key):
                raise _error_at(f"invalid environment variable name {key!r}", [_entry(key)])
        return dict(sorted(env.items()))

    @model_validator(mode="after")
    def _replicas(self, info: ValidationInfo) -> Variant:
        if not _is_live(info) and self.min_replicas > self.max_replicas:
            raise _error_at(
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


class PredictionLogging(_Strict):
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
        if isinstance(data, dict) and not data.get("enabled", False) and _is_live(info):
            return {k: v for k, v in data.items() if k not in {"destination", "sample_percent"}}
        return data

    @field_validator("destination")
    @classmethod
    def _destination(cls, value: str | None, info: ValidationInfo) -> str | None:
        """No whitespace; a trailing ``/`` is not significant and is dropped, on input and live
        alike (Azure ML strips it when it writes the collection paths, so a spec keeping it would
        never be in sync)."""
        _input_only(value is None or bool(_NO_WHITESPACE.fullmatch(value)), "a URI has no whitespace", info)
        return None if value is None else _without_trailing_slash(value)

    @model_validator(mode="after")
    def _destination_when_enabled(self, info: ValidationInfo) -> PredictionLogging:
        if self.enabled and not self.destination and not _is_live(info):
            raise _error_at("destination is required when prediction logging is enabled", ["destination"])
        return self

    @model_validator(mode="after")
    def _disabled_defaults(self) -> PredictionLogging:
        defaults = {k: type(self).model_fields[k].default for k in ("destination", "sample_percent")}
        if not self.enabled and any(getattr(self, k) != v for k, v in defaults.items()):
            return self.model_copy(update=defaults)
        return self


class TestQuery(_Strict):
    """A request sent to the live endpoint after each deploy; the deploy fails if it does not pass."""

    __test__ = False  # not a pytest test class

    name: str = Field(default="query", max_length=64, description="Label used in reports.")
    payload: JsonValue = Field(description="Request body: JSON, or a string sent as-is.")
    content_type: str = Field(default="application/json", max_length=255, pattern=_MEDIA_TYPE,
                              description="Request content type (a media type).")
    expect_status: int = Field(default=200, ge=100, le=599, description="Expected HTTP status.")
    expect_fields: list[str] = Field(
        default_factory=list, max_length=50,
        description="JSON pointers (RFC 6901) that must exist in the response body.",
    )
    expect_values: dict[str, JsonValue] = Field(
        default_factory=dict, max_length=50,
        description="JSON pointer -> expected value in the response body.",
    )

    @field_validator("expect_fields")
    @classmethod
    def _pointers(cls, pointers: list[str]) -> list[str]:
        for pointer in pointers:
            _check_pointer(pointer)
        return pointers

    @field_validator("expect_values")
    @classmethod
    def _value_pointers(cls, values: dict[str, Any]) -> dict[str, Any]:
        for pointer in values:
            _check_pointer(pointer)
        return values

    def body(self) -> bytes:
        """The bytes sent on the data plane: a string payload as-is (UTF-8), anything else as JSON."""
        payload = self.payload
        return payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()


def _without_trailing_slash(uri: str) -> str:
    """``s3://bucket/prefix/`` -> ``s3://bucket/prefix``; a bare ``scheme://`` is kept as it is."""
    stripped = uri.rstrip("/")
    return stripped if stripped and not stripped.endswith(":") else uri


def _check_pointer(pointer: str) -> None:
    if len(pointer) > MAX_POINTER:
        raise ValueError(f"a JSON pointer is at most {MAX_POINTER} characters")
    if pointer and not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON pointer (must start with '/')")


# ------------------------------------------------------------------------------------ sync policy

_IGNORE_PATH = re.compile(r'^(\*|target|variants|logging|auth_mode|request_timeout_seconds|tags|unmanaged)'
                          r'([.\[][A-Za-z0-9_.:/=+@*"\[\]-]*)?$')


class SyncPolicy(_Strict):
    """How checks treat this deployment (not deployed: changing it makes no new revision).

    Like Argo CD's ``ignoreDifferences`` and ``syncPolicy.automated.selfHeal``.
    """

    ignore: list[str] = Field(
        default_factory=list, max_length=50,
        description="Spec path globs never reported as drift, e.g. `tags.*`, "
        "`variants[*].env.LOG_LEVEL`, `variants[canary].weight`, `unmanaged[shadow-*]` (a foreign "
        "sub-resource) (`*` matches any run of characters).",
    )
    auto_remediate: bool = Field(
        default=False,
        description="Reconcile (re-apply the expected setup) after `remediate_after` consecutive "
        "scheduled checks found material drift. Off by default.",
    )
    remediate_after: int = Field(
        default=3, ge=1, le=100,
        description="Consecutive out-of-sync checks with material drift before auto-remediation.",
    )

    @field_validator("ignore")
    @classmethod
    def _paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not _IGNORE_PATH.fullmatch(path):
                raise ValueError(f"{path!r} is not a spec path glob (it must start with a field of the "
                                 f"spec: target, variants, logging, auth_mode, request_timeout_seconds, "
                                 f"tags; unmanaged (foreign sub-resources); or *)")
        return list(dict.fromkeys(paths))


# ---------------------------------------------------------------------------------------- config


class DeployedConfig(_Strict):
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
        _input_only(len(tags) <= MAX_TAGS, f"at most {MAX_TAGS} tags, got {len(tags)}", info)
        return tags

    @field_validator("tags")
    @classmethod
    def _tag_keys(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            if not _LABEL_KEY.fullmatch(key):
                raise _error_at(f"invalid tag key {key!r}", [_entry(key)])
            if key.startswith("deploy-anywhere"):
                raise _error_at(f"tag key {key!r} is reserved for the service", [_entry(key)])
            if len(value) > 256:
                raise _error_at(f"tag {key!r}: value longer than 256 characters", [_entry(key)])
        return dict(sorted(tags.items()))

    @model_validator(mode="after")
    def _variants(self, info: ValidationInfo) -> DeployedConfig:
        names = [v.name for v in self.variants]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise _error_at(f"variant names must be unique; repeated: {', '.join(duplicates)}",
                               [f"variants[{i}].name" for i, n in enumerate(names) if n in duplicates])
        if not _is_live(info):
            total = sum(v.weight for v in self.variants)
            if total != 100:
                raise _error_at(f"variant weights must sum to 100, got {total}",
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


def format_loc(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a dotted path: ``variants[0].weight`` (``$``: the root)."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in {"sagemaker", "vertex", "azureml"} and path.endswith("target"):
            continue  # discriminator tag pydantic adds to the location
        elif isinstance(part, str) and part.startswith("env:"):
            continue  # the env value's discriminator tag
        else:
            path += f".{part}" if path else str(part)
    return path or "$"


def _join(base: str, field: str) -> str:
    if base == "$":
        return field
    return f"{base}{field}" if field.startswith("[") else f"{base}.{field}"


def validation_details(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic errors (``exc.errors()``) as ``[{path, message}]``. A rule over several fields
    (``ctx.fields``, see :func:`_error_at`) is reported once at each field it names, never at the
    model that holds them (``$`` for the spec itself)."""
    details = []
    for e in errors:
        base, message = format_loc(tuple(e["loc"])), str(e["msg"]).removeprefix("Value error, ")
        fields = (e.get("ctx") or {}).get("fields") if e.get("type") == "at_fields" else None
        if fields:
            details += [{"path": _join(base, f), "message": message} for f in fields]
        else:
            details.append({"path": base, "message": message})
    return details


def parse_spec(data: Any) -> EndpointSpec:
    """Validate already-decoded data; raise :class:`SpecError` with every problem's path."""
    if not isinstance(data, dict):
        raise SpecError(
            "the spec must be a mapping", details=[{"path": "$", "message": "expected an object"}]
        )
    try:
        return EndpointSpec.model_validate(data)
    except ValidationError as exc:
        details = validation_details(exc.errors(include_url=False))
        raise SpecError(f"invalid spec: {len(details)} problem(s)", details=details) from None


class _StrictLoader(yaml.SafeLoader):
    """``yaml.safe_load`` (no object-constructing tags) that also refuses anchors and aliases (no
    exponential "billion laughs" expansion) and duplicate mapping keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "anchors and aliases are not allowed in a spec",
                                              event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) or key is None:
                if key in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                            key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """Decode YAML or JSON text strictly (see :class:`_StrictLoader`); ``yaml.YAMLError`` otherwise."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def load_spec(text: str) -> EndpointSpec:
    """Parse YAML or JSON text (JSON is YAML) with a strict safe loader: no object-constructing
    tags, no anchors/aliases, no duplicate keys."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise SpecError(
            "the spec is not valid YAML or JSON", details=[{"path": "$", "message": str(exc)}]
        ) from None
    return parse_spec(data)


def spec_json_schema() -> dict[str, Any]:
    """The published JSON Schema of :class:`EndpointSpec` (input side)."""
    schema = EndpointSpec.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://deploy-anywhere.dev/schemas/endpoint-spec.json"
    return schema
