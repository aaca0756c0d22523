"""The store: every read and write of the service's domain state goes through :class:`Store`.

:class:`Store` is an aggregate: one :class:`core.store.db.Database` and the repositories built on
it, each owning its tables and contracts (:mod:`core.store.deployments`, :mod:`core.store.checks`,
:mod:`core.store.keys`, :mod:`core.store.audit`, :mod:`core.store.idempotency`,
:mod:`core.store.secrets`). Repositories return frozen records, never ORM objects, and reach the
database only through the :class:`Database` they are given.
"""

from __future__ import annotations

from sqlalchemy import Engine

from core.store import migrate as _migrate
from core.store.audit import AuditLog
from core.store.checks import Checks
from core.store.db import Database
from core.store.deployments import Deployments
from core.store.idempotency import IdempotencyKeys
from core.store.keys import ApiKeys
from core.store.secrets import Secrets

__all__ = ["Store"]


class Store:
    """Domain state in SQLite (default, embedded) or PostgreSQL (several replicas).

    ``url``: ``sqlite:///path/to/file.db`` or ``postgresql://`` / ``postgres://`` /
    ``postgresql+psycopg://`` (rewritten to psycopg 3). Call :meth:`migrate` once at start-up.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.db = Database(url, echo=echo)
        self.deployments = Deployments(self.db)
        """Deployments, their revisions and operations (the concurrency gate)."""
        self.checks = Checks(self.db)
        """Check history, check clocks, health/sync transition events."""
        self.keys = ApiKeys(self.db)
        """API keys (hashed secrets, roles, scopes)."""
        self.audit = AuditLog(self.db)
        """The append-only audit log."""
        self.idempotency = IdempotencyKeys(self.db)
        """Stored first responses of requests sent with an ``Idempotency-Key``."""
        self.secrets = Secrets(self.db)
        """Encrypted secret values and fingerprints."""

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.db.dialect

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for diagnostics and tests; do not write through it)."""
        return self.db.engine

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (idempotent, safe from several replicas)."""
        _migrate.upgrade(self.db.engine)

    def ping(self) -> bool:
        """True when the database answers a trivial query (readiness); never raises."""
        return self.db.ping()

    def dispose(self) -> None:
        """Close all pooled connections."""
        self.db.dispose()
