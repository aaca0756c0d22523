"""Google Secret Manager references on Vertex AI, against the emulator (which also serves Secret
Manager's REST surface): secrets are made with the real SecretManagerServiceClient, the adapter
reads them with its own, refusals are SecretUnavailable, and a deploy of a materialized spec puts
the value in the Model's containerSpec.env."""

import subprocess
import sys

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import secretmanager_v1

from adapters.vertex.adapter import VertexAdapter
from core.checks.judge import judge
from core.errors import ProviderUnavailable, SecretUnavailable
from core.spec_env import SecretRef
from tests.adapters.secrets_support import deploy, live_of, materialized, redacted, temporary_vault, with_env
from tests.contract.env_vertex import fast_calls
from tests.corpus import corpus
from tests.support.vertex_schema import validate_every_request

SPEC = corpus("vertex")["minimal"]
PROJECT = "my-project"


@pytest.fixture
def secrets(vertex_emulator):
    """A real Secret Manager client on the emulator."""
    return secretmanager_v1.SecretManagerServiceClient(
        transport="rest", credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=vertex_emulator.url))


def _adapter(vx, sent=None):
    adapter = VertexAdapter(SPEC.target, emulators={"vertex": {"url": vx.url}}, policy=fast_calls())
    validate_every_request(adapter.clients, sent)
    return adapter


def _secret(secrets, secret_id, *values):
    secret = secrets.create_secret(parent=f"projects/{PROJECT}", secret_id=secret_id,
                                   secret={"replication": {"automatic": {}}})
    for value in values:
        secrets.add_secret_version(parent=secret.name, payload={"data": value})
    return f"projects/{PROJECT}/secrets/{secret_id}"


def _ref(name):
    return SecretRef(gcp_secret_manager=name)


def test_resolve_reads_latest_or_the_named_version(vertex_emulator, secrets):
    name = _secret(secrets, "api-token", "first".encode(), "sécond".encode())
    adapter = _adapter(vertex_emulator)
    assert adapter.resolve_secret(_ref(name)) == "sécond"
    assert adapter.resolve_secret(_ref(f"{name}/versions/latest")) == "sécond"
    assert adapter.resolve_secret(_ref(f"{name}/versions/1")) == "first"
    assert vertex_emulator.control.calls()["AccessSecretVersion"] == 3


@pytest.mark.parametrize("ref, words", [
    ("projects/my-project/secrets/nope", "not found or has no versions"),
    ("projects/my-project/secrets/empty", "not found or has no versions"),
    ("projects/my-project/secrets/api-token/versions/9", "Secret Version"),
])
def test_missing_secret_or_version_is_unavailable_and_named(vertex_emulator, secrets, ref, words):
    _secret(secrets, "api-token", b"value")
    _secret(secrets, "empty")
    with pytest.raises(SecretUnavailable) as caught:
        _adapter(vertex_emulator).resolve_secret(_ref(ref))
    assert ref in caught.value.message and words in caught.value.message
    assert "value" not in caught.value.message.replace(ref, "")
    assert caught.value.details["provider_code"] == "NOT_FOUND"
    assert caught.value.details["reference"] == {"gcp_secret_manager": ref}


def test_disabled_version_is_unavailable(vertex_emulator, secrets):
    name = _secret(secrets, "rotating", b"old", b"new")
    secrets.disable_secret_version(name=f"{name}/versions/2")
    adapter = _adapter(vertex_emulator)
    with pytest.raises(SecretUnavailable, match="DISABLED state"):
        adapter.resolve_secret(_ref(name))  # latest is the newest version, whatever its state
    assert adapter.resolve_secret(_ref(f"{name}/versions/1")) == "old"


def test_binary_payload_is_refused_without_its_value(vertex_emulator, secrets):
    name = _secret(secrets, "keyfile", b"\xff\xfe\x00zq-payload")
    with pytest.raises(SecretUnavailable, match="not UTF-8") as caught:
        _adapter(vertex_emulator).resolve_secret(_ref(name))
    assert "zq-payload" not in caught.value.message


def test_throttling_is_retried_within_the_call(vertex_emulator, secrets):
    name = _secret(secrets, "busy", b"value")
    vertex_emulator.control.inject_fault(path_contains=":access", status=429, count=2, retry_after=None)
    assert _adapter(vertex_emulator).resolve_secret(_ref(name)) == "value"
    assert len(vertex_emulator.control.injections()) == 2


def test_persistent_unavailability_is_provider_unavailable(vertex_emulator, secrets):
    name = _secret(secrets, "down", b"value")
    vertex_emulator.control.inject_fault(path_contains=":access", status=503, count=None, retry_after=None)
    with pytest.raises(ProviderUnavailable, match="AccessSecretVersion"):
        _adapter(vertex_emulator).resolve_secret(_ref(name))


def test_other_kinds_are_refused(vertex_emulator):
    with pytest.raises(SecretUnavailable, match="aws_secrets_manager"):
        _adapter(vertex_emulator).resolve_secret(SecretRef(aws_secrets_manager="arn:aws:secretsmanager:us-east-1:123456789012:secret:x"))
    assert VertexAdapter.native_secret(_ref("projects/p/secrets/s")) is None
    assert set(VertexAdapter.capabilities.unsupported) >= {"aws_secrets_manager", "azure_key_vault"}


def test_secret_manager_is_imported_only_when_a_secret_is_read():
    code = ("import sys, adapters.vertex.adapter; "
            "assert 'google.cloud.secretmanager_v1' not in sys.modules, 'imported eagerly'")
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True, timeout=120)


def test_deploy_sends_the_value_and_a_rotation_makes_a_new_model(vertex_emulator, secrets, tmp_path):
    name = _secret(secrets, "db-password", b"pw-1")
    spec = with_env(SPEC, {"MODE": "fast", "DB_PASSWORD": {"value_from": {"gcp_secret_manager": name}}})
    sent: list[str] = []
    adapter = _adapter(vertex_emulator, sent)
    with temporary_vault(tmp_path) as vault:
        request_spec, seen = materialized(spec, vault, adapter)
        deploy(adapter, request_spec)
        described = adapter.describe(spec.name)
        (model,) = [m for m in described.models.values() if m]
        env = {e["name"]: e["value"] for e in model["containerSpec"]["env"]}
        assert env == {"MODE": "fast", "DB_PASSWORD": "pw-1"}
        first_model = model["name"]
        sealed = request_spec._sealed
        live = redacted(sealed, live_of(adapter, spec.name), vault, adapter, seen)
        assert live.config["variants"][0]["env"]["DB_PASSWORD"] == {"value_from": {"gcp_secret_manager": name}}
        assert judge(sealed, live, adapter.capabilities).drift.changes == []

        secrets.add_secret_version(parent=name, payload={"data": b"pw-2"})
        rotated, seen = materialized(spec, vault, adapter)
        assert adapter.to_request(rotated).variants[0].model_id != adapter.to_request(request_spec).variants[0].model_id
        deploy(adapter, rotated)
        described = adapter.describe(spec.name)
        (model,) = [m for m in described.models.values() if m]
        assert {e["name"]: e["value"] for e in model["containerSpec"]["env"]}["DB_PASSWORD"] == "pw-2"
        assert model["name"] != first_model
    assert "AccessSecretVersion" not in sent  # the Secret Manager client is not one of the Vertex clients
