"""Per-platform material of the Terraform tests: a target, a two-variant config, and a change made
behind Terraform's back with the cloud's SDK (the Azure instance count through the emulator's
control API, as tests/e2e does: azure-ai-ml 1.35 cannot re-submit a deployment it read back)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from tests.platforms import NAMES, TEST_PLATFORMS, load

__all__ = ["PLATFORMS", "Platform", "SAGEMAKER", "VERTEX", "AZUREML", "AZUREML_TARGET"]


@dataclass(frozen=True)
class Platform:
    name: str
    target: dict[str, Any]
    image: str
    instance_type: str
    drift: Callable[[Any, str], set[str]]
    """(emulators by platform, deployment name) -> the fields the drift changed (``tags``,
    ``variant.weight``: attribute or block.attribute)."""

    def variants(self, canary_weight: int = 10, canary_tag: str = "2.1") -> list[dict[str, Any]]:
        return [{"name": "stable", "image": f"{self.image}:2.0", "instance_type": self.instance_type,
                 "weight": 100 - canary_weight},
                {"name": "canary", "image": f"{self.image}:{canary_tag}", "instance_type": self.instance_type,
                 "weight": canary_weight}]


def _sagemaker_drift(emulators: Any, name: str) -> set[str]:
    import boto3

    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=emulators["sagemaker"].url,
                          aws_access_key_id="t", aws_secret_access_key="t")
    client.update_endpoint_weights_and_capacities(
        EndpointName=name, DesiredWeightsAndCapacities=[{"VariantName": "canary", "DesiredWeight": 90.0}])
    arn = client.describe_endpoint(EndpointName=name)["EndpointArn"]
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "someone-else"}])
    return {"variant.weight", "tags"}


def _vertex_drift(emulators: Any, name: str) -> set[str]:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform_v1
    from google.protobuf import field_mask_pb2

    endpoints = aiplatform_v1.EndpointServiceClient(
        transport="rest", credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=emulators["vertex"].url))
    resource = f"projects/tf-project/locations/us-central1/endpoints/{name}"
    live = endpoints.get_endpoint(name=resource, timeout=10)
    ids = {dm.display_name: dm.id for dm in live.deployed_models}
    endpoints.update_endpoint(
        endpoint=aiplatform_v1.Endpoint(name=resource, traffic_split={ids["stable"]: 50, ids["canary"]: 50},
                                        labels=dict(live.labels) | {"team": "someone-else"}),
        update_mask=field_mask_pb2.FieldMask(paths=["traffic_split", "labels"]), timeout=10)
    return {"variant.weight", "tags"}


def _azureml_drift(emulators: Any, name: str) -> set[str]:
    from adapters.azureml.client import make_client
    from core.targets import AzureMLTarget

    az = emulators["azureml"]
    endpoint = next(e for ws in az.control.state()["workspaces"] for e in ws["endpoints"] if e["name"] == name)
    stable = next(d for d in endpoint["deployments"] if d.startswith("stable-"))
    az.control.drift(name, {"instance_count": 3}, deployment=stable)
    target = AzureMLTarget(**{k: v for k, v in AZUREML_TARGET.items()})
    ml = make_client(target, {"url": az.url, "ca_file": str(az.ca_file)}).ml
    live = ml.online_endpoints.get(name)
    live.tags = {**live.tags, "team": "someone-else"}
    ml.online_endpoints.begin_create_or_update(live).result()
    return {"variant.min_replicas", "variant.max_replicas", "tags"}


AZUREML_TARGET = {"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-0000000000f7",
                  "resource_group": "rg-tf", "workspace": "ws-tf"}

SAGEMAKER = Platform("sagemaker", {"platform": "sagemaker", "region": "us-east-1",
                                   "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
                     "r/fraud", "ml.c5.xlarge", _sagemaker_drift)
VERTEX = Platform("vertex", {"platform": "vertex", "project": "tf-project", "location": "us-central1"},
                  "us-docker.pkg.dev/tf-project/serving/fraud", "n1-standard-4", _vertex_drift)
AZUREML = Platform("azureml", AZUREML_TARGET, "myregistry.azurecr.io/churn", "Standard_DS3_v2", _azureml_drift)

PLATFORMS: dict[str, Platform] = {name: load(TEST_PLATFORMS[name].terraform) for name in NAMES}
"""Every platform of tests/platforms.py, in the registry's order."""
