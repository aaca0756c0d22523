"""The Vertex AI environment of the shared adapter contract suite: the real GAPIC adapter against
the Vertex AI emulator, every request validated against the aiplatform_v1 protos."""

from __future__ import annotations

from typing import Any

from core.adapter import Adapter
from core.spec import EndpointSpec, parse_spec

__all__ = ["VertexEnv", "fast_calls"]

PROJECT, LOCATION = "contract-proj", "europe-west4"
REGISTRY = "europe-docker.pkg.dev/contract-proj/serving/"


def fast_calls() -> Any:
    """The per-call policy for tests: the same retries, without real waiting."""
    from adapters.vertex.clients import CallPolicy

    return CallPolicy(timeout=10.0, initial=0.01, maximum=0.05, deadline=1.0)


class VertexEnv:
    """ContractEnv (tests/contract/envs.py) for Vertex AI."""

    platform = "vertex"

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.sent: list[str] = []  # every Vertex method the adapters sent (validated when checked)
        self._reader: Any = None

    def adapter(self, *, checked: bool = True) -> Adapter[Any, Any]:
        """The adapter; ``checked``: every request it sends is validated against the protos first."""
        from adapters.vertex.adapter import VertexAdapter
        from tests.support.vertex_schema import validate_every_request

        adapter = VertexAdapter(self.spec("xyz").target, emulators={"vertex": {"url": self.emulator.url}},
                                policy=fast_calls())
        validate_every_request(adapter.clients, self.sent, check=checked)
        return adapter

    def writes(self) -> list[str]:
        """Every mutating method the adapters sent so far."""
        return [m for m in self.sent if not m.startswith(("Get", "List"))]

    def spec(self, name: str, *, image: str = "r/m:1") -> EndpointSpec:
        """Two variants (autoscaled 80 % + fixed 20 %), logging, tags. A bare ``image`` such as
        ``r/m:1`` is placed in an Artifact Registry repository, as Vertex requires."""
        if "." not in image.split("/", 1)[0]:
            image = REGISTRY + image.replace("/", "-")
        return parse_spec({
            "name": name,
            "target": {"platform": "vertex", "project": PROJECT, "location": LOCATION},
            "variants": [
                {"name": "a", "image": image, "model_uri": "gs://contract-models/m/", "instance_type": "n1-standard-4",
                 "min_replicas": 1, "max_replicas": 3, "autoscaling": {"metric": "cpu_utilization", "target": 65},
                 "weight": 80, "env": {"K": "v"}},
                {"name": "b", "image": REGISTRY + "r-m:2", "instance_type": "n1-standard-2", "weight": 20},
            ],
            "logging": {"enabled": True, "sample_percent": 10, "destination": "bq://contract-proj.logs.x"},
            "tags": {"team": "t"},
        })

    def fail(self, name: str, *, on: str, reason: str) -> None:
        self.emulator.control.fail_endpoint(name, on=on, reason=reason)

    def throttle(self, count: int) -> None:
        self.emulator.control.inject_fault(method="GET", path_contains="/endpoints/", status=429, count=count)

    def _clients(self) -> tuple[Any, Any]:
        if self._reader is None:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials
            from google.cloud import aiplatform_v1

            kwargs = {"transport": "rest", "credentials": AnonymousCredentials(),
                      "client_options": ClientOptions(api_endpoint=self.emulator.url)}
            self._reader = (aiplatform_v1.EndpointServiceClient(**kwargs),
                            aiplatform_v1.ModelServiceClient(**kwargs))
        return self._reader

    def resources(self, name: str) -> set[str]:
        """``endpoint/..``, ``deployed-model/..`` and ``model/..`` that exist for deployment ``name``."""
        endpoints, models = self._clients()
        parent = f"projects/{PROJECT}/locations/{LOCATION}"
        found = set()
        for ep in endpoints.list_endpoints(parent=parent, timeout=10):
            if ep.name.rsplit("/", 1)[-1] == name:
                found.add(f"endpoint/{name}")
                found |= {f"deployed-model/{dm.id}" for dm in ep.deployed_models}
        for model in models.list_models(parent=parent, timeout=10):
            model_id = model.name.rsplit("/", 1)[-1]
            if model_id.startswith(name + "-") or model.labels.get("deploy-anywhere-deployment") == name:
                found.add(f"model/{model_id}")
        return found

    def reset(self) -> None:
        self.emulator.control.reset()
