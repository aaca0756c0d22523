"""Provider faults through the real API (uvicorn + DBOS + SQLite) against each platform's emulator.

For every platform in tests/faults/platforms.py:

- under ~30 % injected throttling, 5xx + dropped connections, or answers lost after the provider
  made the change, on every control-plane request (seeded), a deploy succeeds and the provider
  holds exactly one set of resources (no duplicates) that a full check finds in sync; a delete
  whose answers get lost the same way then leaves nothing;
- under 100 % throttling the operation ends ``failed`` with ``provider_unavailable`` and the
  provider's throttling words, within the test's bound, and nothing is left on the provider; the
  same when only the call creating the serving part is throttled (the rollback removes the rest);
- ``Retry-After`` is honoured between attempts (by the SDK's retries and by core's);
- 200 ms added to every call does not stop a deploy.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from tests.contract.envs import ContractEnv, make_env
from tests.faults.platforms import PLATFORMS, FaultPlatform
from tests.support.api_server import running_api, wait_operation

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

NAME = "faulty"
SEED = int(os.environ.get("FAULT_SEED", "7"))
"""First seed of the probabilistic faults (set ``FAULT_SEED`` to explore other request sequences)."""
OPERATION_TIMEOUT = 90.0
"""Every operation must be done by then: the bounded budget, as the test sees it."""


@pytest.fixture(params=PLATFORMS, ids=lambda p: p.name)
def platform(request: pytest.FixtureRequest) -> FaultPlatform:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def emulator(platform: FaultPlatform, request: pytest.FixtureRequest) -> Any:
    """The platform's emulator, reset before and after the test (faults included)."""
    return request.getfixturevalue(platform.fixture)


@pytest.fixture
def env(platform: FaultPlatform, emulator: Any) -> ContractEnv:
    """The platform's contract environment: its spec and its resource listing."""
    return make_env(platform.name, emulator)


def _api(platform: FaultPlatform, emulator: Any, tmp_path: Any,
         **overrides: Any) -> AbstractContextManager[httpx.Client]:
    """The service (SQLite, fast polling) in sandbox mode against the platform's emulator."""
    return running_api(tmp_path, platforms={platform.name: platform.api_entry(emulator)}, **overrides)


@pytest.fixture
def platform_api(platform: FaultPlatform, emulator: Any, tmp_path: Any) -> Iterator[httpx.Client]:
    """The service with the default retry budget."""
    with _api(platform, emulator, tmp_path) as client:
        yield client


def _deploy(api: httpx.Client, env: ContractEnv) -> dict[str, Any]:
    """PUT the contract spec and wait (bounded) for its operation."""
    spec = env.spec(NAME).model_dump(mode="json", exclude_none=True)
    response = api.put(f"/v1/deployments/{NAME}", json=spec)
    assert response.status_code == 202, response.text
    return wait_operation(api, response.json(), timeout=OPERATION_TIMEOUT)


def _kinds(resources: set[str]) -> dict[str, int]:
    return dict(Counter(r.split("/", 1)[0] for r in resources))


def _assert_one_clean_deployment(api: httpx.Client, env: ContractEnv, platform: FaultPlatform,
                                 emulator: Any) -> None:
    """Faults off: exactly one set of resources, and a full check finds it in sync."""
    emulator.control.clear_faults()
    resources = env.resources(NAME)
    assert _kinds(resources) == platform.resources, sorted(resources)
    check = api.post(f"/v1/deployments/{NAME}/checks", json={"mode": "full"})
    assert check.status_code == 200, check.text
    assert (check.json()["health"], check.json()["sync"]) == ("serving", "in_sync"), check.json()


@pytest.mark.parametrize("faults, then_delete", [
    pytest.param([("throttle", 0.3)], False, id="throttling-30pct"),
    pytest.param([("server_error", 0.2), ("drop", 0.15)], False, id="5xx-and-drops"),
    pytest.param([("lost_answer", 0.3)], True, id="answers-lost-after-the-change"),
])
def test_deploy_succeeds_under_intermittent_faults_without_duplicates(
        platform_api: httpx.Client, env: ContractEnv, platform: FaultPlatform, emulator: Any,
        faults: list[tuple[str, float]], then_delete: bool) -> None:
    for seed, (kind, probability) in enumerate(faults, start=SEED):
        platform.inject(emulator, kind, probability=probability, count=None, seed=seed)

    op = _deploy(platform_api, env)

    injected = len(emulator.control.injections())
    assert op["metadata"]["state"] == "succeeded", (op.get("error"), emulator.control.injections())
    assert injected > 0, "the faults were hit"
    _assert_one_clean_deployment(platform_api, env, platform, emulator)
    if not then_delete:
        return

    # a delete whose answers get lost (retried DELETEs meet a resource already being deleted)
    # still removes everything
    for seed, (kind, probability) in enumerate(faults, start=SEED + 100):
        platform.inject(emulator, kind, probability=probability, count=None, seed=seed)
    deleted = wait_operation(platform_api, platform_api.delete(f"/v1/deployments/{NAME}").json(),
                             timeout=OPERATION_TIMEOUT)
    assert deleted["metadata"]["state"] == "succeeded", (deleted.get("error"), emulator.control.injections())
    emulator.control.clear_faults()
    assert env.resources(NAME) == set()


def test_deploy_succeeds_with_added_latency(platform_api: httpx.Client, env: ContractEnv, platform: FaultPlatform,
                                            emulator: Any) -> None:
    platform.inject(emulator, "latency", count=None)

    op = _deploy(platform_api, env)

    assert op["metadata"]["state"] == "succeeded", op
    assert emulator.control.faults()[0]["injected"] > 5
    _assert_one_clean_deployment(platform_api, env, platform, emulator)


def _assert_failed_cleanly(op: dict[str, Any], platform: FaultPlatform) -> None:
    assert op["metadata"]["state"] == "failed", op
    error = op["error"]
    assert error["code"] == "provider_unavailable", error
    assert any(word in error["message"] for word in platform.throttle_words), error["message"]


def test_persistent_throttling_fails_cleanly_and_leaves_nothing(
        platform: FaultPlatform, emulator: Any, env: ContractEnv, tmp_path: Any) -> None:
    platform.inject(emulator, "throttle", count=None)
    with _api(platform, emulator, tmp_path, transient_attempts=2) as api:
        op = _deploy(api, env)
        _assert_failed_cleanly(op, platform)
        assert emulator.control.faults()[0]["injected"] >= 3, "retried before giving up"
        emulator.control.clear_faults()
        assert env.resources(NAME) == set()


def test_throttled_rollout_is_rolled_back(platform: FaultPlatform, emulator: Any, env: ContractEnv,
                                          tmp_path: Any) -> None:
    emulator.control.inject_fault(**(platform.deploy_call | platform.effects["throttle"] | {"count": None}))
    with _api(platform, emulator, tmp_path, transient_attempts=2) as api:
        op = _deploy(api, env)
        _assert_failed_cleanly(op, platform)
        emulator.control.clear_faults()
        assert env.resources(NAME) == set(), "what the rollout made before the refusal is removed"


def test_retry_after_is_honoured(platform_api: httpx.Client, env: ContractEnv, platform: FaultPlatform,
                                 emulator: Any) -> None:
    # as many refusals as one SDK call makes attempts at most (botocore 3, azure-core 4, Vertex's
    # 1 s test deadline), then one more: the SDK's waits and core's are both measured
    emulator.control.inject_fault(
        **(platform.retry_after_call | platform.retry_after_1s | {"count": 4}))

    op = _deploy(platform_api, env)

    assert op["metadata"]["state"] == "succeeded", op
    refused = [i["at"] for i in emulator.control.injections()]
    assert len(refused) == 4, "every refusal was met, then the call went through"
    # When the emulator refused each attempt: a gap is a lower bound of the client's wait (a slow
    # machine only makes it longer), so no attempt came before the Retry-After second was over.
    gaps = [later - earlier for earlier, later in zip(refused, refused[1:])]
    assert min(gaps) >= 0.95, gaps


def test_vertex_call_retry_waits_for_retry_after(vertex_emulator: Any) -> None:
    """Within one call (google-api-core's Retry ignores Retry-After; the adapter's CallPolicy waits
    it out in ``on_error``), not only between core's attempts as above."""
    from adapters.vertex.adapter import VertexAdapter
    from adapters.vertex.client import CallPolicy
    from core.targets import VertexTarget

    target = make_env("vertex", vertex_emulator).spec(NAME).target
    assert isinstance(target, VertexTarget)
    adapter = VertexAdapter(target, emulators={"vertex": {"url": vertex_emulator.url}},
                            policy=CallPolicy(timeout=20.0, initial=0.01, maximum=0.05, deadline=10.0))
    vertex_emulator.control.inject_fault(method="GET", status=429, retry_after=1, count=2)

    assert adapter.describe(NAME) is None  # not deployed: one GetEndpoint, retried twice

    refused = [i["at"] for i in vertex_emulator.control.injections()]
    assert len(refused) == 2 and refused[1] - refused[0] >= 0.95, refused
