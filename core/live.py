"""What is live on the provider, in the spec's vocabulary.

Two status axes, as in Argo CD: :class:`Health` (is it up) and :class:`Sync` (does live match
expected). :class:`LiveEndpoint` is what every adapter's pure ``to_live`` returns; its ``config`` is
built through :class:`core.spec.DeployedConfig` with ``context={"live": True}`` so it is normalised
exactly like the expected side. A live endpoint may have no variant at all (every model undeployed,
every deployment deleted behind the service's back): its config then has ``variants: []``, and a
check reports each expected variant missing. A value the adapter could not read is absent from
``config`` and named in ``LiveEndpoint.unreadable`` with the reason (:mod:`core.unreadable`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import unreadable as _unreadable
from core.spec import DeployedConfig, Variant

__all__ = ["Health", "Sync", "LiveEndpoint", "build_live_config", "DOWN", "SETTLED", "HEALTH_ORDER", "SYNC_ORDER"]


class Health(str, Enum):
    """Is the endpoint up? ``failed`` and ``missing`` are down (an error); the rest are states."""

    PROVISIONING = "provisioning"
    SERVING = "serving"
    UPDATING = "updating"
    DEGRADED = "degraded"
    FAILED = "failed"
    DELETING = "deleting"
    MISSING = "missing"
    UNKNOWN = "unknown"
    NOT_DEPLOYED = "not_deployed"
    """The deployment's first rollout failed and was rolled back: nothing of it is live, by design
    (not down). Apply the spec again to retry, or delete the deployment to forget it."""


class Sync(str, Enum):
    """Does the live configuration match the expected one? ``out_of_sync`` is a warning."""

    IN_SYNC = "in_sync"
    OUT_OF_SYNC = "out_of_sync"
    UNKNOWN = "unknown"


DOWN = frozenset({Health.FAILED, Health.MISSING, Health.DEGRADED})
"""Health values reported as an error by checks."""

SETTLED = frozenset({Health.SERVING, Health.FAILED, Health.DEGRADED, Health.MISSING})
"""Health values in which the provider is not working on the endpoint."""

HEALTH_ORDER: tuple[Health, ...] = (
    Health.FAILED, Health.MISSING, Health.DEGRADED, Health.UNKNOWN, Health.NOT_DEPLOYED,
    Health.PROVISIONING, Health.UPDATING, Health.DELETING, Health.SERVING)
"""Every health value, worst first: down, then not known, then not deployed, then the provider
still working on it, then serving (the fleet summary lists deployments in this order)."""

SYNC_ORDER: tuple[Sync, ...] = (Sync.OUT_OF_SYNC, Sync.UNKNOWN, Sync.IN_SYNC)
"""Every sync value, worst first (ties of :data:`HEALTH_ORDER`)."""


class _LiveConfig(DeployedConfig):
    """:class:`DeployedConfig` as read back: the provider bounds the variants, not the spec (none
    left, or more than a spec may list)."""

    variants: list[Variant] = Field(description="Model servers behind the endpoint, as live.")


def build_live_config(data: dict[str, Any], unreadable: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Normalise live provider data through the spec's own models (lenient cross-field rules).

    ``unreadable``: spec paths the adapter could not read (-> reason); whatever ``data`` holds there
    is ignored, and the result has no key at those paths (:mod:`core.unreadable`).
    """
    paths = sorted(unreadable or {})
    config = _LiveConfig.model_validate(_unreadable.stand_in(data, paths), context={"live": True})
    return _unreadable.without(config.model_dump(mode="json"), paths)


class LiveEndpoint(BaseModel):
    """The normalised live state of one endpoint (lenient: built from provider responses)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Endpoint name.")
    health: Health = Field(description="Mapped from the provider status via STATUS_MAP.")
    provider_status: str | None = Field(default=None, description="The provider's own status.")
    revision: str | None = Field(
        default=None, description="Revision stamp of the configuration the endpoint runs."
    )
    pending_revision: str | None = Field(
        default=None, description="Revision being rolled out while the endpoint updates."
    )
    config: dict[str, Any] | None = Field(
        default=None,
        description="Live config in the spec's shape (canonical JSON), None when not readable.",
    )
    failure_reason: str | None = Field(default=None, description="The provider's failure reason.")
    provider_ids: dict[str, Any] = Field(
        default_factory=dict, description="Provider resource names/ARNs for this endpoint."
    )
    invoke_url: str | None = Field(default=None, description="Where predictions are sent.")
    unobserved: frozenset[str] = Field(
        default=frozenset(),
        description="Spec path globs this describe did not read (a basic check reads fewer); "
        "never reported as drift.",
    )
    variant_overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Endpoint-level spec fields a platform keeps on each variant's resource (Azure "
        "ML: request timeout and logging, per deployment): variant name -> those fields whose value "
        "there differs from ``config``'s (which holds the first variant's). Empty when they agree. "
        "A check compares each against the spec too, so drift on any variant is reported.",
    )
    unmanaged: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Foreign sub-resources inside the endpoint (no ownership stamp of this deployment: "
        "an extra Azure ML deployment, a deployed model of a Vertex AI model the service did not "
        "upload, the variants of a SageMaker endpoint config it did not write): provider id -> a "
        "small summary ``{kind, traffic_percent, instances, instance_type, image...}``. Never part of "
        "``config`` (neither a variant nor an endpoint-wide field); a check reports each at "
        "``unmanaged[<provider id>]`` (:mod:`core.ownership`).",
    )
    unreadable: dict[str, str] = Field(
        default_factory=dict,
        description="Spec paths whose live value could not be read -> why (a model deleted behind the "
        "service's back, an asset version that cannot be read, a setting the spec cannot express). "
        "``config`` holds no value there (never a placeholder or a default); a check reports each as "
        "an unreadable change (:mod:`core.unreadable`).",
    )

    @model_validator(mode="after")
    def _nothing_invented(self) -> LiveEndpoint:
        """No value in ``config`` at an unreadable path."""
        invented = [p for p in self.unreadable if self.config is not None
                    and _unreadable.value_at(self.config, p)[0]]
        if invented:
            raise ValueError(f"live config holds values at unreadable paths: {', '.join(sorted(invented))}")
        return self
    fixed_scale_only: frozenset[str] = Field(
        default=frozenset(),
        description="Spec path globs (``variants[*].min_replicas``...) this describe read only as the "
        "variant's current fixed instance count (SageMaker's DesiredInstanceCount, Azure ML's "
        "sku.capacity) without reading autoscaling: compared for variants the spec sizes fixed "
        "(min_replicas == max_replicas), unobserved for autoscaled ones (the count is the autoscaler's).",
    )
