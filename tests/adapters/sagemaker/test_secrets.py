"""AWS Secrets Manager references on SageMaker, against the emulator (moto's Secrets Manager on the
same URL): the adapter reads the value with a real boto3 client, maps refusals to
SecretUnavailable, and a deploy of a materialized spec puts the value in the model's Environment."""

import boto3
import pytest

from adapters.sagemaker.adapter import SageMakerAdapter
from core.checks.judge import judge
from core.errors import ProviderUnavailable, SecretUnavailable
from core.spec_env import SecretRef
from tests.adapters.secrets_support import deploy, live_of, materialized, redacted, temporary_vault, with_env
from tests.corpus import corpus
from tests.support.aws_schema import validate_every_request

SPEC = corpus("sagemaker")["env-and-artifact"]
SECRET_REGION = "eu-west-1"  # not the target's region: the ARN's region is used


def _adapter(sm):
    adapter = SageMakerAdapter(SPEC.target, emulators={"sagemaker": {"url": sm.url}})
    for client in (adapter.sm, adapter.scaling, adapter.runtime, adapter._secrets.client(SECRET_REGION)):
        validate_every_request(client)
    return adapter


def _secrets(sm, region=SECRET_REGION):
    return boto3.client("secretsmanager", endpoint_url=sm.url, region_name=region,
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def _ref(arn):
    return SecretRef(aws_secrets_manager=arn)


def test_resolve_reads_the_secret_string(sagemaker_emulator):
    arn = _secrets(sagemaker_emulator).create_secret(Name="prod/db-password", SecretString="s3cr3t-välue")["ARN"]
    assert _adapter(sagemaker_emulator).resolve_secret(_ref(arn)) == "s3cr3t-välue"
    assert sagemaker_emulator.control.calls()["GetSecretValue"] == 1


def test_resolve_reads_the_current_version(sagemaker_emulator):
    client = _secrets(sagemaker_emulator)
    arn = client.create_secret(Name="token", SecretString="v1")["ARN"]
    client.put_secret_value(SecretId=arn, SecretString="v2")
    assert _adapter(sagemaker_emulator).resolve_secret(_ref(arn)) == "v2"


def test_unknown_secret_is_unavailable_and_names_the_arn(sagemaker_emulator):
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nope-AbCdEf"
    with pytest.raises(SecretUnavailable) as caught:
        _adapter(sagemaker_emulator).resolve_secret(_ref(arn))
    assert arn in caught.value.message and "ResourceNotFoundException" in caught.value.message
    assert caught.value.details["provider_code"] == "ResourceNotFoundException"


def test_secret_in_another_region_is_not_found(sagemaker_emulator):
    arn = _secrets(sagemaker_emulator, "us-west-2").create_secret(Name="elsewhere", SecretString="x")["ARN"]
    wrong = arn.replace("us-west-2", SECRET_REGION)
    with pytest.raises(SecretUnavailable, match="elsewhere"):
        _adapter(sagemaker_emulator).resolve_secret(_ref(wrong))
    assert _adapter(sagemaker_emulator).resolve_secret(_ref(arn)) == "x"


def test_binary_secret_is_refused_without_its_value(sagemaker_emulator):
    arn = _secrets(sagemaker_emulator).create_secret(Name="blob", SecretBinary=b"\x00zq-payload\xff")["ARN"]
    with pytest.raises(SecretUnavailable, match="SecretBinary") as caught:
        _adapter(sagemaker_emulator).resolve_secret(_ref(arn))
    assert arn in caught.value.message and "binary\\xff" not in caught.value.message


def test_secret_marked_for_deletion_is_unavailable(sagemaker_emulator):
    client = _secrets(sagemaker_emulator)
    arn = client.create_secret(Name="going", SecretString="x")["ARN"]
    client.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    with pytest.raises(SecretUnavailable, match="InvalidRequestException"):
        _adapter(sagemaker_emulator).resolve_secret(_ref(arn))


def test_access_denied_is_unavailable(sagemaker_emulator):
    arn = _secrets(sagemaker_emulator).create_secret(Name="guarded", SecretString="x")["ARN"]
    sagemaker_emulator.control.inject_fault(service="secretsmanager", operation="GetSecretValue",
                                            code="AccessDeniedException", status=400)
    with pytest.raises(SecretUnavailable, match="AccessDeniedException"):
        _adapter(sagemaker_emulator).resolve_secret(_ref(arn))


def test_throttling_is_retried_by_botocore(sagemaker_emulator):
    arn = _secrets(sagemaker_emulator).create_secret(Name="busy", SecretString="value")["ARN"]
    sagemaker_emulator.control.inject_fault(service="secretsmanager", operation="GetSecretValue", count=1)
    assert _adapter(sagemaker_emulator).resolve_secret(_ref(arn)) == "value"
    assert len(sagemaker_emulator.control.injections()) == 1


def test_persistent_server_errors_are_provider_unavailable(sagemaker_emulator):
    arn = _secrets(sagemaker_emulator).create_secret(Name="down", SecretString="value")["ARN"]
    sagemaker_emulator.control.inject_fault(service="secretsmanager", operation="GetSecretValue",
                                            code="InternalServiceError", status=500, count=3)
    with pytest.raises(ProviderUnavailable, match="GetSecretValue"):
        _adapter(sagemaker_emulator).resolve_secret(_ref(arn))


def test_other_kinds_are_refused():
    adapter_cls = SageMakerAdapter
    assert adapter_cls.native_secret(SecretRef(gcp_secret_manager="projects/p/secrets/s")) is None
    assert adapter_cls.parse_native_secret("anything") is None
    assert set(adapter_cls.capabilities.unsupported) >= {"gcp_secret_manager", "azure_key_vault"}


def test_deploy_sends_the_value_and_checks_find_no_drift(sagemaker_emulator, tmp_path):
    arn = _secrets(sagemaker_emulator).create_secret(Name="prod/api-token", SecretString="tok-123")["ARN"]
    spec = with_env(SPEC, {"A": "1", "TOKEN": {"value_from": {"aws_secrets_manager": arn}},
                           "PIN": {"secret": True, "value": "4711"}})
    adapter = _adapter(sagemaker_emulator)
    with temporary_vault(tmp_path) as vault:
        request_spec, seen = materialized(spec, vault, adapter)
        deploy(adapter, request_spec)
        described = adapter.describe(spec.name)
        (model,) = described.models.values()
        assert model["PrimaryContainer"]["Environment"] == {"A": "1", "TOKEN": "tok-123", "PIN": "4711"}
        assert "tok-123" not in model["ModelName"] and "tok-123" not in described.config["EndpointConfigName"]
        sealed = request_spec._sealed
        live = redacted(sealed, live_of(adapter, spec.name), vault, adapter, seen)
        assert live.config["variants"][0]["env"]["TOKEN"] == {"value_from": {"aws_secrets_manager": arn}}
        assert judge(sealed, live, adapter.capabilities).drift.changes == []
