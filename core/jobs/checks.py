"""Scheduled checks and webhook deliveries as DBOS workflows.

- :func:`sweep_workflow` runs on a DBOS cron schedule (``check_tick_seconds``). DBOS gives each
  scheduled run the workflow id ``sched-<schedule>-<time>``, so with several replicas each tick runs
  exactly once. It lists the deployments whose basic or full check is due, groups them by provider
  account, and enqueues batches (:func:`check_batch_workflow`) on the ``checks`` queue, partitioned
  by account: at most ``CHECK_PARTITION_CONCURRENCY`` batches of one account run at once and at most
  :func:`batches_per_minute` start per minute, across all replicas (DBOS enforces both in the
  system database). An account whose previous batches are still queued gets none this tick, so a
  slow provider builds no backlog. Each tick also prunes history past the retention.
- :func:`check_batch_workflow` checks its deployments with bounded concurrency, each provider call
  charged to the account's per-second budget (:mod:`core.checks.read_budget`), and records them in one
  transaction. A batch re-run after a crash only checks again (checks are idempotent).
- :func:`deliver_workflow` delivers one event to one webhook: one attempt per step, durable sleeps
  with exponential backoff (``Retry-After`` honoured) between attempts, at most
  ``webhook_attempts``. The dispatcher (:class:`core.jobs.dispatch.Dispatcher`) starts it with the
  workflow id ``webhook:<event>:<hook>``, so an event is delivered once per webhook however many
  replicas dispatch it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

from dbos import DBOS, SetEnqueueOptions, SetWorkflowID

from core import metrics
from core.checks.schedule import batches_per_minute, plan_batches
from core.jobs.runtime import bind, runtime
from core.jobs.workflows import _sleep, guarded
from core.spec_io import parse_spec
from core.webhooks import WebhookConfig, payload, send

__all__ = ["sweep_workflow", "check_batch_workflow", "deliver_workflow", "hook_id", "CHECKS_QUEUE",
           "CHECK_PARTITION_CONCURRENCY"]

CHECKS_QUEUE = "deploy-anywhere-checks"
CHECK_PARTITION_CONCURRENCY = 2


def hook_id(hook: WebhookConfig) -> str:
    """A stable id of a webhook receiver (its URL), used in delivery workflow ids."""
    return hashlib.sha256(str(hook.url).encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------- sweep


@guarded
@DBOS.step()
def _plan(now_iso: str) -> list[dict[str, Any]]:
    """The batches to enqueue this tick: ``[{account, mode, names}]``."""
    rt = runtime()
    settings = rt.settings
    now = dt.datetime.fromisoformat(now_iso)
    due = rt.store.checks.due(basic_before=now - dt.timedelta(seconds=settings.check_interval_seconds * 0.98),
                              full_before=now - dt.timedelta(seconds=settings.full_check_interval_seconds * 0.98))
    busy = {wf.workflow_id.split(":")[1] for wf in DBOS.list_queued_workflows(
        queue_name=CHECKS_QUEUE, workflow_id_prefix="chk:", load_input=False, load_output=False)}
    per_tick = max(1, math.ceil(batches_per_minute(settings.provider_requests_per_second, settings.check_batch_size)
                                * settings.check_tick_seconds / 60))
    return [{"account": b.account, "mode": b.mode, "names": b.names}
            for b in plan_batches(due, busy=busy, batch_size=settings.check_batch_size, per_tick=per_tick)]


@guarded
@DBOS.step()
def _prune(now_iso: str) -> None:
    settings, now = runtime().settings, dt.datetime.fromisoformat(now_iso)
    runtime().store.checks.prune(older_than=now - dt.timedelta(days=settings.check_retention_days))
    if settings.audit_retention_days is not None:
        runtime().store.audit.prune(older_than=now - dt.timedelta(days=settings.audit_retention_days))


@DBOS.workflow()
def sweep_workflow(scheduled_at: dt.datetime, context: Any) -> None:
    bind()
    stamp = scheduled_at.astimezone(dt.timezone.utc).isoformat()
    queue = DBOS.retrieve_queue(CHECKS_QUEUE)
    assert queue is not None, "the checks queue is registered at launch"
    for i, batch in enumerate(_plan(stamp)):
        account = batch["account"]
        with SetWorkflowID(f"chk:{account}:{stamp}:{i}"), SetEnqueueOptions(queue_partition_key=account):
            queue.enqueue(check_batch_workflow, batch["names"], batch["mode"])
    _prune(stamp)


@guarded
@DBOS.step()
def _check_batch(names: list[str], mode: str) -> list[str]:
    """Check the batch; the names due for auto-remediation."""
    return runtime().checks.check_batch(names, mode=mode)


@guarded
@DBOS.step()
def _begin_remediation(name: str) -> dict[str, str] | None:
    op = runtime().checks.begin_remediation(name)
    if op is None:
        return None
    dep = runtime().store.deployments.get(name)
    account = parse_spec(dep.spec).target.account if dep is not None else ""
    return {"id": op.id, "revision": op.revision or "", "account": account}


@DBOS.workflow()
def check_batch_workflow(names: list[str], mode: str) -> int:
    """Check a batch, then start the reconciles its auto-remediation policies call for (a workflow
    may start workflows; a step may not). Returns how many were started."""
    bind()
    started = 0
    for name in _check_batch(names, mode):
        op = _begin_remediation(name)
        if op is not None:
            runtime().jobs.start_deploy(op["id"], name, op["revision"], account=op["account"], verify=True)
            started += 1
    return started


# ---------------------------------------------------------------------------------- webhooks


def _hook(hid: str) -> WebhookConfig | None:
    return next((h for h in runtime().settings.webhooks if hook_id(h) == hid), None)


@guarded
@DBOS.step()
def _attempt(event_id: int, hid: str) -> dict[str, Any] | None:
    """One delivery attempt; None when the event or the webhook no longer exists."""
    event, hook = runtime().store.checks.event(event_id), _hook(hid)
    if event is None or hook is None:
        return None
    result = send(hook, payload(event), timeout=runtime().settings.webhook_timeout_seconds)
    metrics.webhook_delivery("delivered" if result.delivered else "retried" if result.retryable else "given_up")
    return {"delivered": result.delivered, "retryable": result.retryable, "status": result.status,
            "detail": result.detail, "retry_after": result.retry_after}


@DBOS.workflow()
def deliver_workflow(event_id: int, hid: str) -> dict[str, Any] | None:
    """Deliver event ``event_id`` to webhook ``hid``; returns the last attempt's outcome."""
    bind()
    settings = runtime().settings
    delay = settings.webhook_backoff_seconds
    result = None
    for attempt in range(settings.webhook_attempts):
        result = _attempt(event_id, hid)
        if result is None or result["delivered"] or not result["retryable"]:
            return result
        if attempt + 1 < settings.webhook_attempts:
            _sleep(max(delay, result["retry_after"] or 0.0))
            delay = min(delay * 2, 300.0)
    return result
