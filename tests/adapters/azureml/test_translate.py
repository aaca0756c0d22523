"""Pure translation: golden wire bodies (validated against azure-ai-ml's REST models by the
emulator's strict walker), deterministic names, gaps, and the inverse mapping.

Golden files hold ``translate.wire_bodies``: each body is the entity's own ``_to_rest_object``
turned into wire JSON by the REST model's ``as_dict()`` (what azure-ai-ml sends).
"""

from pathlib import Path

import pytest

from adapters.azureml import CAPABILITIES
from adapters.azureml import ownership as own
from adapters.azureml import reverse as rv
from adapters.azureml import translate as tr
from core.adapter import find_gaps
from core.live import Health
from core.spec import revision
from core.spec_io import parse_spec
from tests.adapters.azureml.described import described_after_submit
from tests.corpus import corpus
from tests.support.golden import assert_golden

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

GOLDEN = Path(__file__).parent / "golden"
CORPUS = corpus("azureml")
REST_MODEL = {"PUT onlineEndpoints": "OnlineEndpoint", "PUT onlineDeployments": "OnlineDeployment",
              "PUT environments": "EnvironmentVersion", "PUT data": "DataVersionBase",
              "PUT autoscaleSettings": "AutoscaleSettingResource"}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_golden_requests(name):
    assert_golden(GOLDEN / f"{name}.json", tr.wire_bodies(tr.to_request(CORPUS[name])))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_body_valid_for_the_rest_models(name):
    from emulators.azureml import monitor_schema, schema

    for call in tr.wire_bodies(tr.to_request(CORPUS[name])):
        walker = monitor_schema if call["operation"] == "PUT autoscaleSettings" else schema
        _, problems = walker.validate(REST_MODEL[call["operation"]], call["body"])
        assert problems == [], (call["operation"], call["name"], problems)


def test_names_are_deterministic_and_hash_only_create_only_fields():
    spec = CORPUS["canary"]
    a, b = tr.to_request(spec), tr.to_request(spec)
    assert a == b
    names = [d.name for d in a.deployments]
    assert all(3 <= len(n) <= 32 and n[0].isalpha() for n in names)
    assert [tr.variant_of(n) for n in names] == ["stable", "canary"]
    data = spec.model_dump(mode="json")
    data["variants"][0] |= {"image": "r/fraud:9", "min_replicas": 3, "max_replicas": 3, "env": {"A": "1"}}
    assert tr.to_request(parse_spec(data)).deployments[0].name == names[0], "in-place change keeps the name"
    data["variants"][0]["instance_type"] = "Standard_F8s_v2"
    assert tr.to_request(parse_spec(data)).deployments[0].name != names[0], "create-only change: new deployment"
    assert a.tags[own.TAG_REVISION] == revision(spec) and a.tags["team"] == "risk"
    assert own.TAG_REVISION not in a.create_tags
    assert a.traffic == {names[0]: 90, names[1]: 10}


def test_registered_references_become_arm_ids():
    request = tr.to_request(CORPUS["registered-environment"])
    d = request.deployments[0]
    assert d.environment_id.endswith("/workspaces/ws-prod/environments/sklearn-serving/versions/3")
    assert d.model.endswith("/models/churn/versions/12") and d.inline_environment is None
    canary = tr.to_request(CORPUS["canary"]).deployments[1]
    assert canary.model == "azureml://registries/shared-models/models/fraud/versions/8"


def test_settings_mapping():
    routes = tr.to_request(CORPUS["iam-custom-routes"])
    assert routes.auth_mode == "aad_token"
    d = routes.deployments[0]
    assert d.request_timeout_ms == 30000 and d.max_concurrent_requests_per_instance == 8
    assert d.inline_environment["inference_config"]["scoring_route"] == {"path": "/v1/score", "port": 5001}
    assert tr.to_request(CORPUS["canary"]).auth_mode == "aml_token"
    logged = tr.to_request(CORPUS["logging"]).deployments[0]
    assert logged.app_insights_enabled and logged.data_collector["sampling_rate"] == 0.25


def _gap_spec(**variant):
    data = CORPUS["minimal-key"].model_dump(mode="json")
    data["variants"][0] |= variant
    return data


@pytest.mark.parametrize(("change", "feature", "words"), [
    ({"model_uri": "./model"}, "model_uri", "az ml model create"),
    ({"model_uri": "s3://bucket/model.tar.gz"}, "model_uri", "upload blobs"),
    ({"model_uri": "https://example.com/m.pkl"}, "model_uri", "registered models only"),
    ({"instance_type": "ml.m5.large"}, "instance_type", "Standard_DS3_v2"),
    ({"image": "azureml:env"}, "image", "azureml:name:version"),
    ({"image": "azureml:env:3", "port": 9000}, "custom_routes", "inference config"),
])
def test_value_gaps(change, feature, words):
    gaps = tr.check_values(parse_spec(_gap_spec(**change)))
    assert [g.feature for g in gaps] == [feature]
    assert words in gaps[0].reason


def test_spec_level_gaps_reported_all_at_once():
    from adapters.azureml.adapter import AzureMLAdapter

    data = _gap_spec(min_replicas=0, max_replicas=3, accelerator={"type": "NVIDIA_TESLA_T4"},
                     autoscaling={"metric": "invocations_per_replica", "target": 50},
                     model_uri="gs://b/m")
    data |= {"request_timeout_seconds": 300,
             "logging": {"enabled": True, "destination": "https://acct.blob.core.windows.net/c"}}
    gaps = find_gaps(AzureMLAdapter, parse_spec(data))
    assert {g.feature for g in gaps} == {"scale_to_zero", "invocations_scaling", "accelerator",
                                         "model_uri", "long_request_timeout", "prediction_logging"}
    assert all(g.reason for g in gaps)
    assert "180" in next(g.reason for g in gaps if g.feature == "long_request_timeout")
    assert "azureml://datastores/" in next(g.reason for g in gaps if g.feature == "prediction_logging")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_inverse_mapping_round_trips(name):
    spec = CORPUS[name]
    live = rv.to_live(described_after_submit(tr.to_request(spec)))
    assert live.health is Health.SERVING and live.revision == revision(spec)
    assert live.config == spec.config
    assert live.unobserved == frozenset()


def test_zero_traffic_and_copied_properties_are_not_drift():
    spec = CORPUS["zero-weight"]
    described = described_after_submit(tr.to_request(spec))
    assert set(described.endpoint.traffic.values()) == {100, 0}
    assert described.endpoint.properties and described.deployments[0].properties
    assert rv.to_live(described).config == spec.config


def test_replacement_in_flight_reports_the_deployment_with_traffic():
    spec = CORPUS["minimal-key"]
    old = described_after_submit(tr.to_request(spec))
    data = spec.model_dump(mode="json")
    data["variants"][0]["instance_type"] = "Standard_F4s_v2"
    new_spec = parse_spec(data)
    new = described_after_submit(tr.to_request(new_spec))
    new.deployments += old.deployments  # the old one lingers until finalize, without traffic
    assert rv.to_live(new).config == new_spec.config


def test_status_map_and_unknown_fallback():
    spec = CORPUS["minimal-key"]
    for state, health in rv.STATUS_MAP.items():
        assert rv.to_live(described_after_submit(tr.to_request(spec), state=state)).health is health
    assert set(rv.STATUS_MAP) == {"Creating", "Updating", "Succeeded", "Failed", "Deleting", "Canceled"}
    assert rv.to_live(described_after_submit(tr.to_request(spec), state="Migrating")).health is Health.UNKNOWN
    busy = described_after_submit(tr.to_request(spec), deployment_state="Updating")
    assert rv.to_live(busy).health is Health.UPDATING
    failed = described_after_submit(tr.to_request(spec), deployment_state="Failed")
    assert rv.to_live(failed).health is Health.SERVING


def test_unread_data_asset_marks_destination_unobserved():
    described = described_after_submit(tr.to_request(CORPUS["logging"]))
    described.data_paths.clear()
    live = rv.to_live(described)
    assert live.unobserved == {"logging.destination"}


def test_capabilities_are_data_only():
    import subprocess
    import sys

    code = ("import sys, adapters.azureml, adapters.azureml.reverse; "
            "print(any(m == 'azure' or m.startswith('azure.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert CAPABILITIES.platform == "azureml" and CAPABILITIES.unsupported


def test_values_the_workspace_does_not_let_the_service_read_are_unreadable_never_invented():
    """An anonymous environment version or a data collector's data asset that
    cannot be read, and the per-deployment fields of an endpoint without deployments, are reported
    unreadable with the reason; the config has no value there."""
    spec = CORPUS["logging"]
    described = described_after_submit(tr.to_request(spec))
    described.environments = {env_id: None for env_id in described.environments}
    described.data_paths = {data_id: None for data_id in described.data_paths}
    live = rv.to_live(described)
    names = [v.name for v in spec.variants]
    assert sorted(live.unreadable) == sorted(
        ["logging.destination"] + [f"variants[{n}].{f}" for n in names
                                   for f in ("image", "port", "predict_route", "health_route")])
    assert "data asset" in live.unreadable["logging.destination"]
    assert "CliV2AnonymousEnvironment" in live.unreadable[f"variants[{names[0]}].image"]
    assert "destination" not in live.config["logging"] and "image" not in live.config["variants"][0]
    assert "missing:" not in str(live.config)

    described.deployments = []
    emptied = rv.to_live(described)
    assert emptied.config["variants"] == []
    assert set(emptied.unreadable) == {"logging", "request_timeout_seconds"}
    assert {"logging", "request_timeout_seconds"}.isdisjoint(emptied.config)


def test_tag_names_azure_would_merge_or_refuse_are_gaps():
    data = _gap_spec()
    data["tags"] = {"Team": "a", "team": "b", "cost/center": "c", "ok": "d"}
    gaps = tr.check_values(parse_spec(data))
    assert [(g.path, g.feature) for g in gaps] == [('tags["cost/center"]', "tags"), ("tags.team", "tags")]
    assert "'/'" in gaps[0].reason and "'Team' and 'team' would be one tag" in gaps[1].reason
