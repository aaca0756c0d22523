"""The provider end to end: the real terraform binary, the provider (one ``--dev`` process), the real
service in sandbox mode and the three clouds' emulators.

apply -> serving; drift made with the cloud's SDK -> ``plan -detailed-exitcode`` exits 2 naming the
field -> apply fixes it (every platform); import -> update in place -> replacement -> destroy; spec
errors and provider failures are diagnostics; an interrupted create converges on re-run."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.support.api_server import wait_operation
from tests.terraform.conftest import needs_terraform
from tests.terraform.platforms import PLATFORMS
from tests.terraform.support import TERRAFORM, Workspace, deployment_config

pytestmark = [needs_terraform, pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

ADDRESS = "deployanywhere_deployment.this"


@pytest.fixture(scope="module")
def emulators(sagemaker_emulator_session, vertex_emulator_session, azureml_emulator_session):
    return {"sagemaker": sagemaker_emulator_session, "vertex": vertex_emulator_session,
            "azureml": azureml_emulator_session}


def write(ws: Workspace, config: dict) -> None:
    ws.write({"deployanywhere_deployment": {"this": config}})


def live(service, name: str) -> dict:
    response = service.get(f"/v1/deployments/{name}/live")
    assert response.status_code == 200, response.text
    return response.json()


def changed_fields(plan: dict) -> set[str]:
    """What the planned change alters: ``attr``, or ``block.attr`` inside set blocks (elements
    matched by name), status attributes left out."""
    (change,) = [c["change"] for c in plan["resource_changes"] if c["address"] == ADDRESS]
    before, after, unknown = change["before"], change["after"], change.get("after_unknown") or {}
    fields = set()
    for key in after:
        if before.get(key) == after.get(key) or unknown.get(key) is True:
            continue
        if isinstance(after[key], list) and after[key] and isinstance(after[key][0], dict):
            old = {e.get("name"): e for e in before.get(key) or []}
            for element in after[key]:
                prior = old.get(element.get("name"), {})
                fields |= {f"{key}.{k}" for k, v in element.items() if prior.get(k) != v}
        else:
            fields.add(key)
    return fields


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_apply_serves_then_plan_shows_drift_and_apply_fixes_it(platform, workspace, service, emulators):
    p = PLATFORMS[platform]
    name = f"tf-drift-{platform}"
    write(workspace, deployment_config(name, p.target, p.variants(), tags={"team": "risk"}))
    workspace.apply().ok()
    state = workspace.resource(ADDRESS)
    assert (state["health"], state["sync"], state["id"]) == ("serving", "in_sync", name)
    assert state["revision"] and state["provider_ids"] and state["invoke_url"]
    assert workspace.plan().returncode == 0, "a fresh deployment plans no change"

    drifted = p.drift(emulators, name)
    plan = workspace.plan()
    assert plan.returncode == 2, plan.output
    assert changed_fields(workspace.show_plan()) == drifted
    assert '~ "team" = "someone-else" -> "risk"' in plan.stdout
    assert "update in-place" in plan.stdout and "must be replaced" not in plan.stdout

    workspace.apply().ok()
    assert workspace.plan().returncode == 0, "apply brought live back to the configuration"
    now = live(service, name)
    assert (now["health"], now["sync"]) == ("serving", "in_sync")
    workspace.run("destroy", "-auto-approve", "-no-color").ok()
    assert service.get(f"/v1/deployments/{name}").status_code == 404


def vertex_resources(vx) -> list[str]:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform_v1

    kwargs = {"transport": "rest", "credentials": AnonymousCredentials(),
              "client_options": ClientOptions(api_endpoint=vx.url)}
    parent = "projects/tf-project/locations/us-central1"
    return ([e.name for e in aiplatform_v1.EndpointServiceClient(**kwargs).list_endpoints(parent=parent, timeout=10)]
            + [m.name for m in aiplatform_v1.ModelServiceClient(**kwargs).list_models(parent=parent, timeout=10)])


def test_import_update_in_place_replace_destroy(workspace, service, emulators):
    p = PLATFORMS["vertex"]
    name = "tf-import"
    spec = {"name": name, "target": p.target, "variants": p.variants(), "tags": {"team": "risk"},
            "test_queries": [{"name": "smoke", "payload": {"instances": [{"amount": 1}]}}]}
    op = wait_operation(service, service.put(f"/v1/deployments/{name}", json=spec).json())
    assert op["metadata"]["state"] == "succeeded", op
    config = deployment_config(name, p.target, p.variants(), tags={"team": "risk"},
                               # the payload as jsonencode() writes it
                               test_query=[{"name": "smoke", "payload": '{"instances":[{"amount":1}]}'}])
    write(workspace, config)

    imported = workspace.run("import", "-no-color", ADDRESS, name).ok()
    assert "Import successful" in imported.stdout
    assert workspace.plan().returncode == 0, "the imported state matches the configuration"

    write(workspace, {**config, "variant": p.variants(canary_weight=30, canary_tag="2.2")})
    plan = workspace.plan()
    assert plan.returncode == 2 and "update in-place" in plan.stdout and "must be replaced" not in plan.stdout
    workspace.apply().ok()
    assert workspace.plan().returncode == 0
    weights = {v["name"]: v["weight"] for v in live(service, name)["spec"]["variants"]}
    assert weights == {"stable": 70, "canary": 30}

    network = "projects/123456789012/global/networks/ml-vpc"
    write(workspace, {**config, "variant": p.variants(canary_weight=30, canary_tag="2.2"), "network": network})
    plan = workspace.plan()
    assert plan.returncode == 2 and "must be replaced" in plan.stdout, plan.stdout
    assert "# forces replacement" in plan.stdout
    workspace.apply().ok()
    after = live(service, name)
    assert after["spec"]["target"]["network"] == network and after["health"] == "serving"
    assert workspace.resource(ADDRESS)["network"] == network

    workspace.run("destroy", "-auto-approve", "-no-color").ok()
    assert service.get(f"/v1/deployments/{name}").status_code == 404
    assert vertex_resources(emulators["vertex"]) == [], "destroy waited until the cloud resources were gone"


def test_spec_errors_are_diagnostics(workspace, service):
    p = PLATFORMS["sagemaker"]
    # caught offline at plan time: an attribute of another platform
    write(workspace, deployment_config("tf-bad", {**p.target, "project": "x-project"}, p.variants()))
    plan = workspace.plan()
    assert plan.returncode == 1 and "`project` does not apply to sagemaker" in plan.stderr

    # refused by the service: a bad region, on its attribute
    write(workspace, deployment_config("tf-bad", {**p.target, "region": "moon"}, p.variants()))
    applied = workspace.apply()
    assert applied.returncode == 1
    assert "Error: Invalid deployment spec" in applied.stderr
    assert "region: String should match pattern" in applied.stderr
    assert '"region": "moon"' in applied.stderr, "the diagnostic shows the attribute's line"
    # weights must sum to 100: a rule on the whole spec
    write(workspace, deployment_config("tf-bad", p.target, p.variants()[:1] + [{**p.variants()[1], "weight": 5}]))
    applied = workspace.apply()
    assert applied.returncode == 1 and "variant weights must sum to 100, got 95" in applied.stderr
    # unsupported on the platform: SageMaker containers must listen on 8080
    write(workspace, deployment_config("tf-bad", p.target, [{**p.variants()[0], "weight": 100, "port": 9000}]))
    applied = workspace.apply()
    assert applied.returncode == 1 and "Not supported on this platform" in applied.stderr
    assert 'variant "stable" port: SageMaker containers must listen on port 8080' in applied.stderr.replace("\n", " ")
    for run in (plan, applied):
        assert "Traceback" not in run.output and "panic" not in run.output.lower()
    assert service.get("/v1/deployments/tf-bad").status_code == 404
    assert workspace.run("state", "list").stdout.strip() == ""


def test_provider_failure_reason_is_a_diagnostic_and_reapply_converges(workspace, service, emulators):
    p = PLATFORMS["sagemaker"]
    name = "tf-fails"
    emulators["sagemaker"].control.fail_endpoint(name, on="create", reason="CannotStartContainerError: r/fraud:2.0")
    write(workspace, deployment_config(name, p.target, p.variants()))
    applied = workspace.apply()
    assert applied.returncode == 1
    assert "deploy-anywhere create failed" in applied.stderr
    assert "CannotStartContainerError" in applied.stderr and 'variant "stable"' in applied.stderr
    assert workspace.run("state", "list").stdout.split() == [ADDRESS], "the failed deployment stays tracked"
    emulators["sagemaker"].control.clear_failure(name)
    # the service rolled the failed rollout back: nothing is live, so Terraform plans to create it
    plan = workspace.plan()
    assert plan.returncode == 2 and f"{ADDRESS} will be created" in plan.stdout, plan.stdout
    workspace.apply().ok()
    assert workspace.resource(ADDRESS)["health"] == "serving"
    workspace.run("destroy", "-auto-approve", "-no-color").ok()


def test_rerunning_an_interrupted_create_converges(workspace, service, emulators):
    p = PLATFORMS["azureml"]
    name = "tf-interrupted"
    write(workspace, deployment_config(name, p.target, p.variants()))
    assert TERRAFORM is not None
    proc = subprocess.Popen([TERRAFORM, f"-chdir={workspace.dir}", "apply", "-auto-approve", "-no-color"],
                            env=workspace.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while service.get(f"/v1/deployments/{name}").status_code != 200:
            assert time.monotonic() < deadline and proc.poll() is None, "the create never reached the service"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)  # terraform dies mid-create (the operation goes on)
        proc.wait()
    assert workspace.run("state", "list").stdout.strip() == "", "the killed run recorded nothing"

    workspace.apply().ok()
    state = workspace.resource(ADDRESS)
    assert (state["health"], state["sync"]) == ("serving", "in_sync")
    endpoints = [e["name"] for ws in emulators["azureml"].control.state()["workspaces"] for e in ws["endpoints"]]
    assert endpoints.count(name) == 1, "no duplicate endpoint"
    assert workspace.plan().returncode == 0
    workspace.run("destroy", "-auto-approve", "-no-color").ok()
    endpoints = [e["name"] for ws in emulators["azureml"].control.state()["workspaces"] for e in ws["endpoints"]]
    assert name not in endpoints, "no orphan"


def test_a_refused_token_is_a_diagnostic_that_never_shows_the_token(tmp_path, service, reattach):
    import httpx

    if httpx.get(f"{service.base_url}/v1/deployments/tf-anything").status_code != 401:
        pytest.skip("this service does not require API keys")
    ws = Workspace(tmp_path / "tf", endpoint=str(service.base_url), token="da_wrong-secret-0123456789",
                   reattach=reattach)
    ws.write(data={"deployanywhere_deployment": {"x": {"name": "tf-anything"}}})
    plan = ws.plan()
    assert plan.returncode == 1 and "The service refused the credentials" in plan.stderr
    assert "wrong-secret" not in plan.output


def test_create_honours_its_timeout_and_reapply_converges(workspace, service, emulators):
    p = PLATFORMS["sagemaker"]
    name = "tf-slow"
    sagemaker = emulators["sagemaker"]
    sagemaker.control.set_progression("time", seconds=4)
    try:
        write(workspace, deployment_config(name, p.target, [{**p.variants()[0], "weight": 100}],
                                           timeouts={"create": "1s"}))
        applied = workspace.apply()
        assert applied.returncode == 1 and "deploy-anywhere create still running after 1s" in applied.stderr
        assert "timeouts.create" in applied.stderr
    finally:
        sagemaker.control.set_progression("manual", times=1)
    write(workspace, deployment_config(name, p.target, [{**p.variants()[0], "weight": 100}]))
    workspace.apply().ok()
    assert workspace.resource(ADDRESS)["health"] == "serving"
    import boto3

    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker.url,
                                        aws_access_key_id="t", aws_secret_access_key="t")
    assert [e["EndpointName"] for e in client.list_endpoints()["Endpoints"]].count(name) == 1
    workspace.run("destroy", "-auto-approve", "-no-color").ok()
