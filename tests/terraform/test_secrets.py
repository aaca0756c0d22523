"""Secrets end to end: the real terraform binary, the provider, the service and the Azure ML emulator.

A literal secret (``secret_env_wo``, write-only) reaches the cloud but never plan output, the plan
file, the state, ``terraform show -json``, Terraform's trace log nor the provider's output; the
second plan is empty; a new ``secret_env_wo_version`` rolls a new value out (new fingerprint); a
secret changed behind Terraform's back shows in the plan and apply restores it; import and refresh
split a variant's env into ``env``, ``env_from`` and ``secret_env_fingerprints``."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from tests.support.api_server import wait_operation
from tests.terraform.conftest import PROVIDER_OUTPUT, needs_terraform
from tests.terraform.platforms import AZUREML_TARGET, PLATFORMS
from tests.terraform.support import Workspace, deployment_config

pytestmark = [needs_terraform, pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

ADDRESS = "deployanywhere_deployment.this"
KEY_VAULT = "https://fraud-kv.vault.azure.net/secrets/db-password"
FINGERPRINT = re.compile(r"hmac-sha256:[0-9a-f]{32}")
P = PLATFORMS["azureml"]  # Azure ML reads Key Vault references itself: no secret store to emulate


def config(name: str, version: int) -> dict:
    """The deployment; the secret comes from the ephemeral variable ``api_key`` (``TF_VAR_api_key``),
    as in real use: then not even the configuration holds it (a plan file stores its configuration)."""
    variants = P.variants()
    variants[0] |= {"env": {"LOG_LEVEL": "info"}, "env_from": {"DB_PASSWORD": f"azure_key_vault:{KEY_VAULT}"}}
    return deployment_config(name, P.target, variants, secret_env_wo={"stable.API_KEY": "${var.api_key}"},
                             secret_env_wo_version=version)


def write(ws: Workspace, body: dict, api_key: str) -> None:
    ws.write({"deployanywhere_deployment": {"this": body}})
    (ws.dir / "variables.tf.json").write_text(json.dumps(
        {"variable": {"api_key": {"type": "string", "sensitive": True, "ephemeral": True}}}))
    ws.env["TF_VAR_api_key"] = api_key


def stable_env(service, name: str) -> dict:
    response = service.get(f"/v1/deployments/{name}")
    assert response.status_code == 200, response.text
    return next(v for v in response.json()["spec"]["variants"] if v["name"] == "stable")["env"]


def cloud_env(emulators, name: str) -> dict:
    """The environment the Azure ML deployment really runs with (read with azure-ai-ml)."""
    from adapters.azureml.client import make_client
    from core.targets import AzureMLTarget

    az = emulators
    ml = make_client(AzureMLTarget(**AZUREML_TARGET), {"url": az.url, "ca_file": str(az.ca_file)}).ml
    deployments = [d for d in ml.online_deployments.list(endpoint_name=name) if d.name.startswith("stable")]
    return dict(deployments[0].environment_variables or {})


def plan_file_text(ws: Workspace) -> str:
    """Every member of the saved plan file (a zip: plan, state snapshots, configuration), as text."""
    with zipfile.ZipFile(ws.dir / "tfplan") as archive:
        return "\n".join(archive.read(member).decode("latin-1") for member in archive.namelist())


def leaks(text: str, *secrets: str) -> list[str]:
    return [s for s in secrets if s in text]


def test_secrets_never_leave_the_provider_and_a_new_version_rolls_out(workspace, service, azureml_emulator_session,
                                                                     tmp_path):
    name, first, second = "tf-secrets", "first-Pl4intext-0001", "second-Pl4intext-0002"
    trace = tmp_path / "terraform-trace.log"
    workspace.env |= {"TF_LOG": "trace", "TF_LOG_PATH": str(trace)}
    write(workspace, config(name, 1), first)
    PROVIDER_OUTPUT.clear()

    plan = workspace.plan()
    assert plan.returncode == 2, plan.output
    assert "secret_env_wo" in plan.stdout and "(write-only attribute)" in plan.stdout
    applied = workspace.apply().ok()
    fp1 = stable_env(service, name)["API_KEY"]["fingerprint"]
    assert FINGERPRINT.fullmatch(fp1)
    assert stable_env(service, name) == {"API_KEY": {"secret": True, "fingerprint": fp1},
                                         "DB_PASSWORD": {"value_from": {"azure_key_vault": KEY_VAULT}},
                                         "LOG_LEVEL": "info"}
    assert cloud_env(azureml_emulator_session, name).get("API_KEY") == first, "the value reached the platform"

    state = workspace.resource(ADDRESS)
    assert state["secret_env_wo"] is None and state["secret_env_wo_version"] == 1
    assert state["secret_env_fingerprints"] == {"stable.API_KEY": fp1}
    stable = next(v for v in state["variant"] if v["name"] == "stable")
    assert (stable["env"], stable["env_from"]) == ({"LOG_LEVEL": "info"},
                                                  {"DB_PASSWORD": f"azure_key_vault:{KEY_VAULT}"})
    assert workspace.plan().returncode == 0, "the second plan is empty"

    write(workspace, config(name, 1), second)
    assert workspace.plan().returncode == 0, "a new value without a new version is not sent (by design)"
    write(workspace, config(name, 2), second)
    bump = workspace.plan()
    assert bump.returncode == 2 and "update in-place" in bump.stdout and "must be replaced" not in bump.stdout
    assert re.search(r"~ secret_env_wo_version\s+= 1 -> 2", bump.stdout), bump.stdout
    saved_plan = plan_file_text(workspace)
    plan_file = workspace.show_plan()
    rolled = workspace.apply().ok()
    fp2 = stable_env(service, name)["API_KEY"]["fingerprint"]
    assert FINGERPRINT.fullmatch(fp2) and fp2 != fp1, "a new value, a new fingerprint"
    assert cloud_env(azureml_emulator_session, name).get("API_KEY") == second
    assert workspace.resource(ADDRESS)["secret_env_fingerprints"] == {"stable.API_KEY": fp2}
    assert workspace.plan().returncode == 0

    everything = "\n".join([plan.output, applied.output, bump.output, rolled.output, str(plan_file),
                            (workspace.dir / "terraform.tfstate").read_text(), str(workspace.state()),
                            workspace.run("show", "-no-color").stdout, saved_plan, "".join(PROVIDER_OUTPUT),
                            trace.read_text()])
    assert leaks(everything, first, second) == []
    assert trace.stat().st_size > 0
    workspace.run("destroy", "-auto-approve", "-no-color").ok()


@pytest.mark.parametrize("where", ["api", "cloud"])
def test_a_secret_changed_behind_terraforms_back_shows_in_plan_and_apply_restores_it(where, workspace, service,
                                                                                     azureml_emulator_session):
    name, value = f"tf-secret-drift-{where}", "restored-Pl4intext"
    write(workspace, config(name, 1), value)
    workspace.apply().ok()
    fp = stable_env(service, name)["API_KEY"]["fingerprint"]

    if where == "api":  # someone rotates it through the service's API
        spec = service.get(f"/v1/deployments/{name}").json()["spec"]
        next(v for v in spec["variants"] if v["name"] == "stable")["env"]["API_KEY"] = {"secret": True,
                                                                                        "value": "someone-else"}
        op = wait_operation(service, service.put(f"/v1/deployments/{name}", json=spec).json())
        assert op["metadata"]["state"] == "succeeded", op
        assert stable_env(service, name)["API_KEY"]["fingerprint"] != fp
    else:  # someone edits the variable on the cloud
        az = azureml_emulator_session
        endpoint = next(e for ws in az.control.state()["workspaces"] for e in ws["endpoints"] if e["name"] == name)
        stable = next(d for d in endpoint["deployments"] if d.startswith("stable-"))
        live_env = cloud_env(az, name)
        az.control.drift(name, {"environment_variables": live_env | {"API_KEY": "someone-else"}}, deployment=stable)
        live = service.get(f"/v1/deployments/{name}/live").json()
        live_stable = next(v for v in live["spec"]["variants"] if v["name"] == "stable")
        assert live_stable["env"]["API_KEY"]["fingerprint"] != fp, live_stable
        assert "someone-else" not in str(live)

    plan = workspace.plan()
    assert plan.returncode == 2, plan.output
    assert re.search(r"\+ secret_env_wo_version\s+= 1", plan.stdout) and "update in-place" in plan.stdout, plan.stdout
    assert "someone-else" not in plan.output and value not in plan.output
    workspace.apply().ok()
    assert stable_env(service, name)["API_KEY"]["fingerprint"] == fp, "the configured value is back"
    assert workspace.plan().returncode == 0
    workspace.run("destroy", "-auto-approve", "-no-color").ok()


def test_import_and_refresh_read_references_and_fingerprints(workspace, service):
    name, value = "tf-secret-import", "imported-Pl4intext"
    body = {"name": name, "target": P.target, "variants": P.variants()}
    body["variants"][0]["env"] = {"LOG_LEVEL": "info", "API_KEY": {"secret": True, "value": value},
                                  "DB_PASSWORD": {"value_from": {"azure_key_vault": KEY_VAULT}}}
    op = wait_operation(service, service.put(f"/v1/deployments/{name}", json=body).json())
    assert op["metadata"]["state"] == "succeeded", op
    fp = stable_env(service, name)["API_KEY"]["fingerprint"]

    write(workspace, config(name, 1), value)
    workspace.run("import", "-no-color", ADDRESS, name).ok()
    state = workspace.resource(ADDRESS)
    stable = next(v for v in state["variant"] if v["name"] == "stable")
    assert (stable["env"], stable["env_from"]) == ({"LOG_LEVEL": "info"},
                                                  {"DB_PASSWORD": f"azure_key_vault:{KEY_VAULT}"})
    assert state["secret_env_fingerprints"] == {"stable.API_KEY": fp} and state["secret_env_wo_version"] is None
    assert value not in (workspace.dir / "terraform.tfstate").read_text()

    plan = workspace.plan()  # import cannot know which value the service holds: the plan sends it
    assert plan.returncode == 2 and re.search(r"\+ secret_env_wo_version\s+= 1", plan.stdout), plan.stdout
    workspace.apply().ok()
    assert stable_env(service, name)["API_KEY"]["fingerprint"] == fp, "same value, same fingerprint"
    refreshed = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color").ok()
    assert value not in refreshed.output
    assert workspace.plan().returncode == 0
    workspace.run("destroy", "-auto-approve", "-no-color").ok()
