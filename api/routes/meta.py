"""/healthz, /v1/platforms, /v1/schema/spec: no credentials, no cloud calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from core import registry
from core.spec import spec_json_schema

__all__ = ["router"]

router = APIRouter()


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/platforms", summary="Supported platforms and their capabilities")
def platforms() -> dict[str, Any]:
    out = []
    for name in registry.PLATFORMS:
        caps = registry.capabilities(name)
        entry: dict[str, Any] = {"platform": name, "implemented": caps is not None,
                                 "installed": registry.is_installed(name)}
        if caps is not None:
            entry |= caps.to_dict()
        out.append(entry)
    return {"platforms": out}


@router.get("/v1/schema/spec", summary="JSON Schema of the endpoint spec")
def schema() -> dict[str, Any]:
    return spec_json_schema()
