"""The secret hooks of the adapter contract (core.adapter: native_secret, parse_native_secret,
resolve_secret), run against every platform's emulator.

- Each platform accepts its own cloud's secret store and service secrets; the other clouds' stores
  are gaps with a reason, found before any call.
- ``parse_native_secret`` inverts ``native_secret`` and reads no other value as a reference.
- ``resolve_secret`` of another cloud's reference, or of a secret that does not exist, raises
  SecretUnavailable naming the reference.
"""

import pytest

from core.adapter import find_gaps
from core.errors import SecretUnavailable
from core.spec_env import SecretRef
from core.spec_io import parse_spec

REFS = {
    "aws_secrets_manager": "arn:aws:secretsmanager:us-east-1:123456789012:secret:contract/missing-AbCdEf",
    "gcp_secret_manager": "projects/contract-project/secrets/contract-missing/versions/latest",
    "azure_key_vault": "https://kv-contract-01.vault.azure.net/secrets/contract-missing",
}
OWN = {"sagemaker": "aws_secrets_manager", "vertex": "gcp_secret_manager", "azureml": "azure_key_vault"}


def _with_secret_env(spec, kind):
    data = spec.model_dump(mode="json")
    data["variants"][0]["env"] = {"PLAIN": "1", "SECRET": {"value_from": {kind: REFS[kind]}},
                                  "SHARED": {"value_from": {"service_secret": "contract-shared"}}}
    return parse_spec(data)


def test_only_the_platforms_own_secret_store_is_supported(env):
    adapter_cls = type(env.adapter())
    spec = env.spec("contract-secrets")
    for kind in REFS:
        gaps = [g for g in find_gaps(adapter_cls, _with_secret_env(spec, kind)) if g.feature == kind]
        if kind == OWN[env.platform]:
            assert gaps == []
        else:
            assert [g.path for g in gaps] == ["variants[0].env.SECRET.value_from"]
            assert gaps[0].reason


def test_parse_native_secret_inverts_native_secret(env):
    adapter_cls = type(env.adapter())
    for kind, ref in REFS.items():
        secret = SecretRef(**{kind: ref})
        native = adapter_cls.native_secret(secret)
        if native is not None:
            assert kind == OWN[env.platform]
            assert adapter_cls.parse_native_secret(native) == secret
    assert adapter_cls.native_secret(SecretRef(service_secret="contract-shared")) is None
    for value in ["", "plain", REFS["azure_key_vault"], "${{contract}}", "$(VAR)"]:
        assert adapter_cls.parse_native_secret(value) is None


def test_resolving_another_clouds_secret_is_unavailable(env):
    adapter = env.adapter()
    for kind, ref in REFS.items():
        if kind != OWN[env.platform]:
            with pytest.raises(SecretUnavailable, match=kind):
                adapter.resolve_secret(SecretRef(**{kind: ref}))


def test_resolving_a_missing_secret_is_unavailable_and_named(env):
    adapter = env.adapter()
    secret = SecretRef(**{OWN[env.platform]: REFS[OWN[env.platform]]})
    with pytest.raises(SecretUnavailable) as caught:
        adapter.resolve_secret(secret)
    if type(adapter).native_secret(secret) is not None:  # the platform reads this store itself:
        assert "cannot read" in caught.value.message     # the service never does
    else:
        assert REFS[OWN[env.platform]].split("/versions/")[0] in caught.value.message
