"""Shared helpers for the Azure ML adapter tests: an adapter on the emulator whose every request
body is validated against azure-ai-ml's REST models (the emulator's strict walker)."""

from __future__ import annotations

import json
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy

__all__ = ["ValidatingPolicy", "adapter_for", "FAST"]

from tests.support.stepping import FAST  # noqa: F401  (re-exported for the Azure tests)

_MODELS = (("/deployments/", "OnlineDeployment"), ("/onlineEndpoints/", "OnlineEndpoint"),
           ("/environments/", "EnvironmentVersion"), ("/data/", "DataVersionBase"))


class ValidatingPolicy(SansIOHTTPPolicy):
    """Validates every PUT body against the REST model for its path (azure-ai-ml's for Azure ML,
    azure-mgmt-monitor's for autoscale settings); records ``(method, path)``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.problems: list[Any] = []

    def on_request(self, request: Any) -> None:
        from urllib.parse import urlparse

        from emulators.azureml import monitor_schema, schema

        http = request.http_request
        path = urlparse(http.url).path
        self.sent.append((http.method, path))
        if http.method != "PUT":
            return
        if "/microsoft.insights/autoscalesettings/" in path.lower():
            model, walker = "AutoscaleSettingResource", monitor_schema
        else:
            model, walker = next(m for marker, m in _MODELS if marker in path), schema
        _, problems = walker.validate(model, json.loads(http.body or b"{}"))
        if problems:
            self.problems.append((path, problems))
            raise AssertionError(f"PUT {path}: body invalid for {model}: {problems}")


def adapter_for(emulator: Any, target: Any, *, checked: bool = True) -> Any:
    from adapters.azureml.adapter import AzureMLAdapter

    policy = ValidatingPolicy()
    adapter = AzureMLAdapter(target, emulators={"azureml": {"url": emulator.url, "ca_file": str(emulator.ca_file)}},
                             policies=[policy] if checked else [])
    adapter.validator = policy
    return adapter
