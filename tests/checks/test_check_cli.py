"""`deploy-anywhere check --all` for cron: every deployment checked, worst first, exit code by the worst."""

from __future__ import annotations

import json

import boto3
import pytest

from api.cli import EXIT_DOWN, EXIT_OUT_OF_SYNC
from tests.checks.test_check_api import SPEC, _deploy, _drift_weights


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_check_all_exit_codes_and_json(cli, sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    _deploy(sagemaker_api)
    _deploy(sagemaker_api, SPEC | {"name": "chk-other"})
    result = cli("check", "--all")
    assert result.exit_code == 0, result.output
    assert "2 checked: 2 serving; 2 in_sync" in result.output

    _drift_weights(sagemaker_emulator, "chk-other")
    result = cli("check", "--all", "--full")
    assert result.exit_code == EXIT_OUT_OF_SYNC, result.output
    assert ("variants[canary].weight [Endpoint.ProductionVariants[].DesiredWeight]: "
            "expected 10, live 50") in result.output

    boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker_emulator.url, aws_access_key_id="t",
                 aws_secret_access_key="t").delete_endpoint(EndpointName="chk-fraud")
    result = cli("check", "--all", "-o", "json")
    assert result.exit_code == EXIT_DOWN, result.output
    data = json.loads(result.output)
    assert data["checked"] == 2 and data["summary"]["by_health"] == {"missing": 1, "serving": 1}
    first = cli("check", "--all").output.splitlines()[0]
    assert first.startswith("chk-fraud: missing"), "worst first"

    assert cli("check").exit_code == 2
    assert cli("check", "chk-other", "--all").exit_code == 2
