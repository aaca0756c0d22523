"""The webhook outbox dispatcher: events recorded with their check are handed to delivery workflows.

A check records its transition events in the same transaction as the check (the ``events`` table is
the outbox), so an event is never lost between "recorded" and "sent". This thread, on every replica,
reads undispatched events every ``interval`` seconds, starts one :func:`deliver_workflow` per
(event, matching webhook) with the workflow id ``webhook:<event id>:<hook id>`` (DBOS runs a
workflow id once, so replicas racing on the same event deliver it once), then marks the events
dispatched. With no webhooks configured events are only marked.
"""

from __future__ import annotations

import logging
import threading

from dbos import DBOS, SetWorkflowID

from core.jobs.checks import deliver_workflow, hook_id
from core.store import Store
from core.webhooks import WebhookConfig

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)


class Dispatcher:
    """A daemon thread; :meth:`start` once DBOS is launched, :meth:`stop` before it is destroyed."""

    def __init__(self, store: Store, webhooks: list[WebhookConfig], *, interval: float = 1.0) -> None:
        self.store = store
        self.webhooks = list(webhooks)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                while self.dispatch_once() and not self._stop.is_set():
                    pass
            except Exception:  # keep dispatching after a transient database error
                log.exception("webhook dispatch failed; retrying")

    def dispatch_once(self, limit: int = 100) -> int:
        """Dispatch up to ``limit`` events; returns how many were handled."""
        events = self.store.checks.undispatched(limit=limit)
        for event in events:
            for hook in self.webhooks:
                if event.type in hook.events:
                    with SetWorkflowID(f"webhook:{event.id}:{hook_id(hook)}"):
                        DBOS.start_workflow(deliver_workflow, event.id, hook_id(hook))
        self.store.checks.mark_dispatched([e.id for e in events])
        return len(events)
