"""Drive an adapter like the deploy workflow does (without its durable sleeps), for tests:
stepped calls to completion, a whole rollout, and the round-trip property of DESIGN section 4."""

from __future__ import annotations

from typing import Any

from core.adapter import Progress
from core.checks.judge import judge
from core.checks.read import observe
from core.live import Health, LiveEndpoint
from core.ownership import Ownership
from core.spec import EndpointSpec, revision
from core.wait import ServingGate, WaitPolicy, poll_until_serving

__all__ = ["FAST", "drive", "submit_all", "finalize_all", "discard_all", "delete_all", "rollout",
           "assert_round_trip"]

FAST = WaitPolicy(interval=0.0, max_interval=0.0, timeout=30, transient_attempts=3, transient_backoff=0.0)
"""Polling without real waits (emulators advance on reads)."""


def drive(call: Any, request: Any, *, attempts: int = 200, **kwargs: Any) -> Progress:
    """Call ``call(request, pending, **kwargs)`` until it reports done, passing back what the
    previous call left pending (as the workflow does); AssertionError after ``attempts``."""
    pending: tuple[str, ...] = ()
    for _ in range(attempts):
        progress: Progress = call(request, pending, **kwargs)
        if progress.done:
            return progress
        pending = progress.pending
    raise AssertionError(f"{call.__qualname__} not done after {attempts} calls (pending: {pending})")


def submit_all(adapter: Any, request: Any) -> Progress:
    return drive(adapter.submit, request)


def finalize_all(adapter: Any, request: Any) -> Progress:
    return drive(adapter.finalize, request)


def discard_all(adapter: Any, request: Any, *, attempts: int = 200) -> Progress:
    return drive(adapter.discard, request, attempts=attempts)


def delete_all(adapter: Any, name: str, *, attempts: int = 200, owner: Ownership | None = None) -> Progress:
    return drive(adapter.delete, name, attempts=attempts, owner=owner)


def rollout(adapter: Any, spec: EndpointSpec, *, finalize: bool = True,
            policy: WaitPolicy = FAST, owner: Ownership | None = None) -> LiveEndpoint:
    """Submit, wait until the endpoint serves ``spec``'s revision, then (``finalize``) finalize;
    ``owner``: the deployment's ownership, as the deploy workflow passes it (None: no owner stamp)."""
    request = adapter.to_request(spec, owner=owner)
    submit_all(adapter, request)
    live = poll_until_serving(lambda: observe(adapter, spec.name, full=False, owner=owner.uid if owner else None),
                              ServingGate(revision(spec)), policy, sleep=lambda s: None)
    if finalize:
        finalize_all(adapter, request)
    return live


def assert_round_trip(adapter: Any, spec: EndpointSpec) -> LiveEndpoint:
    """Deploy ``spec``; both check depths find it serving its revision with no drift, and the full
    live config equals ``spec.config`` minus what the platform cannot read back."""
    rollout(adapter, spec)
    for full in (False, True):
        live = observe(adapter, spec.name, full=full)
        assert live is not None and live.health is Health.SERVING and live.revision == revision(spec)
        outcome = judge(spec, live, adapter.capabilities)
        assert outcome.drift.changes == [], (full, outcome.drift.changes)
    unobservable = adapter.capabilities.unobservable

    def strip(config: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in config.items() if k not in unobservable}

    assert live.config is not None and strip(live.config) == strip(spec.config)
    return live
