"""The Azure ML emulator's backend: all state and rules of one emulator instance (thread-safe).

:class:`AzureMLBackend` combines the operation families (endpoints, deployments, assets, model
registry, scoring) with what the control API changes: progression, configured failures (the
:class:`~emulators.common.behaviour.Behaviour` registry, which also holds the scoring responses),
Key Vault secrets, and changes made "behind the back" of a client (as someone editing in the
portal would: drift).
State is per instance; nothing is process-global.
"""

from __future__ import annotations

import copy
from typing import Any

from ..common.behaviour import Failure
from . import rules, secret_refs
from .assets import AssetOperations
from .base import Scope
from .deployments import DeploymentOperations
from .endpoints import EndpointOperations
from .errors import not_found
from .lifecycle import Progression, parse_progression
from .model_registry import ModelRegistryOperations
from .scoring import ScoringOperations

__all__ = ["AzureMLBackend"]


class AzureMLBackend(
    EndpointOperations, DeploymentOperations, AssetOperations, ModelRegistryOperations, ScoringOperations
):
    """State + rules of one emulator. ``progression`` is the default (``reset`` returns to it);
    ``retry_after_ms`` is the poll interval long-running operations advertise."""

    def __init__(
        self, *, location: str = "westeurope", progression: Progression | None = None, retry_after_ms: int = 50
    ) -> None:
        if isinstance(retry_after_ms, bool) or not isinstance(retry_after_ms, int) or retry_after_ms < 1:
            raise ValueError(f"retry_after_ms must be an integer >= 1, got {retry_after_ms!r}")
        super().__init__(
            location=rules.normalise_location(location), progression=progression, retry_after_ms=retry_after_ms
        )

    # --------------------------------------------------------------------------- progression

    def set_progression(self, spec: dict[str, Any]) -> Progression:
        """Validate and apply a progression spec (``ValueError`` if invalid); in-flight operations follow it."""
        progression = parse_progression(spec)
        with self.lock:
            self.progression = progression
        return progression

    # ------------------------------------------------------------------------------ failures

    def fail_deployment(self, endpoint: str, deployment: str, failure: Failure) -> None:
        """Make creates/updates of ``deployment`` of ``endpoint`` fail (every one, or the next if
        ``failure.once``); endpoint failures are set through the shared control route."""
        self.behaviour.set_failure(f"{endpoint}/{deployment}", "deploy", failure)

    def failures(self) -> dict[str, Any]:
        """The configured failures (JSON form)."""
        endpoints, deployments = [], []
        for entry in self.behaviour.failures():
            key, reason, code = entry["key"], entry["reason"], entry["code"] or None
            if entry["phase"] == "deploy":
                endpoint, deployment = key.split("/", 1)
                deployments.append({"endpoint": endpoint, "deployment": deployment, "reason": reason, "code": code})
            else:
                endpoints.append({"endpoint": key, "on": entry["phase"], "reason": reason, "code": code})
        return {"endpoints": endpoints, "deployments": deployments}

    def add_key_vault_secret(self, vault: str, name: str, version: str | None = None) -> str:
        """Register a Key Vault secret version (see :mod:`emulators.azureml.secret_refs`); its identifier."""
        with self.lock:
            return secret_refs.add_secret(self.vault_secrets, vault, name, version)

    def key_vaults(self) -> dict[str, Any]:
        """The registered Key Vault secrets (JSON form)."""
        with self.lock:
            return {"key_vaults": copy.deepcopy(self.vault_secrets)}

    # ---------------------------------------------------------------------- behind the back

    def drift_endpoint(
        self, name: str, *, tags: dict[str, str] | None = None, traffic: dict[str, int] | None = None
    ) -> dict[str, Any]:
        """Change an endpoint's tags and/or traffic at once, without an operation (validated as usual)."""
        with self.lock:
            endpoint = self.find_endpoint(name)
            if endpoint is None:
                raise not_found("online endpoint", name)
            if traffic is not None:
                live, _ = rules.check_traffic(traffic, endpoint.mirror_traffic, endpoint.deployment_names())
                endpoint.properties["traffic"] = live
            if tags is not None:
                endpoint.body["tags"] = dict(tags)
            return self.render_endpoint(endpoint, "2023-04-01-preview")

    def drift_deployment(
        self,
        endpoint_name: str,
        name: str,
        *,
        tags: dict[str, str] | None = None,
        instance_count: int | None = None,
        environment_variables: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Change a deployment's tags / instance count / environment variables at once, no operation."""
        with self.lock:
            endpoint = self.find_endpoint(endpoint_name)
            deployment = self.deployment_of(endpoint, name) if endpoint is not None else None
            if endpoint is None or deployment is None:
                raise not_found("online deployment", name, parent=f"online endpoint '{endpoint_name}'")
            if instance_count is not None:
                rules.check_deployment_settings({}, {"capacity": instance_count})
                deployment.body["sku"]["capacity"] = instance_count
            if tags is not None:
                deployment.body["tags"] = dict(tags)
            if environment_variables is not None:
                deployment.properties["environmentVariables"] = dict(environment_variables)
            return self.render_deployment(deployment, "2023-04-01-preview")

    # ---------------------------------------------------------------------------- inspection

    def snapshot(self) -> dict[str, Any]:
        """Every workspace's endpoints and deployments with their states, and every autoscale
        setting (for the control API)."""
        with self.lock:
            return {
                "progression": self.progression.as_dict(),
                "workspaces": [
                    {
                        "id": w.id,
                        "endpoints": [
                            {
                                "name": e.name,
                                "provisioningState": e.state,
                                "traffic": copy.deepcopy(e.traffic),
                                "deployments": {d.name: d.state for d in e.deployments.values()},
                            }
                            for e in w.endpoints.values()
                        ],
                    }
                    for w in self.workspaces.values()
                ],
                "autoscaleSettings": self.autoscale.all(),
            }

    def workspace_scope(self, subscription: str, resource_group: str, workspace: str) -> Scope:
        """A :class:`Scope` (helper for callers outside the HTTP layer)."""
        return Scope(subscription, resource_group, workspace)
