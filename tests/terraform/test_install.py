"""Installation as a user does it: the mirror built by ``terraform.install`` -> ``terraform init``
(offline) -> plan -> apply -> serving, with the provider started by Terraform through the launcher
shim (TLS handshake, configuration from the environment) and both data sources."""

from __future__ import annotations

import pytest

from terraform import SOURCE, VERSION
from terraform.install import build_mirror, cli_config, os_arch
from tests.terraform.conftest import needs_terraform, token_of
from tests.terraform.platforms import PLATFORMS
from tests.terraform.support import Workspace, deployment_config

pytestmark = [needs_terraform, pytest.mark.filterwarnings("ignore::FutureWarning")]


def test_init_from_the_filesystem_mirror_then_plan_apply_destroy(tmp_path, service):
    mirror = tmp_path / "mirror"
    shim = build_mirror(mirror)
    assert shim == mirror / SOURCE / VERSION / os_arch() / f"terraform-provider-deployanywhere_v{VERSION}"
    ws = Workspace(tmp_path / "tf", endpoint=str(service.base_url), token=token_of(service),
                   cli_config=cli_config(mirror))
    p = PLATFORMS["sagemaker"]
    name = "tf-mirror"
    ws.write({"deployanywhere_deployment": {"this": deployment_config(name, p.target, p.variants())}},
             data={"deployanywhere_platforms": {"all": {}},
                   "deployanywhere_deployment": {"this": {"name": "${deployanywhere_deployment.this.name}"}}},
             outputs={"installed": "${data.deployanywhere_platforms.all.installed}",
                      "replacement": "${data.deployanywhere_platforms.all.requires_replacement}",
                      "sync": "${data.deployanywhere_deployment.this.sync}",
                      "invoke_url": "${data.deployanywhere_deployment.this.invoke_url}"})

    init = ws.run("init", "-no-color", "-input=false").ok()
    assert f"Installing {SOURCE} v{VERSION}" in init.stdout
    assert (ws.dir / ".terraform.lock.hcl").exists()
    assert ws.plan().returncode == 2
    ws.apply().ok()

    assert ws.resource("deployanywhere_deployment.this")["health"] == "serving"
    outputs = {k: v["value"] for k, v in ws.state()["values"]["outputs"].items()}
    assert set(outputs["installed"]) == {"sagemaker", "vertex", "azureml"}
    assert outputs["replacement"]["vertex:target.network"]
    assert outputs["sync"] == "in_sync" and name in outputs["invoke_url"]
    assert ws.plan().returncode == 0

    ws.run("destroy", "-auto-approve", "-no-color").ok()
    assert service.get(f"/v1/deployments/{name}").status_code == 404
