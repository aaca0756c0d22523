"""In-memory state of one emulator: workspaces, online endpoints, deployments, assets.

Plain data; the rules live in :mod:`emulators.azureml.backend`, which guards all of it with one lock.
Names of ARM resources are case-insensitive: dicts are keyed by the lower-cased name and each
resource keeps the spelling it was created with.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .lifecycle import Operation

__all__ = [
    "ARM_NAMESPACE",
    "Asset",
    "Deployment",
    "Endpoint",
    "Workspace",
    "new_key",
    "utcnow",
]

ARM_NAMESPACE = "Microsoft.MachineLearningServices"


def utcnow() -> datetime:
    """Timezone-aware now (UTC)."""
    return datetime.now(timezone.utc)


def new_key() -> str:
    """A fresh endpoint key (44 characters of base64, like Azure's)."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@dataclass
class Resource:
    """What endpoints and deployments share: ARM id, cleaned body, provisioning state, operations."""

    id: str
    name: str
    body: dict[str, Any]
    state: str
    created_at: datetime = field(default_factory=utcnow)
    modified_at: datetime = field(default_factory=utcnow)
    operation: Operation | None = None
    last_operation: Operation | None = None
    ever_succeeded: bool = False

    @property
    def properties(self) -> dict[str, Any]:
        """``body["properties"]`` (always present)."""
        return self.body.setdefault("properties", {})

    def busy(self) -> bool:
        """True while an operation is in flight."""
        return self.operation is not None and not self.operation.done


@dataclass
class Deployment(Resource):
    """An online deployment; ``endpoint`` is its parent."""

    endpoint: Endpoint | None = None


@dataclass
class Endpoint(Resource):
    """An online endpoint with its deployments, keys, issued AML tokens and router state."""

    workspace: Workspace | None = None
    keys: dict[str, str] = field(default_factory=lambda: {"primaryKey": new_key(), "secondaryKey": new_key()})
    tokens: dict[str, float] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)
    principal_id: str = ""
    router: dict[str, int] = field(default_factory=dict)
    router_signature: tuple[tuple[str, int], ...] = ()

    @property
    def auth_mode(self) -> str:
        """``Key``, ``AMLToken`` or ``AADToken``."""
        return str(self.properties.get("authMode", "Key"))

    @property
    def traffic(self) -> dict[str, int]:
        """Live traffic (deployment -> percent), zero entries left out."""
        return self.properties.setdefault("traffic", {})

    @property
    def mirror_traffic(self) -> dict[str, int]:
        """Mirror traffic (deployment -> percent), zero entries left out."""
        return self.properties.setdefault("mirrorTraffic", {})

    def deployment_names(self) -> dict[str, str]:
        """Lower-cased name -> name of the deployments that are not being deleted."""
        return {k: d.name for k, d in self.deployments.items() if d.state != "Deleting"}


@dataclass
class Asset:
    """A registered asset version (environment, model, data, code): its cleaned body."""

    id: str
    kind: str
    name: str
    version: str
    body: dict[str, Any]
    created_at: datetime = field(default_factory=utcnow)
    modified_at: datetime = field(default_factory=utcnow)


@dataclass
class Workspace:
    """A workspace; any workspace a request names exists (in the emulator's region)."""

    id: str
    subscription: str
    resource_group: str
    name: str
    location: str
    workspace_id: str
    created_at: datetime = field(default_factory=utcnow)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    assets: dict[tuple[str, str, str], Asset] = field(default_factory=dict)
    model_containers: dict[str, Asset] = field(default_factory=dict)
    """Model containers by lower-cased name (``version`` empty; :mod:`emulators.azureml.model_registry`)."""
