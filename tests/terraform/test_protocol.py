"""Write-only attributes at the protocol boundary, offline (:mod:`terraform.protocol`): the schema
carries field 11, the servicer hands the configuration's values to the resource and returns them
to Terraform as null, refuses them from a Terraform that would store them, and no diagnostic quotes
them. The real terraform binary runs the same paths in ``test_secrets.py``."""

from __future__ import annotations

import importlib.metadata
import inspect
import json

import pytest
from tf import runner
from tf.gen import tfplugin_pb2 as pb
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

from terraform.client import ApiError
from terraform.protocol import TF_VERSION, WRITE_ONLY_FIELD, Servicer, WriteOnlyAttribute, message_class
from terraform.provider import DeployAnywhereProvider
from terraform.resource import DeploymentResource
from terraform.schema import COMPUTED
from terraform.shape import BLOCKS, SECRET_ENV, SECRET_FINGERPRINTS, SECRET_VERSION

TYPE = "deployanywhere_deployment"
PLAINTEXT = "pl4intext-s3cret"
FP = "hmac-sha256:" + "ab" * 16


def test_the_tf_library_is_the_pinned_version_and_its_runner_takes_the_servicer_at_start():
    assert importlib.metadata.version("tf") == TF_VERSION
    assert "from tf.provider import ProviderServicer" in inspect.getsource(runner.run_provider)


def test_a_write_only_attribute_carries_field_11_in_tfs_own_message():
    from tf import types

    message = WriteOnlyAttribute("x_wo", types.String(), optional=True).to_pb()
    assert type(message) is pb.Schema.Attribute
    assert bytes([WRITE_ONLY_FIELD << 3, 1]) in message.SerializeToString()  # tag 11, varint, true
    assert message_class("tfplugin6.Schema.Attribute").FromString(message.SerializeToString()).write_only
    with pytest.raises(ValueError):
        WriteOnlyAttribute("x_wo", types.String(), computed=True)


class FakeClient:
    """The service, as far as an apply needs it: PUT records the spec; live shows it sealed."""

    def __init__(self, fail: ApiError | None = None) -> None:
        self.sent: list[dict] = []
        self.fail = fail

    def put_deployment(self, name, spec):
        if self.fail:
            raise self.fail
        self.sent.append(spec)
        return 202, {"id": "op-1", "done": True, "metadata": {"state": "succeeded"}}

    def wait(self, operation, timeout):
        return operation

    def live(self, name):
        spec = self.sent[-1]
        sealed = {**spec, "variants": [{**v, "env": {k: ({"secret": True, "fingerprint": FP} if isinstance(e, dict)
                                                         and e.get("secret") else e)
                                                     for k, e in v.get("env", {}).items()}}
                                       for v in spec["variants"]]}
        return {"name": name, "spec": sealed, "exists": True, "health": "serving", "sync": "in_sync",
                "expected_revision": "abc", "provider_ids": {}, "invoke_url": "http://x"}


@pytest.fixture
def client():
    return FakeClient()


@pytest.fixture
def servicer(client):
    provider = DeployAnywhereProvider()
    provider.endpoint, provider._client = "http://service", client
    return Servicer(provider)


def full_state(**values):
    schema = DeploymentResource.get_schema()
    state = {a.name: None for a in schema.attributes} | {b.type_name: [] for b in schema.block_types}
    variant = {leaf.attr: None for leaf in BLOCKS["variant"].leaves} | {
        "name": "stable", "image": "r/img:1", "instance_type": "n1-standard-4"}
    return state | {"name": "fraud", "platform": "vertex", "project": "p-project", "location": "us-central1",
                    "variant": [variant]} | values


def dv(value):
    return to_dynamic_value(value)


CONFIG = full_state(**{SECRET_ENV: {"stable.API_KEY": PLAINTEXT}, SECRET_VERSION: 1})


def validate(servicer, config, *, allowed):
    request = message_class("tfplugin6.ValidateResourceConfig.Request")(type_name=TYPE)
    request.config.ParseFromString(dv(config).SerializeToString())  # the extended classes are another pool's
    request.client_capabilities.write_only_attributes_allowed = allowed
    return servicer.ValidateResourceConfig(pb.ValidateResourceConfig.Request.FromString(request.SerializeToString()),
                                           None)


def test_a_terraform_that_would_store_write_only_values_is_refused(servicer):
    assert list(validate(servicer, CONFIG, allowed=True).diagnostics) == []
    (diag,) = validate(servicer, CONFIG, allowed=False).diagnostics
    assert diag.summary == "Write-only attribute not supported by this Terraform"
    assert diag.attribute.steps[0].attribute_name == SECRET_ENV and "Terraform 1.11" in diag.detail
    assert list(validate(servicer, full_state(), allowed=False).diagnostics) == [], "unset: any Terraform"


def test_validation_names_keys_never_values(servicer):
    config = CONFIG | {SECRET_ENV: {"blue.API_KEY": PLAINTEXT, "stable.LOG": PLAINTEXT}, SECRET_VERSION: None}
    diags = validate(servicer, config, allowed=True).diagnostics
    texts = sorted(f"{d.summary}: {d.detail}" for d in diags)
    assert texts[0].startswith("Invalid `secret_env_wo` key: \"blue.API_KEY\": no variant named \"blue\"")
    assert texts[1].startswith("Missing `secret_env_wo_version`")
    assert all(PLAINTEXT not in t for t in texts)


def plan(servicer, prior, config):
    proposed = {**config, **{k: prior.get(k) for k in COMPUTED}} if prior else config
    proposed = {**proposed, SECRET_ENV: None}  # whatever Terraform proposes, the config's value is used
    response = servicer.PlanResourceChange(pb.PlanResourceChange.Request(
        type_name=TYPE, prior_state=dv(prior), proposed_new_state=dv(proposed), config=dv(config)), None)
    assert not response.diagnostics, response.diagnostics
    return read_dynamic_value(response.planned_state)


def apply(servicer, prior, planned, config):
    response = servicer.ApplyResourceChange(pb.ApplyResourceChange.Request(
        type_name=TYPE, prior_state=dv(prior), planned_state=dv(planned), config=dv(config)), None)
    return read_dynamic_value(response.new_state), list(response.diagnostics)


def test_create_sends_the_value_and_returns_it_to_terraform_as_null_only(servicer, client):
    planned = plan(servicer, None, CONFIG)
    assert planned[SECRET_ENV] is None and planned[SECRET_FINGERPRINTS] is Unknown
    state, diags = apply(servicer, None, planned, CONFIG)
    assert diags == []
    assert client.sent[-1]["variants"][0]["env"] == {"API_KEY": {"secret": True, "value": PLAINTEXT}}
    assert state[SECRET_ENV] is None and state[SECRET_FINGERPRINTS] == {"stable.API_KEY": FP}
    assert PLAINTEXT.encode() not in dv(state).msgpack


def test_update_keeps_the_held_value_unless_the_version_changes(servicer, client):
    prior, _ = apply(servicer, None, plan(servicer, None, CONFIG), CONFIG)
    same = plan(servicer, prior, CONFIG | {SECRET_ENV: {"stable.API_KEY": "edited"}})
    assert same[SECRET_FINGERPRINTS] == {"stable.API_KEY": FP}, "no change planned: the value alone is invisible"

    config = CONFIG | {SECRET_ENV: {"stable.API_KEY": "rotated"}, SECRET_VERSION: 2}
    planned = plan(servicer, prior, config)
    assert planned[SECRET_FINGERPRINTS] is Unknown and planned["revision"] is Unknown
    apply(servicer, prior, planned, config)
    assert client.sent[-1]["variants"][0]["env"]["API_KEY"] == {"secret": True, "value": "rotated"}

    weight_only = CONFIG | {"variant": [CONFIG["variant"][0] | {"max_replicas": 2}]}
    planned = plan(servicer, prior, weight_only)
    apply(servicer, prior, planned, weight_only)
    assert client.sent[-1]["variants"][0]["env"]["API_KEY"] == {"secret": True, "fingerprint": FP}

    added = CONFIG | {SECRET_ENV: {"stable.API_KEY": PLAINTEXT, "stable.OTHER": "another-secret"}}
    assert plan(servicer, prior, added)[SECRET_FINGERPRINTS] is Unknown, "a new key is a change"


def test_no_diagnostic_quotes_a_write_only_value(servicer, client):
    client.fail = ApiError(422, "spec_invalid", f"bad value {PLAINTEXT}",
                           [{"path": "variants[0].env.API_KEY", "message": f"{PLAINTEXT} is not allowed"}])
    planned = plan(servicer, None, CONFIG)
    _, diags = apply(servicer, None, planned, CONFIG)
    assert diags and all(PLAINTEXT not in d.summary + d.detail for d in diags)
    assert [s.element_key_string for s in diags[0].attribute.steps] == ["", "stable.API_KEY"]
    assert diags[0].attribute.steps[0].attribute_name == SECRET_ENV


def test_read_and_upgrade_never_return_a_write_only_value(servicer, client):
    prior, _ = apply(servicer, None, plan(servicer, None, CONFIG), CONFIG)
    read = servicer.ReadResource(pb.ReadResource.Request(type_name=TYPE, current_state=dv(prior)), None)
    assert read_dynamic_value(read.new_state)[SECRET_ENV] is None
    stored = full_state(**{SECRET_ENV: {"stable.API_KEY": PLAINTEXT}})  # e.g. a state written by another tool
    upgraded = servicer.UpgradeResourceState(pb.UpgradeResourceState.Request(
        type_name=TYPE, version=1, raw_state=pb.RawState(json=json.dumps(stored).encode())), None)
    assert read_dynamic_value(upgraded.upgraded_state)[SECRET_ENV] is None


def test_a_fingerprint_the_service_lost_says_how_to_send_the_value_again(servicer, client):
    prior, _ = apply(servicer, None, plan(servicer, None, CONFIG), CONFIG)
    client.fail = ApiError(422, "spec_invalid", "invalid spec", [{
        "path": "variants[0].env.API_KEY.fingerprint",
        "message": "no value with this fingerprint is stored for this deployment: send the value"}])
    config = CONFIG | {"variant": [CONFIG["variant"][0] | {"max_replicas": 2}]}
    _, (diag,) = apply(servicer, prior, plan(servicer, prior, config), config)
    assert diag.detail.startswith('secret_env_wo["stable.API_KEY"]: no value with this fingerprint')
    assert "Change `secret_env_wo_version` to send the configured value again" in diag.detail

