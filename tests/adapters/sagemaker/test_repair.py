"""Reconcile of SageMaker resources re-created behind the service's back under their own names
(adapters/sagemaker/repair.py): models are re-created, the endpoint moves to the revision's twin
config and back, nothing is left behind, and a reconcile with nothing to repair writes nothing."""

from __future__ import annotations

from adapters.sagemaker.repair import same_content, twin_config_names
from adapters.sagemaker.translate import revision_of_config
from core.checks.judge import judge
from core.checks.read import observe
from core.live import Sync
from core.spec import revision
from tests.contract.envs import make_env
from tests.support.stepping import rollout


def _sync(adapter, spec):
    return judge(spec, observe(adapter, spec.name, full=True), adapter.capabilities).sync


def test_twin_names_carry_the_revision():
    plain, twin = twin_config_names("churn-0123456789ab")
    assert plain == "churn-0123456789ab" and revision_of_config("churn", twin) == "0123456789ab" != twin
    secret, secret_twin = twin_config_names("churn-0123456789ab-deadbeef")
    assert revision_of_config("churn", secret_twin) == "0123456789ab" and secret_twin != secret
    assert twin_config_names("churn-0123456789ab") == (plain, twin)  # deterministic


def test_same_content_is_what_the_request_sets():
    request = {"ModelName": "m", "Tags": [{"Key": "k", "Value": "v"}], "ExecutionRoleArn": "r",
               "PrimaryContainer": {"Image": "i", "Environment": {"K": "v"}},
               "ProductionVariants": [{"ModelName": "m-a", "InitialVariantWeight": 1}]}
    described = {"ModelName": "other", "ModelArn": "arn", "ExecutionRoleArn": "r",
                 "PrimaryContainer": {"Image": "i", "Environment": {"K": "v"}, "Mode": "SingleModel"},
                 "ProductionVariants": [{"ModelName": "m-a", "InitialVariantWeight": 1.0, "VolumeSizeInGB": 4}]}
    assert same_content(request, described)
    assert not same_content(request, described | {"PrimaryContainer": {"Image": "hotfix", "Environment": {"K": "v"}}})
    assert not same_content(request, described | {"ProductionVariants": [{"ModelName": "m-x",
                                                                           "InitialVariantWeight": 1.0}]})
    assert not same_content(request, {k: v for k, v in described.items() if k != "ExecutionRoleArn"})


def test_same_content_matches_production_variants_by_name_not_position():
    a, b = {"VariantName": "a", "ModelName": "m-a"}, {"VariantName": "b", "ModelName": "m-b"}
    assert same_content({"ProductionVariants": [a, b]}, {"ProductionVariants": [b, a]})
    assert not same_content({"ProductionVariants": [a, b]}, {"ProductionVariants": [b | {"ModelName": "m-a"}, a]})
    assert not same_content({"ProductionVariants": [a, b]}, {"ProductionVariants": [a]})
    options = [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]
    assert not same_content({"CaptureOptions": options}, {"CaptureOptions": options[::-1]}), "other lists by position"


def test_reconcile_repairs_a_model_recreated_behind_the_back_and_back_again(sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    env = make_env("sagemaker", sagemaker_emulator)
    adapter = env.adapter()
    spec = env.spec("repaired")
    rollout(adapter, spec)
    config, twin = twin_config_names(adapter.to_request(spec).config_name)

    env.drifts()["variants[a].image"](spec.name)  # new Model, same name; endpoint rolled onto it
    assert _sync(adapter, spec) is Sync.OUT_OF_SYNC
    rollout(adapter, spec)
    assert _sync(adapter, spec) is Sync.IN_SYNC
    assert env.client.describe_endpoint(EndpointName=spec.name)["EndpointConfigName"] == twin
    assert {r for r in env.resources(spec.name) if r.startswith("endpoint-config/")} == {f"endpoint-config/{twin}"}
    assert observe(adapter, spec.name, full=False).revision == revision(spec)

    env.sent.clear()
    rollout(adapter, spec)  # nothing to repair: no write beyond tags
    assert [w for w in env.writes() if w not in ("AddTags", "DeleteTags")] == []

    env.drifts()["logging.sample_percent"](spec.name)  # the twin config re-created with other content
    assert _sync(adapter, spec) is Sync.OUT_OF_SYNC
    rollout(adapter, spec)
    assert _sync(adapter, spec) is Sync.IN_SYNC
    assert env.client.describe_endpoint(EndpointName=spec.name)["EndpointConfigName"] == config
    assert {r for r in env.resources(spec.name) if r.startswith("endpoint-config/")} == {f"endpoint-config/{config}"}
