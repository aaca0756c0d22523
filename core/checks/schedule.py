"""Running the check pipeline over deployments: one, a fleet pass, and the scheduled batches.

:func:`check_one` is the pipeline for one deployment: read (:mod:`core.checks.read`), judge
(:mod:`core.checks.judge`), then the finding to record (:mod:`core.checks.record`). A provider
error becomes a check with health and sync ``unknown`` and the error.

:class:`FleetPass` runs it over a batch with bounded concurrency, each thread spending its
account's request budget (:mod:`core.checks.read_budget`) and sharing the listings one pass needs
only once (:mod:`core.checks.read_shared`), then records the whole batch in ONE store transaction
(:meth:`core.store.checks.Checks.record`) and hands every recorded check to ``after`` (metrics,
events, auto-remediation).

:func:`plan_batches` decides which batches a scheduler tick starts (pure); the DBOS workflows that
run the tick and the batches are in :mod:`core.jobs.checks`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from core.adapter import Adapter
from core.checks import read_budget, read_shared
from core.checks.judge import judge_deployment
from core.checks.read import read_deployment
from core.checks.record import Finding, finding
from core.secrets.vault import Vault
from core.spec import EndpointSpec
from core.spec_io import parse_spec
from core.store.checks import Recorded
from core.store.records import DeploymentRecord

__all__ = ["check_one", "FleetPass", "Batch", "plan_batches", "batches_per_minute", "FULL_BATCH_DIVISOR",
           "CALLS_PER_CHECK"]

FULL_BATCH_DIVISOR = 5
CALLS_PER_CHECK = 2
"""Budget planning: a basic check costs 1-2 provider calls; a full batch is a fifth of a basic one
(a full check costs up to ~10)."""


def check_one(adapter: Adapter[Any, Any], dep: DeploymentRecord, spec: EndpointSpec, *, mode: str, trigger: str,
              vault: Vault, shared: read_shared.SharedReads | None = None) -> Finding:
    """Read, judge and prepare the record of ``dep`` (never raises :class:`DeployError`: the
    finding carries it). ``shared``: the pass's shared readings."""
    reading = read_deployment(adapter, dep, spec, full=mode == "full", vault=vault, shared=shared)
    outcome = None if reading.error is not None else judge_deployment(dep, spec, reading.live,
                                                                      adapter.capabilities)
    return finding(dep, spec, reading, outcome, mode=mode, trigger=trigger)


class FleetPass:
    """Check batches of deployments: ``adapter_for(spec)`` gives each one's adapter; ``after`` is
    called with each finding and what was recorded (None: the deployment was deleted meanwhile)."""

    def __init__(self, store: Any, adapter_for: Callable[[EndpointSpec], Adapter[Any, Any]], *,
                 after: Callable[[Finding, Recorded | None], None],
                 concurrency: int = 16, limiter: read_budget.RateLimiter | None = None, vault: Vault) -> None:
        self._store = store
        self._vault = vault
        self._adapter_for = adapter_for
        self._after = after
        self.concurrency = concurrency
        self.limiter = limiter

    def _one(self, item: tuple[DeploymentRecord, str], trigger: str, charged: bool,
             shared: read_shared.SharedReads) -> Finding:
        dep, mode = item
        spec = parse_spec(dep.spec)
        with read_budget.spending(self.limiter if charged else None, spec.target.account):
            return check_one(self._adapter_for(spec), dep, spec, mode=mode, trigger=trigger, vault=self._vault,
                             shared=shared)

    def run(self, items: Sequence[tuple[DeploymentRecord, str]], *, trigger: str,
            charged: bool = True) -> list[tuple[Finding, Recorded | None]]:
        """Check every ``(deployment, mode)``; ``charged``: spend the request budget (scheduled
        checks) or not (a check a caller waits for)."""
        if not items:
            return []
        shared = read_shared.SharedReads()
        if len(items) == 1 or self.concurrency == 1:
            findings = [self._one(item, trigger, charged, shared) for item in items]
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items)),
                                    thread_name_prefix="check") as pool:
                findings = list(pool.map(lambda item: self._one(item, trigger, charged, shared), items))
        recorded = self._store.checks.record([f.write for f in findings])
        out = list(zip(findings, recorded))
        for found, rec in out:
            self._after(found, rec)
        return out


# --------------------------------------------------------------------------------- schedule


def batches_per_minute(requests_per_second: float, batch_size: int) -> int:
    """How many check batches of one account may start per minute within its request budget."""
    return max(1, math.floor(requests_per_second * 60 / (batch_size * CALLS_PER_CHECK)))


@dataclass(frozen=True)
class Batch:
    """Deployments of one provider account checked together in one mode."""

    account: str
    mode: str
    names: list[str]


def plan_batches(due: Iterable[tuple[DeploymentRecord, str]], *, busy: set[str], batch_size: int,
                 per_tick: int) -> list[Batch]:
    """The batches one scheduler tick starts for the ``due`` ``(deployment, mode)`` pairs: grouped
    by provider account and mode, full batches first and a fifth of ``batch_size``; an account in
    ``busy`` (batches still queued) gets none, any other at most ``per_tick``."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for dep, mode in due:
        groups[(parse_spec(dep.spec).target.account, mode)].append(dep.name)
    plan: list[Batch] = []
    planned: dict[str, int] = defaultdict(int)
    for (account, mode), names in sorted(groups.items(), key=lambda kv: kv[0][1] != "full"):
        if account in busy:
            continue
        size = batch_size // (FULL_BATCH_DIVISOR if mode == "full" else 1) or 1
        for start in range(0, len(names), size):
            if planned[account] >= per_tick:
                break
            plan.append(Batch(account, mode, names[start:start + size]))
            planned[account] += 1
    return plan
