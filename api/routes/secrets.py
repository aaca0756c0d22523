"""/v1/secrets: service secrets, referenced from specs as ``{"value_from": {"service_secret": NAME}}``.

Values go in (``PUT``) and never come out: every response carries the name, the fingerprint and
times only. Writes are admin-only (api.security.policy's default for writes outside the deployer
prefixes); reads (metadata) need ``reader``. Every write is audited (``secret.set``,
``secret.delete``, ``secret.rotate``), with the fingerprint, never the value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from api.deps import secrets_of
from api.security import audit
from core.secrets.vault import Vault, secret_view
from core.spec_env import MAX_ENV_VALUE, SECRET_REF_PATTERNS

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["secrets"])

_NAME = Path(pattern=SECRET_REF_PATTERNS["service_secret"],
             description="Secret name: lowercase letters, digits, `_`, `.`, `-`; up to 63 characters.")


class SecretSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: SecretStr = Field(min_length=1, max_length=MAX_ENV_VALUE,
                             description="The value (never returned, logged or audited).")


class SecretView(BaseModel):
    name: str
    fingerprint: str = Field(description="Keyed HMAC of the value: changes exactly when the value changes.")
    created_at: dt.datetime
    updated_at: dt.datetime


class SecretList(BaseModel):
    secrets: list[SecretView]


class Rotated(BaseModel):
    rotated: int = Field(description="How many stored secrets were re-encrypted with the first key.")


@router.put("/secrets/{secret}", response_model=SecretView, summary="Create or replace a service secret",
            responses={201: {"model": SecretView, "description": "Created"}})
def set_secret(body: SecretSet, request: Request, response: Response, secret: str = _NAME,
               secrets: Vault = Depends(secrets_of)) -> dict[str, Any]:
    row, created = secrets.set_service(secret, body.value.get_secret_value())
    response.status_code = 201 if created else 200
    audit(request, action="secret.set", details={"secret": secret, "fingerprint": row.fingerprint, "created": created})
    return secret_view(row)


@router.get("/secrets", response_model=SecretList, summary="Service secrets (metadata only)")
def list_secrets(secrets: Vault = Depends(secrets_of)) -> dict[str, Any]:
    return {"secrets": [secret_view(r) for r in secrets.list_service()]}


@router.get("/secrets/{secret}", response_model=SecretView, summary="One service secret (metadata only)")
def get_secret(secret: str = _NAME, secrets: Vault = Depends(secrets_of)) -> dict[str, Any]:
    return secret_view(secrets.describe(secret))


@router.delete("/secrets/{secret}", status_code=204, summary="Delete a service secret",
               responses={409: {"description": "A deployment's spec still references it"}})
def delete_secret(request: Request, secret: str = _NAME, secrets: Vault = Depends(secrets_of)) -> Response:
    secrets.delete_service(secret)
    audit(request, action="secret.delete", details={"secret": secret})
    return Response(status_code=204)


@router.post("/secrets:rotate", response_model=Rotated,
             summary="Re-encrypt every stored secret with the first key of SECRETS_KEY")
def rotate(request: Request, secrets: Vault = Depends(secrets_of)) -> dict[str, Any]:
    count = secrets.rotate()
    audit(request, action="secret.rotate", details={"rotated": count})
    return {"rotated": count}
