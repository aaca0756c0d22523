"""Never invent a value: unreadable provider values, through the real SDKs against the emulators.

- A value the service cannot read (a SageMaker Model deleted with boto3; an Azure ML deployment
  pointed with MLClient at an environment version the workspace cannot read; a Vertex Model that
  GetModel answers 404 for: Vertex itself refuses to delete a deployed model, which the test shows
  with the SDK) is reported at its spec path as unreadable, with the reason, ``actual`` None, and
  no placeholder anywhere in the check, the live config or the patch.
- Through the API: the check, the live view and the deployment say so; the patch does not touch
  those paths; accept-live refuses them (422 naming the paths, dry run or not); a reconcile restores.
- An env change is ONE change per key with the right expected/actual, also when one side is empty.
- An endpoint whose every deployed model / deployment was removed is out of sync, each variant
  reported missing (``variants[a]``: expected object, actual None), never ``unknown``.

The platform benches (environment, adapter, emulator) are the drift matrix's
(tests/checks/conftest.py): each test deploys its environment's spec under a name of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from api.routes.check_views import CheckView, LiveView
from core.checks.record_patch import live_document, to_patch
from core.diff import Severity
from core.live import Health, Sync
from core.unreadable import STAND_IN_MARK, value_at
from tests.checks.conftest import Deployed
from tests.checks.test_check_api import SPEC as API_SPEC
from tests.checks.test_check_api import _check, _deploy
from tests.checks.test_drift_matrix import spec_value
from tests.support.api_server import wait_operation
from tests.support.stepping import rollout

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning:google.*")]

PLACEHOLDERS = ("missing:", "role/unknown", STAND_IN_MARK)
"""What a check used to invent for a value it could not read (and the validation stand-ins)."""


def _no_placeholder(*documents: Any) -> None:
    text = json.dumps(documents, default=str)
    assert not [p for p in PLACEHOLDERS if p in text], text


# ------------------------------------------------------------------ behind the service's back


def _sagemaker_delete_models(d: Deployed) -> dict[str, str]:
    """Delete every variant's Model with boto3 (SageMaker allows it while the endpoint serves)."""
    client = d.env.client
    config = client.describe_endpoint_config(
        EndpointConfigName=client.describe_endpoint(EndpointName=d.name)["EndpointConfigName"])
    gone: dict[str, str] = {}
    for pv in config["ProductionVariants"]:
        client.delete_model(ModelName=pv["ModelName"])
        gone |= {f"variants[{pv['VariantName']}].{f}": f"model {pv['ModelName']} was not found"
                 for f in ("image", "model_uri", "env")}
    return gone | {"target.execution_role_arn": "none could be read"}


def _vertex_unreadable_model(d: Deployed) -> dict[str, str]:
    """Vertex refuses to delete a deployed Model (FAILED_PRECONDITION, shown with the SDK); a Model
    the service still cannot read is one GetModel answers 404 for (the emulator's fault)."""
    from google.api_core.exceptions import BadRequest

    endpoints, models = d.env._clients()
    endpoint = d.env._get(d.name)
    model = next(dm.model for dm in endpoint.deployed_models if dm.display_name == "a")
    with pytest.raises(BadRequest, match="is deployed"):
        models.delete_model(name=model, timeout=10)
    model_id = model.rsplit("/", 1)[-1]
    d.env.emulator.control.inject_fault(method="GET", path_contains=f"/models/{model_id}", status=404, count=None)
    return {f"variants[a].{f}": f"model {model_id} was not found"
            for f in ("image", "model_uri", "env", "port", "predict_route", "health_route")}


def _azureml_unreadable_environment(d: Deployed) -> dict[str, str]:
    """The operator's MLClient points deployment ``a`` at an anonymous environment version this
    workspace cannot read (Azure keeps versions forever; this one was never registered here)."""
    version = "0" * 32
    current = d.env._deployment(d.name, "a").environment
    ghost = f"{current.split('/environments/')[0]}/environments/CliV2AnonymousEnvironment/versions/{version}"
    d.env._edit_deployment(d.name, "a", lambda dep: setattr(dep, "environment", ghost))
    return {f"variants[a].{f}": f"environment CliV2AnonymousEnvironment:{version} of deployment"
            for f in ("image", "port", "predict_route", "health_route")}


UNREAD: dict[str, Callable[[Deployed], dict[str, str]]] = {
    "sagemaker": _sagemaker_delete_models,
    "vertex": _vertex_unreadable_model,
    "azureml": _azureml_unreadable_environment,
}
"""Platform -> make values unreadable behind the service's back: ``{spec path: part of the reason}``."""


def _azureml_delete_deployments(d: Deployed) -> dict[str, str]:
    """MLClient: route no traffic, then delete every deployment (the endpoint stays)."""
    ml = d.env._clients()[0]
    d.env._edit_endpoint(d.name, lambda e: e.traffic.update({k: 0 for k in e.traffic}))
    for dep in list(ml.online_deployments.list(endpoint_name=d.name)):
        ml.online_deployments.begin_delete(name=dep.name, endpoint_name=d.name).result()
    return {f: "on each deployment" for f in ("logging", "request_timeout_seconds")}


def _vertex_undeploy_all(d: Deployed) -> dict[str, str]:
    """GAPIC UndeployModel of every deployed model (the endpoint stays)."""
    d.env._undeploy_all(d.name)
    return {}


REMOVE_ALL: dict[str, Callable[[Deployed], dict[str, str]]] = {
    "vertex": _vertex_undeploy_all,
    "azureml": _azureml_delete_deployments,
}
"""Platform -> remove every variant behind the back; returns the paths then unreadable (-> reason
part). SageMaker cannot: an endpoint config has at least one variant (its Models: ``UNREAD``)."""


def _azureml_envs(d: Deployed) -> None:
    d.env._edit_deployment(d.name, "a", lambda dep: setattr(dep, "environment_variables", {}))
    d.env._edit_deployment(d.name, "b", lambda dep: setattr(dep, "environment_variables", {"X": "1"}))


def _vertex_envs(d: Deployed) -> None:
    """Models are immutable: the operator uploads a copy of each variant's Model (its labels, the
    service's ownership stamp, kept) with another env and deploys it in place of the old one."""
    from google.cloud import aiplatform_v1

    models = d.env._clients()[1]
    for variant, env in (("a", []), ("b", [aiplatform_v1.EnvVar(name="X", value="1")])):
        labels = dict(models.get_model(name=d.env._deployed(d.env._get(d.name), variant).model, timeout=10).labels)

        def edit(model: Any, env: Any = env, labels: dict[str, str] = labels) -> None:
            model.container_spec.env = env
            model.labels.update(labels)

        d.env._new_model(d.name, variant, edit)


def _sagemaker_delete_policy(d: Deployed) -> None:
    """boto3: delete variant a's target-tracking policy; its scalable target (bounds) stays."""
    resource = f"endpoint/{d.name}/variant/a"
    for policy in d.env.scaling.describe_scaling_policies(ServiceNamespace="sagemaker",
                                                          ResourceId=resource)["ScalingPolicies"]:
        d.env.scaling.delete_scaling_policy(PolicyName=policy["PolicyName"], ServiceNamespace="sagemaker",
                                            ResourceId=resource, ScalableDimension=policy["ScalableDimension"])


def _azureml_drop_scale_out(d: Deployed) -> None:
    """azure-mgmt-monitor: variant a's autoscale setting keeps only its scale-in rule."""
    def edit(setting: Any) -> None:
        setting.profiles[0].rules = [r for r in setting.profiles[0].rules if r.scale_action.direction != "Increase"]

    d.env._edit_autoscale(d.name, edit)


FOREIGN_SCALING: dict[str, Callable[[Deployed], None]] = {
    "sagemaker": _sagemaker_delete_policy,
    "azureml": _azureml_drop_scale_out,
}
"""Platform -> leave variant a autoscaled (bounds kept) by a rule the spec cannot express. (Vertex:
only accelerator duty cycle is left, which needs an accelerator: tests/adapters/vertex/test_translate.py.)"""


ENV_CHANGES: dict[str, Callable[[Deployed], None]] = {"vertex": _vertex_envs, "azureml": _azureml_envs}
"""Platform -> empty variant a's env (spec ``{K: v}``) and give variant b (spec ``{}``) ``{X: 1}``."""


# ------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("platform", sorted(UNREAD))
def test_a_value_that_cannot_be_read_is_reported_unreadable_never_invented(deployed: Deployed) -> None:
    gone = UNREAD[deployed.env.platform](deployed)
    live = deployed.observe(full=True)
    assert live is not None and live.health is Health.SERVING
    assert sorted(live.unreadable) == sorted(gone)
    assert not [p for p in gone if value_at(live.config, p)[0]], "no value at an unreadable path"

    outcome = deployed.check()
    assert outcome.sync is Sync.OUT_OF_SYNC
    changes = {c.path: c for c in outcome.drift.changes}
    assert sorted(changes) == sorted(gone), outcome.drift.changes
    for path, change in changes.items():
        assert gone[path] in (change.unreadable or ""), change
        assert (change.actual, change.severity) == (None, Severity.MATERIAL)
        assert change.expected == spec_value(deployed.spec.config, path) or path == "target.execution_role_arn"
    assert "unreadable: " in (outcome.status_message or "")
    document = deployed.spec.model_dump(mode="json")
    patch = to_patch(document, outcome.drift.changes)
    assert patch == [], "an unread value is never patched into the spec"
    _no_placeholder(live.config, [c.model_dump(mode="json") for c in outcome.drift.changes], patch)
    basic = deployed.check(full=False)
    assert sorted(c.path for c in basic.drift.changes if c.unreadable) == sorted(gone), "a basic check agrees"


@pytest.mark.parametrize("platform", ["sagemaker"])
def test_a_deleted_endpoint_config_leaves_what_describe_endpoint_reads_comparable(deployed: Deployed) -> None:
    """boto3 deletes the endpoint config the endpoint runs (SageMaker allows it): the variants,
    weights and counts DescribeEndpoint gives are still compared (a weight change is reported);
    what only the config and its models hold is unreadable, naming the config."""
    client = deployed.env.client
    config = client.describe_endpoint(EndpointName=deployed.name)["EndpointConfigName"]
    client.delete_endpoint_config(EndpointConfigName=config)
    weights = {v.name: v.weight for v in deployed.spec.variants}
    client.update_endpoint_weights_and_capacities(EndpointName=deployed.name, DesiredWeightsAndCapacities=[
        {"VariantName": name, "DesiredWeight": float(100 - weight)} for name, weight in weights.items()])
    for full in (True, False):
        outcome = deployed.check(full=full)
        assert outcome.sync is Sync.OUT_OF_SYNC, outcome
        changes = {c.path: c for c in outcome.drift.changes}
        unread = {p for p, c in changes.items() if c.unreadable}
        assert unread == {f"variants[{n}].{f}" for n in weights for f in ("image", "model_uri", "env", "instance_type")
                          } | {"target.execution_role_arn"}, sorted(changes)
        assert all(config in (changes[p].unreadable or "") for p in unread)
        assert {(p, c.actual) for p, c in changes.items() if p.endswith(".weight")} == {
            (f"variants[{n}].weight", 100 - w) for n, w in weights.items()}, "weights are still read"
        _no_placeholder([c.model_dump(mode="json") for c in outcome.drift.changes])
    rollout(deployed.adapter, deployed.spec)  # what a reconcile does: the config is re-created
    for full in (True, False):
        assert (deployed.check(full=full).sync, full) == (Sync.IN_SYNC, full)


@pytest.mark.parametrize("platform", sorted(REMOVE_ALL))
def test_an_endpoint_with_every_variant_removed_is_out_of_sync_naming_them(deployed: Deployed) -> None:
    unread = REMOVE_ALL[deployed.env.platform](deployed)
    for full in (True, False):
        outcome = deployed.check(full=full)
        assert outcome.sync is Sync.OUT_OF_SYNC, (full, outcome)
        assert outcome.health is Health.DEGRADED, "an endpoint with no variant left does not serve"
        changes = {c.path: c for c in outcome.drift.changes}
        assert sorted(changes) == sorted({"variants[a]", "variants[b]", *unread}), (full, outcome.drift.changes)
        for name in ("a", "b"):
            change = changes[f"variants[{name}]"]
            assert (change.expected, change.actual, change.unreadable) == (
                spec_value(deployed.spec.config, f"variants[{name}]"), None, None)
        for path, reason in unread.items():
            assert reason in (changes[path].unreadable or "") and changes[path].actual is None
        _no_placeholder([c.model_dump(mode="json") for c in outcome.drift.changes])


@pytest.mark.parametrize("platform", sorted(FOREIGN_SCALING))
def test_an_autoscaling_rule_the_spec_cannot_express_is_unreadable_not_a_made_up_target(deployed: Deployed) -> None:
    FOREIGN_SCALING[deployed.env.platform](deployed)
    outcome = deployed.check()
    assert [(c.path, c.expected, c.actual) for c in outcome.drift.changes] == [
        ("variants[a].autoscaling", spec_value(deployed.spec.config, "variants[a].autoscaling"), None)]
    assert "scal" in (outcome.drift.changes[0].unreadable or ""), "the reason names the scaling rule"


@pytest.mark.parametrize("platform", sorted(ENV_CHANGES))
def test_an_env_change_is_reported_once_with_its_expected_and_live_values(deployed: Deployed) -> None:
    ENV_CHANGES[deployed.env.platform](deployed)
    outcome = deployed.check()
    assert [(c.path, c.expected, c.actual) for c in outcome.drift.changes] == [
        ("variants[a].env.K", "v", None), ("variants[b].env.X", None, "1")]
    live = live_document(deployed.spec.model_dump(mode="json"),
                         to_patch(deployed.spec.model_dump(mode="json"), outcome.drift.changes))
    assert [v["env"] for v in live["variants"]] == [{}, {"X": "1"}]


def test_unreadable_models_through_the_api_are_named_never_patched_never_adopted(sagemaker_api, sagemaker_emulator,
                                                                                  cli) -> None:
    _deploy(sagemaker_api)
    before = sagemaker_api.get("/v1/deployments/chk-fraud").json()
    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker_emulator.url,
                          aws_access_key_id="t", aws_secret_access_key="t")
    config = client.describe_endpoint_config(EndpointConfigName=before["provider_ids"]["endpoint_config_name"])
    models = {pv["VariantName"]: pv["ModelName"] for pv in config["ProductionVariants"]}
    for model in models.values():
        client.delete_model(ModelName=model)
    expected = {f"variants[{v}].{f}" for v in models for f in ("image", "model_uri", "env")}
    expected.add("target.execution_role_arn")

    result = _check(sagemaker_api)
    assert result["sync"] == "out_of_sync"
    unread = {c["path"]: c["unreadable"] for c in result["changes"] if c["unreadable"]}
    assert set(unread) == expected and all(c["actual"] is None for c in result["changes"])
    assert f"model {models['stable']} was not found" in unread["variants[stable].image"]
    assert result["patch"] == []
    dep = sagemaker_api.get("/v1/deployments/chk-fraud").json()
    assert "unreadable: " in dep["status_message"] and (
        f"model {models['stable']} was not found" in dep["status_message"])
    live = sagemaker_api.get("/v1/deployments/chk-fraud/live").json()
    assert live["unreadable"] == unread and live["patch"] == []
    assert [v["image"] for v in live["spec"]["variants"]] == [v["image"] for v in API_SPEC["variants"]]
    _no_placeholder(result, dep, live)
    shown = cli("check", "chk-fraud", "--full")
    assert shown.exit_code == 3 and (f"variants[stable].image [Model.PrimaryContainer.Image]: expected 'r/fraud:2.0', "
                                     f"unreadable: model {models['stable']} was not found"
                                     ) in shown.output, shown.output

    for body in ({}, {"dry_run": True}, {"paths": ["variants[stable].*"], "dry_run": True}):
        response = sagemaker_api.post("/v1/deployments/chk-fraud:accept-live", json=body)
        assert response.status_code == 422, (body, response.text)
        paths = sorted(d["path"] for d in response.json()["error"]["details"])
        assert paths == sorted(p for p in expected if "paths" not in body or p.startswith("variants[stable]"))
        assert all(d["message"].startswith("unreadable: ") for d in response.json()["error"]["details"])
    untouched = sagemaker_api.post("/v1/deployments/chk-fraud:accept-live", json={"paths": ["tags.*"], "dry_run": True})
    assert untouched.status_code == 200 and untouched.json()["adopted"] == []
    assert sagemaker_api.get("/v1/deployments/chk-fraud").json()["revision"] == before["revision"], "nothing adopted"

    response = sagemaker_api.post("/v1/deployments/chk-fraud:reconcile")
    assert wait_operation(sagemaker_api, response.json())["metadata"]["state"] == "succeeded"
    assert _check(sagemaker_api)["sync"] == "in_sync", "a reconcile re-creates what could not be read"

    CheckView.model_validate(result), LiveView.model_validate(live)  # the documented shapes hold
    schemas = sagemaker_api.get("/openapi.json").json()["components"]["schemas"]
    assert "unreadable" in schemas["Change"]["properties"]
    assert schemas["CheckView"]["properties"]["changes"]["items"] == {"$ref": "#/components/schemas/RecordedChange"}
    assert "unreadable" in schemas["RecordedChange"]["properties"] and (
        "carried" in schemas["RecordedChange"]["properties"])
    assert "unreadable" in schemas["LiveView"]["properties"]
