"""Durable jobs on DBOS Transact: the only package that knows DBOS.

:class:`Jobs` configures and launches DBOS (SQLite file by default, PostgreSQL when the service's
database is), installs the runtime the workflows use, and starts workflows with the operation id as
the workflow id, so starting the same operation twice runs it once. ``launch`` also recovers the
workflows this executor id left unfinished (a restart after a crash finishes them).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from dbos import DBOS, SetWorkflowID
from dbos._error import DBOSAwaitedWorkflowCancelledError, DBOSWorkflowCancelledError

from core.jobs import runtime as _rt
from core.jobs.workflows import delete_workflow, deploy_workflow

if TYPE_CHECKING:
    from core.registry import AdapterFactory
    from core.service import Service
    from core.settings import Settings
    from core.store import Store

__all__ = ["Jobs"]

APP_NAME = "deploy-anywhere"


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

    def launch(self, store: "Store", adapters: "AdapterFactory", service: "Service") -> None:
        """Install the runtime, configure DBOS and launch it (recovering pending workflows)."""
        _rt.install(_rt.Runtime(self.settings, store, adapters, service))
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
        if not any(isinstance(f, _QuietCancellation) for f in logging.getLogger("dbos").filters):
            logging.getLogger("dbos").addFilter(_QuietCancellation())
        self._launched = True

    def shutdown(self) -> None:
        """Stop: in-flight workflows stop at their next step without writing (the runtime's epoch
        ends first) and are resumed by recovery on the next launch with this executor id."""
        _rt.uninstall()
        if self._launched:
            DBOS.destroy(destroy_registry=False)
            self._launched = False

    def start_deploy(self, op_id: str, name: str, revision: str) -> None:
        with SetWorkflowID(op_id):
            DBOS.start_workflow(deploy_workflow, op_id, name, revision)

    def start_delete(self, op_id: str, name: str) -> None:
        with SetWorkflowID(op_id):
            DBOS.start_workflow(delete_workflow, op_id, name)

    def cancel(self, op_id: str) -> None:
        """Stop the operation's workflow at its next step or sleep; it is never resumed."""
        DBOS.cancel_workflow(op_id)
