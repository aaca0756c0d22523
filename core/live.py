"""What is live on the provider, in the spec's vocabulary.

Two status axes, as in Argo CD: :class:`Health` (is it up) and :class:`Sync` (does live match
expected). :class:`LiveEndpoint` is what every adapter's pure ``to_live`` returns; its ``config`` is
built through :class:`core.spec.DeployedConfig` with ``context={"live": True}`` so it is normalised
exactly like the expected side.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.spec import DeployedConfig

__all__ = ["Health", "Sync", "LiveEndpoint", "build_live_config", "DOWN", "SETTLED"]


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


class Sync(str, Enum):
    """Does the live configuration match the expected one? ``out_of_sync`` is a warning."""

    IN_SYNC = "in_sync"
    OUT_OF_SYNC = "out_of_sync"
    UNKNOWN = "unknown"


DOWN = frozenset({Health.FAILED, Health.MISSING, Health.DEGRADED})
"""Health values reported as an error by checks."""

SETTLED = frozenset({Health.SERVING, Health.FAILED, Health.DEGRADED, Health.MISSING})
"""Health values in which the provider is not working on the endpoint."""


def build_live_config(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise live provider data through the spec's own models (lenient cross-field rules)."""
    return DeployedConfig.model_validate(data, context={"live": True}).model_dump(mode="json")


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
