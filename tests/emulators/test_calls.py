"""The emulators' request counts (``GET|DELETE /_emulator/<provider>/calls``): what the real SDKs
sent, by API method; faulted requests and control calls are not counted; reset clears them."""

import boto3
import pytest
from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform_v1


def test_sagemaker_counts_operations(sagemaker_emulator):
    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker_emulator.url,
                          aws_access_key_id="t", aws_secret_access_key="t")
    assert sagemaker_emulator.control.calls() == {}
    client.list_endpoints()
    client.list_endpoints()
    client.list_models()
    sagemaker_emulator.control.inject_fault(operation="ListModels", code="ValidationException", count=1)
    with pytest.raises(client.exceptions.ClientError):
        client.list_models()
    assert sagemaker_emulator.control.calls() == {"ListEndpoints": 2, "ListModels": 1}
    sagemaker_emulator.control.clear_calls()
    assert sagemaker_emulator.control.calls() == {}
    client.list_endpoints()
    sagemaker_emulator.control.reset()
    assert sagemaker_emulator.control.calls() == {}


def test_vertex_counts_methods(vertex_emulator):
    endpoints = aiplatform_v1.EndpointServiceClient(
        transport="rest", credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=vertex_emulator.url))
    parent = "projects/calls-project/locations/us-central1"
    list(endpoints.list_endpoints(parent=parent, timeout=10))
    with pytest.raises(gexc.NotFound):
        endpoints.get_endpoint(name=f"{parent}/endpoints/missing", timeout=10)
    vertex_emulator.control.inject_fault(path_contains="/endpoints", status=503, count=1)
    with pytest.raises(gexc.ServiceUnavailable):
        endpoints.get_endpoint(name=f"{parent}/endpoints/missing", timeout=10, retry=None)
    assert vertex_emulator.control.calls() == {"ListEndpoints": 1, "GetEndpoint": 1}
    vertex_emulator.control.reset()
    assert vertex_emulator.control.calls() == {}


def test_azureml_counts_operations(azureml_emulator):
    from tests.emulators.azureml_support import raw_client

    azureml_emulator.control.set_progression("immediate")
    with raw_client(azureml_emulator) as arm:
        arm.get("/onlineEndpoints")
        arm.put_endpoint("calls-ep")
        azureml_emulator.control.inject_fault(operation="GetEndpoint", status=503, count=1)
        assert arm.get("/onlineEndpoints/calls-ep").status_code == 503
        assert arm.get("/onlineEndpoints/calls-ep").status_code == 200
    assert azureml_emulator.control.calls() == {"GetEndpoint": 1, "ListEndpoints": 1, "PutEndpoint": 1}
    azureml_emulator.control.clear_calls()
    assert azureml_emulator.control.calls() == {}
    with raw_client(azureml_emulator) as arm:
        arm.get("/onlineEndpoints")
    azureml_emulator.control.reset()
    assert azureml_emulator.control.calls() == {}
