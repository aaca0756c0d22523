"""The shipped examples: each is valid for the provider's schema, and the multi-cloud one deploys to
all three platforms in the sandbox (with both data sources) and is destroyed cleanly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.terraform.conftest import needs_terraform
from tests.terraform.support import Workspace

pytestmark = [needs_terraform, pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

EXAMPLES = Path(__file__).resolve().parents[2] / "terraform" / "examples"


def example(workspace: Workspace, name: str) -> Workspace:
    shutil.copytree(EXAMPLES / name, workspace.dir, dirs_exist_ok=True)
    # a reattached provider does not see terraform's environment: configure it in a second file
    provider = {"endpoint": workspace.endpoint} | ({"token": workspace.token} if workspace.token else {})
    (workspace.dir / "sandbox_override.tf.json").write_text(
        json.dumps({"provider": {"deployanywhere": provider}}))
    return workspace


def test_the_examples_cover_every_platform():
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == ["azureml", "multi-cloud", "sagemaker",
                                                                         "vertex"]


@pytest.mark.parametrize("name", ["sagemaker", "vertex", "azureml"])
def test_example_is_valid(name, workspace):
    example(workspace, name).run("validate", "-no-color").ok()


def test_multi_cloud_example_deploys_everywhere(workspace, service):
    ws = example(workspace, "multi-cloud")
    ws.apply().ok()
    outputs = {k: v["value"] for k, v in ws.state()["values"]["outputs"].items()}
    assert outputs["in_sync"] == {"sagemaker": True, "vertex": True, "azureml": True}
    assert all(outputs["invoke_urls"].values())
    assert ws.plan().returncode == 0
    ws.run("destroy", "-auto-approve", "-no-color").ok()
    for platform in ("sagemaker", "vertex", "azureml"):
        assert service.get(f"/v1/deployments/churn-{platform}").status_code == 404
