"""State <-> spec: the PUT body the provider sends, the state it builds from a live spec, and how
service error paths map to attributes. The service's own spec model stands for "live" here: a spec
sent is read back the way the service stores and reports it (every default filled in)."""

from __future__ import annotations

import copy
import hashlib

import pytest

from core.spec_io import parse_spec
from terraform.shape import (
    BLOCKS,
    SECRET_ENV,
    SECRET_FINGERPRINTS,
    SECRET_KINDS,
    SECRET_VERSION,
    TARGET_ATTRIBUTES,
    TOP,
    SpecShapeError,
    attribute_path,
    spec_from_state,
    state_from_spec,
)
from terraform.spec_fields import FIELDS


def state(**overrides):
    base = {attr: None for attr in ("name", "platform", *TARGET_ATTRIBUTES, *(leaf.attr for leaf in TOP),
                                    SECRET_ENV, SECRET_VERSION, SECRET_FINGERPRINTS)}
    base |= {block: [] for block in BLOCKS}
    base |= {"name": "fraud", "platform": "vertex", "project": "p-project", "location": "us-central1"}
    return base | overrides


def variant(**overrides):
    base = {leaf.attr: None for leaf in BLOCKS["variant"].leaves}
    return base | {"name": "stable", "image": "r/img:1", "instance_type": "n1-standard-4"} | overrides


def element(block, **values):
    return {leaf.attr: None for leaf in BLOCKS[block].leaves} | values


def read_back(sent: dict) -> dict:
    """What the service reports for a spec it accepted: the normalised spec, defaults filled in."""
    return parse_spec(sent).model_dump(mode="json")


def canonical(st: dict) -> dict:
    """State with set blocks in a stable order (Terraform sets have none)."""
    return {k: sorted(v, key=repr) if k in BLOCKS else v for k, v in st.items()}


MINIMAL = state(variant=[variant()])
FULL = state(
    network="projects/123/global/networks/vpc", encryption_key=None, auth_mode="iam",
    request_timeout_seconds=30, tags={"team": "risk"},
    variant=[variant(name="stable", weight=90, env={"A": "1"}, port=9000, predict_route="/p", health_route="/h",
                     min_replicas=2, max_replicas=4, accelerator_type="NVIDIA_L4", accelerator_count=2,
                     autoscaling_metric="cpu_utilization", autoscaling_target=50, max_concurrency=4,
                     model_uri="gs://m/1/"),
             variant(name="canary", weight=10)],
    logging=[element("logging", enabled=True, sample_percent=20, destination="bq://p.d.t")],
    test_query=[element("test_query", name="smoke", payload='{"instances":[1]}', expect_status=200,
                        expect_fields=["/predictions"], expect_values='{"/model":"fraud"}')],
    sync_policy=[element("sync_policy", ignore=["tags.*"], auto_remediate=True, remediate_after=2)],
)


@pytest.mark.parametrize("planned", [MINIMAL, FULL], ids=["minimal", "full"])
def test_reading_back_what_was_sent_reproduces_the_state(planned):
    sent = spec_from_state(planned)
    assert canonical(state_from_spec(read_back(sent), planned)) == canonical(planned)


def test_the_put_body_leaves_unset_attributes_to_the_service():
    sent = spec_from_state(state(variant=[variant(name="b"), variant(name="a", weight=None)]))
    assert sent == {"name": "fraud",
                    "target": {"platform": "vertex", "project": "p-project", "location": "us-central1"},
                    "variants": [{"name": "a", "image": "r/img:1", "instance_type": "n1-standard-4"},
                                 {"name": "b", "image": "r/img:1", "instance_type": "n1-standard-4"}],
                    "test_queries": []}
    full = spec_from_state(FULL)
    assert full["variants"][1]["accelerator"] == {"type": "NVIDIA_L4", "count": 2}
    assert full["test_queries"][0]["payload"] == {"instances": [1]}
    assert full["logging"] == {"enabled": True, "sample_percent": 20, "destination": "bq://p.d.t"}


def test_import_reads_defaults_as_unset_and_keeps_everything_else():
    imported = state_from_spec(read_back(spec_from_state(FULL)), None)
    assert imported["auth_mode"] is None, "iam is the default"
    assert imported["request_timeout_seconds"] == 30
    canary = next(v for v in imported["variant"] if v["name"] == "canary")
    assert canary == variant(name="canary", weight=10)
    assert imported["test_query"][0]["payload"] == '{"instances":[1]}', "as jsonencode() writes it"


def test_live_values_that_differ_show_even_where_the_configuration_relies_on_defaults():
    live = read_back(spec_from_state(MINIMAL))
    live["variants"][0] |= {"max_replicas": 3, "port": 8081}
    live["auth_mode"] = "key"
    read = state_from_spec(live, MINIMAL)
    assert read["auth_mode"] == "key"
    assert (read["variant"][0]["max_replicas"], read["variant"][0]["port"]) == (3, 8081)
    assert read["variant"][0]["autoscaling_target"] is None, "still the default"


def test_values_the_spec_ignores_keep_what_the_configuration_said():
    planned = state(variant=[variant(autoscaling_target=50)],  # fixed scale: autoscaling is meaningless
                    logging=[element("logging", enabled=False, destination="bq://p.d.t")])
    read = state_from_spec(read_back(spec_from_state(planned)), planned)
    assert read["variant"][0]["autoscaling_target"] == 50
    assert read["logging"][0]["destination"] == "bq://p.d.t"


def test_json_text_keeps_the_configured_spelling_when_it_means_the_same():
    planned = state(variant=[variant()], test_query=[element("test_query", payload='{ "b": 1, "a": [1, 2] }')])
    read = state_from_spec(read_back(spec_from_state(planned)), planned)
    assert read["test_query"][0]["payload"] == '{ "b": 1, "a": [1, 2] }'


def test_bad_json_is_refused_with_the_block():
    with pytest.raises(SpecShapeError) as info:
        spec_from_state(state(variant=[variant()], test_query=[element("test_query", payload="{nope")]))
    assert info.value.path == ["test_query"] and "jsonencode" in str(info.value)


SENT = {"variants": [{"name": "stable"}, {"name": "canary"}], "test_queries": [{"name": "smoke"}]}


@pytest.mark.parametrize("spec_path, expected", [
    ("target.region", (["region"], "region")),
    ("target.platform", (["platform"], "platform")),
    ("target", (["platform"], "platform")),
    ("name", (["name"], "name")),
    ("auth_mode", (["auth_mode"], "auth_mode")),
    ("tags.Team", (["tags", ("Team",)], "tags['Team']")),
    ("variants[1].weight", (["variant"], 'variant "canary" weight')),
    ("variants[canary].image", (["variant"], 'variant "canary" image')),
    ("variants[0].accelerator.type", (["variant"], 'variant "stable" accelerator_type')),
    ("variants[0].env.KEY", (["variant"], 'variant "stable" env')),
    ("variants", (["variant"], "variant")),
    ("logging.destination", (["logging"], "logging destination")),
    ("test_queries[0].payload", (["test_query"], 'test_query "smoke" payload')),
    ("$", (None, "the deployment")),
])
def test_service_error_paths_map_to_attributes(spec_path, expected):
    assert attribute_path(spec_path, SENT) == expected


def test_every_field_of_the_spec_has_an_attribute():
    containers = {"target", "variants", "logging", "test_queries", "sync_policy", "variants[].accelerator",
                  "variants[].autoscaling"}
    mapped = {"name", "target.platform", *(f"target.{a}" for a in TARGET_ATTRIBUTES), *(leaf.spec for leaf in TOP),
              *(block.prefix + leaf.spec for block in BLOCKS.values() for leaf in block.leaves)}
    # the shapes of an env value: a reference (env_from) or a literal secret (secret_env_wo / fingerprints)
    env_values = {f"variants[].env.{k}" for k in ("secret", "value", "fingerprint", "value_from",
                                                  *(f"value_from.{kind}" for kind in SECRET_KINDS))}
    assert set(FIELDS) - containers == mapped | env_values


# ------------------------------------------------------------------------------ env, references, secrets

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:fraud-db"
GCP = "projects/p-project/secrets/db/versions/3"
PLAINTEXT = "pl4intext-s3cret"


def sealed(spec: dict) -> dict:
    """A spec as the service seals it: a fingerprint instead of each literal secret (a stand-in for
    its keyed HMAC)."""
    out = copy.deepcopy(spec)
    for v in out["variants"]:
        for key, value in v.get("env", {}).items():
            if isinstance(value, dict) and "value" in value:
                v["env"][key] = {"secret": True, "fingerprint": fingerprint(value["value"])}
    return out


def fingerprint(value: str) -> str:
    return "hmac-sha256:" + hashlib.sha256(value.encode()).hexdigest()[:32]


SECRETS = state(variant=[variant(weight=90, env={"LOG_LEVEL": "info"},
                                 env_from={"DB_PASSWORD": f"gcp_secret_manager:{GCP}"}),
                         variant(name="canary", weight=10)],
                **{SECRET_ENV: {"stable.API_KEY": PLAINTEXT}, SECRET_VERSION: 1})


def applied(planned: dict) -> dict:
    """The state after applying ``planned``: no write-only value, the service's fingerprints."""
    sent = spec_from_state(planned)
    return planned | {SECRET_ENV: None, SECRET_FINGERPRINTS: state_from_spec(read_back(sealed(sent)), None)[
        SECRET_FINGERPRINTS]}


def test_env_is_sent_as_text_references_and_secret_values_the_service_accepts():
    sent = spec_from_state(SECRETS)
    stable = next(v for v in sent["variants"] if v["name"] == "stable")
    assert stable["env"] == {"LOG_LEVEL": "info", "DB_PASSWORD": {"value_from": {"gcp_secret_manager": GCP}},
                             "API_KEY": {"secret": True, "value": PLAINTEXT}}
    assert "env" not in next(v for v in sent["variants"] if v["name"] == "canary")
    read_back(sent)  # the service's spec model accepts every shape


def test_reading_back_splits_env_and_shows_fingerprints_only():
    prior = applied(SECRETS)
    live = read_back(sealed(spec_from_state(SECRETS)))
    read = state_from_spec(live, prior)
    assert canonical(read) == canonical(prior), "a refresh right after apply changes nothing"
    assert read[SECRET_FINGERPRINTS] == {"stable.API_KEY": fingerprint(PLAINTEXT)}
    assert read[SECRET_ENV] is None and read[SECRET_VERSION] == 1
    assert PLAINTEXT not in repr(read)
    imported = state_from_spec(live, None)
    stable = next(v for v in imported["variant"] if v["name"] == "stable")
    assert (stable["env"], stable["env_from"]) == ({"LOG_LEVEL": "info"}, {"DB_PASSWORD": f"gcp_secret_manager:{GCP}"})
    assert imported[SECRET_VERSION] is None, "import cannot know which values the service holds"
    assert next(v for v in imported["variant"] if v["name"] == "canary")["env_from"] is None


def test_secrets_are_sent_again_only_for_a_new_version_or_a_new_key():
    prior = applied(SECRETS)
    kept = spec_from_state(SECRETS | {SECRET_ENV: {"stable.API_KEY": "edited-but-not-bumped"}}, prior)
    assert kept["variants"][1]["env"]["API_KEY"] == {"secret": True, "fingerprint": fingerprint(PLAINTEXT)}
    bumped = spec_from_state(SECRETS | {SECRET_ENV: {"stable.API_KEY": "rotated-value"}, SECRET_VERSION: 2}, prior)
    assert bumped["variants"][1]["env"]["API_KEY"] == {"secret": True, "value": "rotated-value"}
    added = spec_from_state(SECRETS | {SECRET_ENV: {"stable.API_KEY": PLAINTEXT, "canary.API_KEY": "other"}}, prior)
    envs = {v["name"]: v.get("env") for v in added["variants"]}
    assert envs["stable"]["API_KEY"] == {"secret": True, "fingerprint": fingerprint(PLAINTEXT)}
    assert envs["canary"] == {"API_KEY": {"secret": True, "value": "other"}}
    removed = spec_from_state(SECRETS | {SECRET_ENV: None}, prior)
    assert "API_KEY" not in removed["variants"][1]["env"]


@pytest.mark.parametrize("change", ["changed", "removed", "added"])
def test_a_secret_changed_behind_terraforms_back_reads_back_without_its_version(change):
    prior = applied(SECRETS)
    live = read_back(sealed(spec_from_state(SECRETS)))
    stable = next(v for v in live["variants"] if v["name"] == "stable")
    if change == "changed":
        stable["env"]["API_KEY"] = {"secret": True, "fingerprint": fingerprint("someone else's")}
    elif change == "removed":
        del stable["env"]["API_KEY"]
    else:
        stable["env"]["OTHER"] = {"secret": True, "fingerprint": fingerprint("x")}
    read = state_from_spec(live, prior)
    assert read[SECRET_VERSION] is None, "the next plan shows the version and sends the values again"
    assert read[SECRET_FINGERPRINTS] != prior[SECRET_FINGERPRINTS]


@pytest.mark.parametrize("planned, message", [
    (SECRETS | {SECRET_ENV: {"blue.API_KEY": PLAINTEXT}}, 'key "blue.API_KEY": write "<variant name>.<ENV NAME>"'),
    (SECRETS | {SECRET_ENV: {"API_KEY": PLAINTEXT}}, 'key "API_KEY"'),
    (SECRETS | {SECRET_ENV: {"stable.LOG_LEVEL": PLAINTEXT}}, "LOG_LEVEL is also set in variant \"stable\""),
])
def test_a_bad_secret_key_is_refused_without_quoting_the_value(planned, message):
    with pytest.raises(SpecShapeError) as info:
        spec_from_state(planned)
    assert info.value.path == [SECRET_ENV] and message in str(info.value)
    assert PLAINTEXT not in str(info.value)


@pytest.mark.parametrize("env_from, message", [
    ({"DB": "vault:secret/db"}, 'env_from["DB"]: write "<kind>:<reference>"'),
    ({"DB": "aws_secrets_manager:"}, 'env_from["DB"]'),
    ({"LOG_LEVEL": f"aws_secrets_manager:{ARN}"}, "LOG_LEVEL set in both env and env_from"),
])
def test_a_bad_reference_is_refused_with_the_variant(env_from, message):
    planned = state(variant=[variant(env={"LOG_LEVEL": "info"}, env_from=env_from)])
    with pytest.raises(SpecShapeError) as info:
        spec_from_state(planned)
    assert info.value.path == ["variant"] and message in str(info.value)


@pytest.mark.parametrize("reference", [f"aws_secrets_manager:{ARN}", f"gcp_secret_manager:{GCP}",
                                       "azure_key_vault:https://fraud-kv.vault.azure.net/secrets/db",
                                       "service_secret:fraud.db"])
def test_every_reference_kind_round_trips(reference):
    kind, ref = reference.split(":", 1)
    planned = state(variant=[variant(env_from={"DB": reference})])
    sent = spec_from_state(planned)
    assert sent["variants"][0]["env"] == {"DB": {"value_from": {kind: ref}}}
    assert state_from_spec(sent, planned)["variant"][0]["env_from"] == {"DB": reference}


SENT_SECRETS = {"variants": [{"name": "stable", "env": {
    "API_KEY": {"secret": True, "fingerprint": fingerprint("x")},
    "DB": {"value_from": {"service_secret": "db"}}, "LOG_LEVEL": "info"}}]}


@pytest.mark.parametrize("spec_path, expected", [
    ("variants[0].env.API_KEY", ([SECRET_ENV, ("stable.API_KEY",)], 'secret_env_wo["stable.API_KEY"]')),
    ("variants[0].env.API_KEY.fingerprint", ([SECRET_ENV, ("stable.API_KEY",)], 'secret_env_wo["stable.API_KEY"]')),
    ("variants[stable].env.DB.value_from.service_secret", (["variant"], 'variant "stable" env_from["DB"]')),
    ("variants[0].env.LOG_LEVEL", (["variant"], 'variant "stable" env')),
])
def test_env_error_paths_name_the_attribute_that_holds_the_variable(spec_path, expected):
    assert attribute_path(spec_path, SENT_SECRETS) == expected
