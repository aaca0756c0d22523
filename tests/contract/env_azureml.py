"""The Azure ML adapter in the shared contract suite: the real MLClient against the emulator,
every request body validated against azure-ai-ml's REST models."""

from __future__ import annotations

from typing import Any

from core.adapter import Adapter
from core.spec import EndpointSpec, parse_spec

__all__ = ["AzureMLEnv"]

TARGET = {"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-0000000000c1",
          "resource_group": "rg-contract", "workspace": "ws-contract"}


class AzureMLEnv:
    platform = "azureml"

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.sent: list[str] = []  # "METHOD kind" of every request the adapters sent
        self._policies: list[Any] = []

    def adapter(self, *, checked: bool = True) -> Adapter[Any, Any]:
        from tests.adapters.azureml.support import adapter_for

        adapter = adapter_for(self.emulator, self.spec("xyz").target, checked=checked)
        if checked:
            self._policies.append(adapter.validator)
        return adapter

    @property
    def sent_calls(self) -> list[tuple[str, str]]:
        return [call for policy in self._policies for call in policy.sent]

    def writes(self) -> list[str]:
        """Every mutating request the adapters sent so far (key and token reads are POSTs)."""
        return [f"{method} {path}" for method, path in self.sent_calls
                if method != "GET" and not path.endswith(("/listKeys", "/token"))]

    def spec(self, name: str, *, image: str = "r/m:1") -> EndpointSpec:
        return parse_spec({
            "name": name, "target": TARGET, "auth_mode": "key",
            "variants": [
                {"name": "a", "image": image, "model_uri": "azureml:m:1", "instance_type": "Standard_DS3_v2",
                 "min_replicas": 1, "max_replicas": 3, "weight": 80, "env": {"K": "v"}},
                {"name": "b", "image": "r/m:2", "instance_type": "Standard_F4s_v2", "weight": 20},
            ],
            "logging": {"enabled": True, "sample_percent": 10,
                        "destination": "azureml://datastores/workspaceblobstore/paths/cap"},
            "tags": {"team": "t"},
        })

    def fail(self, name: str, *, on: str, reason: str) -> None:
        self.emulator.control.fail_endpoint(name, on=on, reason=reason)

    def throttle(self, count: int) -> None:
        self.emulator.control.inject_fault(method="GET", path_contains="/onlineEndpoints/", status=429,
                                           count=count, retry_after=0)

    def resources(self, name: str) -> set[str]:
        found: set[str] = set()
        for workspace in self.emulator.control.state().get("workspaces", []):
            for endpoint in workspace.get("endpoints", []):
                if endpoint.get("name") == name:
                    found.add(f"endpoint/{name}")
                    found |= {f"deployment/{d}" for d in endpoint.get("deployments", {})}
        for setting in self.emulator.control.state().get("autoscaleSettings", []):
            tags = setting.get("tags") or {}
            target = str(setting.get("properties", {}).get("targetResourceUri", "")).lower()
            if tags.get("deploy-anywhere-deployment") == name or f"/onlineendpoints/{name.lower()}/" in target:
                found.add(f"autoscale/{setting['name']}")
        return found

    def reset(self) -> None:
        self.emulator.control.reset()
