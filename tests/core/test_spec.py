import json

import pytest
from pydantic import ValidationError

from core.errors import SpecError
from core.spec import EndpointSpec, load_spec, parse_spec, revision, spec_json_schema

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


def test_weights_must_sum_to_100():
    variants = [{**BASE["variants"][0], "weight": 60}, {**BASE["variants"][0], "name": "b", "weight": 30}]
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=variants))
    assert "sum to 100, got 90" in err.value.details[0]["message"]


def test_duplicate_variant_names_and_min_over_max():
    variants = [{**BASE["variants"][0], "weight": 50, "min_replicas": 3, "max_replicas": 2},
                {**BASE["variants"][0], "weight": 50}]
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=variants))
    messages = " ".join(d["message"] for d in err.value.details)
    assert "must not exceed" in messages


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
    assert paths(err.value) == ["variants[0].autoscaling"] and "percentage" in err.value.details[0]["message"]
    ok = parse_spec(with_(variants=[{**variant, "autoscaling": {"metric": "invocations_per_replica", "target": 150}}]))
    assert ok.variants[0].autoscaling.target == 150
    with pytest.raises(SpecError) as err:
        parse_spec(with_(variants=[{**variant, "accelerator": {"type": "nvidia t4", "count": 0}, "max_concurrency": 1}]))
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

