"""Azure Key Vault references on Azure ML: sent as ``${{keyvault:<secret uri>}}`` (Azure ML injects
the value itself), read back as the reference; a deploy of a materialized spec through the real
MLClient and the emulator (whose strict walker validates every body) carries the reference, never a
value the service read."""

import pytest

from adapters.azureml.adapter import AzureMLAdapter
from core.checks.judge import judge
from core.errors import DeploymentFailed, SecretUnavailable
from core.spec_env import SecretRef
from tests.adapters.azureml.support import adapter_for
from tests.adapters.secrets_support import deploy, live_of, materialized, redacted, temporary_vault, with_env
from tests.corpus import corpus

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SPEC = corpus("azureml")["minimal-key"]
VERSIONED = "https://kv-prod-01.vault.azure.net/secrets/db-password/0123456789abcdef0123456789abcdef"
CURRENT = "https://kv-prod-01.vault.azure.net/secrets/api-token"


@pytest.mark.parametrize("uri", [VERSIONED, CURRENT])
def test_native_reference_round_trips(uri):
    ref = SecretRef(azure_key_vault=uri)
    value = AzureMLAdapter.native_secret(ref)
    assert value == "${{keyvault:" + uri + "}}"
    assert AzureMLAdapter.parse_native_secret(value) == ref


@pytest.mark.parametrize("value", [
    "plain text", "", "${{keyvault:}}", "${{keyvault:https://kv.vault.azure.net/keys/k}}",
    "${{keyvault:https://kv-prod-01.vault.azure.net/secrets/x/not-a-version}}",
    "${{azureml://connections/aoai}}", "prefix ${{keyvault:" + CURRENT + "}}",
    "${{keyvault:" + CURRENT + "}} suffix",
])
def test_other_values_are_not_references(value):
    assert AzureMLAdapter.parse_native_secret(value) is None


def test_only_key_vault_is_native():
    assert AzureMLAdapter.native_secret(SecretRef(service_secret="db")) is None
    assert AzureMLAdapter.native_secret(SecretRef(gcp_secret_manager="projects/p/secrets/s")) is None
    assert set(AzureMLAdapter.capabilities.unsupported) >= {"aws_secrets_manager", "gcp_secret_manager"}


def test_resolve_refuses_what_azure_ml_reads_itself(azureml_emulator):
    adapter = adapter_for(azureml_emulator, SPEC.target)
    with pytest.raises(SecretUnavailable, match="azure_key_vault"):
        adapter.resolve_secret(SecretRef(azure_key_vault=CURRENT))


def test_deploy_sends_the_reference_and_checks_find_no_drift(azureml_emulator, tmp_path):
    spec = with_env(SPEC, {"MODE": "fast", "DB_PASSWORD": {"value_from": {"azure_key_vault": VERSIONED}},
                           "API_TOKEN": {"value_from": {"azure_key_vault": CURRENT}},
                           "SHARED": {"value_from": {"service_secret": "shared-key"}}})
    adapter = adapter_for(azureml_emulator, SPEC.target)
    with temporary_vault(tmp_path) as vault:
        vault.set_service("shared-key", "from-the-service")
        request_spec, seen = materialized(spec, vault, adapter)
        assert list(seen) == ["variants[main].env.SHARED"]  # Key Vault values are never read here
        deploy(adapter, request_spec)
        (deployment,) = adapter.ml.online_deployments.list(spec.name)
        assert deployment.environment_variables == {
            "MODE": "fast", "DB_PASSWORD": "${{keyvault:" + VERSIONED + "}}",
            "API_TOKEN": "${{keyvault:" + CURRENT + "}}", "SHARED": "from-the-service"}
        assert not adapter.validator.problems
        sealed = request_spec._sealed
        live = redacted(sealed, live_of(adapter, spec.name), vault, adapter, seen)
        env = live.config["variants"][0]["env"]
        assert env["DB_PASSWORD"] == {"value_from": {"azure_key_vault": VERSIONED}}
        assert env["SHARED"] == {"value_from": {"service_secret": "shared-key"}}
        assert judge(sealed, live, adapter.capabilities).drift.changes == []


def test_a_reference_changed_behind_the_back_is_drift(azureml_emulator, tmp_path):
    spec = with_env(SPEC, {"DB_PASSWORD": {"value_from": {"azure_key_vault": VERSIONED}}})
    adapter = adapter_for(azureml_emulator, SPEC.target)
    with temporary_vault(tmp_path) as vault:
        request_spec, seen = materialized(spec, vault, adapter)
        deploy(adapter, request_spec)
        (deployment,) = adapter.ml.online_deployments.list(spec.name)
        other = "https://kv-prod-01.vault.azure.net/secrets/db-password-old"
        azureml_emulator.control.drift(spec.name,
                                       {"environment_variables": {"DB_PASSWORD": "${{keyvault:" + other + "}}"}},
                                       deployment=deployment.name)
        sealed = request_spec._sealed
        live = redacted(sealed, live_of(adapter, spec.name), vault, adapter, seen)
        changes = judge(sealed, live, adapter.capabilities).drift.changes
        assert [c.path for c in changes] == ["variants[main].env.DB_PASSWORD"]
        assert changes[0].actual == {"value_from": {"azure_key_vault": other}}


def test_a_missing_key_vault_secret_fails_the_rollout_with_azures_reason(azureml_emulator, tmp_path):
    azureml_emulator.control.add_key_vault_secret("kv-prod-01", "api-token")  # the vault is known: others are checked
    spec = with_env(SPEC, {"DB_PASSWORD": {"value_from": {"azure_key_vault": VERSIONED}}})
    adapter = adapter_for(azureml_emulator, SPEC.target)
    with temporary_vault(tmp_path) as vault:
        request_spec, _ = materialized(spec, vault, adapter)
        with pytest.raises(DeploymentFailed) as caught:
            deploy(adapter, request_spec)
    assert "Secret injection failed for environment variable 'DB_PASSWORD'" in caught.value.message
    assert VERSIONED in caught.value.message
