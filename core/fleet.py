"""Checking deployments: one, or a batch of a fleet, the same way.

:func:`assess` reads one endpoint (basic: fewest reads; full: every field) and judges it against the
stored spec, with the deployment's ignore rules; a provider error becomes a check with health and
sync ``unknown`` and the error (it is recorded like any other check). :class:`FleetChecker` assesses
a batch with bounded concurrency, each thread spending its account's request budget
(:mod:`core.budget`) and sharing the listings one pass needs only once (:mod:`core.shared_reads`),
then records the whole batch in ONE store transaction
(:meth:`core.store.checks.Checks.record`) and hands every recorded check to ``after`` (metrics,
events, auto-remediation).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from core import budget, shared_reads
from core.adapter import Adapter, Capabilities
from core.check import CheckOutcome, judge
from core.errors import DeployError
from core.diff import Drift
from core.live import Health, LiveEndpoint, Sync
from core.observe import observe_redacted
from core.patch import to_patch
from core.secrets.vault import Vault
from core.spec import EndpointSpec
from core.spec_io import parse_spec
from core.store.checks import CheckWrite, Recorded
from core.store.db import utcnow
from core.store.records import DeploymentRecord

__all__ = ["Assessment", "assess", "judged", "FleetChecker"]


@dataclass(frozen=True)
class Assessment:
    """One check before it is recorded. ``outcome`` and ``live`` are None when ``error`` is set."""

    deployment: DeploymentRecord
    spec: EndpointSpec
    mode: str
    live: LiveEndpoint | None
    outcome: CheckOutcome | None
    error: DeployError | None
    write: CheckWrite
    seconds: float


def assess(adapter: Adapter[Any, Any], dep: DeploymentRecord, spec: EndpointSpec, *, mode: str,
           trigger: str, vault: Vault, shared: shared_reads.SharedReads | None = None) -> Assessment:
    """Observe and judge ``dep`` (never raises :class:`DeployError`: it is returned); secret env
    values are redacted before anything is judged or recorded. ``shared``: the pass's shared
    readings; the reading then began when its oldest shared part was read."""
    started, read_at = time.perf_counter(), utcnow()
    live: LiveEndpoint | None = None
    error: DeployError | None = None
    with shared_reads.using(shared) as used:
        try:
            live = observe_redacted(adapter, spec, full=mode == "full", vault=vault, seen=dep.secret_fingerprints,
                                    owner=dep.owner)
        except DeployError as exc:
            error = exc
    read_at = used.began(read_at)
    if error is not None:
        seconds = time.perf_counter() - started
        write = CheckWrite(name=dep.name, mode=mode, health="unknown", sync="unknown",
                           revision_expected=dep.revision, revision_live=None, status_message=error.message,
                           error=error.to_dict(), duration_ms=seconds * 1000, trigger=trigger, read_at=read_at)
        return Assessment(dep, spec, mode, None, None, error, write, seconds)
    return judged(dep, spec, live, adapter.capabilities, mode=mode, trigger=trigger, started=started,
                  read_at=read_at)


def judged(dep: DeploymentRecord, spec: EndpointSpec, live: LiveEndpoint | None, caps: Capabilities, *,
           mode: str, trigger: str, started: float, read_at: dt.datetime | None = None,
           reapplied: bool = False) -> Assessment:
    """The assessment of an observation already made (``live``: redacted; ``started``: a
    ``perf_counter`` stamp from before the read, for the duration; ``read_at``: when the read
    began, None: now; ``reapplied``: the observation closes a rollout that wrote every field, so
    no earlier drift is carried past it)."""
    outcome = judge(spec, live, caps)
    if live is None and dep.health == Health.NOT_DEPLOYED.value:  # still nothing live, by design
        outcome = CheckOutcome(Health.NOT_DEPLOYED, Sync.UNKNOWN, Drift(), outcome.revision_expected, None,
                               dep.status_message)
    changes = [c.model_dump(mode="json") for c in outcome.drift.changes]
    seconds = time.perf_counter() - started
    write = CheckWrite(
        name=dep.name, mode=mode, health=outcome.health.value, sync=outcome.sync.value,
        revision_expected=outcome.revision_expected, revision_live=outcome.revision_live, drift=changes,
        patch=to_patch(dep.spec, outcome.drift.changes) if changes and live is not None else None,
        material=bool(outcome.drift.material), status_message=outcome.status_message,
        provider_ids=None if live is None else live.provider_ids, duration_ms=seconds * 1000, trigger=trigger,
        read_at=read_at, unobserved=outcome.unobserved, ignore=tuple(spec.sync_policy.ignore), reapplied=reapplied)
    return Assessment(dep, spec, mode, live, outcome, None, write, seconds)


class FleetChecker:
    """Check batches of deployments: ``adapter_for(spec)`` gives each one's adapter; ``after`` is
    called with each assessment and what was recorded (None: the deployment was deleted meanwhile)."""

    def __init__(self, store: Any, adapter_for: Callable[[EndpointSpec], Adapter[Any, Any]], *,
                 after: Callable[[Assessment, Recorded | None], None],
                 concurrency: int = 16, limiter: budget.RateLimiter | None = None, vault: Vault) -> None:
        self._store = store
        self._vault = vault
        self._adapter_for = adapter_for
        self._after = after
        self.concurrency = concurrency
        self.limiter = limiter

    def _one(self, item: tuple[DeploymentRecord, str], trigger: str, charged: bool,
             shared: shared_reads.SharedReads) -> Assessment:
        dep, mode = item
        spec = parse_spec(dep.spec)
        with budget.spending(self.limiter if charged else None, spec.target.account):
            return assess(self._adapter_for(spec), dep, spec, mode=mode, trigger=trigger, vault=self._vault,
                          shared=shared)

    def run(self, items: Sequence[tuple[DeploymentRecord, str]], *, trigger: str,
            charged: bool = True) -> list[tuple[Assessment, Recorded | None]]:
        """Check every ``(deployment, mode)``; ``charged``: spend the request budget (scheduled
        checks) or not (a check a caller waits for)."""
        if not items:
            return []
        shared = shared_reads.SharedReads()
        if len(items) == 1 or self.concurrency == 1:
            assessments = [self._one(item, trigger, charged, shared) for item in items]
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items)),
                                    thread_name_prefix="check") as pool:
                assessments = list(pool.map(lambda item: self._one(item, trigger, charged, shared), items))
        recorded = self._store.checks.record([a.write for a in assessments])
        out = list(zip(assessments, recorded))
        for assessment, rec in out:
            self._after(assessment, rec)
        return out
