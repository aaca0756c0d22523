"""Pure translation: golden requests, every request valid for the aiplatform_v1 protos, inverse
mapping, value checks, id rules."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.vertex import CAPABILITIES
from adapters.vertex import reverse as rv
from adapters.vertex import translate as tr
from adapters.vertex.values import ACCELERATOR_TYPES
from core.adapter import Feature, find_gaps
from core.live import Health
from core.spec import revision
from core.spec_io import parse_spec
from core.spec_policy import TestQuery
from tests.corpus import corpus
from tests.support.golden import assert_golden
from tests.support.vertex_schema import SchemaViolation, validate_request

GOLDEN = Path(__file__).parent / "golden"
CORPUS = corpus("vertex")
NUMBER = "123456789012"


def golden_calls(request: tr.VertexRequest) -> dict[str, list[dict]]:
    return {"new_endpoint": tr.request_calls(request, exists=False),
            "existing_endpoint": tr.request_calls(request, exists=True)}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_golden_requests(name):
    assert_golden(GOLDEN / f"{name}.json", golden_calls(tr.to_request(CORPUS[name])))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_golden_request_parses_into_the_real_proto(name):
    calls = json.loads((GOLDEN / f"{name}.json").read_text())
    for call in calls["new_endpoint"] + calls["existing_endpoint"]:
        validate_request(f"{call['operation']}Request", call["params"])


def test_schema_check_rejects_typos_and_rule_breaks():
    body = tr.request_calls(tr.to_request(CORPUS["minimal"]), exists=False)[0]["params"]
    with pytest.raises(SchemaViolation, match="containerSpek"):
        validate_request("UploadModelRequest", {**body, "model": {**body["model"], "containerSpek": {}}})
    with pytest.raises(SchemaViolation, match="modelId"):
        validate_request("UploadModelRequest", {**body, "modelId": "9-starts-with-a-digit"})
    deploy = tr.to_request(CORPUS["minimal"]).deploy_model(tr.to_request(CORPUS["minimal"]).variants[0], first=True)
    with pytest.raises(SchemaViolation, match="1-10 digits"):
        validate_request("DeployModelRequest", {**deploy, "deployedModel": {**deploy["deployedModel"], "id": "abc"}})


def test_accelerator_types_match_the_sdk_enum():
    from google.cloud.aiplatform_v1 import AcceleratorType

    assert ACCELERATOR_TYPES == {e.name for e in AcceleratorType} - {"ACCELERATOR_TYPE_UNSPECIFIED"}


def test_autoscaling_metrics_are_documented_by_the_proto():
    from google.cloud.aiplatform_v1 import AutoscalingMetricSpec

    for metric in tr.METRICS.values():
        assert metric in AutoscalingMetricSpec.__doc__
    assert Feature.INVOCATIONS_SCALING not in CAPABILITIES.unsupported
    assert Feature.LONG_REQUEST_TIMEOUT not in CAPABILITIES.unsupported


# ------------------------------------------------------------------------------------- ids


def test_ids_are_deterministic_and_follow_vertex_rules():
    for spec in CORPUS.values():
        a, b = tr.to_request(spec), tr.to_request(spec)
        assert a == b
        assert a.name == spec.name and re.fullmatch(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?", a.name)
        for plan in a.variants:
            assert re.fullmatch(r"[a-z][a-z0-9_-]{0,62}", plan.model_id)
            assert re.fullmatch(r"[1-9][0-9]{9}", plan.deployed_model_id)
            assert plan.deployed_model["displayName"] == plan.variant
        assert a.labels[tr.LABEL_REVISION] == revision(spec)


def _changed(spec, index=0, **fields):
    data = spec.model_dump(mode="json")
    data["variants"][index] |= fields
    return parse_spec(data)


def test_what_changes_the_model_and_the_deployed_model():
    spec = CORPUS["canary"]
    before = tr.to_request(spec).variants
    replicas = tr.to_request(_changed(spec, min_replicas=3, max_replicas=9,
                                      autoscaling={"metric": "cpu_utilization", "target": 50})).variants
    assert [(p.model_id, p.deployed_model_id) for p in replicas] == \
           [(p.model_id, p.deployed_model_id) for p in before], "mutable in place"
    machine = tr.to_request(_changed(spec, instance_type="n1-standard-8")).variants
    assert machine[0].model_id == before[0].model_id
    assert machine[0].deployed_model_id != before[0].deployed_model_id
    image = tr.to_request(_changed(spec, image="us-docker.pkg.dev/risk-prod/serving/fraud:3")).variants
    assert image[0].model_id != before[0].model_id and image[0].deployed_model_id != before[0].deployed_model_id
    assert (image[1].model_id, image[1].deployed_model_id) == (before[1].model_id, before[1].deployed_model_id), \
        "an unchanged variant keeps its model and deployed model"


def test_creation_label_marks_a_never_served_endpoint():
    request = tr.to_request(CORPUS["minimal"])
    assert request.create_endpoint()["endpoint"]["labels"][tr.LABEL_CREATED] == request.revision
    assert tr.LABEL_CREATED not in request.update_endpoint()["endpoint"]["labels"]
    assert tr.LABEL_REVISION not in request.create_endpoint()["endpoint"]["labels"]


def test_traffic_split_and_first_deploy():
    request = tr.to_request(CORPUS["zero-weight"])
    live, shadow = request.variants
    assert request.traffic_split == {live.deployed_model_id: 100}
    assert request.deploy_model(live, first=True)["trafficSplit"] == {"0": 100}
    assert "trafficSplit" not in request.deploy_model(shadow, first=False)


def test_network_and_cmek_on_create_only():
    request = tr.to_request(CORPUS["private-cmek"])
    body = request.create_endpoint()["endpoint"]
    assert body["network"] == "projects/123456789012/global/networks/ml-vpc"
    assert body["encryptionSpec"]["kmsKeyName"].endswith("/cryptoKeys/endpoints")
    assert all(p.model["encryptionSpec"] == body["encryptionSpec"] for p in request.variants)
    mask = request.update_endpoint()["updateMask"]
    assert "network" not in mask and "encryption" not in mask
    assert set(CAPABILITIES.replacement) >= {"target.network", "target.encryption_key"}


def test_timeout_and_logging_mapping():
    request = tr.to_request(CORPUS["canary"])
    assert request.client_connection == {"inferenceTimeout": "30s"}
    assert request.logging == {"enabled": True, "samplingRate": 0.2,
                               "bigqueryDestination": {"outputUri": "bq://risk-prod.prediction_logs.fraud_scorer"}}
    assert rv.timeout_of({"inferenceTimeout": "300.000s"}) == 300
    assert rv.timeout_of(None) == 60


# --------------------------------------------------------------------------------- values


def test_gaps_reported_all_at_once_with_reasons():
    from adapters.vertex.adapter import VertexAdapter

    data = CORPUS["minimal"].model_dump(mode="json")
    data["variants"][0] |= {"min_replicas": 0, "instance_type": "ml.m5.large", "model_uri": "s3://b/m",
                            "image": "docker.io/library/nginx:1", "max_concurrency": 4,
                            "accelerator": {"type": "NVIDIA_TESLA_K9000"}}
    data |= {"auth_mode": "key", "logging": {"enabled": True, "destination": "s3://cap/"},
             "tags": {"Team": "x", "owner": "Upper Case", "ok": "fine"}}
    gaps = find_gaps(VertexAdapter, parse_spec(data))
    by_path = {g.path: g for g in gaps}
    assert set(by_path) == {"variants[0].min_replicas", "variants[0].max_concurrency", "auth_mode",
                            "variants[0].instance_type", "variants[0].model_uri", "variants[0].image",
                            "variants[0].accelerator.type", "logging.destination", "tags.Team",
                            "tags.owner"}
    assert all(g.reason for g in gaps)
    assert "IAM" in by_path["auth_mode"].reason
    assert "min_replica_count" in by_path["variants[0].min_replicas"].reason


def test_machine_types_and_registries():
    ok = CORPUS["minimal"].model_dump(mode="json")
    for machine, accelerator in (("n1-standard-4", None), ("e2-standard-8", None),
                                 ("n1-standard-8", {"type": "NVIDIA_TESLA_T4", "count": 2}),
                                 ("a2-highgpu-1g", {"type": "NVIDIA_TESLA_A100", "count": 1}),
                                 ("g2-standard-24", {"type": "NVIDIA_L4", "count": 2}),
                                 ("ct5lp-hightpu-1t", {"type": "TPU_V5_LITEPOD", "count": 1})):
        ok["variants"][0] |= {"instance_type": machine, "accelerator": accelerator}
        assert tr.check_values(parse_spec(ok)) == [], machine
    ok["variants"][0]["accelerator"] = None
    for machine in ("Standard_DS3_v2", "n1_standard_4", "big", "n1-standard-5", "e2-standard-1"):
        ok["variants"][0]["instance_type"] = machine
        assert [g.path for g in tr.check_values(parse_spec(ok))] == ["variants[0].instance_type"]


def test_supported_features_pass():
    for spec in CORPUS.values():
        from adapters.vertex.adapter import VertexAdapter

        assert find_gaps(VertexAdapter, spec) == [], spec.name


# ------------------------------------------------------------------------------ live -> spec


def described(spec, *, traffic=None, labels=None, deployed=None, network=None):
    """What GetEndpoint/GetModel answer after ``spec`` was applied (project NUMBER in names)."""
    request = tr.to_request(spec)
    where = f"projects/{NUMBER}/locations/{spec.target.location}"
    dms = [{**p.deployed_model, "model": f"{where}/models/{p.model_id}",
            "createTime": f"2026-11-22T10:00:0{i}Z"} for i, p in enumerate(request.variants)]
    endpoint = {"name": f"{where}/endpoints/{spec.name}", "displayName": spec.name,
                "deployedModels": dms if deployed is None else deployed,
                "trafficSplit": request.traffic_split if traffic is None else traffic,
                "labels": request.labels if labels is None else labels,
                "clientConnectionConfig": request.client_connection}
    if request.logging:
        endpoint["predictRequestResponseLoggingConfig"] = request.logging
    if spec.target.network:
        endpoint["network"] = network or spec.target.network
    if spec.target.encryption_key:
        endpoint["encryptionSpec"] = {"kmsKeyName": re.sub(r"^projects/[^/]+", f"projects/{NUMBER}",
                                                           spec.target.encryption_key)}
    models = {p.model_id: {"name": f"{where}/models/{p.model_id}", **p.model} for p in request.variants}
    return rv.VertexDescribed(endpoint=endpoint, target=spec.target, models=models)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_inverse_mapping_round_trips(name):
    spec = CORPUS[name]
    live = rv.to_live(described(spec))
    assert live.health is Health.SERVING and live.revision == revision(spec)
    assert live.config == spec.config
    assert live.unobserved == frozenset()


def test_names_compared_by_location_and_resource_id():
    spec = CORPUS["private-cmek"]
    live = rv.to_live(described(spec, network="projects/secure-proj/global/networks/ml-vpc"))
    assert live.config["target"] == spec.config["target"]
    other = rv.to_live(described(spec, network=f"projects/{NUMBER}/global/networks/other-vpc"))
    assert other.config["target"]["network"] == f"projects/{NUMBER}/global/networks/other-vpc"


def test_health_is_derived_with_an_unknown_fallback():
    spec = CORPUS["canary"]
    request = tr.to_request(spec)
    stable, canary = (p.deployed_model_id for p in request.variants)
    cases = {
        "NO_DEPLOYED_MODELS": (described(spec, deployed=[], traffic={}, labels=request.endpoint["labels"]),
                               Health.PROVISIONING),
        "UNDEPLOYED": (described(spec, deployed=[], traffic={}), Health.DEGRADED),
        "NO_TRAFFIC": (described(spec, traffic={}), Health.DEGRADED),
        "TRAFFIC_INVALID": (described(spec, traffic={stable: 90, "42": 10}), Health.DEGRADED),
        "UNRECOGNISED": (described(spec, deployed=[{"displayName": "x"}], traffic={}), Health.UNKNOWN),
    }
    for status, (state, health) in cases.items():
        live = rv.to_live(state)
        assert (live.provider_status, live.health) == (status, health)
    assert set(rv.STATUS_MAP) | {"UNRECOGNISED"} == set(cases) | {"SERVING"}
    emptied = rv.to_live(described(spec, deployed=[], traffic={})).config
    assert emptied is not None and emptied["variants"] == [], (
        "nothing deployed is a live fact, not an unreadable config")


def test_drift_in_traffic_and_labels_is_read_back():
    spec = CORPUS["canary"]
    request = tr.to_request(spec)
    stable, canary = (p.deployed_model_id for p in request.variants)
    live = rv.to_live(described(spec, traffic={stable: 50, canary: 50},
                                labels={**request.labels, "team": "someone-else"}))
    weights = {v["name"]: v["weight"] for v in live.config["variants"]}
    assert weights == {"stable": 50, "canary": 50} and live.config["tags"]["team"] == "someone-else"


def test_variant_being_replaced_is_represented_by_the_one_with_traffic():
    spec = CORPUS["minimal"]
    new = tr.to_request(_changed(spec, image="europe-docker.pkg.dev/my-project/serving/model:2.0.0"))
    state = described(spec)
    old_dm = state.endpoint["deployedModels"][0]
    new_dm = {**new.variants[0].deployed_model, "createTime": "2026-11-22T11:00:00Z"}
    state.endpoint["deployedModels"].append(new_dm)
    state.models[new.variants[0].model_id] = new.variants[0].model
    assert rv.to_live(state).config["variants"][0]["image"].endswith("model:1.0.0")
    state.endpoint["trafficSplit"] = {new_dm["id"]: 100}
    assert rv.to_live(state).config["variants"][0]["image"].endswith("model:2.0.0")
    assert old_dm["id"] != new_dm["id"]


def test_invoke_routing():
    from adapters.vertex.prediction import route

    assert route(TestQuery(payload={"instances": [[1, 2]]})) == "predict"
    assert route(TestQuery(payload={"instances": [1], "parameters": {"k": 1}})) == "predict"
    assert route(TestQuery(payload={"x": [1, 2]})) == "rawPredict"
    assert route(TestQuery(payload="a,b,c", content_type="text/csv")) == "rawPredict"
    assert route(TestQuery(payload={"instances": [1]}, content_type="application/x-custom")) == "rawPredict"


def test_capabilities_importable_without_google():
    # ``google`` and ``google.cloud`` are namespace packages a .pth file creates at start-up
    code = ("import sys, adapters.vertex, adapters.vertex.translate, adapters.vertex.reverse, "
            "adapters.vertex.values; "
            "loaded = [m for m in sys.modules if m.startswith('google.') and m != 'google.cloud']; "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])


def test_values_vertex_does_not_let_the_service_read_are_unreadable_never_invented():
    """A Model GetModel cannot read, automatic resources (no machine type) and an
    autoscaling metric the spec cannot name are reported unreadable, with no value in the config."""
    spec = CORPUS["canary"]
    state = described(spec)
    first, second = state.endpoint["deployedModels"]
    state.models.pop(tr.resource_id(first["model"]))
    second["dedicatedResources"] = {**second["dedicatedResources"], "minReplicaCount": 1, "maxReplicaCount": 4,
                                    "autoscalingMetricSpecs": [{"metricName": "aiplatform.googleapis.com/"
                                                                "prediction/online/accelerator/duty_cycle",
                                                                "target": 50}]}
    second["dedicatedResources"]["machineSpec"] = {}
    live = rv.to_live(state)
    a, b = (v.name for v in spec.variants)
    assert sorted(live.unreadable) == sorted(
        [f"variants[{a}].{f}" for f in ("image", "model_uri", "env", "port", "predict_route", "health_route")]
        + [f"variants[{b}].instance_type", f"variants[{b}].autoscaling"])
    assert "was not found" in live.unreadable[f"variants[{a}].image"]
    assert "duty_cycle" in live.unreadable[f"variants[{b}].autoscaling"]
    variants = {v["name"]: v for v in live.config["variants"]}
    assert {"image", "env", "port"}.isdisjoint(variants[a]) and {"instance_type", "autoscaling"}.isdisjoint(variants[b])
    assert "missing:" not in str(live.config) and "automatic" not in str(live.config)
