"""Helpers for the Vertex AI emulator tests: real GAPIC REST clients and small resource builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform_v1 as v1

PROJECT = "my-proj"
LOCATION = "us-central1"
PARENT = f"projects/{PROJECT}/locations/{LOCATION}"
IMAGE = "us-docker.pkg.dev/my-proj/serving/model:1"
TIMEOUT = 5.0


@dataclass
class Clients:
    """The three GAPIC REST clients of one emulator, plus an httpx client for raw requests."""

    models: v1.ModelServiceClient
    endpoints: v1.EndpointServiceClient
    prediction: v1.PredictionServiceClient
    http: httpx.Client
    url: str


def make_clients(url: str) -> Clients:
    """GAPIC clients as the adapter builds them (REST, anonymous credentials, http:// kept)."""
    kwargs: dict[str, Any] = {
        "transport": "rest",
        "client_options": ClientOptions(api_endpoint=url),
        "credentials": AnonymousCredentials(),
    }
    return Clients(
        models=v1.ModelServiceClient(**kwargs),
        endpoints=v1.EndpointServiceClient(**kwargs),
        prediction=v1.PredictionServiceClient(**kwargs),
        http=httpx.Client(base_url=url, timeout=TIMEOUT),
        url=url,
    )


def model_name(model_id: str, project: str = PROJECT) -> str:
    return f"projects/{project}/locations/{LOCATION}/models/{model_id}"


def endpoint_name(endpoint_id: str, project: str = PROJECT) -> str:
    return f"projects/{project}/locations/{LOCATION}/endpoints/{endpoint_id}"


def model_body(**overrides: Any) -> v1.Model:
    """A valid custom-container Model."""
    fields: dict[str, Any] = {
        "display_name": "churn",
        "labels": {"team": "ml"},
        "artifact_uri": "gs://bucket/churn/1",
        "container_spec": v1.ModelContainerSpec(
            image_uri=IMAGE, ports=[v1.Port(container_port=8080)], predict_route="/predict", health_route="/health"
        ),
    }
    fields.update(overrides)
    return v1.Model(**fields)


def upload(c: Clients, model_id: str = "churn-1", **overrides: Any) -> str:
    """Upload a model and wait for it; its canonical name."""
    request = v1.UploadModelRequest(parent=PARENT, model_id=model_id, model=model_body(**overrides))
    return c.models.upload_model(request=request, timeout=TIMEOUT).result(timeout=TIMEOUT).model


def start_upload(c: Clients, model_id: str = "churn-1", **overrides: Any) -> Any:
    request = v1.UploadModelRequest(parent=PARENT, model_id=model_id, model=model_body(**overrides))
    return c.models.upload_model(request=request, timeout=TIMEOUT)


def create_endpoint(c: Clients, endpoint_id: str = "ep1", **fields: Any) -> v1.Endpoint:
    """Create an endpoint and wait for it."""
    body = v1.Endpoint(**({"display_name": "serving"} | fields))
    return c.endpoints.create_endpoint(parent=PARENT, endpoint=body, endpoint_id=endpoint_id, timeout=TIMEOUT).result(
        timeout=TIMEOUT
    )


def resources(machine_type: str = "n1-standard-2", **fields: Any) -> v1.DedicatedResources:
    machine = fields.pop("machine", {})
    return v1.DedicatedResources(
        machine_spec=v1.MachineSpec(machine_type=machine_type, **machine), **({"min_replica_count": 1} | fields)
    )


def deployed(model: str, deployed_id: str = "", **resource_fields: Any) -> v1.DeployedModel:
    return v1.DeployedModel(model=model, id=deployed_id, dedicated_resources=resources(**resource_fields))


def start_deploy(c: Clients, endpoint: str, dm: v1.DeployedModel, traffic: dict[str, int] | None = None) -> Any:
    return c.endpoints.deploy_model(endpoint=endpoint, deployed_model=dm, traffic_split=traffic or {}, timeout=TIMEOUT)


def deploy(c: Clients, endpoint: str, dm: v1.DeployedModel, traffic: dict[str, int] | None = None) -> v1.DeployedModel:
    """Deploy and wait; the DeployedModel."""
    return start_deploy(c, endpoint, dm, traffic).result(timeout=TIMEOUT).deployed_model


def serving(c: Clients, endpoint_id: str = "ep1", model_id: str = "churn-1", deployed_id: str = "1001") -> v1.Endpoint:
    """An endpoint with one model deployed taking all traffic."""
    model = upload(c, model_id)
    endpoint = create_endpoint(c, endpoint_id)
    deploy(c, endpoint.name, deployed(model, deployed_id), {"0": 100})
    return c.endpoints.get_endpoint(name=endpoint.name, timeout=TIMEOUT)


def refused(
    call: Callable[[], Any], http_status: int, status: str, message: str
) -> gexc.GoogleAPICallError:
    """Assert ``call`` raises a Google API error with that HTTP status, rpc status and message part."""
    with pytest.raises(gexc.GoogleAPICallError) as caught:
        call()
    error = caught.value
    assert error.code == http_status, error
    assert error.response is not None
    assert error.response.json()["error"]["status"] == status, error.response.text
    assert message in error.message, error.message
    return error


def raw_refused(response: httpx.Response, http_status: int, status: str, message: str) -> dict[str, Any]:
    """Assert an httpx response is Google's JSON error with that status, rpc status and message part."""
    assert response.status_code == http_status, response.text
    error = response.json()["error"]
    assert error["code"] == http_status and error["status"] == status, error
    assert message in error["message"], error["message"]
    assert error["details"] == []
    return error
