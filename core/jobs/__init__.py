"""Durable jobs on DBOS Transact: the only package that knows DBOS.

:class:`Jobs` configures and launches DBOS (SQLite file by default, PostgreSQL when the service's
database is), installs the runtime the workflows use, and starts workflows with the operation id as
the workflow id, so starting the same operation twice runs it once. ``launch`` also recovers the
workflows this executor id left unfinished (a restart after a crash finishes them).

Queues (DBOS, enforced in the system database, so they hold across replicas):

- ``deploy-anywhere-operations``: deploys and deletes, partitioned by provider account
  (``target.account``): at most ``operations_per_account`` run at once per account and at most
  ``operations_per_minute_per_account`` start per minute; the rest wait ``queued``.
- ``deploy-anywhere-checks``: scheduled check batches (see :mod:`core.jobs.checks`).

Schedules: the check sweep (``check_tick_seconds``), when ``checks_enabled``. The webhook outbox
dispatcher (:mod:`core.jobs.dispatch`) runs in every replica.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from dbos import DBOS, SetEnqueueOptions, SetWorkflowID
from dbos._error import DBOSAwaitedWorkflowCancelledError, DBOSWorkflowCancelledError

from core.checks.schedule import batches_per_minute
from core.jobs import runtime as _rt
from core.jobs.checks import CHECK_PARTITION_CONCURRENCY, CHECKS_QUEUE, sweep_workflow
from core.jobs.dispatch import Dispatcher
from core.jobs.workflows import delete_workflow, deploy_workflow

if TYPE_CHECKING:
    from core.registry import AdapterFactory
    from core.service import Service
    from core.settings import Settings
    from core.store import Store

__all__ = ["Jobs"]

log = logging.getLogger(__name__)

APP_NAME = "deploy-anywhere"
OPERATIONS_QUEUE = "deploy-anywhere-operations"
SWEEP_SCHEDULE = "deploy-anywhere-check-sweep"


class _QuietCancellation(logging.Filter):
    """DBOS logs a cancelled workflow's thread ending as an ERROR with a traceback; a cancel is a
    user's request (``POST /v1/operations/{id}:cancel``), not an error: drop those records."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, (DBOSWorkflowCancelledError, DBOSAwaitedWorkflowCancelledError))


class Jobs:
    """Implements :class:`core.service.JobStarter` on DBOS."""

    def __init__(self, settings: "Settings") -> None:
        self.settings = settings
        self._launched = False
        self._operations: Any = None
        self._dispatcher: Dispatcher | None = None

    def launch(self, store: "Store", adapters: "AdapterFactory", service: "Service") -> None:
        """Install the runtime, configure DBOS and launch it (recovering pending workflows)."""
        _rt.install(_rt.Runtime(self.settings, store, adapters, checks=service.checks, secrets=service.secrets,
                                jobs=service.jobs))
        url = self.settings.dbos_url()
        if url.startswith("sqlite:///"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        DBOS(config={
            "name": APP_NAME,
            "system_database_url": url,
            "executor_id": self.settings.executor_id,
            "application_version": self.settings.app_version,
            "log_level": "WARNING",
            "notification_listener_polling_interval_sec": 0.1,
        })
        DBOS.launch()
        self._register(store)
        self._adopt_stranded(store)
        if not any(isinstance(f, _QuietCancellation) for f in logging.getLogger("dbos").filters):
            logging.getLogger("dbos").addFilter(_QuietCancellation())
        self._launched = True

    def _register(self, store: "Store") -> None:
        s = self.settings
        self._operations = DBOS.register_queue(
            OPERATIONS_QUEUE, partition_concurrency=s.operations_per_account,
            partition_limiter={"limit": s.operations_per_minute_per_account, "period": 60.0},
            polling_interval_sec=s.queue_polling_seconds, on_conflict="always_update")
        DBOS.register_queue(
            CHECKS_QUEUE, partition_concurrency=CHECK_PARTITION_CONCURRENCY,
            partition_limiter={"limit": batches_per_minute(s.provider_requests_per_second, s.check_batch_size),
                               "period": 60.0},
            polling_interval_sec=s.queue_polling_seconds, on_conflict="always_update")
        schedules = [{"schedule_name": SWEEP_SCHEDULE, "workflow_fn": sweep_workflow,
                      "schedule": s.check_cron()}] if s.checks_enabled else []
        DBOS.apply_schedules(schedules)  # type: ignore[arg-type]
        self._dispatcher = Dispatcher(store, s.webhooks, interval=s.webhook_dispatch_seconds)
        self._dispatcher.start()

    @property
    def launched(self) -> bool:
        """True between a successful :meth:`launch` and :meth:`shutdown` (readiness)."""
        return self._launched

    def _adopt_stranded(self, store: "Store") -> None:
        """Enqueue every ``pending`` operation that has no workflow: a process that died between
        storing the operation and enqueueing its workflow left it (every later PUT/DELETE on the
        deployment would be 409 forever). The operation id is the workflow id, so replicas doing
        this at the same time, or the request that is about to enqueue it, still run it once."""
        from core.spec_io import parse_spec

        for op in store.deployments.list_operations(state="pending", limit=1000):
            if DBOS.get_workflow_status(op.id) is not None:
                continue
            dep = store.deployments.get(op.deployment_name)
            if dep is None:
                continue
            spec = next((s for rev, s, _ in store.deployments.revisions(dep.name) if rev == op.revision), dep.spec)
            account = parse_spec(spec).target.account
            log.warning("operation %s (%s %s) had no workflow: starting it", op.id, op.kind, op.deployment_name)
            if op.kind == "delete":
                self.start_delete(op.id, op.deployment_name, account=account)
            else:
                self.start_deploy(op.id, op.deployment_name, op.revision or dep.revision, account=account)

    def shutdown(self) -> None:
        """Stop: in-flight workflows stop at their next step without writing (the runtime's epoch
        ends first) and are resumed by recovery on the next launch with this executor id."""
        if self._dispatcher is not None:
            self._dispatcher.stop()
            self._dispatcher = None
        _rt.uninstall()
        if self._launched:
            DBOS.destroy(destroy_registry=False)
            self._launched = False

    def start_deploy(self, op_id: str, name: str, revision: str, *, account: str, verify: bool = False) -> None:
        """Enqueue the deploy on the operations queue, in ``account``'s partition (``verify``: a
        reconcile, checked fully before and after: :func:`core.jobs.workflows.deploy_workflow`)."""
        with SetWorkflowID(op_id), SetEnqueueOptions(queue_partition_key=account):
            self._operations.enqueue(deploy_workflow, op_id, name, revision, verify)

    def start_delete(self, op_id: str, name: str, *, account: str) -> None:
        with SetWorkflowID(op_id), SetEnqueueOptions(queue_partition_key=account):
            self._operations.enqueue(delete_workflow, op_id, name)

    def cancel(self, op_id: str) -> None:
        """Stop the operation's workflow at its next step or sleep; it is never resumed."""
        DBOS.cancel_workflow(op_id)
