"""Step 3 of a check, record: a judged reading as the write the store records.

:func:`finding` turns one :class:`core.checks.read.Reading` and its judgement
(:class:`core.checks.judge.CheckOutcome`, None when the read failed) into a :class:`Finding`: the
:class:`core.store.checks.CheckWrite` to record (drift, its JSON Patch from
:mod:`core.checks.record_patch`, the coverage of the read) and what the caller needs afterwards
(metrics, remediation, the live view). A failed read is a check with health and sync ``unknown``
and the provider's error; it is recorded like any other. The store's
:meth:`core.store.checks.Checks.record` then merges the write with the drift earlier checks saw
and this one did not read (:mod:`core.checks.record_coverage`), in one transaction per batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.checks.judge import CheckOutcome
from core.checks.read import Reading
from core.checks.record_patch import to_patch
from core.errors import DeployError
from core.live import LiveEndpoint
from core.spec import EndpointSpec
from core.store.checks import CheckWrite
from core.store.records import DeploymentRecord

__all__ = ["Finding", "finding"]


@dataclass(frozen=True)
class Finding:
    """One check of one deployment before it is recorded. ``outcome`` and ``live`` are None when
    ``error`` is set; ``seconds``: the check's duration, read and judgement."""

    deployment: DeploymentRecord
    spec: EndpointSpec
    mode: str
    live: LiveEndpoint | None
    outcome: CheckOutcome | None
    error: DeployError | None
    write: CheckWrite
    seconds: float


def finding(dep: DeploymentRecord, spec: EndpointSpec, reading: Reading, outcome: CheckOutcome | None, *,
            mode: str, trigger: str, reapplied: bool = False) -> Finding:
    """The finding of ``reading`` judged as ``outcome`` (None exactly when ``reading.error`` is
    set). ``reapplied``: the reading closes a rollout that wrote every field, so no earlier drift is
    carried past it."""
    seconds = time.perf_counter() - reading.started
    if reading.error is not None:
        error = reading.error
        write = CheckWrite(name=dep.name, mode=mode, health="unknown", sync="unknown",
                           revision_expected=dep.revision, revision_live=None, status_message=error.message,
                           error=error.to_dict(), duration_ms=seconds * 1000, trigger=trigger,
                           read_at=reading.read_at)
        return Finding(dep, spec, mode, None, None, error, write, seconds)
    assert outcome is not None, "a reading without an error is judged"
    live = reading.live
    changes = [c.model_dump(mode="json") for c in outcome.drift.changes]
    write = CheckWrite(
        name=dep.name, mode=mode, health=outcome.health.value, sync=outcome.sync.value,
        revision_expected=outcome.revision_expected, revision_live=outcome.revision_live, drift=changes,
        patch=to_patch(dep.spec, outcome.drift.changes) if changes and live is not None else None,
        material=bool(outcome.drift.material), status_message=outcome.status_message,
        provider_ids=None if live is None else live.provider_ids, duration_ms=seconds * 1000, trigger=trigger,
        read_at=reading.read_at, unobserved=outcome.unobserved, ignore=tuple(spec.sync_policy.ignore),
        reapplied=reapplied)
    return Finding(dep, spec, mode, live, outcome, None, write, seconds)
