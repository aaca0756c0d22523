"""The one adapter contract suite (fsspec-style abstract tests), run against every platform."""

import pytest

from core.checks.read import observe
from core.errors import DeploymentFailed, ProviderError, ProviderUnavailable
from core.live import Health
from core.spec import revision
from core.spec_io import parse_spec
from tests.support import stepping
from tests.support.stepping import delete_all, discard_all, finalize_all, submit_all


def rollout(adapter, spec):
    return stepping.rollout(adapter, spec, finalize=False)


def test_describe_missing_is_none(env):
    assert env.adapter().describe("no-such-endpoint") is None


def test_delete_missing_is_fine(env):
    assert env.adapter().delete("no-such-endpoint").done is True


def test_submit_then_serving_and_round_trip(env):
    adapter, spec = env.adapter(), env.spec("contract-a")
    live = rollout(adapter, spec)
    assert live.health is Health.SERVING and live.revision == revision(spec)
    finalize_all(adapter, adapter.to_request(spec))
    full = observe(adapter, spec.name, full=True)
    unobservable = adapter.capabilities.unobservable
    strip = lambda c: {k: v for k, v in c.items() if k not in unobservable}  # noqa: E731
    assert strip(full.config) == strip(spec.config)


def test_submit_is_idempotent(env):
    adapter, spec = env.adapter(), env.spec("contract-b")
    request = adapter.to_request(spec)
    submit_all(adapter, request)
    submit_all(adapter, request)
    rollout(adapter, spec)
    before = env.resources(spec.name)
    submit_all(adapter, request)
    assert env.resources(spec.name) == before


def test_unchanged_resubmit_sends_no_write(env):
    adapter, spec = env.adapter(), env.spec("contract-k")
    rollout(adapter, spec)
    finalize_all(adapter, adapter.to_request(spec))
    before = len(env.writes())
    submit_all(adapter, adapter.to_request(spec))
    finalize_all(adapter, adapter.to_request(spec))
    assert env.writes()[before:] == [], "re-applying what serves changes nothing on the provider"


def test_update_changes_revision_and_prunes_old(env):
    adapter, spec = env.adapter(), env.spec("contract-c")
    rollout(adapter, spec)
    finalize_all(adapter, adapter.to_request(spec))
    old = env.resources(spec.name)
    new_spec = env.spec("contract-c", image="r/m:9")
    live = rollout(adapter, new_spec)
    assert live.revision == revision(new_spec) != revision(spec)
    finalize_all(adapter, adapter.to_request(new_spec))
    now = env.resources(spec.name)
    # Platforms that update a variant in place (Azure ML: image on the same deployment) keep the
    # same resources; the others replace them. Either way nothing accumulates.
    assert len(now) == len(old), "old revision's resources replaced, not accumulated"


def test_rolled_back_update_fails_with_reason_and_discard_keeps_old(env):
    adapter, spec = env.adapter(), env.spec("contract-d")
    rollout(adapter, spec)
    finalize_all(adapter, adapter.to_request(spec))
    before = env.resources(spec.name)
    env.fail(spec.name, on="update", reason="container health check failed")
    new_spec = env.spec("contract-d", image="r/m:bad")
    with pytest.raises(DeploymentFailed, match="container health check failed"):
        rollout(adapter, new_spec)
    discard_all(adapter, adapter.to_request(new_spec), attempts=50)
    live = observe(adapter, spec.name, full=False)
    assert live.health is Health.SERVING and live.revision == revision(spec)
    assert env.resources(spec.name) == before


def test_failed_create_surfaces_reason_and_discard_leaves_nothing(env):
    adapter, spec = env.adapter(), env.spec("contract-e")
    env.fail(spec.name, on="create", reason="image pull failed: not found")
    with pytest.raises(DeploymentFailed, match="image pull failed"):
        rollout(adapter, spec)
    discard_all(adapter, adapter.to_request(spec), attempts=50)
    assert env.resources(spec.name) == set()


def test_throttling_retried(env):
    adapter, spec = env.adapter(), env.spec("contract-f")
    rollout(adapter, spec)
    env.throttle(2)
    assert observe(adapter, spec.name, full=False).health is Health.SERVING


def test_persistent_throttling_mapped_to_provider_unavailable(env):
    adapter = env.adapter()
    env.throttle(50)
    with pytest.raises(ProviderUnavailable):
        adapter.describe("contract-g")


def test_provider_refusal_mapped(env):
    adapter = env.adapter(checked=False)  # sends what the provider's schema refuses, on purpose
    data = env.spec("contract-h").model_dump(mode="json")
    data["variants"][0]["instance_type"] = "ml.nonexistent.huge"
    with pytest.raises(ProviderError) as err:
        submit_all(adapter, adapter.to_request(parse_spec(data)))
    assert "nonexistent" in err.value.message


def test_every_request_was_schema_checked(env):
    adapter, spec = env.adapter(), env.spec("contract-j")
    rollout(adapter, spec)
    finalize_all(adapter, adapter.to_request(spec))
    submit_all(adapter, adapter.to_request(env.spec("contract-j", image="r/m:7")))
    delete_all(adapter, spec.name, attempts=50)
    assert env.lifecycle_operations <= env.checked_operations(), env.checked_operations()


def test_delete_removes_everything(env):
    adapter, spec = env.adapter(), env.spec("contract-i")
    rollout(adapter, spec)
    finalize_all(adapter, adapter.to_request(spec))
    assert env.resources(spec.name)
    delete_all(adapter, spec.name, attempts=50)
    assert env.resources(spec.name) == set()
    assert adapter.describe(spec.name) is None
