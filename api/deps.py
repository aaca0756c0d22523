"""Assembly of one service process: settings -> store -> adapters -> jobs -> service.

:class:`Container` is built once per app (FastAPI lifespan) and torn down with it. In sandbox mode
without an emulators file it starts the local emulators itself and points the SDKs at them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from core.jobs import Jobs
from core.registry import AdapterFactory
from core.secrets import masking
from core.service import Service
from core.settings import Settings
from core.store import Store

__all__ = ["Container", "service_of"]


@dataclass
class Container:
    settings: Settings
    store: Store | None = None
    jobs: Jobs | None = None
    service: Service | None = None
    _emulators: Any = field(default=None, repr=False)

    def start(self) -> None:
        settings = self.settings
        if settings.sandbox and settings.emulators_file is None:
            from emulators.launcher import Emulators

            self._emulators = Emulators(progression={"progression": "time", "seconds": 1.0},
                                        state_dir=settings.data_dir / "emulators")
            self._emulators.start()
            path = self._emulators.write(settings.data_dir / "emulators.json")
            settings = self.settings = settings.model_copy(update={"emulators_file": path})
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.store_url())
        self.store.migrate()
        adapters = AdapterFactory(emulators=settings.emulator_urls())
        self.jobs = Jobs(settings)
        masking.install()
        self.service = Service(self.store, adapters, self.jobs, check_concurrency=settings.check_concurrency,
                               keyring=settings.keyring(),
                               provider_requests_per_second=settings.provider_requests_per_second)
        self.jobs.launch(self.store, adapters, self.service)

    def stop(self) -> None:
        if self.jobs is not None:
            self.jobs.shutdown()
        if self.store is not None:
            self.store.dispose()
        if self._emulators is not None:
            self._emulators.stop()


def service_of(request: Request) -> Service:
    """FastAPI dependency: the process's :class:`Service`."""
    service = request.app.state.container.service
    assert service is not None, "the service is not started"
    return service
