"""The per-account request budget: a token bucket per key, charged only inside `spending`."""

import threading

from core.checks.read_budget import RateLimiter, charge, spending


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_allows_a_burst_then_the_rate_per_key():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire("a") for _ in range(10)] == [0.0] * 10, "one second's burst"
    assert limiter.acquire("a") > 0 and clock.now > 0
    before = clock.now
    for _ in range(10):
        limiter.acquire("a")
    assert abs((clock.now - before) - 1.0) < 1e-6, "then 10 per second"
    assert limiter.acquire("b") == 0.0, "accounts have their own budget"


def test_charge_only_spends_inside_spending():
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    charge()  # outside: free
    with spending(limiter, "acct"):
        charge()
        charge()
    assert clock.slept and clock.now >= 1.0
    waited = clock.now
    charge()
    assert clock.now == waited
    other = []
    t = threading.Thread(target=lambda: other.append(charge()))
    with spending(limiter, "acct"):
        t.start()
        t.join()
    assert clock.now == waited, "the budget is per thread"
