import pytest

from core.errors import DeploymentFailed, ProviderUnavailable, ServingTimeout
from core.live import Health, LiveEndpoint
from core.wait import ServingGate, WaitPolicy, call_with_retry, poll_until_serving

FAST = WaitPolicy(interval=0.001, max_interval=0.002, timeout=5, transient_attempts=3, transient_backoff=0.0)


def live(health, rev="r1", pending=None, reason=None):
    return LiveEndpoint(name="e", health=health, revision=rev, pending_revision=pending, failure_reason=reason)


def sequence(*items):
    it = iter(items)

    def observe():
        item = next(it)
        if isinstance(item, Exception):
            raise item
        return item
    return observe


def test_ready_only_on_the_submitted_revision():
    sleeps = []
    observe = sequence(None, live(Health.SERVING, rev="old", pending="r1"),
                       live(Health.UPDATING, rev="old", pending="r1"), live(Health.SERVING))
    result = poll_until_serving(observe, ServingGate("r1"), FAST, sleep=sleeps.append)
    assert result.revision == "r1" and len(sleeps) == 3


def test_transient_errors_retried_with_backoff():
    observe = sequence(ProviderUnavailable("throttled"), ProviderUnavailable("503"), live(Health.SERVING))
    assert poll_until_serving(observe, ServingGate("r1"), FAST, sleep=lambda s: None).health is Health.SERVING


def test_transient_errors_give_up_after_attempts():
    with pytest.raises(ProviderUnavailable):
        call_with_retry(sequence(*[ProviderUnavailable("x")] * 5), FAST, sleep=lambda s: None)


def test_failed_stops_at_once_with_reason():
    calls = []
    observe = sequence(live(Health.PROVISIONING), live(Health.FAILED, reason="image not found"), live(Health.SERVING))
    with pytest.raises(DeploymentFailed, match="image not found"):
        poll_until_serving(observe, ServingGate("r1"), FAST, sleep=calls.append)
    assert len(calls) == 1


def test_rolled_back_update_fails():
    observe = sequence(live(Health.UPDATING, rev="old", pending="r1"),
                       live(Health.SERVING, rev="old", reason="health check failed"))
    with pytest.raises(DeploymentFailed, match="rolled back.*health check failed"):
        poll_until_serving(observe, ServingGate("r1"), FAST, sleep=lambda s: None)


def test_rolled_back_without_reason_fails_after_grace():
    gate = ServingGate("r1", rollback_grace=2)
    assert gate(live(Health.SERVING, rev="old")) is False
    with pytest.raises(DeploymentFailed):
        gate(live(Health.SERVING, rev="old"))


def test_timeout_is_serving_timeout():
    policy = WaitPolicy(interval=0.01, max_interval=0.01, timeout=0.05, transient_attempts=1)
    with pytest.raises(ServingTimeout, match="Creating"):
        poll_until_serving(lambda: LiveEndpoint(name="e", health=Health.PROVISIONING, provider_status="Creating"),
                           ServingGate("r1"), policy, sleep=lambda s: __import__("time").sleep(s))


def test_recorded_deadline_survives_a_restart():
    now = [1000.0]
    policy = WaitPolicy(interval=1, max_interval=1, timeout=3600, transient_attempts=1)
    observed = []

    def observe():
        observed.append(now[0])
        now[0] += 10
        return LiveEndpoint(name="e", health=Health.PROVISIONING, provider_status="Creating")

    # the original budget ended at 1015 (recorded before the restart): not a fresh hour
    with pytest.raises(ServingTimeout):
        poll_until_serving(observe, ServingGate("r1"), policy, sleep=lambda s: None,
                           clock=lambda: now[0], deadline=1015.0)
    assert observed == [1000.0, 1010.0]


def test_retry_after_headers_are_read_in_any_spelling():
    from core.wait import retry_after_seconds

    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "250", "Retry-After": "3"}) == 0.25  # ARM: ms first
    assert retry_after_seconds({"x-amz-retry-after": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "Thu, 01 Jan 1970 00:00:00 GMT"}) == 0.0  # a date in the past
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


def test_retry_after_is_a_floor_of_the_wait_up_to_the_cap():
    sleeps = []
    throttled = ProviderUnavailable("throttled", details={"retry_after_seconds": 2.5})
    capped = ProviderUnavailable("throttled", details={"retry_after_seconds": 999})
    policy = WaitPolicy(transient_attempts=4, transient_backoff=0.0, max_retry_after=60)
    assert call_with_retry(sequence(throttled, ProviderUnavailable("503"), capped, "ok"), policy,
                           sleep=sleeps.append) == "ok"
    assert sleeps == [2.5, 0.0, 60]
