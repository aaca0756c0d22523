"""Secrets Manager on the SageMaker emulator's URL (moto's, for the secrets the service reads at
deploy time): served, counted, faulted like the SageMaker APIs, cleared by reset."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulators.sagemaker import ControlAPIError
from emulators.sagemaker.faults import identify


def _client(sm, region="us-east-1"):
    return boto3.client("secretsmanager", endpoint_url=sm.url, region_name=region, aws_access_key_id="t",
                        aws_secret_access_key="t", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def test_secrets_are_served_per_region_and_counted(sagemaker_emulator):
    east = _client(sagemaker_emulator)
    arn = east.create_secret(Name="db/password", SecretString="pw")["ARN"]
    assert arn.startswith("arn:aws:secretsmanager:us-east-1:")
    assert east.get_secret_value(SecretId=arn)["SecretString"] == "pw"
    with pytest.raises(ClientError) as caught:
        _client(sagemaker_emulator, "eu-west-1").get_secret_value(SecretId="db/password")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    calls = sagemaker_emulator.control.calls()
    assert (calls["CreateSecret"], calls["GetSecretValue"]) == (1, 2)


def test_faults_match_the_secretsmanager_service(sagemaker_emulator):
    client = _client(sagemaker_emulator)
    arn = client.create_secret(Name="token", SecretString="v")["ARN"]
    sagemaker_emulator.control.inject_fault(service="secretsmanager", operation="GetSecretValue",
                                            code="InternalServiceError", status=500, retry_after=2)
    sagemaker_emulator.control.inject_fault(service="sagemaker", operation="GetSecretValue",
                                            code="AccessDeniedException")
    with pytest.raises(ClientError) as caught:
        client.get_secret_value(SecretId=arn)
    error = caught.value.response
    assert error["Error"]["Code"] == "InternalServiceError" and error["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-amz-retry-after"] == "2000"
    assert client.get_secret_value(SecretId=arn)["SecretString"] == "v"  # the sagemaker fault does not match
    assert [f["service"] for f in sagemaker_emulator.control.faults()] == ["sagemaker"]


def test_wildcard_faults_reach_secretsmanager_too(sagemaker_emulator):
    sagemaker_emulator.control.inject_fault(service="*", code="ThrottlingException", count=1)
    with pytest.raises(ClientError, match="ThrottlingException"):
        _client(sagemaker_emulator).list_secrets()


def test_identify_names_secretsmanager_operations():
    assert identify({"HTTP_X_AMZ_TARGET": "secretsmanager.GetSecretValue"}) == ("secretsmanager", "GetSecretValue")
    assert identify({"HTTP_X_AMZ_TARGET": "Unknown.Op"}) is None


def test_unknown_fault_service_is_refused(sagemaker_emulator):
    with pytest.raises(ControlAPIError, match="secretsmanager"):
        sagemaker_emulator.control.inject_fault(service="kms")


def test_reset_drops_secrets(sagemaker_emulator):
    client = _client(sagemaker_emulator)
    client.create_secret(Name="ephemeral", SecretString="x")
    sagemaker_emulator.control.reset()
    assert client.list_secrets()["SecretList"] == []
