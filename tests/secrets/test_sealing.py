"""Secrets below the API: the keyring, log masking, sealing, materializing and redacting live configs."""

from __future__ import annotations

import logging

import pytest

from adapters.azureml.adapter import AzureMLAdapter
from adapters.sagemaker.adapter import SageMakerAdapter
from core.diff import diff
from core.errors import SecretUnavailable
from core.live import Health, LiveEndpoint
from core.secrets import masking
from core.secrets.keyring import Keyring, generate_key
from core.secrets.sealing import keep_literals, materialize, redact_live, seal
from core.secrets.vault import Vault
from core.spec import identity, revision
from core.spec_env import REDACTED, SecretValue
from core.spec_io import parse_spec
from core.store import Store

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"


def _spec(**env):
    return parse_spec({
        "name": "unit-sec",
        "target": {"platform": "sagemaker", "region": "us-east-1",
                   "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
        "variants": [{"name": "a", "image": "r/m:1", "instance_type": "ml.m5.large", "env": {"PLAIN": "x", **env}}],
    })


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/s.db")
    s.migrate()
    yield s
    s.dispose()


@pytest.fixture
def vault(store):
    return Vault(store, Keyring.parse(generate_key()))


class _Adapter:
    """Stands in for a SageMaker adapter bound to a target: reads secrets from a dict."""

    def __init__(self, values):
        self.values = values

    native_secret = staticmethod(SageMakerAdapter.native_secret)

    def resolve_secret(self, ref):
        return self.values[ref.ref]


def test_keyring_rotates_and_refuses_unknown_keys():
    old, new = generate_key(), generate_key()
    token = Keyring.parse(old).encrypt("v")
    both = Keyring.parse(f"{new},{old}")
    assert both.decrypt(token) == "v"
    rotated = both.rotate(token)
    assert Keyring.parse(new).decrypt(rotated) == "v"
    with pytest.raises(SecretUnavailable, match="not in SECRETS_KEY"):
        Keyring.parse(new).decrypt(token)
    with pytest.raises(ValueError, match="32 url-safe base64"):
        Keyring.parse("not-a-key")


def test_masking_covers_messages_arguments_and_tracebacks(caplog):
    masking.install()
    masking.register("hunter2-masked")
    masking.register("abc")  # too short to mask
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("some.library")
    log.debug("params: %s", {"Environment": {"T": "hunter2-masked"}})
    try:
        raise RuntimeError("failed with hunter2-masked")
    except RuntimeError:
        log.exception("boom abc")
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "hunter2-masked" not in text and text.count(REDACTED) >= 2 and "boom abc" in text
    assert logging.getLogger("botocore.parsers").getEffectiveLevel() >= logging.INFO


def test_seal_keeps_values_encrypted_and_round_trips(vault, store):
    raw = _spec(T={"secret": True, "value": "s3cr3t-value"})
    with pytest.raises(ValueError, match="seal"):
        revision(raw)
    sealed = seal(raw, vault, SageMakerAdapter, deployment="unit-sec")
    assert not vault.holds_literal("unit-sec", sealed.variants[0].env["T"].fingerprint)  # stored by keep_literals
    keep_literals(raw, vault, deployment="unit-sec")
    entry = sealed.variants[0].env["T"]
    assert isinstance(entry, SecretValue) and entry.value is None and entry.fingerprint.startswith("hmac-sha256:")
    assert vault.literal("unit-sec", entry.fingerprint) == "s3cr3t-value"
    row = store.secrets.get("literal", "unit-sec", entry.fingerprint)
    assert row is not None and "s3cr3t-value" not in row.ciphertext
    # sent back as a fingerprint: kept; the same value again: the same revision
    again = seal(parse_spec(sealed.model_dump(mode="json")), vault, SageMakerAdapter, deployment="unit-sec")
    assert revision(again) == revision(sealed) == revision(seal(raw, vault, SageMakerAdapter, deployment="unit-sec"))
    # another deployment does not hold it
    with pytest.raises(SecretUnavailable) as err:
        seal(parse_spec({**sealed.model_dump(mode="json"), "name": "other-sec"}), vault, SageMakerAdapter,
             deployment="other-sec")
    assert err.value.details == [{"path": "variants[0].env.T.fingerprint",
                                  "message": "no value with this fingerprint is stored for this deployment: "
                                             "send the value"}]


def test_without_a_key_only_native_references_pass(store):
    bare = Vault(store, None)
    with pytest.raises(SecretUnavailable) as err:
        seal(_spec(T={"secret": True, "value": "abcdef"}, R={"value_from": {"aws_secrets_manager": ARN}}), bare,
             SageMakerAdapter, deployment="unit-sec")
    assert [d["path"] for d in err.value.details] == ["variants[0].env.R.value_from.aws_secrets_manager",
                                                      "variants[0].env.T"]
    azure = parse_spec({
        "name": "unit-sec", "target": {"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-000000000000",
                                       "resource_group": "rg", "workspace": "ws1"},
        "variants": [{"name": "a", "image": "r/m:1", "instance_type": "Standard_DS3_v2", "env": {
            "K": {"value_from": {"azure_key_vault": "https://vault1.vault.azure.net/secrets/db"}}}}]})
    assert seal(azure, bare, AzureMLAdapter, deployment="unit-sec") == azure


def test_materialize_names_from_identity_and_stamps_the_sealed_revision(vault):
    sealed = _sealed_and_kept(vault)
    plain, seen = materialize(sealed, vault, _Adapter({ARN: "from-the-store"}), deployment="unit-sec")
    assert plain.variants[0].env == {"PLAIN": "x", "R": "from-the-store", "T": "literal-value"}
    assert revision(plain) == revision(sealed) and identity(plain) is sealed
    assert list(seen) == ["variants[a].env.R"] and seen["variants[a].env.R"] == vault.fingerprint("from-the-store")
    rotated, _ = materialize(sealed, vault, _Adapter({ARN: "rotated"}), deployment="unit-sec")
    assert plain._secret_digest and rotated._secret_digest != plain._secret_digest
    untouched = _spec()
    assert materialize(untouched, vault, _Adapter({}), deployment="unit-sec") == (untouched, {})


def _sealed_and_kept(vault):
    raw = _spec(T={"secret": True, "value": "literal-value"}, R={"value_from": {"aws_secrets_manager": ARN}})
    keep_literals(raw, vault, deployment="unit-sec")
    return seal(raw, vault, SageMakerAdapter, deployment="unit-sec")


def _live(env):
    return LiveEndpoint(name="unit-sec", health=Health.SERVING, revision="r", config={
        "variants": [{"name": "a", "env": env}]})


def test_redact_live_reports_changes_as_fingerprints(vault):
    sealed = _sealed_and_kept(vault)
    seen = {"variants[a].env.R": [vault.fingerprint("from-the-store")]}
    same = redact_live(sealed, _live({"PLAIN": "x", "T": "literal-value", "R": "from-the-store"}), SageMakerAdapter,
                       fingerprint=vault.fingerprint, seen=seen)
    assert same.config["variants"][0]["env"] == sealed.config["variants"][0]["env"]
    changed = redact_live(sealed, _live({"PLAIN": "x", "T": "edited", "R": "edited-too"}), SageMakerAdapter,
                          fingerprint=vault.fingerprint, seen=seen)
    env = changed.config["variants"][0]["env"]
    assert env["T"] == {"secret": True, "fingerprint": vault.fingerprint("edited")}
    assert env["R"] == {"secret": True, "fingerprint": vault.fingerprint("edited-too")}
    changes = diff({"variants": [{"name": "a", "env": sealed.config["variants"][0]["env"]}]}, changed.config).changes
    assert [(c.path, c.actual["fingerprint"] != c.expected.get("fingerprint")) for c in changes] == [
        ("variants[a].env.R", True), ("variants[a].env.T", True)]
    blind = redact_live(sealed, _live({"PLAIN": "x", "T": "edited"}), SageMakerAdapter, fingerprint=None, seen={})
    assert blind.config["variants"][0]["env"]["T"] == {"secret": True, "value": REDACTED}
