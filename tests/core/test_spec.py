import json

import pytest
from pydantic import ValidationError

from core.errors import SpecError
from core.spec import EndpointSpec, revision
from core.spec_io import load_spec, parse_spec, spec_json_schema

BASE = {
    "name": "churn",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "instance_type": "ml.m5.large"}],
}


def with_(**changes):
    return {**BASE, **changes}


def paths(exc: SpecError) -> list[str]:
    return [d["path"] for d in exc.details]


def test_defaults_are_explicit():
    spec = parse_spec(BASE)
    v = spec.variants[0]
    assert (v.port, v.predict_route, v.health_route) == (8080, "/invocations", "/ping")
    assert (v.min_replicas, v.max_replicas, v.weight) == (1, 1, 100)
    assert spec.logging.enabled is False and spec.auth_mode == "iam"
    assert spec.request_timeout_seconds == 60
    assert spec.config["variants"][0]["env"] == {}


def test_unknown_keys_rejected_with_paths():
    data = with_(variants=[{**BASE["variants"][0], "imgae": "x"}], colour="red")
    with pytest.raises(SpecError) as err:
        parse_spec(data)
    assert set(paths(err.value)) == {"variants[0].imgae", "colour"}


def test_weights_must_sum_to_100_reported_at_each_weight():
    variants = [{**BASE["variants"][0], "weight": 60}, {**BASE["variants"][0], "name": "b", "weight": 30}]
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=variants))
    assert paths(err.value) == ["variants[0].weight", "variants[1].weight"]
    assert all("sum to 100, got 90" in d["message"] for d in err.value.details)


def test_duplicate_variant_names_and_min_over_max_name_their_fields():
    variants = [{**BASE["variants"][0], "weight": 50, "min_replicas": 3, "max_replicas": 2},
                {**BASE["variants"][0], "weight": 50}]
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=variants))
    assert paths(err.value) == ["variants[0].min_replicas", "variants[0].max_replicas"]
    assert all("must not exceed" in d["message"] for d in err.value.details)
    three = [{**BASE["variants"][0], "weight": 40}, {**BASE["variants"][0], "name": "b", "weight": 20},
             {**BASE["variants"][0], "weight": 40}]
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=three))
    assert paths(err.value) == ["variants[0].name", "variants[2].name"]
    assert "repeated: main" in err.value.details[0]["message"]


def test_single_field_rules_on_maps_and_choices_name_the_entry():
    with pytest.raises(SpecError) as err:
        parse_spec(with_(tags={"a b": "x"}, variants=[{**BASE["variants"][0], "env": {"1X": "v"}}]))
    assert set(paths(err.value)) == {'tags["a b"]', "variants[0].env.1X"}
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=[{**BASE["variants"][0], "env": {"{fields}": "v"}}]))
    assert err.value.details == [{"path": 'variants[0].env["{fields}"]',
                                  "message": "invalid environment variable name '{fields}'"}]
    with pytest.raises(SpecError) as err:
        parse_spec(with_(logging={"enabled": True}))
    assert paths(err.value) == ["logging.destination"]
    both = {"value_from": {"service_secret": "db", "aws_secrets_manager":
                           "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}}
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=[{**BASE["variants"][0], "env": {"DB": both}}]))
    assert paths(err.value) == ["variants[0].env.DB.value_from.aws_secrets_manager",
                                "variants[0].env.DB.value_from.service_secret"]
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=[{**BASE["variants"][0], "env": {"DB": {"value_from": {}}}}]))
    assert paths(err.value) == ["variants[0].env.DB.value_from"], "nothing given: the reference itself"


def test_target_discriminated_by_platform():
    with pytest.raises(SpecError) as err:
        parse_spec(with_(target={"platform": "vertex", "project": "my-project-1", "region": "x"}))
    assert "target.location" in paths(err.value) and "target.region" in paths(err.value)
    with pytest.raises(SpecError) as err:
        parse_spec(with_(target={"platform": "gcp"}))
    assert paths(err.value) == ["target"]


def test_logging_needs_destination_and_disabled_logging_normalises():
    with pytest.raises(SpecError) as err:
        parse_spec(with_(logging={"enabled": True}))
    assert "destination is required" in err.value.details[0]["message"]
    a = parse_spec(with_(logging={"enabled": False, "destination": "s3://x/", "sample_percent": 5}))
    assert a.config["logging"] == parse_spec(BASE).config["logging"]


def test_name_rules():
    for bad in ["Churn", "a", "x" * 33, "-abc", "abc-", "ab_c"]:
        with pytest.raises(SpecError):
            parse_spec(with_(name=bad))


def test_reserved_tag_prefix_rejected():
    with pytest.raises(SpecError):
        parse_spec(with_(tags={"deploy-anywhere:revision": "x"}))


def test_revision_stable_and_sensitive():
    a = parse_spec(BASE)
    reordered = json.loads(json.dumps(BASE))
    reordered["variants"][0] = dict(reversed(list(reordered["variants"][0].items())))
    assert revision(a) == revision(parse_spec(reordered)) and len(revision(a)) == 12
    assert revision(a) != revision(parse_spec(with_(tags={"team": "x"})))
    queries = with_(test_queries=[{"payload": {"x": 1}}])
    assert revision(a) == revision(parse_spec(queries)), "test queries are not deployed"


def test_revision_is_canonical_over_variant_and_key_order():
    blue = {**BASE["variants"][0], "name": "blue", "weight": 70, "env": {"B": "2", "A": "1"}}
    green = {**BASE["variants"][0], "name": "green", "weight": 30}
    one = parse_spec(with_(variants=[blue, green], tags={"x": "1", "a": "2"}))
    other = parse_spec(with_(variants=[green, {**blue, "env": {"A": "1", "B": "2"}}], tags={"a": "2", "x": "1"}))
    assert [v.name for v in other.variants] == ["green", "blue"], "the document keeps its order"
    assert revision(one) == revision(other)
    swapped = parse_spec(with_(variants=[{**green, "weight": 70}, {**blue, "weight": 30}]))
    assert revision(swapped) != revision(one), "which variant has which weight still counts"


def test_logging_destination_drops_a_trailing_slash_on_input_and_live():
    from core.live import build_live_config

    spec = parse_spec(with_(logging={"enabled": True, "destination": "s3://captures/fraud/"}))
    assert spec.logging.destination == "s3://captures/fraud"
    assert revision(spec) == revision(parse_spec(with_(logging={"enabled": True,
                                                                "destination": "s3://captures/fraud"})))
    live = build_live_config({**spec.config, "logging": {"enabled": True, "destination": "s3://captures/fraud//"}})
    assert live["logging"] == spec.config["logging"]
    assert parse_spec(with_(logging={"enabled": True, "destination": "s3://"})).logging.destination == "s3://"


def test_yaml_and_json_accepted_and_unsafe_yaml_refused():
    text = json.dumps(BASE)
    assert load_spec(text) == parse_spec(BASE)
    with pytest.raises(SpecError):
        load_spec("!!python/object/apply:os.system ['true']")
    with pytest.raises(SpecError) as err:
        load_spec("- just\n- a list")
    assert paths(err.value) == ["$"]


def test_json_schema_published():
    schema = spec_json_schema()
    assert schema["additionalProperties"] is False
    assert {"name", "target", "variants"} <= set(schema["required"])
    assert "discriminator" in json.dumps(schema["properties"]["target"])


def test_spec_is_frozen():
    spec = parse_spec(BASE)
    with pytest.raises(ValidationError, match="frozen"):
        spec.name = "other"  # type: ignore[misc]
    assert isinstance(spec, EndpointSpec)


def test_autoscaling_rule_kept_only_when_autoscaled():
    fixed = parse_spec(with_(variants=[{**BASE["variants"][0], "autoscaling": {"target": 40}}]))
    assert fixed.config["variants"][0]["autoscaling"] == {"metric": "cpu_utilization", "target": 70}
    assert revision(fixed) == revision(parse_spec(BASE)), "a rule without autoscaling changes nothing"
    scaled = parse_spec(with_(variants=[{**BASE["variants"][0], "max_replicas": 3, "autoscaling": {"target": 40}}]))
    assert scaled.config["variants"][0]["autoscaling"] == {"metric": "cpu_utilization", "target": 40}


def test_autoscaling_and_accelerator_and_concurrency_rules():
    variant = {**BASE["variants"][0], "max_replicas": 2}
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=[{**variant, "autoscaling": {"metric": "cpu_utilization", "target": 150}}]))
    assert paths(err.value) == ["variants[0].autoscaling.target", "variants[0].autoscaling.metric"]
    assert "percentage" in err.value.details[0]["message"]
    ok = parse_spec(with_(variants=[{**variant, "autoscaling": {"metric": "invocations_per_replica", "target": 150}}]))
    assert ok.variants[0].autoscaling.target == 150
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=[{**variant, "accelerator": {"type": "nvidia t4", "count": 0},
                                    "max_concurrency": 1}]))
    assert set(paths(err.value)) == {"variants[0].accelerator.type", "variants[0].accelerator.count",
                                     "variants[0].max_concurrency"}


def test_vertex_network_and_key_formats():
    target = {"platform": "vertex", "project": "my-project", "location": "europe-west4"}
    good = {**target, "network": "projects/12345/global/networks/prod-vpc",
            "encryption_key": "projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k"}
    assert parse_spec(with_(target=good)).target.network == "projects/12345/global/networks/prod-vpc"
    with pytest.raises(SpecError) as err:
        parse_spec(with_(target={**target, "network": "prod-vpc", "encryption_key": "k"}))
    assert set(paths(err.value)) == {"target.network", "target.encryption_key"}

