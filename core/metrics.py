"""Prometheus metrics (``GET /metrics``).

Two kinds:

- Fleet state, read from the store at scrape time (:class:`FleetCollector` over
  :meth:`core.checks.monitor.Monitor.counts`): the same numbers on every replica, so scrape any
  one of them (or all and take ``max``):
  ``deploy_anywhere_deployments{platform,health,sync}``.
- Work this process did (counters/histograms in :data:`REGISTRY`, per replica: ``sum`` them):
  ``deploy_anywhere_check_duration_seconds{platform,mode}``,
  ``deploy_anywhere_provider_calls_total{platform}``,
  ``deploy_anywhere_provider_errors_total{platform,code}``,
  ``deploy_anywhere_operations_total{kind,state}``,
  ``deploy_anywhere_webhook_deliveries_total{result}``,
  ``deploy_anywhere_events_total{type,current}``.

Adapters count provider calls through :func:`provider_call` inside their one error-mapping context
manager, so every SDK call is counted once and every mapped error once, by our error code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from core.checks import read_budget

__all__ = ["REGISTRY", "provider_call", "observe_check", "operation_finished", "webhook_delivery",
           "event_emitted", "FleetCollector", "render"]

REGISTRY = CollectorRegistry(auto_describe=True)

_CHECK_SECONDS = Histogram(
    "deploy_anywhere_check_duration_seconds", "Wall time of one check (provider reads + judging).",
    ["platform", "mode"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
_CALLS = Counter("deploy_anywhere_provider_calls", "Provider API calls sent.", ["platform"], registry=REGISTRY)
_ERRORS = Counter("deploy_anywhere_provider_errors", "Provider API calls that failed, by our error code.",
                  ["platform", "code"], registry=REGISTRY)
_OPERATIONS = Counter("deploy_anywhere_operations", "Operations finished, by kind and final state.",
                      ["kind", "state"], registry=REGISTRY)
_WEBHOOKS = Counter("deploy_anywhere_webhook_deliveries", "Webhook delivery attempts by result "
                    "(delivered, retried, given_up).", ["result"], registry=REGISTRY)
_EVENTS = Counter("deploy_anywhere_events", "Health/sync transition events recorded.", ["type", "current"],
                  registry=REGISTRY)


@contextmanager
def provider_call(platform: str) -> Iterator[None]:
    """Charge the thread's request budget (:func:`core.checks.read_budget.charge`, may wait), then count one
    provider call; an exception leaving the block counts as an error with its ``code`` attribute
    (our :class:`core.errors.DeployError` code) or its class name."""
    read_budget.charge()
    _CALLS.labels(platform).inc()
    try:
        yield
    except Exception as exc:
        _ERRORS.labels(platform, str(getattr(exc, "code", None) or type(exc).__name__)).inc()
        raise


def observe_check(platform: str, mode: str, seconds: float) -> None:
    _CHECK_SECONDS.labels(platform, mode).observe(seconds)


def operation_finished(kind: str, state: str) -> None:
    _OPERATIONS.labels(kind, state).inc()


def webhook_delivery(result: str) -> None:
    _WEBHOOKS.labels(result).inc()


def event_emitted(type_: str, current: str) -> None:
    _EVENTS.labels(type_, current).inc()


Counts = Callable[[], Iterable[tuple[str, str, str, int]]]
"""``(platform, health, sync, count)`` over every deployment."""


class FleetCollector:
    """``deploy_anywhere_deployments{platform,health,sync}`` from ``counts``, at scrape time."""

    def __init__(self, counts: Counts) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Any]:
        family = GaugeMetricFamily("deploy_anywhere_deployments", "Deployments by platform, health and sync.",
                                   labels=["platform", "health", "sync"])
        for platform, health, sync, count in self._counts():
            family.add_metric([platform, health, sync], count)
        yield family

    def describe(self) -> list[Any]:
        return []


def render(counts: Counts | None) -> bytes:
    """The text exposition of this process's metrics plus the fleet gauges from ``counts``."""
    registry = CollectorRegistry(auto_describe=False)
    if counts is not None:
        registry.register(FleetCollector(counts))
    return generate_latest(REGISTRY) + generate_latest(registry)
