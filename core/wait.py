"""The poll-until-serving policy, on tenacity. The only place (with the workflows) that waits.

- Transient errors (:class:`core.errors.ProviderUnavailable`: throttling, 5xx, dropped connections)
  are retried with jittered exponential backoff, within a bounded number of attempts. When the
  provider said how long to wait (``Retry-After``; the adapters put it in the error's
  ``details["retry_after_seconds"]``, parsed by :func:`retry_after_seconds`), the next attempt
  waits at least that long (up to ``WaitPolicy.max_retry_after``).
- Terminal states stop at once: :class:`ServingGate` raises :class:`core.errors.DeploymentFailed`
  for a failed endpoint, one being deleted, or an update the provider rolled back.
- Ready means health ``serving`` AND the live revision stamp equals the submitted revision: an
  endpoint still serving the *old* revision does not count.
- Running out of the time budget raises :class:`core.errors.ServingTimeout` (still progressing).

``sleep`` is injectable: the durable workflows pass ``DBOS.sleep`` so a wait survives a restart,
unit tests pass a no-op.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
    wait_random_exponential,
)

from core.errors import DeploymentFailed, ProviderUnavailable, ServingTimeout
from core.live import Health, LiveEndpoint

__all__ = ["WaitPolicy", "ServingGate", "poll_until_serving", "call_with_retry", "retry_after_seconds"]

T = TypeVar("T")


@dataclass(frozen=True)
class WaitPolicy:
    """Timing of waits. ``interval`` grows x2 (with jitter) up to ``max_interval``."""

    interval: float = 5.0
    max_interval: float = 30.0
    timeout: float = 3600.0
    transient_attempts: int = 6
    transient_backoff: float = 0.5
    transient_max_backoff: float = 20.0
    rollback_grace: int = 3
    max_retry_after: float = 120.0
    """The longest provider ``Retry-After`` waited for between two attempts (a longer one is cut)."""


class ServingGate:
    """Decides, one observation at a time, whether a rollout of ``revision`` is done.

    Returns True when ready, False to keep waiting; raises :class:`DeploymentFailed` on a terminal
    state. An endpoint serving another revision with nothing pending is a rolled-back update: it
    fails at once when the provider gives a failure reason, else after ``rollback_grace``
    observations (reads right after an update can be stale).
    """

    def __init__(self, revision: str, *, rollback_grace: int = 3) -> None:
        self.revision = revision
        self.rollback_grace = rollback_grace
        self.last: LiveEndpoint | None = None
        self._stale = 0

    def __call__(self, live: LiveEndpoint | None) -> bool:
        self.last = live
        if live is None:
            return False  # not visible yet (eventual consistency) or being created
        if live.health is Health.FAILED:
            raise DeploymentFailed(
                f"the provider reports the endpoint as failed: {live.failure_reason or 'no reason given'}",
                details={"provider_status": live.provider_status},
            )
        if live.health is Health.DELETING:
            raise DeploymentFailed("the endpoint is being deleted", details={"provider_status": live.provider_status})
        if live.health is not Health.SERVING:
            return False
        if live.revision == self.revision:
            return True
        if live.pending_revision == self.revision:
            return False
        self._stale += 1
        if live.failure_reason or self._stale >= self.rollback_grace:
            raise DeploymentFailed(
                f"the update was rolled back: the endpoint serves revision {live.revision}, not "
                f"{self.revision}: {live.failure_reason or 'no reason given'}",
                details={"live_revision": live.revision, "expected_revision": self.revision},
            )
        return False

    def status(self) -> str:
        """A short human summary of the last observation."""
        if self.last is None:
            return "not visible yet"
        return f"{self.last.provider_status or self.last.health.value} (revision {self.last.revision})"


_MS_HEADERS = ("retry-after-ms", "x-ms-retry-after-ms", "x-amz-retry-after")
"""Headers carrying a wait in milliseconds (ARM, AWS), preferred to ``Retry-After``."""


def retry_after_seconds(headers: Mapping[str, Any] | None) -> float | None:
    """The wait a provider asked for in response ``headers`` (any key case), in seconds; None if
    it asked for none (or said it unreadably).

    Reads ``retry-after-ms`` / ``x-ms-retry-after-ms`` (ARM) and ``x-amz-retry-after`` (AWS) in
    milliseconds, else ``Retry-After`` in seconds or as an HTTP date (RFC 9110).
    """
    if not headers:
        return None
    lowered = {str(k).lower(): str(v).strip() for k, v in headers.items()}
    for name in _MS_HEADERS:
        if name in lowered:
            try:
                return max(float(lowered[name]) / 1000.0, 0.0)
            except ValueError:
                pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _asked_wait(state: RetryCallState) -> float:
    """``details["retry_after_seconds"]`` of the error that ended the last attempt (0 if none)."""
    exc = state.outcome.exception() if state.outcome is not None else None
    details = getattr(exc, "details", None)
    value = details.get("retry_after_seconds") if isinstance(details, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def call_with_retry(fn: Callable[[], T], policy: WaitPolicy, *, sleep: Callable[[float], None] = time.sleep) -> T:
    """Call ``fn``, retrying :class:`ProviderUnavailable` with jittered backoff (but never sooner
    than the provider's ``Retry-After``, up to ``policy.max_retry_after``); after
    ``policy.transient_attempts`` attempts the last error is raised. Other errors are raised at once."""
    backoff = wait_random_exponential(multiplier=policy.transient_backoff, max=policy.transient_max_backoff)

    def wait(state: RetryCallState) -> float:
        return max(backoff(state), min(_asked_wait(state), policy.max_retry_after))

    retrying = Retrying(
        retry=retry_if_exception_type(ProviderUnavailable),
        stop=stop_after_attempt(policy.transient_attempts),
        wait=wait,
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)


def poll_until_serving(
    observe: Callable[[], LiveEndpoint | None],
    gate: ServingGate,
    policy: WaitPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_poll: Callable[[LiveEndpoint | None], None] | None = None,
    clock: Callable[[], float] = time.time,
    deadline: float | None = None,
) -> LiveEndpoint:
    """Poll ``observe`` until ``gate`` says ready; return the serving :class:`LiveEndpoint`.

    The budget ends at ``deadline`` (a ``clock()`` value; default ``clock() + policy.timeout``).
    Durable callers pass a recorded clock and a recorded deadline, so a wait resumed after a
    restart keeps its original budget. Raises DeploymentFailed (terminal, at once),
    ServingTimeout (budget spent), or the last ProviderUnavailable when transient errors outlast
    their retries.
    """
    end = clock() + policy.timeout if deadline is None else deadline

    def attempt() -> LiveEndpoint | None:
        live = call_with_retry(observe, policy, sleep=sleep)
        if on_poll is not None:
            on_poll(live)
        return live if gate(live) else None

    def timed_out(state: RetryCallState) -> LiveEndpoint:
        raise ServingTimeout(
            f"not serving revision {gate.revision} after {policy.timeout:.0f}s; last seen: "
            f"{gate.status()}",
            details={"phase": "provision", "revision": gate.revision},
        )

    retrying = Retrying(
        retry=retry_if_result(lambda live: live is None),
        stop=lambda state: clock() >= end,
        wait=wait_exponential_jitter(
            initial=policy.interval, max=policy.max_interval, jitter=policy.interval / 2
        ),
        sleep=sleep,
        retry_error_callback=timed_out,
    )
    live = retrying(attempt)
    assert live is not None  # a None result is retried until ready or timed out
    return live
