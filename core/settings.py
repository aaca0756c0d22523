"""Service settings (pydantic-settings, env prefix ``DEPLOY_ANYWHERE_``).

Every setting has a safe default for a single embedded instance: a SQLite file under ``data_dir``.
``database_url`` switches the store AND the DBOS system database to PostgreSQL for several replicas.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.wait import WaitPolicy

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Read from the environment (``DEPLOY_ANYWHERE_*``) or passed explicitly."""

    model_config = SettingsConfigDict(env_prefix="DEPLOY_ANYWHERE_", extra="ignore")

    data_dir: Path = Field(default=Path(".deploy-anywhere"), description="Where SQLite files live.")
    database_url: str | None = Field(
        default=None, description="Store URL; default a SQLite file in data_dir. PostgreSQL: "
        "postgresql://user:pass@host/db (also used for the DBOS system database).")
    system_database_url: str | None = Field(
        default=None, description="DBOS system database; default derived from database_url.")
    executor_id: str = Field(
        default_factory=lambda: os.environ.get("HOSTNAME") or socket.gethostname(),
        description="Unique and stable per replica (e.g. the StatefulSet pod name).")
    app_version: str = Field(default="0.1.0", description="Pinned DBOS application version.")
    sandbox: bool = Field(default=False, description="Point the SDKs at local emulators.")
    emulators_file: Path | None = Field(
        default=None, description="JSON file written by `deploy-anywhere emulate` (sandbox).")
    poll_interval_seconds: float = Field(default=5.0, gt=0, description="First poll interval.")
    poll_max_interval_seconds: float = Field(default=30.0, gt=0)
    submit_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="Phase budget: until every call of a rollout is accepted, "
        "including the provider operations between them (Vertex AI uploads and deploys).")
    provision_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="Phase budget: until the endpoint serves the new revision.")
    test_queries_timeout_seconds: float = Field(
        default=600.0, gt=0, description="Phase budget: all of a spec's test queries.")
    delete_timeout_seconds: float = Field(
        default=1800.0, gt=0, description="Phase budget: a delete, a rollback, or finalize's cleanup.")
    transient_attempts: int = Field(default=6, ge=1)
    transient_backoff_seconds: float = Field(default=0.5, ge=0)
    log_level: str = Field(default="INFO")

    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'deploy-anywhere.db').resolve()}"

    def dbos_url(self) -> str:
        if self.system_database_url:
            return self.system_database_url
        url = self.store_url()
        if url.startswith("sqlite"):
            return f"sqlite:///{(self.data_dir / 'dbos.sqlite').resolve()}"
        return url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://")

    def wait_policy(self, *, timeout: float | None = None) -> WaitPolicy:
        return WaitPolicy(
            interval=self.poll_interval_seconds,
            max_interval=self.poll_max_interval_seconds,
            timeout=timeout if timeout is not None else self.provision_timeout_seconds,
            transient_attempts=self.transient_attempts,
            transient_backoff=self.transient_backoff_seconds,
            transient_max_backoff=max(self.transient_backoff_seconds * 40, 1.0),
        )

    def emulator_urls(self) -> dict[str, Any]:
        """Platform -> emulator info from ``emulators_file`` (empty outside sandbox mode)."""
        if not self.sandbox or not self.emulators_file:
            return {}
        return dict(json.loads(Path(self.emulators_file).read_text())["platforms"])
