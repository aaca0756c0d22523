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

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.secrets.keyring import Keyring, sandbox_secrets_key
from core.wait import WaitPolicy
from core.webhooks import WebhookConfig

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
    app_version: str = Field(default="0.3.0", description="Pinned DBOS application version: bumped whenever "
                             "the steps of a workflow change (0.2.0: the deploy's closing check; 0.3.0: "
                             "ownership checks, reconcile verification, not_deployed marking).")
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
    # -- security (see README "Security") --------------------------------------------------------
    bootstrap_admin_key: SecretStr | None = Field(
        default=None, description="Full bearer token (`da_<id>_<secret>`, e.g. from `deploy-anywhere keys "
        "generate`) of a first admin key; registered (hashed) at start-up, idempotently.")
    bootstrap_admin_key_file: Path | None = Field(
        default=None, description="The same, read from a file (e.g. a mounted secret).")
    secrets_key: SecretStr | None = Field(
        default=None, description="Fernet key(s) encrypting secret values at rest, comma separated: the first "
        "encrypts, all decrypt (rotation). `deploy-anywhere secrets generate-key` makes one. Without it, "
        "specs with literal secrets, service secrets or secrets the service reads are refused.")
    secrets_key_file: Path | None = Field(
        default=None, description="The same, read from a file (e.g. a mounted Kubernetes secret).")
    public_paths: list[str] = Field(
        default_factory=lambda: ["/healthz", "/readyz", "/metrics"],
        description="Route paths served without a bearer token (JSON list); every other route needs one.")
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body accepted; larger ones get 413.")
    max_json_depth: int = Field(
        default=32, ge=4, le=512, description="Deepest nesting of arrays/objects accepted in a JSON body.")

    # -- sync checks (see README "Sync checks") ---------------------------------------------------
    checks_enabled: bool = Field(default=True, description="Run scheduled checks (any replica may fire them; "
                                 "each period runs once across replicas).")
    check_interval_seconds: float = Field(default=300.0, ge=1, description="Basic check of every deployment "
                                          "at least this often.")
    full_check_interval_seconds: float = Field(default=3600.0, ge=1, description="Full check of every "
                                               "deployment at least this often.")
    check_tick_seconds: int = Field(default=30, ge=1, le=3600, description="How often the scheduler looks for "
                                    "due deployments; must divide 60 or be a whole number of minutes dividing 60.")
    check_batch_size: int = Field(default=100, ge=1, le=1000, description="Deployments per basic check batch "
                                  "(a durable workflow); full batches are a fifth of it.")
    check_concurrency: int = Field(default=16, ge=1, le=256, description="Checks in flight per batch.")
    provider_requests_per_second: float = Field(default=20.0, gt=0, description="Request budget of scheduled "
                                                "checks per provider account (region/project/subscription), "
                                                "shared across replicas.")
    check_retention_days: float = Field(default=30.0, gt=0, description="Check results and events older "
                                        "than this are deleted.")
    audit_retention_days: float | None = Field(
        default=365.0, gt=0, description="Audit events older than this are deleted by the scheduled sweep; "
        "null: kept forever.")
    webhooks: list[WebhookConfig] = Field(default_factory=list, description="Where events are delivered "
                                          "(JSON list of {url, secret, events}).")
    webhook_attempts: int = Field(default=8, ge=1, le=50, description="Delivery attempts per event and webhook.")
    webhook_backoff_seconds: float = Field(default=2.0, ge=0, description="First retry delay (doubles, max 5 min).")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_dispatch_seconds: float = Field(default=1.0, gt=0, description="How often each replica hands "
                                            "new events to delivery workflows.")
    # -- operations queue (per provider account, across replicas) ----------------------------------
    operations_per_account: int = Field(default=10, ge=1, description="Deploys/deletes running at once per "
                                        "provider account; more wait queued.")
    operations_per_minute_per_account: int = Field(default=120, ge=1, description="Deploys/deletes started per "
                                                   "minute per provider account.")
    queue_polling_seconds: float = Field(default=0.5, gt=0, le=10, description="How often each replica looks "
                                         "for queued work.")

    @field_validator("check_tick_seconds")
    @classmethod
    def _tick(cls, tick: int) -> int:
        if not (tick < 60 and 60 % tick == 0) and not (tick % 60 == 0 and 60 % (tick // 60) == 0):
            raise ValueError("must divide 60 (seconds) or be a number of minutes that divides 60")
        return tick

    def check_cron(self) -> str:
        """The check sweep's cron expression (6 fields, seconds first)."""
        tick = self.check_tick_seconds
        return f"*/{tick} * * * * *" if tick < 60 else f"0 */{tick // 60} * * * *"

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

    def keyring(self) -> Keyring | None:
        """The secrets keyring from ``secrets_key`` / ``secrets_key_file``; in sandbox mode without
        either, a key generated once under ``data_dir`` (mode 0600). None: no secrets support."""
        if self.secrets_key is not None:
            return Keyring.parse(self.secrets_key.get_secret_value())
        path = self.secrets_key_file
        if path is None and self.sandbox:
            path = sandbox_secrets_key(self.data_dir)
        return Keyring.parse(path.read_text().strip()) if path is not None else None

    def emulator_urls(self) -> dict[str, Any]:
        """Platform -> emulator info from ``emulators_file`` (empty outside sandbox mode)."""
        if not self.sandbox or not self.emulators_file:
            return {}
        return dict(json.loads(Path(self.emulators_file).read_text())["platforms"])
