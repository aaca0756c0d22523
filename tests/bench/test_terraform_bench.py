"""Benchmarks (``make bench``) of the Terraform provider: the provider's start-up (launcher ->
go-plugin handshake line, as Terraform starts it 3-5 times per command), and the wall time of
``terraform apply`` creating 1 and 20 deployments in the sandbox (the real service against the
emulators, emulators progressing immediately; the provider reattached in ``--dev`` mode)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from terraform.install import launcher_command
from tests.terraform.conftest import needs_terraform, token_of
from tests.terraform.platforms import PLATFORMS
from tests.terraform.support import Workspace, deployment_config, dev_provider

pytestmark = [pytest.mark.bench, needs_terraform, pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def start_provider() -> float:
    """Seconds from exec of the launcher (what the mirror's shim runs) to the handshake line (the
    TLS certificate is cached after the first start)."""
    started = time.perf_counter()
    proc = subprocess.Popen(launcher_command(), stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - started
        assert line.startswith("1|6|unix|"), line
        return elapsed
    finally:
        proc.kill()
        proc.wait()


def bare_interpreter() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def test_provider_start_up(benchmark):
    start_provider()  # the self-signed certificate is made once and cached
    benchmark.extra_info["bare_python_seconds_min"] = round(min(bare_interpreter() for _ in range(5)), 3)
    benchmark.pedantic(start_provider, rounds=10, iterations=1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, sagemaker_emulator_session, vertex_emulator_session, azureml_emulator_session):
    from tests.support.api_server import running_api

    emulators = (sagemaker_emulator_session, vertex_emulator_session, azureml_emulator_session)
    for emulator in emulators:
        emulator.control.reset()
        emulator.control.set_progression("immediate")
    platforms = {"sagemaker": {"url": sagemaker_emulator_session.url},
                 "vertex": {"url": vertex_emulator_session.url},
                 "azureml": {"url": azureml_emulator_session.url, "ca_file": str(azureml_emulator_session.ca_file)}}
    with running_api(tmp_path_factory.mktemp("bench-service"), platforms=platforms) as client, \
            dev_provider() as reattach:
        yield client, reattach
    for emulator in emulators:
        emulator.control.reset()
        emulator.control.set_progression("manual", times=1)


@pytest.mark.parametrize("count", [1, 20])
def test_terraform_apply(benchmark, sandbox, tmp_path, count):
    """``count`` deployments spread over the three platforms, created by one ``terraform apply``."""
    service, reattach = sandbox
    ws = Workspace(tmp_path / "tf", endpoint=str(service.base_url), token=token_of(service), reattach=reattach)
    names = sorted(PLATFORMS)
    resources = {}
    for i in range(count):
        p = PLATFORMS[names[i % len(names)]]
        resources[f"d{i}"] = deployment_config(f"tf-bench-{count}-{i}", p.target, p.variants())
    ws.write({"deployanywhere_deployment": resources})
    ws.run("validate", "-no-color").ok()  # the first command reads the schema: not measured

    def apply() -> None:
        ws.apply("-parallelism=20").ok()

    def destroy() -> tuple[tuple[()], dict[str, object]]:
        ws.run("destroy", "-auto-approve", "-no-color", "-parallelism=20").ok()
        return (), {}

    benchmark.extra_info["deployments"] = count
    benchmark.pedantic(apply, setup=destroy, rounds=2, iterations=1)
    assert len([r for r in ws.state()["values"]["root_module"]["resources"]]) == count
    ws.run("destroy", "-auto-approve", "-no-color", "-parallelism=20").ok()
