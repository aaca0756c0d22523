"""Per-platform knowledge the durability tests need: a spec, an update of it, how to hold the
emulator's long-running work, how to slow the test queries, and a snapshot of what exists in the
emulator (read with the real SDKs) to show "exactly one set of resources, no orphans".

Holding differs by emulator. SageMaker's progression is global and read at every DescribeEndpoint,
so :meth:`Cloud.hold` keeps an endpoint in Creating/Updating/Deleting until :meth:`Cloud.release`.
Vertex AI fixes an operation's progression when it starts, so its hold makes the operations started
meanwhile end only after :data:`VERTEX_HOLD_READS` reads by the service (a dead service reads
nothing: they stay pending until it is back); release makes later operations quick again. Azure ML,
like SageMaker, applies the progression in force to operations already in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import boto3
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform_v1

from tests.platforms import NAMES, TEST_PLATFORMS, emulator_fixture, load

__all__ = ["CLOUDS", "Cloud", "SageMaker", "Snapshot", "Vertex", "AzureML", "VERTEX_HOLD_READS"]

VERTEX_HOLD_READS = 8
"""Reads after which a Vertex operation started during a hold ends (~1 s of the service's polling
at 0.05-0.2 s; the tests kill it well before)."""


@dataclass(frozen=True)
class Snapshot:
    """What one deployment has in the emulator; names sorted.

    ``serving_models``: the models the endpoint's current config (SageMaker) or its deployed models
    (Vertex) use; ``configs``: SageMaker endpoint configs (empty on Vertex).
    """

    endpoints: list[str]
    configs: list[str]
    models: list[str]
    variants: list[str]
    serving_models: list[str]
    current_config: str | None = None

    def assert_one_set(self, spec: dict[str, Any]) -> None:
        """One endpoint serving exactly the spec's variants, one model per variant, every model
        in use (no orphan), and on SageMaker only the current endpoint config."""
        wanted = sorted(v["name"] for v in spec["variants"])
        assert self.endpoints == [spec["name"]], self
        assert self.variants == wanted, self
        assert len(self.models) == len(wanted), self
        assert self.models == self.serving_models, f"orphaned models: {self}"
        if self.current_config is not None:
            assert self.configs == [self.current_config], f"orphaned endpoint configs: {self}"

    def assert_empty(self) -> None:
        """Nothing left at all."""
        assert (self.endpoints, self.configs, self.models) == ([], [], []), self


class Cloud:
    """One platform's side of the tests (see the module docstring)."""

    platform: ClassVar[str]
    create_call: ClassVar[str]
    """The emulator's method name for creating the endpoint."""
    synchronous_creates: ClassVar[dict[str, int]] = {}
    """Create calls the provider answers synchronously (each checked by a describe first, so a
    resumed deploy sends each only once) -> how many a deploy of :meth:`spec` sends."""

    @property
    def fixture(self) -> str:
        """The conftest fixture that yields this platform's emulator, reset (tests/platforms.py)."""
        return emulator_fixture(self.platform)

    def spec(self, name: str, *, queries: bool = False) -> dict[str, Any]:
        raise NotImplementedError

    def updated(self, spec: dict[str, Any]) -> dict[str, Any]:
        """``spec`` with a new image for its second variant (a new model beside the old one)."""
        variants = [dict(v) for v in spec["variants"]]
        variants[1]["image"] = variants[1]["image"].rsplit(":", 1)[0] + ":2.2"
        return {**spec, "variants": variants}

    def emulator_entry(self, emulator: Any) -> dict[str, Any]:
        """This platform's entry in the service's emulators file."""
        return {"url": emulator.url}

    def hold(self, emulator: Any) -> None:
        raise NotImplementedError

    def release(self, emulator: Any) -> None:
        raise NotImplementedError

    def slow_queries(self, emulator: Any, seconds: float) -> None:
        """Delay the next test query's answer by ``seconds``."""
        raise NotImplementedError

    def snapshot(self, emulator: Any, name: str) -> Snapshot:
        raise NotImplementedError


class SageMaker(Cloud):
    platform = "sagemaker"
    create_call = "CreateEndpoint"
    synchronous_creates = {"CreateEndpoint": 1, "CreateEndpointConfig": 1, "CreateModel": 2}

    def spec(self, name: str, *, queries: bool = False) -> dict[str, Any]:
        return {
            "name": name,
            "target": {"platform": "sagemaker", "region": "us-east-1",
                       "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
            "variants": [
                {"name": "stable", "image": "r/m:2.0", "instance_type": "ml.m5.large", "weight": 80},
                {"name": "canary", "image": "r/m:2.1", "instance_type": "ml.m5.large", "weight": 20},
            ],
            "test_queries": [{"name": f"q{i}", "payload": {"x": [i]}} for i in range(2)] if queries else [],
        }

    def hold(self, emulator: Any) -> None:
        emulator.control.set_progression("manual", times=10**6)

    def release(self, emulator: Any) -> None:
        emulator.control.set_progression("immediate")

    def slow_queries(self, emulator: Any, seconds: float) -> None:
        emulator.control.inject_fault(operation="InvokeEndpoint", service="sagemaker-runtime", status=0,
                                      delay=seconds, count=1)

    @staticmethod
    def client(emulator: Any) -> Any:
        return boto3.client("sagemaker", region_name="us-east-1", endpoint_url=emulator.url,
                            aws_access_key_id="t", aws_secret_access_key="t")

    def snapshot(self, emulator: Any, name: str) -> Snapshot:
        sm = self.client(emulator)
        endpoints = sorted(e["EndpointName"] for e in sm.list_endpoints()["Endpoints"])
        configs = sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"])
        models = sorted(m["ModelName"] for m in sm.list_models()["Models"])
        variants: list[str] = []
        serving: list[str] = []
        current = None
        if name in endpoints:
            current = sm.describe_endpoint(EndpointName=name)["EndpointConfigName"]
            config = sm.describe_endpoint_config(EndpointConfigName=current)
            variants = sorted(v["VariantName"] for v in config["ProductionVariants"])
            serving = sorted({v["ModelName"] for v in config["ProductionVariants"]})
        return Snapshot(endpoints, configs, models, variants, serving, current)


class Vertex(Cloud):
    platform = "vertex"
    create_call = "CreateEndpoint"
    project, location = "durable-project", "us-central1"
    registry = "us-docker.pkg.dev/durable-project/serving/"

    def spec(self, name: str, *, queries: bool = False) -> dict[str, Any]:
        return {
            "name": name,
            "target": {"platform": "vertex", "project": self.project, "location": self.location},
            "variants": [
                {"name": "stable", "image": self.registry + "m:2.0", "instance_type": "n1-standard-4", "weight": 80},
                {"name": "canary", "image": self.registry + "m:2.1", "instance_type": "n1-standard-4", "weight": 20},
            ],
            "test_queries": [{"name": f"q{i}", "payload": {"instances": [{"x": i}]},
                              "expect_fields": ["/predictions/0"]} for i in range(2)] if queries else [],
        }

    def hold(self, emulator: Any) -> None:
        emulator.control.set_progression("manual", times=VERTEX_HOLD_READS)

    def release(self, emulator: Any) -> None:
        emulator.control.set_progression("manual", times=1)

    def slow_queries(self, emulator: Any, seconds: float) -> None:
        emulator.control.inject_fault(path_contains=":predict", status=0, delay=seconds, count=1)

    def clients(self, emulator: Any) -> tuple[Any, Any]:
        kwargs = {"transport": "rest", "credentials": AnonymousCredentials(),
                  "client_options": ClientOptions(api_endpoint=emulator.url)}
        return aiplatform_v1.EndpointServiceClient(**kwargs), aiplatform_v1.ModelServiceClient(**kwargs)

    def snapshot(self, emulator: Any, name: str) -> Snapshot:
        endpoints_api, models_api = self.clients(emulator)
        parent = f"projects/{self.project}/locations/{self.location}"
        found = list(endpoints_api.list_endpoints(parent=parent, timeout=10))
        endpoints = sorted(e.name.rsplit("/", 1)[-1] for e in found)
        models = sorted(m.name.rsplit("/", 1)[-1] for m in models_api.list_models(parent=parent, timeout=10))
        variants: list[str] = []
        serving: list[str] = []
        for endpoint in found:
            if endpoint.name.rsplit("/", 1)[-1] == name:
                variants = sorted(dm.display_name for dm in endpoint.deployed_models)
                serving = sorted({dm.model.rsplit("/", 1)[-1].split("@")[0] for dm in endpoint.deployed_models})
        return Snapshot(endpoints, [], models, variants, serving)


class AzureML(Cloud):
    platform = "azureml"
    create_call = "CreateEndpoint"
    target = {"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-0000000000d7",
              "resource_group": "rg-durable", "workspace": "ws-durable"}

    def spec(self, name: str, *, queries: bool = False) -> dict[str, Any]:
        return {
            "name": name,
            "target": self.target,
            "variants": [
                {"name": "stable", "image": "myregistry.azurecr.io/m:2.0", "instance_type": "Standard_DS3_v2",
                 "weight": 80},
                {"name": "canary", "image": "myregistry.azurecr.io/m:2.1", "instance_type": "Standard_DS3_v2",
                 "weight": 20},
            ],
            "test_queries": [{"name": f"q{i}", "payload": {"x": [i]}} for i in range(2)] if queries else [],
        }

    def emulator_entry(self, emulator: Any) -> dict[str, Any]:
        return {"url": emulator.url, "ca_file": str(emulator.ca_file)}

    def hold(self, emulator: Any) -> None:
        """Azure ML operations complete by the progression in force when they are looked at."""
        emulator.control.set_progression("manual", times=10**6)

    def release(self, emulator: Any) -> None:
        emulator.control.set_progression("immediate")

    def slow_queries(self, emulator: Any, seconds: float) -> None:
        emulator.control.inject_fault(operation="Score", status=0, delay=seconds, count=1)

    def snapshot(self, emulator: Any, name: str) -> Snapshot:
        """Read with MLClient. Azure ML has no separate model per variant here (the image carries it):
        ``models`` are the endpoint's deployments, ``serving_models`` those the traffic map names."""
        from adapters.azureml.client import make_client
        from core.targets import AzureMLTarget

        ml = make_client(AzureMLTarget(**self.target), self.emulator_entry(emulator)).ml
        endpoints = sorted(e.name for e in ml.online_endpoints.list())
        deployments: list[str] = []
        serving: list[str] = []
        if name in endpoints:
            deployments = sorted(d.name for d in ml.online_deployments.list(endpoint_name=name))
            serving = sorted(ml.online_endpoints.get(name).traffic or {})
        variants = sorted(d.rsplit("-", 1)[0] for d in deployments)
        return Snapshot(endpoints, [], deployments, variants, serving)


CLOUDS: dict[str, Cloud] = {name: load(TEST_PLATFORMS[name].durability)() for name in NAMES}
"""Every platform of tests/platforms.py, in the registry's order."""
