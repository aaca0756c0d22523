"""The process-wide runtime the durable workflows run against (store, adapters, service).

DBOS workflows are module-level functions replayed by id after a restart, so they cannot close over
objects: they reach the live store and adapters through :func:`runtime`, installed by
:class:`core.jobs.Jobs` before DBOS launches (and so before recovery runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.registry import AdapterFactory
    from core.service import Service
    from core.settings import Settings
    from core.store import Store

__all__ = ["Runtime", "runtime", "install", "uninstall"]


@dataclass(frozen=True)
class Runtime:
    settings: "Settings"
    store: "Store"
    adapters: "AdapterFactory"
    service: "Service"


_current: Runtime | None = None


def install(rt: Runtime) -> None:
    global _current
    _current = rt


def uninstall() -> None:
    global _current
    _current = None


def runtime() -> Runtime:
    if _current is None:
        raise RuntimeError("the jobs runtime is not installed (Jobs.launch() first)")
    return _current
