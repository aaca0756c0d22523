"""The emulators' request counts (``GET|DELETE /_emulator/<provider>/calls``): what the real SDKs
sent, by API method; faulted requests and control calls are not counted; reset clears them."""

import boto3
import pytest
from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform_v1


def test_sagemaker_counts_operations(sm):
    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sm.url,
                          aws_access_key_id="t", aws_secret_access_key="t")
    assert sm.control.calls() == {}
    client.list_endpoints()
    client.list_endpoints()
    client.list_models()
    sm.control.inject_fault(operation="ListModels", code="ValidationException", count=1)
    with pytest.raises(client.exceptions.ClientError):
        client.list_models()
    assert sm.control.calls() == {"ListEndpoints": 2, "ListModels": 1}
    sm.control.clear_calls()
    assert sm.control.calls() == {}
    client.list_endpoints()
    sm.control.reset()
    assert sm.control.calls() == {}


def test_vertex_counts_methods(vx):
    endpoints = aiplatform_v1.EndpointServiceClient(
        transport="rest", credentials=AnonymousCredentials(), client_options=ClientOptions(api_endpoint=vx.url))
    parent = "projects/calls-project/locations/us-central1"
    list(endpoints.list_endpoints(parent=parent, timeout=10))
    with pytest.raises(gexc.NotFound):
        endpoints.get_endpoint(name=f"{parent}/endpoints/missing", timeout=10)
    vx.control.inject_fault(path_contains="/endpoints", status=503, count=1)
    with pytest.raises(gexc.ServiceUnavailable):
        endpoints.get_endpoint(name=f"{parent}/endpoints/missing", timeout=10, retry=None)
    assert vx.control.calls() == {"ListEndpoints": 1, "GetEndpoint": 1}
    vx.control.reset()
    assert vx.control.calls() == {}


def test_azureml_counts_operations(az):
    from tests.emulators.azureml_support import raw_client

    az.control.set_progression("immediate")
    with raw_client(az) as arm:
        arm.get("/onlineEndpoints")
        arm.put_endpoint("calls-ep")
        az.control.inject_fault(operation="GetEndpoint", status=503, count=1)
        assert arm.get("/onlineEndpoints/calls-ep").status_code == 503
        assert arm.get("/onlineEndpoints/calls-ep").status_code == 200
    assert az.control.calls() == {"GetEndpoint": 1, "ListEndpoints": 1, "PutEndpoint": 1}
    az.control.clear_calls()
    assert az.control.calls() == {}
    with raw_client(az) as arm:
        arm.get("/onlineEndpoints")
    az.control.reset()
    assert az.control.calls() == {}
