"""Assembly of one service process: settings -> store -> adapters -> jobs -> service, and the
FastAPI dependencies that hand the routes their use cases.

:class:`Container` is built once per app (FastAPI lifespan) and torn down with it. In sandbox mode
without an emulators file it starts the local emulators itself and points the SDKs at them. It is
the only module of ``api/`` that holds the store; routes and the security layer get
:class:`core.service.Service` or one of its use-case objects (``checks_of``, ``secrets_of``,
``keys_of``, ``audit_of``, ``idempotency_of``), never the store (``tests/api/test_layers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from core.checks.monitor import Monitor
from core.jobs import Jobs
from core.registry import AdapterFactory
from core.secrets import masking
from core.secrets.vault import Vault
from core.service import Service
from core.settings import Settings
from core.store import Store
from core.store.audit import AuditLog
from core.store.idempotency import IdempotencyKeys
from core.store.keys import ApiKeys

__all__ = ["Container", "service_of", "checks_of", "secrets_of", "keys_of", "audit_of", "idempotency_of"]


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

    def database_ready(self) -> bool:
        """Whether the store answers (readiness); never raises."""
        return self.store is not None and self.store.ping()

    def fleet_counts(self) -> list[tuple[str, str, str, int]]:
        """``(platform, health, sync, count)`` over every deployment (the fleet metrics); empty
        before the start."""
        return [] if self.service is None else self.service.checks.counts()

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


def checks_of(request: Request) -> Monitor:
    """FastAPI dependency: the checks use cases (:class:`core.checks.monitor.Monitor`)."""
    return service_of(request).checks


def secrets_of(request: Request) -> Vault:
    """FastAPI dependency: the service secrets (:class:`core.secrets.vault.Vault`)."""
    return service_of(request).secrets


def keys_of(request: Request) -> ApiKeys:
    """FastAPI dependency: the API keys (:class:`core.store.keys.ApiKeys`)."""
    return service_of(request).keys


def audit_of(request: Request) -> AuditLog:
    """FastAPI dependency: the audit log (:class:`core.store.audit.AuditLog`)."""
    return service_of(request).audit


def idempotency_of(request: Request) -> IdempotencyKeys:
    """FastAPI dependency: the stored first responses of idempotent requests."""
    return service_of(request).idempotency
