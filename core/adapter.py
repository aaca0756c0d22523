"""The adapter contract every platform implements, and the capability data core reasons with.

An adapter is bound to one target (cloud account + region/workspace) and is thin and non-blocking:
it never waits or retries on its own beyond the SDK's single-call retries (waiting lives in
``core/wait.py`` and the workflows). Only :mod:`core.errors` exceptions leave it.

Idempotent edges (enforced by the shared contract suite, ``tests/contract``):

- ``describe`` of a missing endpoint returns ``None``; it never raises ``NotFound``.
- Every write primitive (``submit``, ``finalize``, ``discard``, ``delete``) is stepped: it never
  blocks, does one step of what is still missing per call and returns :class:`Progress`. When the
  step started provider operations (upload a model, then deploy it, then shift traffic), their ids
  are in ``Progress.pending``; the workflow stores them durably and passes them back as
  ``pending`` on the next call, which looks at them first, so polling resumes after a restart. An
  adapter keeps no in-flight state of its own between calls: what it waits on comes in through
  ``pending`` and goes out through ``Progress.pending``, and anything else is re-read from the
  provider.
- ``submit`` is create-or-update and safe to repeat: deterministic provider names, describe before
  create, a retried call after a crash finds what the first one made.
- ``finalize`` runs once the new revision serves: attaches what needs a serving endpoint
  (autoscaling) and removes what the previous revision left (old configs, models). Safe to repeat.
- ``discard`` undoes a failed rollout: a failed new endpoint is deleted, an update that was
  refused or rolled back leaves the previous revision serving and its own leftovers removed.
  Done once nothing is left to undo; safe to repeat.
- ``delete`` starts or continues deletion and is done once nothing the service created is left;
  deleting a missing endpoint is done at once.

Ownership (:mod:`core.ownership`): ``to_request(spec, owner=...)`` stamps every resource it
describes with the owner uid; ``stamps`` reads the stamps an endpoint carries; ``submit`` (with an
owner on the request) raises :class:`core.errors.NotOwned` before any write when the endpoint
under that name is not the owner's; ``discard`` and ``delete`` (given the owner) never remove or
change an endpoint that is not theirs, nor a resource without their stamp; ``to_live`` reports
the endpoint's sub-resources without the owner's stamp in ``LiveEndpoint.unmanaged``, never as
variants or endpoint-wide fields.

Primitives beyond describe/submit/delete: ``finalize``, ``discard`` and ``invoke``, because
pruning the previous revision only after the new one serves, undoing a failed rollout without
orphans, and running test queries on the data plane are provider calls the core cannot express
through the others. ``describe`` takes ``full`` so a basic check costs the fewest reads.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import ModuleType
from typing import Any, ClassVar, Generic, TypeVar

from core.live import LiveEndpoint
from core.ownership import Ownership, Stamps
from core.spec import EndpointSpec
from core.spec_env import SERVICE_SECRET, EnvFrom, SecretRef, foreign_secret_stores
from core.spec_policy import TestQuery

__all__ = [
    "Feature",
    "Owner",
    "FieldRule",
    "Gap",
    "Capabilities",
    "InvokeResult",
    "Progress",
    "Adapter",
    "features_used",
    "find_gaps",
    "DONE",
    "CONNECTIONS_PER_HOST",
]

RequestT = TypeVar("RequestT")
DescribedT = TypeVar("DescribedT")


class Feature(str, Enum):
    """Spec features a platform may not support; detected from the spec by :func:`features_used`."""

    CUSTOM_PORT = "custom_port"
    CUSTOM_ROUTES = "custom_routes"
    AUTH_KEY = "auth_key"
    AUTH_TOKEN = "auth_token"
    SCALE_TO_ZERO = "scale_to_zero"
    AUTOSCALING = "autoscaling"
    MULTIPLE_VARIANTS = "multiple_variants"
    PREDICTION_LOGGING = "prediction_logging"
    LONG_REQUEST_TIMEOUT = "long_request_timeout"
    ACCELERATOR = "accelerator"
    INVOCATIONS_SCALING = "invocations_scaling"
    CONCURRENCY_LIMIT = "concurrency_limit"


def features_used(spec: EndpointSpec) -> dict[str, list[str]]:
    """Which features the spec uses, each with the spec paths that use it: :class:`Feature` members,
    and the secret stores its references name (by kind, e.g. ``aws_secrets_manager``; a platform
    cannot read another platform's store: :func:`core.spec_env.foreign_secret_stores`)."""
    used: dict[str, list[str]] = {}

    def add(feature: str, path: str) -> None:
        used.setdefault(feature, []).append(path)

    for i, v in enumerate(spec.variants):
        if v.port != 8080:
            add(Feature.CUSTOM_PORT, f"variants[{i}].port")
        if v.predict_route != "/invocations":
            add(Feature.CUSTOM_ROUTES, f"variants[{i}].predict_route")
        if v.health_route != "/ping":
            add(Feature.CUSTOM_ROUTES, f"variants[{i}].health_route")
        if v.min_replicas == 0:
            add(Feature.SCALE_TO_ZERO, f"variants[{i}].min_replicas")
        if v.max_replicas > v.min_replicas:
            add(Feature.AUTOSCALING, f"variants[{i}].max_replicas")
            if v.autoscaling.metric == "invocations_per_replica":
                add(Feature.INVOCATIONS_SCALING, f"variants[{i}].autoscaling.metric")
        if v.accelerator is not None:
            add(Feature.ACCELERATOR, f"variants[{i}].accelerator")
        if v.max_concurrency is not None:
            add(Feature.CONCURRENCY_LIMIT, f"variants[{i}].max_concurrency")
        for key, value in v.env.items():
            if isinstance(value, EnvFrom) and value.value_from.kind != SERVICE_SECRET:
                add(value.value_from.kind, f"variants[{i}].env.{key}.value_from")
    if len(spec.variants) > 1:
        add(Feature.MULTIPLE_VARIANTS, "variants")
    if spec.auth_mode == "key":
        add(Feature.AUTH_KEY, "auth_mode")
    if spec.auth_mode == "token":
        add(Feature.AUTH_TOKEN, "auth_mode")
    if spec.logging.enabled:
        add(Feature.PREDICTION_LOGGING, "logging")
    if spec.request_timeout_seconds > 60:
        add(Feature.LONG_REQUEST_TIMEOUT, "request_timeout_seconds")
    return used


@dataclass(frozen=True)
class Gap:
    """One thing the target platform cannot do with this spec, and why."""

    path: str
    feature: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "feature": self.feature, "reason": self.reason}


class Owner(str, Enum):
    """Who owns a provider field, which decides whether a check compares it."""

    PROVIDER_DEFAULT = "provider_default"
    """The provider fills it in when a request leaves it out; the adapter always sends the spec's
    explicit value, so it IS compared (a changed default shows up as drift)."""
    AUTOSCALER = "autoscaler"
    """Changed at runtime by the platform's autoscaler (the current instance count): never drift;
    the autoscaler's bounds (min/max replicas) and target are spec fields and are compared."""
    RUNTIME = "runtime"
    """Status, timestamps, resolved digests, generated ids: never drift (health comes from status)."""
    UNREADABLE = "unreadable"
    """A spec field the provider cannot read back: never drift (the spec's value is assumed)."""


@dataclass(frozen=True)
class FieldRule:
    """How one field is classified on one platform. ``field``: a spec path glob when ``in_spec``,
    else the provider's field (it has no spec path); ``provider_field``: the provider's name."""

    field: str
    owner: Owner
    provider_field: str
    note: str = ""
    in_spec: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "owner": self.owner.value, "provider_field": self.provider_field,
                "in_spec": self.in_spec, "note": self.note}


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do, as data (no SDK import needed to read it).

    ``unsupported``: feature -> reason (other platforms' secret stores are added from the platform
    registry: :func:`core.spec_env.foreign_secret_stores`). ``unobservable``: spec path globs the
    provider cannot read back (never reported as drift), derived from ``ownership`` (rules with
    owner ``unreadable``). ``ownership``: the fields a check does not compare as-is, classified (see
    :class:`Owner`): what the provider defaults, what an autoscaler owns, what is runtime-only, what
    cannot be read back. ``provider_fields``: spec path glob -> the provider's field name.
    ``basic_fields``: top-level config fields a basic describe observes. ``replacement``: spec path
    glob -> why a change there cannot be made in place (the endpoint would have to be deleted and
    created again); plan reports such changes and apply refuses them.
    ``basic_reads`` (required, keyword-only): the provider requests one basic check of a deployed,
    unchanged endpoint makes (its read budget; the contract suite counts them on the emulators).
    """

    platform: str
    sdk: str
    extra: str
    unsupported: Mapping[str, str] = field(default_factory=dict)
    ownership: tuple[FieldRule, ...] = ()
    provider_fields: Mapping[str, str] = field(default_factory=dict)
    basic_fields: frozenset[str] = frozenset()
    replacement: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    basic_reads: int = field(kw_only=True)

    def __post_init__(self) -> None:
        foreign = foreign_secret_stores(self.platform)
        object.__setattr__(self, "unsupported", {**self.unsupported, **{
            kind: reason for kind, reason in foreign.items() if kind not in self.unsupported}})

    @property
    def unobservable(self) -> frozenset[str]:
        """Spec path globs the provider cannot read back (never reported as drift)."""
        return frozenset(r.field for r in self.ownership if r.in_spec and r.owner is Owner.UNREADABLE)

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "sdk": self.sdk,
            "install": f"pip install 'deploy-anywhere[{self.extra}]'",
            "unsupported": {str(getattr(f, "value", f)): reason for f, reason in self.unsupported.items()},
            "unobservable": sorted(self.unobservable),
            "field_ownership": [r.to_dict() for r in self.ownership],
            "provider_fields": dict(self.provider_fields),
            "basic_check_fields": sorted(self.basic_fields),
            "basic_check_reads": self.basic_reads,
            "requires_replacement": dict(self.replacement),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class InvokeResult:
    """A raw data-plane answer: HTTP-like status, body bytes, content type."""

    status: int
    body: bytes
    content_type: str | None = None
    variant: str | None = None


@dataclass(frozen=True)
class Progress:
    """How far a stepped call (``submit``, ``finalize``, ``discard``, ``delete``) got.

    ``done``: every call that realises the request was accepted. Otherwise ``pending`` names the
    provider operations (opaque to core: LRO names, resource ids) the next call must look at
    first, and ``message`` says what is being waited for. JSON-able, so workflows store it.
    """

    done: bool
    pending: tuple[str, ...] = ()
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"done": self.done, "pending": list(self.pending), "message": self.message}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Progress:
        return cls(done=bool(data["done"]), pending=tuple(data.get("pending") or ()),
                   message=data.get("message"))


DONE = Progress(done=True)

CONNECTIONS_PER_HOST = 64
"""Idle connections an adapter's SDK clients keep open per provider host. The SDKs' default (10)
is below the check concurrency a fleet pass may use (``CHECK_CONCURRENCY``, 16 by default, 64 in
the benchmark): every call past it opened a new connection (and TLS session) and threw it away."""


class Adapter(ABC, Generic[RequestT, DescribedT]):
    """One platform, bound to one target. See the module docstring for the idempotency contract.

    The pure methods (``check_values``, ``to_request``, ``request_calls``, ``to_live``) delegate to
    the platform's ``translate`` and ``reverse`` modules; ``resolve_secret`` admits only the
    platform's ``secret_store`` kind and reads it with ``read_secret``.
    """

    capabilities: ClassVar[Capabilities]
    translate: ClassVar[ModuleType]
    """The platform's spec -> request module: ``to_request(spec, owner=)``,
    ``request_calls(request, exists=)``, ``check_values(spec)`` (all pure)."""
    reverse: ClassVar[ModuleType]
    """The platform's provider -> live module: ``to_live(described, owner=)`` (pure)."""
    secret_store: ClassVar[str | None] = None
    """The secret reference kind the service reads at deploy time with this platform's
    credentials (``read_secret``), or None when it reads none."""

    @abstractmethod
    def __init__(self, target: Any, *, emulators: Mapping[str, Any] | None = None) -> None:
        """Bind to one target. ``emulators`` (sandbox mode): platform -> ``{"url": ...}`` from
        ``deploy-anywhere emulate``; None in production (the SDK's default credential chain)."""

    @classmethod
    def check_values(cls, spec: EndpointSpec) -> list[Gap]:
        """Platform rules on values (URI schemes, instance type families); pure, no calls."""
        return list(cls.translate.check_values(spec))

    def to_request(self, spec: EndpointSpec, *, owner: Ownership | None = None) -> RequestT:
        """Pure: the provider-native requests that realise ``spec``; ``owner``: the deployment's
        ownership, stamped on every resource (None: no owner stamp, and ``submit`` checks none)."""
        request: RequestT = self.translate.to_request(spec, owner=owner)
        return request

    def request_calls(self, request: RequestT, *, exists: bool) -> list[dict[str, Any]]:
        """Pure: the calls ``submit`` would make, ``[{"operation": ..., "params": {...}}]``,
        for an endpoint that does (``exists``) or does not exist yet; plan shows them."""
        return list(self.translate.request_calls(request, exists=exists))

    def to_live(self, described: DescribedT, *, owner: str | None = None) -> LiveEndpoint:
        """Pure: provider state -> normalised :class:`LiveEndpoint` (STATUS_MAP, UNKNOWN fallback).
        ``owner``: the deployment's owner uid; sub-resources without its stamp go to
        ``unmanaged`` (None: the endpoint's own owner stamp is the reference)."""
        live: LiveEndpoint = self.reverse.to_live(described, owner=owner)
        return live

    @abstractmethod
    def stamps(self, name: str) -> Stamps | None:
        """The ownership stamps endpoint ``name`` carries (its owner and revision stamps), with
        the fewest reads; None when it does not exist."""

    @abstractmethod
    def describe(self, name: str, *, full: bool = True) -> DescribedT | None:
        """Read the endpoint (``full``: every sub-resource; else the fewest reads). None if missing."""

    @abstractmethod
    def submit(self, request: RequestT, pending: Sequence[str] = ()) -> Progress:
        """Create or update, one non-blocking step per call (see the module docstring).

        ``pending``: what the previous call returned. Raises :class:`core.errors.DeploymentFailed`
        with the provider's reason when an awaited provider operation failed.
        """

    @abstractmethod
    def finalize(self, request: RequestT, pending: Sequence[str] = ()) -> Progress:
        """After ``request``'s revision serves: attach autoscaling, prune the previous revision
        (stepped like ``submit``)."""

    @abstractmethod
    def discard(self, request: RequestT, pending: Sequence[str] = ()) -> Progress:
        """Undo a rollout that failed: remove what ``submit(request)`` created that nothing uses
        (a never-served new endpoint included); stepped like ``submit``, done once nothing is left
        to undo; safe to repeat."""

    @abstractmethod
    def delete(self, name: str, pending: Sequence[str] = (), *, owner: Ownership | None = None) -> Progress:
        """Start or continue deleting (stepped like ``submit``); done once nothing the service
        created is left. With ``owner``: an endpoint under ``name`` that is not the owner's is left
        untouched (only the owner's own stamped resources are removed)."""

    @abstractmethod
    def invoke(self, name: str, query: TestQuery, *, timeout: float) -> InvokeResult:
        """Send one test query to the live endpoint's data plane."""

    # -- secrets (see core.secrets.sealing) ------------------------------------------------------

    @classmethod
    def native_secret(cls, ref: SecretRef) -> str | None:
        """The env value that makes the PLATFORM read ``ref`` at runtime (the value never passes
        through the service), or None when the service resolves ``ref`` at deploy time."""
        return None

    @classmethod
    def parse_native_secret(cls, value: str) -> SecretRef | None:
        """The reference a live env value written by :meth:`native_secret` stands for, else None."""
        return None

    def resolve_secret(self, ref: SecretRef) -> str:
        """Read the value of ``ref`` (a secret store of this platform's cloud) with the service's
        credentials for this target. Raises :class:`core.errors.SecretUnavailable` when the secret
        does not exist or cannot be read, or is not of the platform's ``secret_store`` kind (the
        message names ``ref``, never a value)."""
        from core.errors import SecretUnavailable

        if self.secret_store is None or ref.kind != self.secret_store:
            raise SecretUnavailable(f"{self.capabilities.platform} cannot read {ref.kind} secrets")
        return self.read_secret(ref)

    def read_secret(self, ref: SecretRef) -> str:
        """Read ``ref``, of the ``secret_store`` kind (see :meth:`resolve_secret`)."""
        raise NotImplementedError(f"{type(self).__name__} reads no secrets")


def find_gaps(adapter_cls: type[Adapter[Any, Any]], spec: EndpointSpec) -> list[Gap]:
    """Every reason ``spec`` cannot be deployed to the adapter's platform, all at once."""
    gaps = [
        Gap(path, str(getattr(feature, "value", feature)), reason)
        for feature, paths in features_used(spec).items()
        if (reason := adapter_cls.capabilities.unsupported.get(feature))
        for path in paths
    ]
    return gaps + adapter_cls.check_values(spec)
