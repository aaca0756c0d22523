"""The process-wide runtime the durable workflows run against (store, adapters, use cases).

DBOS workflows are module-level functions replayed by id after a restart, so they cannot close over
objects: they reach the live store and adapters through :func:`runtime`, installed by
:class:`core.jobs.Jobs` before DBOS launches (and so before recovery runs).

Epochs: ``DBOS.destroy`` does not stop workflow threads already running (its executor shuts down
with ``wait=False``), and DBOS steps record into whichever DBOS instance is current. A thread left
over from a shut-down runtime must therefore never run another step: each workflow execution
:func:`bind`\\ s its thread to the current epoch, and :func:`ensure_current` (called before every
step and sleep) raises :class:`RuntimeStopped` once the runtime was uninstalled or replaced. The
workflow then ends without writing anything, its DBOS status still PENDING; recovery on the next
launch with the same executor id finishes it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.checks.monitor import Monitor
    from core.registry import AdapterFactory
    from core.secrets.vault import Vault
    from core.service import JobStarter
    from core.settings import Settings
    from core.store import Store

__all__ = ["Runtime", "RuntimeStopped", "runtime", "install", "uninstall", "bind", "ensure_current"]


class RuntimeStopped(BaseException):
    """This thread's runtime was shut down or replaced; the workflow resumes on recovery.

    A BaseException (like DBOS's own cancellation error) so that neither the workflows' error
    handlers nor DBOS's workflow wrapper, which records only ``Exception`` as a workflow ERROR,
    treat it as a failure: the workflow stays PENDING and is recovered.
    """


@dataclass(frozen=True)
class Runtime:
    """What the workflows use: the store (operations, revisions, check records), the adapters, and
    the service's use cases they call: ``checks`` (checks, remediation), ``secrets`` (materializing
    secret values) and ``jobs`` (starting the reconciles a check batch calls for)."""

    settings: "Settings"
    store: "Store"
    adapters: "AdapterFactory"
    checks: "Monitor"
    secrets: "Vault"
    jobs: "JobStarter"


_current: Runtime | None = None
_epoch = 0
_lock = threading.Lock()
_thread = threading.local()


def install(rt: Runtime) -> None:
    global _current, _epoch
    with _lock:
        _epoch += 1
        _current = rt


def uninstall() -> None:
    global _current, _epoch
    with _lock:
        _epoch += 1
        _current = None


def bind() -> None:
    """Tie the calling thread (a workflow execution) to the current epoch."""
    _thread.epoch = _epoch


def ensure_current() -> None:
    """Raise :class:`RuntimeStopped` if this thread's epoch is over."""
    if _current is None or getattr(_thread, "epoch", None) != _epoch:
        raise RuntimeStopped("the jobs runtime of this workflow execution was shut down")


def runtime() -> Runtime:
    ensure_current()
    assert _current is not None
    return _current
