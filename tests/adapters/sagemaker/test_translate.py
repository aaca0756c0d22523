"""Pure translation: golden requests, every request valid for botocore's model, inverse mapping."""

from pathlib import Path

import pytest

from adapters.sagemaker import CAPABILITIES
from adapters.sagemaker import reverse as rv
from adapters.sagemaker import translate as tr
from core.adapter import find_gaps
from core.live import Health
from core.spec import revision
from core.spec_io import parse_spec
from tests.corpus import corpus
from tests.support.aws_schema import validate_request
from tests.support.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
CORPUS = corpus("sagemaker")


def calls(request: tr.SageMakerRequest) -> list[tuple[str, str, dict]]:
    out = [("sagemaker", "CreateModel", m) for m in request.models]
    out.append(("sagemaker", "CreateEndpointConfig", request.endpoint_config))
    out.append(("sagemaker", "CreateEndpoint", request.endpoint))
    out.append(("sagemaker", "UpdateEndpoint", {"EndpointName": request.endpoint_name,
                                                "EndpointConfigName": request.config_name,
                                                "RetainAllVariantProperties": False}))
    for s in request.scaling:
        out.append(("application-autoscaling", "RegisterScalableTarget", s.register))
        out.append(("application-autoscaling", "PutScalingPolicy", s.policy))
    return out


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_golden_requests(name):
    request = tr.to_request(CORPUS[name])
    assert_golden(GOLDEN / f"{name}.json",
                  [{"service": s, "operation": o, "params": p} for s, o, p in calls(request)])


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_request_valid_for_botocore(name):
    for service, operation, params in calls(tr.to_request(CORPUS[name])):
        validate_request(service, operation, params)


def test_names_are_deterministic_and_carry_the_revision():
    spec = CORPUS["env-and-artifact"]
    a, b = tr.to_request(spec), tr.to_request(spec)
    assert a == b
    assert a.config_name == f"env-and-artifact-{revision(spec)}"
    assert tr.revision_of_config(spec.name, a.config_name) == revision(spec)
    assert tr.revision_of_config(spec.name, "someone-elses-config") is None
    tags = {t["Key"]: t["Value"] for t in a.endpoint["Tags"]}
    assert tags[tr.TAG_REVISION] == revision(spec) and tags["owner"] == "ml-platform"


def test_unchanged_variant_keeps_its_model_across_revisions():
    spec = CORPUS["three-variants"] if "three-variants" in CORPUS else CORPUS["three-variants-autoscaled"]
    data = spec.model_dump(mode="json")
    data["variants"][1]["image"] = "r/m:99"
    changed = tr.to_request(parse_spec(data))
    before = tr.to_request(spec)
    assert changed.models[0]["ModelName"] == before.models[0]["ModelName"]
    assert changed.models[1]["ModelName"] != before.models[1]["ModelName"]
    assert changed.config_name != before.config_name


def test_autoscaling_only_when_max_above_min():
    request = tr.to_request(CORPUS["three-variants-autoscaled"])
    assert [s.variant for s in request.scaling] == ["blue"]
    assert request.scaling[0].register["MinCapacity"] == 1 and request.scaling[0].register["MaxCapacity"] == 4
    assert set(request.fixed_variants) == {"green", "shadow"}


def test_gaps_reported_all_at_once():
    from adapters.sagemaker.adapter import SageMakerAdapter

    data = CORPUS["minimal"].model_dump(mode="json")
    data["variants"][0] |= {"port": 9000, "predict_route": "/predict", "min_replicas": 0,
                            "instance_type": "n1-standard-4", "model_uri": "gs://b/m"}
    data |= {"auth_mode": "key", "request_timeout_seconds": 120,
             "logging": {"enabled": True, "destination": "bq://p.d.t"}}
    gaps = find_gaps(SageMakerAdapter, parse_spec(data))
    assert {g.feature for g in gaps} == {"custom_port", "custom_routes", "scale_to_zero", "auth_key",
                                         "long_request_timeout", "instance_type", "model_uri",
                                         "prediction_logging"}
    assert all(g.reason for g in gaps)


def _described(spec, *, status="InService", weights=None, counts=None, scaling=None, tags=None):
    request = tr.to_request(spec)
    pvs = request.endpoint_config["ProductionVariants"]
    endpoint = {
        "EndpointName": spec.name, "EndpointArn": f"arn:aws:sagemaker:us-east-1:1:endpoint/{spec.name}",
        "EndpointConfigName": request.config_name, "EndpointStatus": status,
        "ProductionVariants": [{"VariantName": pv["VariantName"],
                                "DesiredWeight": (weights or {}).get(pv["VariantName"], pv["InitialVariantWeight"]),
                                "DesiredInstanceCount": (counts or {}).get(pv["VariantName"],
                                                                           pv["InitialInstanceCount"])}
                               for pv in pvs],
    }
    dc = request.endpoint_config.get("DataCaptureConfig")
    if dc:
        endpoint["DataCaptureConfig"] = {"EnableCapture": True, "CaptureStatus": "Started",
                                         "CurrentSamplingPercentage": dc["InitialSamplingPercentage"],
                                         "DestinationS3Uri": dc["DestinationS3Uri"]}
    models = {m["ModelName"]: {"ModelName": m["ModelName"], "ExecutionRoleArn": m["ExecutionRoleArn"],
                               "PrimaryContainer": m["PrimaryContainer"]} for m in request.models}
    if scaling is None:
        scaling = {s.variant: rv.ScalingPolicy(s.register["MinCapacity"], s.register["MaxCapacity"],
                                               *rv.scaling_metric(s.policy["TargetTrackingScalingPolicyConfiguration"]))
                   for s in request.scaling}
    if tags is None:
        tags = {t["Key"]: t["Value"] for t in request.endpoint["Tags"]}
    return rv.SageMakerDescribed(endpoint=endpoint, region=spec.target.region, config=request.endpoint_config,
                                 models=models, tags=tags, scaling=scaling)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_inverse_mapping_round_trips(name):
    spec = CORPUS[name]
    live = rv.to_live(_described(spec))
    assert live.health is Health.SERVING and live.revision == revision(spec)
    expected = {k: v for k, v in spec.config.items() if k != "request_timeout_seconds"}
    assert {k: v for k, v in live.config.items() if k != "request_timeout_seconds"} == expected


def test_relative_weights_normalised_to_percent():
    spec = CORPUS["three-variants-autoscaled"]
    live = rv.to_live(_described(spec, weights={"blue": 1.0, "green": 1.0, "shadow": 1.0}))
    assert [v["weight"] for v in live.config["variants"]] == [34, 33, 33]


def test_every_status_mapped_with_unknown_fallback():
    from botocore.session import get_session

    statuses = get_session().get_service_model("sagemaker").shape_for("EndpointStatus").enum
    assert set(statuses) == set(rv.STATUS_MAP)
    spec = CORPUS["minimal"]
    assert rv.to_live(_described(spec, status="SomethingNew")).health is Health.UNKNOWN


def test_basic_describe_marks_unread_fields_unobserved():
    spec = CORPUS["env-and-artifact"]
    described = _described(spec)
    described.tags, described.scaling = None, None
    live = rv.to_live(described)
    assert {"tags", "tags.*", "variants[*].autoscaling*"} <= live.unobserved
    assert CAPABILITIES.unobservable <= live.unobserved
    # DescribeEndpoint's DesiredInstanceCount: read as a fixed-size count (compared for fixed-size
    # variants only; core.checks.judge.unobserved_paths marks it unread for autoscaled ones)
    assert live.fixed_scale_only == {"variants[*].min_replicas", "variants[*].max_replicas"}
    assert "variants[*].min_replicas" not in live.unobserved
    for variant in described.endpoint["ProductionVariants"]:
        del variant["DesiredInstanceCount"]
    live = rv.to_live(described)
    assert {"variants[*].min_replicas", "variants[*].max_replicas"} <= live.unobserved and not live.fixed_scale_only


def test_autoscaling_metric_maps_both_ways():
    data = CORPUS["three-variants-autoscaled"].model_dump(mode="json")
    for metric, target in (("cpu_utilization", 55), ("invocations_per_replica", 400)):
        data["variants"][0] |= {"min_replicas": 1, "max_replicas": 3,
                                "autoscaling": {"metric": metric, "target": target}}
        spec = parse_spec(data)
        config = tr.to_request(spec).scaling[0].policy["TargetTrackingScalingPolicyConfiguration"]
        assert config["TargetValue"] == float(target)
        assert rv.scaling_metric(config) == (metric, float(target))
        assert ("CustomizedMetricSpecification" in config) is (metric == "cpu_utilization")


def test_accelerator_and_concurrency_are_gaps_with_reasons():
    data = CORPUS["minimal"].model_dump(mode="json")
    data["variants"][0] |= {"accelerator": {"type": "NVIDIA_TESLA_T4"}, "max_concurrency": 4}
    from adapters.sagemaker.adapter import SageMakerAdapter

    gaps = {g.path: g.reason for g in find_gaps(SageMakerAdapter, parse_spec(data))}
    assert "ml.g5.xlarge" in gaps["variants[0].accelerator"]
    assert "concurrent" in gaps["variants[0].max_concurrency"]
