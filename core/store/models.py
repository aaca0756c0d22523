"""ORM models: the service's own domain state (deployments, revisions, operations, check results,
idempotency keys).

These classes never leave :mod:`core.store`; the repository returns frozen records instead.
Any change here needs a new migration in ``core/store/migrations/versions`` (a test compares the
migrated schema with this metadata).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.store.db import JSONType, UTCDateTime, utcnow

__all__ = ["Base", "Deployment", "Revision", "Operation", "CheckResult", "IdempotencyKey", "NAMING_CONVENTION",
           "IDEMPOTENCY_KEY_LENGTH", "ApiKey", "AuditEvent", "Event", "Secret"]

#: Deterministic constraint names, identical on every dialect (migrations refer to them).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NAME_LENGTH = 63
REVISION_LENGTH = 64
ID_LENGTH = 32
SHORT = 32
IDEMPOTENCY_KEY_LENGTH = 255


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class Deployment(Base):
    """One named endpoint: its desired spec (by revision) and its last observed state."""

    __tablename__ = "deployments"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    platform: Mapped[str] = mapped_column(String(SHORT))
    spec: Mapped[dict[str, Any]]
    revision: Mapped[str] = mapped_column(String(REVISION_LENGTH))
    generation: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    health: Mapped[str] = mapped_column(String(SHORT), default="unknown", server_default="unknown")
    sync: Mapped[str] = mapped_column(String(SHORT), default="unknown", server_default="unknown")
    status_message: Mapped[str | None] = mapped_column(Text)
    provider_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    observed_at: Mapped[dt.datetime | None]
    current_operation_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    deleting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    basic_checked_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime(), doc="Last check of any depth (the basic schedule's clock).")
    full_checked_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime(), doc="Last full check (the full schedule's clock).")
    drift_streak: Mapped[int] = mapped_column(
        Integer, default=0, server_default=text("0"),
        doc="Consecutive checks that found material drift, observed or carried (auto-remediation counts these).")
    drift: Mapped[list[Any] | None] = mapped_column(
        doc="The current drift: the changes of the last check merged with those it did not observe "
            "(carried; core.checks.record_coverage), each with when and by which check it was observed.")
    secret_fingerprints: Mapped[dict[str, Any] | None] = mapped_column(
        doc="Env path -> fingerprints of the values deploys resolved from secret stores (never values).")
    owner: Mapped[str | None] = mapped_column(
        String(ID_LENGTH),
        doc="Owner uid, generated when the row is first stored: the ownership stamp on every provider "
            "resource made for this deployment (core.ownership). NULL only for a row stored by a replica "
            "running older code (a rolling upgrade); Store.ownership fills it in.")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Revision(Base):
    """Every distinct desired spec a deployment has had (history, rollback)."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("deployment_name", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_name: Mapped[str] = mapped_column(
        String(NAME_LENGTH), ForeignKey("deployments.name", ondelete="CASCADE"), index=True
    )
    revision: Mapped[str] = mapped_column(String(REVISION_LENGTH))
    spec: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Operation(Base):
    """A long-running apply/delete (AIP-151 shape). No FK: operations outlive their deployment."""

    __tablename__ = "operations"
    __table_args__ = (
        Index("ix_operations_deployment_name_created_at", "deployment_name", "created_at"),
        Index("ix_operations_state", "state"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    deployment_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    kind: Mapped[str] = mapped_column(String(SHORT))
    revision: Mapped[str | None] = mapped_column(String(REVISION_LENGTH))
    state: Mapped[str] = mapped_column(String(SHORT))
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    phase: Mapped[str] = mapped_column(String(SHORT))
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    status_message: Mapped[str | None] = mapped_column(Text)
    error: Mapped[dict[str, Any] | None]
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CheckResult(Base):
    """One basic or full check of a deployment (history; pruned by age)."""

    __tablename__ = "check_results"
    __table_args__ = (
        Index("ix_check_results_deployment_name_checked_at", "deployment_name", "checked_at"),
        Index("ix_check_results_checked_at", "checked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    mode: Mapped[str] = mapped_column(String(SHORT))
    health: Mapped[str] = mapped_column(String(SHORT))
    sync: Mapped[str] = mapped_column(String(SHORT))
    revision_expected: Mapped[str | None] = mapped_column(String(REVISION_LENGTH))
    revision_live: Mapped[str | None] = mapped_column(String(REVISION_LENGTH))
    drift: Mapped[list[Any]] = mapped_column(default=list)
    patch: Mapped[list[Any] | None] = mapped_column(doc="RFC 6902 ops, expected spec -> live.")
    unobserved: Mapped[list[Any] | None] = mapped_column(
        doc="Spec path globs this check did not read (its coverage); None: recorded before coverage was kept.")
    trigger: Mapped[str] = mapped_column(String(SHORT), default="manual", server_default="manual")
    error: Mapped[dict[str, Any] | None]
    duration_ms: Mapped[float] = mapped_column(Float)
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    """The first response to a request sent with an ``Idempotency-Key`` header, replayed to retries.

    ``status_code`` is NULL while the first request is still being handled.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key: ``da_<id>_<secret>``; only a salted hash of the secret is kept (see core.auth)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(SHORT))
    salt: Mapped[str] = mapped_column(String(32))
    secret_hash: Mapped[str] = mapped_column(String(64))
    platforms: Mapped[list[Any] | None]
    name_prefixes: Mapped[list[Any] | None]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class AuditEvent(Base):
    """Who (``actor``: a key id, or ``system``) did what to which deployment, when, at which revision."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_deployment_name_at", "deployment_name", "at"),
        Index("ix_audit_events_actor_at", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(SHORT))
    deployment_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    revision: Mapped[str | None] = mapped_column(String(REVISION_LENGTH))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Event(Base):
    """A health or sync transition of a deployment (and auto-remediations), delivered to webhooks."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_created_at", "created_at"),
        Index("ix_events_deployment_name_created_at", "deployment_name", "created_at"),
        Index("ix_events_dispatched_id", "dispatched", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    type: Mapped[str] = mapped_column(String(SHORT))
    previous: Mapped[str | None] = mapped_column(String(SHORT))
    current: Mapped[str] = mapped_column(String(SHORT))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dispatched: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                             doc="Handed to the webhook delivery workflows (outbox).")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Secret(Base):
    """An encrypted secret value (``ciphertext``: Fernet) and its fingerprint (keyed HMAC).

    ``scope``: ``service`` (a named service secret, ``owner`` empty), ``literal`` (a literal secret of
    deployment ``owner``, ``name`` = its fingerprint) or ``meta`` (the service's fingerprint key)."""

    __tablename__ = "secrets"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
