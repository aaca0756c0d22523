"""The CLI: light imports, and the verbs against a running API with documented exit codes."""

import json
import ssl
import subprocess
import sys
from pathlib import Path

import boto3
import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app

ROOT = Path(__file__).resolve().parents[2]
SDKS = ("boto3", "botocore", "google.cloud.aiplatform", "google.cloud.aiplatform_v1", "google.api_core",
        "google.auth", "google.protobuf", "proto", "azure.ai", "azure.core", "azure.identity", "moto", "dbos",
        "fastapi", "sqlalchemy")
# Not listed: the bare ``google`` / ``google.cloud`` namespace packages, which the
# google-cloud-aiplatform wheel's ``*-nspkg.pth`` file creates at every interpreter start.


def test_help_imports_no_cloud_sdk():
    code = ("import sys, runpy; sys.argv=['deploy-anywhere','--help'];\n"
            "try:\n    runpy.run_module('api.cli', run_name='__main__')\nexcept SystemExit: pass\n"
            "from api.cli import main\n"
            "try:\n    main()\nexcept SystemExit: pass\n"
            f"bad=[s for s in {SDKS!r} if s in sys.modules]\n"
            "print('LOADED', sorted(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "Usage" in out
    assert out.strip().endswith("LOADED []"), out


@pytest.fixture
def cli(sagemaker_api):
    runner = CliRunner()
    server = str(sagemaker_api.base_url)
    token = sagemaker_api.headers["Authorization"].removeprefix("Bearer ")

    def run(*args):
        return runner.invoke(app, [*args, "--server", server], env={"DEPLOY_ANYWHERE_TOKEN": token})
    return run


def spec_file(tmp_path, name="cli-demo", image="r/m:1"):
    path = tmp_path / "spec.yaml"
    path.write_text(f"""
name: {name}
target: {{platform: sagemaker, region: us-east-1, execution_role_arn: "arn:aws:iam::123456789012:role/Exec"}}
variants:
  - {{name: main, image: "{image}", instance_type: ml.m5.large}}
tags: {{team: t}}
""")
    return path


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_flow_and_exit_codes(cli, tmp_path, sagemaker_emulator):
    path = spec_file(tmp_path)
    result = cli("plan", "-f", str(path))
    assert result.exit_code == 0 and "CreateEndpoint" in result.output
    result = cli("apply", "-f", str(path), "--wait")
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output
    assert cli("check", "cli-demo", "--full").exit_code == 0
    assert "cli-demo" in cli("list").output

    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker_emulator.url,
                          aws_access_key_id="t", aws_secret_access_key="t")
    arn = client.describe_endpoint(EndpointName="cli-demo")["EndpointArn"]
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "x"}])
    result = cli("check", "cli-demo", "--full")
    assert result.exit_code == 3 and "tags.team" in result.output
    result = cli("check", "cli-demo", "--full", "-o", "json")
    assert result.exit_code == 3 and '"out_of_sync"' in result.output

    assert cli("delete", "cli-demo", "--wait").exit_code == 0
    result = cli("status", "cli-demo")
    assert result.exit_code == 1 and "not_found" in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_reports_spec_errors_with_paths(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: cli-bad\ntarget: {platform: sagemaker}\nvariants: []\n")
    result = cli("apply", "-f", str(path))
    assert result.exit_code == 1
    assert "target.region" in result.output and "variants" in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_down_exit_code(cli, tmp_path, sagemaker_emulator):
    sagemaker_emulator.control.fail_endpoint("cli-down", on="create", reason="boom")
    result = cli("apply", "-f", str(spec_file(tmp_path, name="cli-down")), "--wait")
    assert result.exit_code == 5 and "boom" in result.output
    status = cli("status", "cli-down")
    assert status.exit_code == 5 and "not_deployed" in status.output, "rolled back: not down, not serving"
    sagemaker_emulator.control.clear_failure("cli-down")
    sagemaker_emulator.control.set_progression("immediate")
    assert cli("apply", "-f", str(spec_file(tmp_path, name="cli-down")), "--wait").exit_code == 0
    boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker_emulator.url, aws_access_key_id="t",
                 aws_secret_access_key="t").delete_endpoint(EndpointName="cli-down")
    assert cli("check", "cli-down").exit_code == 4, "deleted behind the back: missing, down"


def test_emulate_writes_the_platforms_file(tmp_path):
    import json
    import os
    import signal
    import time

    file = tmp_path / "emulators.json"
    proc = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", "emulate",
                             "--file", str(file), "--seconds", "0.1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "timeout"
            time.sleep(0.1)
        platforms = json.loads(file.read_text())["platforms"]
        assert set(platforms) == {"sagemaker", "vertex", "azureml"}
        url = platforms["sagemaker"]["url"]
        assert url.startswith("http://127.0.0.1:")
        client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=url,
                              aws_access_key_id="t", aws_secret_access_key="t")
        assert "Endpoints" in client.list_endpoints()
        vertex = httpx.get(f"{platforms['vertex']['url']}/v1/projects/p-demo/locations/us-central1/endpoints")
        assert vertex.status_code == 200 and vertex.json().get("endpoints", []) == []
        azure, ca_file = platforms["azureml"]["url"], platforms["azureml"]["ca_file"]
        assert azure.startswith("https://127.0.0.1:") and Path(ca_file).is_file()
        assert tmp_path in Path(ca_file).parents, "the CA is written next to the emulators file"
        answer = httpx.get(f"{azure}/subscriptions/s/resourceGroups/r/providers/"
                           "Microsoft.MachineLearningServices/workspaces/w",
                           verify=ssl.create_default_context(cafile=ca_file))
        assert answer.status_code == 401, "TLS verified with the published CA; no token, so refused"
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_token_and_keys(sagemaker_api, tmp_path):
    """``--token`` / DEPLOY_ANYWHERE_TOKEN authenticate; ``keys create/list/revoke`` manage keys."""
    runner = CliRunner()
    server = str(sagemaker_api.base_url)
    admin = sagemaker_api.headers["Authorization"].removeprefix("Bearer ")

    result = runner.invoke(app, ["list", "--server", server], env={"DEPLOY_ANYWHERE_TOKEN": ""})
    assert result.exit_code == 1 and "unauthenticated" in result.output and "DEPLOY_ANYWHERE_TOKEN" in result.output

    result = runner.invoke(app, ["--token", admin, "keys", "create", "--role", "reader", "-d", "ci reader",
                                 "--name-prefix", "team-a-", "--server", server])
    assert result.exit_code == 0, result.output
    reader = result.stdout.strip().splitlines()[0]
    assert reader.startswith("da_")
    key_id = reader.split("_")[1]

    assert runner.invoke(app, ["--token", reader, "list", "--server", server]).exit_code == 0
    result = runner.invoke(app, ["--token", reader, "keys", "list", "--server", server])
    assert result.exit_code == 1 and "forbidden" in result.output

    result = runner.invoke(app, ["keys", "list", "--server", server], env={"DEPLOY_ANYWHERE_TOKEN": admin})
    assert result.exit_code == 0 and key_id in result.output and "prefixes=team-a-" in result.output
    assert reader.split("_", 2)[2] not in result.output  # never the secret

    result = runner.invoke(app, ["--token", admin, "keys", "revoke", key_id, "--server", server])
    assert result.exit_code == 0 and f"revoked {key_id}" in result.output
    result = runner.invoke(app, ["--token", reader, "list", "--server", server])
    assert result.exit_code == 1 and "revoked" in result.output

    generated = runner.invoke(app, ["keys", "generate"]).output.strip()
    assert generated.startswith("da_") and len(generated) > 40


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_secrets(sagemaker_api, tmp_path):
    """``secrets set`` reads the value from stdin or a file (never argv); no command prints it."""
    runner = CliRunner()
    server = str(sagemaker_api.base_url)
    admin = sagemaker_api.headers["Authorization"].removeprefix("Bearer ")
    value = "cli-secret-3e9a1b7c"

    result = runner.invoke(app, ["--token", admin, "secrets", "set", "db-pass", "--server", server], input=value + "\n")
    assert result.exit_code == 0 and result.output.startswith("created db-pass (hmac-sha256:"), result.output
    source = tmp_path / "value.txt"
    source.write_text(value + "-next\n")
    result = runner.invoke(app, ["--token", admin, "secrets", "set", "db-pass", "--from-file", str(source),
                                 "--server", server])
    assert result.exit_code == 0 and result.output.startswith("replaced db-pass"), result.output
    listed = runner.invoke(app, ["--token", admin, "secrets", "list", "--server", server, "-o", "json"])
    assert [s["name"] for s in json.loads(listed.output)["secrets"]] == ["db-pass"]
    rotated = runner.invoke(app, ["--token", admin, "secrets", "rotate", "--server", server])
    assert rotated.exit_code == 0 and "re-encrypted" in rotated.output
    empty = runner.invoke(app, ["--token", admin, "secrets", "set", "x2", "--server", server], input="")
    assert empty.exit_code == 1 and "empty" in empty.output
    deleted = runner.invoke(app, ["--token", admin, "secrets", "delete", "db-pass", "--server", server])
    assert deleted.exit_code == 0 and "deleted db-pass" in deleted.output
    for output in (listed.output, rotated.output, deleted.output):
        assert value not in output
    key = runner.invoke(app, ["secrets", "generate-key"]).output.strip()
    assert len(key) == 44 and key.endswith("=")
