"""Secret injection references in Azure ML deployments' environment variables (emulator, raw ARM
and the real MLClient): well-formed Key Vault and workspace connection references are stored and
returned as sent; malformed ones are refused with 400 naming the variable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulators.azureml import AzureMLEmulator
from emulators.azureml.secret_refs import keyvault_problem
from tests.emulators.azureml_support import (
    ArmClient,
    drop_current_cloud,
    make_ml_client,
    quiet,
    raw_client,
    silence_azure_logging,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
VERSION = "0123456789abcdef0123456789ABCDEF"


@pytest.fixture(scope="module")
def emulator() -> Iterator[AzureMLEmulator]:
    silence_azure_logging()
    with AzureMLEmulator("127.0.0.1", 0) as running:
        yield running
    drop_current_cloud()


@pytest.fixture(scope="module")
def arm(emulator: AzureMLEmulator) -> Iterator[ArmClient]:
    with raw_client(emulator) as client:
        yield client


@pytest.fixture(autouse=True)
def _endpoint(emulator: AzureMLEmulator, arm: ArmClient) -> Iterator[None]:
    emulator.control.reset()
    assert arm.put_endpoint("ep-secrets").status_code == 201
    yield


def _put(arm: ArmClient, env: dict[str, str], name: str = "blue") -> Any:
    return arm.put_deployment("ep-secrets", name, environmentVariables=env)


@pytest.mark.parametrize("value", [
    "${{keyvault:https://kv-prod-01.vault.azure.net/secrets/db-password/" + VERSION + "}}",
    "${{keyvault:https://kv-prod-01.vault.azure.net/secrets/db-password}}",
    "${{keyvault:https://kvgov.vault.usgovcloudapi.net/secrets/x/" + VERSION.lower() + "}}",
    "${{keyvault:https://kvcn.vault.azure.cn/secrets/x}}",
    "${{azureml://connections/aoai_connection}}",
    "${{azureml://connections/multi/credentials/OPENAI_API_KEY}}",
    "${{azureml://connections/multi/metadata/OPENAI_API_VERSION}}",
    "${{azureml://connections/multi/target}}",
    "${{ not a reference form: a literal }}",
    "plain",
])
def test_well_formed_references_are_stored_as_sent(arm, value):
    answer = _put(arm, {"SECRET": value, "OTHER": "1"})
    assert answer.status_code == 201, answer.text
    stored = arm.settle("/onlineEndpoints/ep-secrets/deployments/blue")
    assert stored["properties"]["environmentVariables"] == {"SECRET": value, "OTHER": "1"}


@pytest.mark.parametrize("value, problem", [
    ("${{keyvault:}}", "is not a Key Vault secret identifier"),
    ("${{keyvault:http://kv-prod-01.vault.azure.net/secrets/x}}", "is not a Key Vault secret identifier"),
    ("${{keyvault:https://kv-prod-01.vault.azure.net/keys/x}}", "is not a Key Vault secret identifier"),
    ("${{keyvault:https://kv-prod-01.vault.example.com/secrets/x}}", "is not a Key Vault DNS suffix"),
    ("${{keyvault:https://kv.vault.azure.net/secrets/x}}", "is not a valid vault name"),
    ("${{keyvault:https://1kv-prod.vault.azure.net/secrets/x}}", "is not a valid vault name"),
    ("${{keyvault:https://kv--prod.vault.azure.net/secrets/x}}", "is not a valid vault name"),
    ("${{keyvault:https://kv-prod-01.vault.azure.net/secrets/under_score}}", "is not a valid secret name"),
    ("${{keyvault:https://kv-prod-01.vault.azure.net/secrets/x/v1}}", "is not a secret version"),
    ("${{keyvault:https://kv-prod-01.vault.azure.net/secrets/x", "expected ${{keyvault:https://"),
])
def test_malformed_key_vault_references_are_refused(arm, value, problem):
    answer = _put(arm, {"OK": "1", "DB_PASSWORD": value})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "BadRequest"
    assert "'DB_PASSWORD'" in error["message"] and problem in error["message"], error["message"]
    assert arm.get("/onlineEndpoints/ep-secrets/deployments/blue").status_code == 404


@pytest.mark.parametrize("value", ["${{azureml://connections/}}", "${{azureml://connections/a/secrets/b}}",
                                   "${{azureml://connections/a/credentials}}"])
def test_malformed_connection_references_are_refused(arm, value):
    answer = _put(arm, {"CONN": value})
    assert answer.status_code == 400 and "workspace connection reference" in answer.json()["error"]["message"]


def test_a_replace_is_validated_too(arm):
    assert _put(arm, {"A": "1"}).status_code == 201
    arm.settle("/onlineEndpoints/ep-secrets/deployments/blue")
    assert _put(arm, {"A": "${{keyvault:nope}}"}).status_code == 400


def test_the_sdk_round_trips_a_reference(emulator, arm):
    import azure.ai.ml.entities as e

    ml = make_ml_client(emulator)
    try:
        reference = "${{keyvault:https://kv-prod-01.vault.azure.net/secrets/db-password}}"
        prefix = arm.prefix
        deployment = e.ManagedOnlineDeployment(
            name="green", endpoint_name="ep-secrets", instance_type="Standard_DS3_v2", instance_count=1,
            model=f"{prefix}/models/m/versions/1", environment=f"{prefix}/environments/env/versions/3",
            environment_variables={"DB_PASSWORD": reference})
        quiet(lambda: ml.online_deployments.begin_create_or_update(deployment).result())
        assert ml.online_deployments.get("green", "ep-secrets").environment_variables == {"DB_PASSWORD": reference}
    finally:
        drop_current_cloud()


def test_keyvault_problem_accepts_every_azure_cloud_suffix():
    for suffix in ("vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net", "vault.microsoftazure.de"):
        assert keyvault_problem(f"https://kv-prod-01.{suffix}/secrets/x/{VERSION}") is None


def test_registered_key_vaults_fail_deployments_that_reference_missing_secrets(emulator, arm):
    control = emulator.control
    current = control.add_key_vault_secret("kv-prod-01", "db-password")
    assert current.startswith("https://kv-prod-01.vault.azure.net/secrets/db-password/")
    older = control.add_key_vault_secret("kv-prod-01", "db-password", version=VERSION)
    assert control.key_vaults() == {"kv-prod-01": {"db-password": [current.rsplit("/", 1)[1], VERSION.lower()]}}
    ok = {"A": "${{keyvault:" + current + "}}", "B": "${{keyvault:" + older + "}}",
          "C": "${{keyvault:https://kv-prod-01.vault.azure.net/secrets/db-password}}",
          "D": "${{keyvault:https://kv-unregistered.vault.azure.net/secrets/anything}}"}
    assert _put(arm, ok).status_code == 201
    assert arm.settle("/onlineEndpoints/ep-secrets/deployments/blue")["properties"]["provisioningState"] == "Succeeded"
    missing = "https://kv-prod-01.vault.azure.net/secrets/api-token"
    answer = _put(arm, {"TOKEN": "${{keyvault:" + missing + "}}"}, name="green")
    assert answer.status_code == 201  # accepted; the secret is read while the deployment is created
    failed = arm.settle("/onlineEndpoints/ep-secrets/deployments/green")
    assert failed["properties"]["provisioningState"] == "Failed"
    status = arm.http.get(answer.headers["Azure-AsyncOperation"], headers={"Authorization": "Bearer t"}).json()
    assert status["status"] == "Failed" and status["error"]["code"] == "DeploymentFailed"
    assert "'TOKEN'" in status["error"]["message"] and missing in status["error"]["message"]
    wrong_version = _put(arm, {"B": "${{keyvault:" + older.replace(VERSION, "f" * 32) + "}}"}, name="blue")
    assert wrong_version.status_code == 200
    assert arm.settle("/onlineEndpoints/ep-secrets/deployments/blue")["properties"]["provisioningState"] == "Failed"


def test_key_vault_registration_validates_names(emulator):
    from emulators.azureml import ControlAPIError

    with pytest.raises(ControlAPIError, match="vault name"):
        emulator.control.add_key_vault_secret("kv", "x")
    with pytest.raises(ControlAPIError, match="secret version"):
        emulator.control.add_key_vault_secret("kv-prod-01", "x", version="v1")
    emulator.control.reset()
    assert emulator.control.key_vaults() == {}
