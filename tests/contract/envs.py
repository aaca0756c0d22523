"""Per-platform environments for the shared adapter contract suite.

A platform joins the suite by adding one :class:`ContractEnv` implementation and its name to
``ENVS`` (and the conftest fixture): the tests themselves never change.
"""

from __future__ import annotations

from typing import Any, Protocol

import boto3

from core.adapter import Adapter
from core.spec import EndpointSpec, parse_spec

__all__ = ["ContractEnv", "SageMakerEnv", "ENVS", "EMULATOR_FIXTURES", "make_env"]
# Other platforms' envs live in env_<platform>.py, imported by the conftest only when used.


class ContractEnv(Protocol):
    platform: str

    def adapter(self, *, checked: bool = True) -> Adapter[Any, Any]: ...
    def spec(self, name: str, *, image: str = "r/m:1") -> EndpointSpec: ...
    def fail(self, name: str, *, on: str, reason: str) -> None: ...
    def throttle(self, count: int) -> None: ...
    def resources(self, name: str) -> set[str]: ...
    def writes(self) -> list[str]: ...
    def reset(self) -> None: ...


class SageMakerEnv:
    """The real boto3 adapter against the SageMaker emulator (moto + lifecycle)."""

    platform = "sagemaker"

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.sent: list[str] = []  # every operation the adapter sent, each validated against botocore
        self.client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=emulator.url,
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
        self.scaling = boto3.client("application-autoscaling", region_name="us-east-1",
                                    endpoint_url=emulator.url, aws_access_key_id="testing",
                                    aws_secret_access_key="testing")

    def adapter(self, *, checked: bool = True) -> Adapter[Any, Any]:
        """The adapter; ``checked``: every request it sends is validated against botocore first."""
        from adapters.sagemaker.adapter import SageMakerAdapter
        from tests.support.aws_schema import validate_every_request

        adapter = SageMakerAdapter(self.spec("xyz").target, emulators={"sagemaker": {"url": self.emulator.url}})
        for client in (adapter.sm, adapter.scaling, adapter.runtime):
            if checked:
                validate_every_request(client)
            client.meta.events.register("before-parameter-build.*.*", self._record)
        return adapter

    def _record(self, model: Any, **_: Any) -> None:
        self.sent.append(model.name)

    def spec(self, name: str, *, image: str = "r/m:1") -> EndpointSpec:
        return parse_spec({
            "name": name,
            "target": {"platform": "sagemaker", "region": "us-east-1",
                       "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
            "variants": [
                {"name": "a", "image": image, "model_uri": "s3://b/m.tar.gz", "instance_type": "ml.m5.large",
                 "min_replicas": 1, "max_replicas": 3, "weight": 80, "env": {"K": "v"}},
                {"name": "b", "image": "r/m:2", "instance_type": "ml.c5.large", "weight": 20},
            ],
            "logging": {"enabled": True, "sample_percent": 10, "destination": "s3://cap/x/"},
            "tags": {"team": "t"},
        })

    def fail(self, name: str, *, on: str, reason: str) -> None:
        self.emulator.control.fail_endpoint(name, on=on, reason=reason)

    def throttle(self, count: int) -> None:
        self.emulator.control.inject_fault(operation="DescribeEndpoint", code="ThrottlingException",
                                           status=400, count=count)

    def writes(self) -> list[str]:
        """Every mutating operation the adapters sent so far."""
        return [op for op in self.sent if not op.startswith(("Describe", "List"))]

    def resources(self, name: str) -> set[str]:
        found = set()
        for ep in self.client.list_endpoints()["Endpoints"]:
            if ep["EndpointName"] == name:
                found.add(f"endpoint/{name}")
        for cfg in self.client.list_endpoint_configs()["EndpointConfigs"]:
            if cfg["EndpointConfigName"].startswith(name + "-"):
                found.add(f"endpoint-config/{cfg['EndpointConfigName']}")
        for model in self.client.list_models()["Models"]:
            if model["ModelName"].startswith(name + "-"):
                found.add(f"model/{model['ModelName']}")
        for target in self.scaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]:
            if target["ResourceId"].startswith(f"endpoint/{name}/"):
                found.add(f"scalable-target/{target['ResourceId']}")
        return found

    def reset(self) -> None:
        self.emulator.control.reset()


ENVS = ["sagemaker", "vertex", "azureml"]

EMULATOR_FIXTURES = {"sagemaker": "sm", "vertex": "vx", "azureml": "az"}
"""The conftest fixture (tests/conftest.py) that yields each platform's emulator, reset."""


def make_env(platform: str, emulator: Any) -> ContractEnv:
    """The contract environment of ``platform`` around its (reset) emulator."""
    if platform == "sagemaker":
        return SageMakerEnv(emulator)
    if platform == "vertex":
        from tests.contract.env_vertex import VertexEnv

        return VertexEnv(emulator)
    if platform == "azureml":
        from tests.contract.env_azureml import AzureMLEnv

        return AzureMLEnv(emulator)
    raise AssertionError(f"no contract environment for {platform!r}")
