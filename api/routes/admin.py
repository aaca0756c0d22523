"""/v1/keys (API key management) and /v1/audit (the audit log): admin only (api.security.policy).

A key's secret is returned once, by ``POST /v1/keys``; no other response carries it or its hash.
Key creation and revocation are audited (``key.create``, ``key.revoke``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.deps import audit_of, keys_of
from api.params import MAX_INT
from api.security import audit, principal_of
from core.auth import Role
from core.store.audit import ACTION_PATTERN, AuditLog
from core.store.db import utcnow
from core.store.keys import ApiKeyRecord, ApiKeys
from core.targets import PlatformName

__all__ = ["router"]

router = APIRouter(prefix="/v1")

KEY_ID_PATTERN = r"^[a-z0-9]{4,32}$"
PREFIX_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
NamePrefix = Annotated[str, StringConstraints(pattern=PREFIX_PATTERN)]
_KEY_ID = Path(pattern=KEY_ID_PATTERN, description="The key's id (the `<id>` of `da_<id>_<secret>`).")


class KeyCreate(BaseModel):
    """A new API key's role and optional scope."""

    model_config = ConfigDict(extra="forbid")
    role: Role = Field(description="reader: reads; deployer: also deployments, plan, checks, operations; "
                                   "admin: everything, keys and audit.")
    description: str = Field(default="", max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$",
                             description="Who or what uses the key.")
    platforms: list[PlatformName] | None = Field(
        default=None, min_length=1, max_length=3, description="Only deployments on these platforms; null: any.")
    name_prefixes: list[NamePrefix] | None = Field(
        default=None, min_length=1, max_length=20,
        description="Only deployments whose name starts with one of these; null: any.")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, description="null: never expires.")

    @model_validator(mode="after")
    def _admin_unscoped(self) -> KeyCreate:
        if self.role is Role.ADMIN and (self.platforms is not None or self.name_prefixes is not None):
            raise ValueError("admin keys cannot be scoped (an admin can create any key)")
        return self


class KeyView(BaseModel):
    """A stored key (never its secret or hash)."""

    id: str
    description: str
    role: Role
    platforms: list[str] | None
    name_prefixes: list[str] | None
    created_by: str = Field(description="Key id of the admin that created it, or `bootstrap`.")
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool


class CreatedKey(KeyView):
    token: str = Field(description="The bearer token `da_<id>_<secret>`: shown this once, store it now.")


class KeyList(BaseModel):
    keys: list[KeyView]


class AuditEventView(BaseModel):
    id: int
    at: dt.datetime
    actor: str = Field(description="The key id that acted (`system` for the service itself).")
    action: str
    deployment: str | None
    revision: str | None
    details: dict[str, Any]


class AuditList(BaseModel):
    events: list[AuditEventView]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page; null: no more.")


def _view(record: ApiKeyRecord) -> dict[str, Any]:
    return record.view()


@router.post("/keys", status_code=201, response_model=CreatedKey, summary="Create an API key (token shown once)",
             tags=["keys"])
def create_key(body: KeyCreate, request: Request, keys: ApiKeys = Depends(keys_of)) -> dict[str, Any]:
    principal = principal_of(request)
    expires = utcnow() + dt.timedelta(days=body.expires_in_days) if body.expires_in_days else None
    record, token = keys.create(
        role=body.role, description=body.description, platforms=body.platforms, name_prefixes=body.name_prefixes,
        created_by=principal.key_id if principal else "anonymous", expires_at=expires)
    audit(request, action="key.create", details={"key": record.id, "role": record.role.value,
                                                 **record.scope.to_dict()})
    return {**_view(record), "token": token}


@router.get("/keys", response_model=KeyList, summary="API keys (without secrets)", tags=["keys"])
def list_keys(include_revoked: bool = Query(True, description="Also list revoked keys."),
              keys: ApiKeys = Depends(keys_of)) -> dict[str, Any]:
    return {"keys": [_view(k) for k in keys.list_keys(include_revoked=include_revoked)]}


@router.get("/keys/{key_id}", response_model=KeyView, summary="One API key (without its secret)", tags=["keys"])
def get_key(key_id: str = _KEY_ID, keys: ApiKeys = Depends(keys_of)) -> dict[str, Any]:
    return _view(keys.get(key_id))


@router.delete("/keys/{key_id}", response_model=KeyView, summary="Revoke an API key (idempotent)", tags=["keys"],
               responses={409: {"description": "It is the last active admin key"}})
def revoke_key(request: Request, key_id: str = _KEY_ID, keys: ApiKeys = Depends(keys_of)) -> dict[str, Any]:
    record = keys.revoke(key_id)
    audit(request, action="key.revoke", details={"key": record.id, "role": record.role.value})
    return _view(record)


@router.get("/audit", response_model=AuditList, summary="The audit log, newest first", tags=["audit"])
def list_audit(deployment: str | None = Query(None, max_length=63, description="Only this deployment."),
               actor: str | None = Query(None, max_length=64, description="Only this key id (or `system`)."),
               action: str | None = Query(None, pattern=ACTION_PATTERN, description="Only this action."),
               before: int | None = Query(None, ge=1, le=MAX_INT, description="Only events older than this event id."),
               limit: int = Query(100, ge=1, le=1000),
               log: AuditLog = Depends(audit_of)) -> dict[str, Any]:
    events = log.list_events(deployment=deployment, actor=actor, action=action, before=before, limit=limit)
    return {"events": [e.view() for e in events],
            "next_before": events[-1].id if len(events) == limit else None}
