"""Fixtures of the check tests: a platform's bench (its contract environment, adapter and session
emulator, one per module), its spec deployed under a fresh name, and the CLI against the SageMaker
API. A module that takes ``deployed`` or ``bench`` parametrizes ``platform`` itself (the drift
matrix's ``pytest_generate_tests``, or ``@pytest.mark.parametrize``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from core.adapter import Adapter
from core.checks.judge import CheckOutcome, judge
from core.checks.read import observe
from core.live import LiveEndpoint
from core.spec import EndpointSpec
from tests.contract.envs import SESSION_EMULATOR_FIXTURES, ContractEnv, make_env
from tests.support.stepping import rollout

__all__ = ["Bench", "Deployed", "bench", "benches", "cli", "deployed"]

_NAMES = (f"drift-{n:03d}" for n in itertools.count())
"""A fresh endpoint name per test (fixed width: no name contains another)."""


@dataclass(frozen=True)
class Bench:
    """One platform's environment and adapter, shared by the module's tests."""

    env: ContractEnv
    adapter: Adapter[Any, Any]
    emulator: Any


@dataclass(frozen=True)
class Deployed:
    """The environment's spec, deployed and finalized (autoscaling attached)."""

    env: ContractEnv
    adapter: Adapter[Any, Any]
    spec: EndpointSpec

    @property
    def name(self) -> str:
        return self.spec.name

    def observe(self, *, full: bool) -> LiveEndpoint | None:
        return observe(self.adapter, self.spec.name, full=full)

    def check(self, *, full: bool = True) -> CheckOutcome:
        """A check as the service runs it: observe, then judge against the spec."""
        return judge(self.spec, self.observe(full=full), self.adapter.capabilities)


def _reset(emulator: Any) -> None:
    """Back to the state the conftest's per-test fixtures expect (as tests/conftest.py resets)."""
    emulator.control.reset()
    emulator.control.set_progression("manual", times=1)


@pytest.fixture(scope="module")
def benches() -> Iterator[dict[str, Bench]]:
    """Platform -> its bench, made on first use; the emulators are reset when the module ends."""
    made: dict[str, Bench] = {}
    yield made
    for bench in made.values():
        _reset(bench.emulator)


@pytest.fixture
def bench(platform: str, benches: dict[str, Bench], request: pytest.FixtureRequest) -> Bench:
    if platform not in benches:
        emulator = request.getfixturevalue(SESSION_EMULATOR_FIXTURES[platform])
        _reset(emulator)
        emulator.control.set_progression("immediate")
        env = make_env(platform, emulator)
        benches[platform] = Bench(env, env.adapter(), emulator)
    return benches[platform]


@pytest.fixture
def deployed(bench: Bench) -> Deployed:
    spec = bench.env.spec(next(_NAMES))
    rollout(bench.adapter, spec)
    return Deployed(bench.env, bench.adapter, spec)


@pytest.fixture
def cli(sagemaker_api):
    """``cli(*args)``: the ``deploy-anywhere`` CLI run against the SageMaker API with its key."""
    runner = CliRunner()
    token = sagemaker_api.headers.get("Authorization", "").removeprefix("Bearer ")

    def run(*args):
        return runner.invoke(app, [*args, "--server", str(sagemaker_api.base_url)],
                             env={"DEPLOY_ANYWHERE_TOKEN": token})
    return run
