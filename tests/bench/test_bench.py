"""Benchmarks (``make bench``; excluded from ``make test``): CLI start-up and API read latency."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.api_server import running_api, wait_operation

pytestmark = pytest.mark.bench
ROOT = Path(__file__).resolve().parents[2]

SPEC = {
    "name": "bench-ep",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "instance_type": "ml.m5.large"}],
}


def test_cli_help_wall_time(benchmark):
    exe = shutil.which("deploy-anywhere", path=str(Path(sys.executable).parent)) or "deploy-anywhere"
    benchmark.pedantic(lambda: subprocess.run([exe, "--help"], capture_output=True, check=True),
                       rounds=10, iterations=1, warmup_rounds=1)


def test_get_deployment_latency(benchmark, sagemaker_emulator, tmp_path):
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url) as api:
        op = wait_operation(api, api.put("/v1/deployments/bench-ep", json=SPEC).json())
        assert op["metadata"]["state"] == "succeeded"

        def get():
            response = api.get("/v1/deployments/bench-ep")
            assert response.status_code == 200

        benchmark.pedantic(get, rounds=300, iterations=1, warmup_rounds=10)
