"""Benchmarks (``make bench``): the cost of one basic and one full check per platform, through the
real adapters against the emulators (no latency injected): wall time and provider requests."""

import pytest

from core.checks.read import observe
from tests.contract.envs import EMULATOR_FIXTURES, ENVS, make_env
from tests.support.stepping import finalize_all, submit_all

pytestmark = pytest.mark.bench


def _requests(env):
    """Requests the emulator has answered since its last reset (for the per-check count)."""
    return sum(env.emulator.control.calls().values())


@pytest.fixture(params=ENVS)
def deployed(request):
    platform = request.param
    env = make_env(platform, request.getfixturevalue(EMULATOR_FIXTURES[platform]))
    env.emulator.control.set_progression("immediate")
    adapter, spec = env.adapter(), env.spec("bench-check")
    submit_all(adapter, adapter.to_request(spec))
    finalize_all(adapter, adapter.to_request(spec))
    assert observe(adapter, spec.name, full=True).revision is not None
    return platform, env, adapter, spec


@pytest.mark.parametrize("mode", ["basic", "full"])
def test_check_cost(benchmark, deployed, mode):
    platform, env, adapter, spec = deployed
    full = mode == "full"
    observe(adapter, spec.name, full=full)  # warm the immutable caches, as a running service has them
    before = _requests(env)
    observe(adapter, spec.name, full=full)
    benchmark.extra_info["provider_requests_per_check"] = _requests(env) - before
    benchmark.pedantic(lambda: observe(adapter, spec.name, full=full), rounds=50, iterations=1, warmup_rounds=2)
