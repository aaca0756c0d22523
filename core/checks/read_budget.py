"""Request budgets: at most N provider calls per second per provider account, in this process.

:class:`RateLimiter` is a token bucket per key (burst: one second's worth). Scheduled checks run
inside :func:`spending`, which binds the calling thread to a limiter and an account; every provider
call then :func:`charge` s one token first (adapters call it through ``core.metrics.provider_call``),
blocking until the budget allows. Outside :func:`spending` (deploys, manual checks) nothing is
charged. Across replicas the scheduler's DBOS queue bounds how many check batches start per account
and minute (``core/jobs``); this class smooths the calls within a batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["RateLimiter", "spending", "charge"]


class RateLimiter:
    """``rate`` tokens per second per key, bucket size ``max(1, rate)``; thread-safe."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = rate
        self.burst = max(1.0, rate)
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)

    def acquire(self, key: str) -> float:
        """Take one token for ``key``, waiting if needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                tokens, last = self._buckets.get(key, (self.burst, now))
                tokens = min(self.burst, tokens + (now - last) * self.rate)
                if tokens >= 1.0 - 1e-9:  # float slack: a refill to exactly 1.0 may land just below
                    self._buckets[key] = (max(0.0, tokens - 1.0), now)
                    return waited
                self._buckets[key] = (tokens, now)
                delay = (1.0 - tokens) / self.rate
            self._sleep(delay)
            waited += delay


_local = threading.local()


@contextmanager
def spending(limiter: RateLimiter | None, account: str) -> Iterator[None]:
    """Charge the provider calls this thread makes inside the block to ``account``."""
    previous = getattr(_local, "budget", None)
    _local.budget = None if limiter is None else (limiter, account)
    try:
        yield
    finally:
        _local.budget = previous


def charge() -> None:
    """Take one token from the thread's budget, if it has one (see :func:`spending`)."""
    budget = getattr(_local, "budget", None)
    if budget is not None:
        budget[0].acquire(budget[1])
