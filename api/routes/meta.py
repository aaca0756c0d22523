"""/healthz, /readyz, /metrics (public by default), /v1/platforms, /v1/schema/spec (any API key): no cloud calls.

Tags ``meta`` and ``platforms``. The platforms and spec-schema routes return plain dicts
(``response_model=None``) documented by :class:`PlatformList` and :class:`SpecSchema`, so nothing is
filtered out of them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from core import metrics, registry
from core.spec_io import spec_json_schema
from core.targets import PlatformName

__all__ = ["router"]

router = APIRouter()


class Liveness(BaseModel):
    status: str = Field(description="`ok`: the process answers.")


class PlatformInfo(BaseModel):
    """A platform and, when implemented, its capabilities (:meth:`core.adapter.Capabilities.to_dict`)."""

    platform: PlatformName = Field(description="The platform's name (`target.platform` in a spec).")
    implemented: bool
    installed: bool = Field(description="Its SDK is installed (else see `install`).")
    sdk: str | None = Field(default=None, description="The SDK the adapter drives.")
    install: str | None = Field(default=None, description="How to install its extra.")
    unsupported: dict[str, str] | None = Field(default=None, description="Spec feature -> why the platform "
                                               "cannot do it (refused with 422 before any call).")
    unobservable: list[str] | None = Field(default=None, description="Spec paths it cannot read back.")
    field_ownership: list[dict[str, Any]] | None = Field(
        default=None, description="Fields a check does not compare as-is, and who owns them.")
    provider_fields: dict[str, str] | None = Field(default=None, description="Spec path -> provider field.")
    basic_check_fields: list[str] | None = Field(default=None, description="What a basic check reads.")
    basic_check_reads: int | None = Field(default=None, description="Provider requests one basic check makes.")
    requires_replacement: dict[str, str] | None = Field(
        default=None, description="Spec path -> why a change there cannot be made in place.")
    notes: list[str] | None = None


class PlatformList(BaseModel):
    platforms: list[PlatformInfo]


class SpecSchema(BaseModel):
    """A JSON Schema (draft 2020-12) document."""

    schema_: str = Field(alias="$schema", description="The JSON Schema dialect.")
    id_: str = Field(alias="$id")
    title: str
    type: str
    properties: dict[str, Any]
    required: list[str]
    defs: dict[str, Any] = Field(alias="$defs", description="The sub-schemas `properties` refers to.")


@router.get("/healthz", summary="Liveness", tags=["meta"], response_model=Liveness)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


class Readiness(BaseModel):
    status: str = Field(description="`ready` or `unavailable`.")
    checks: dict[str, bool] = Field(description="`database`: the store answers; `workers`: DBOS is launched.")


@router.get("/readyz", summary="Readiness: the database answers and the durable workers are launched", tags=["meta"],
            response_model=Readiness,
            responses={503: {"model": Readiness, "description": "Not ready; `checks` says what is not"}})
def readyz(request: Request) -> JSONResponse:
    container = request.app.state.container
    checks = {"database": container.database_ready(),
              "workers": container.jobs is not None and container.jobs.launched}
    ready = all(checks.values())
    return JSONResponse(status_code=200 if ready else 503,
                        content={"status": "ready" if ready else "unavailable", "checks": checks})


@router.get("/metrics", summary="Prometheus metrics (text exposition format)", tags=["meta"], response_class=Response,
            responses={200: {"description": "The metrics, in Prometheus' text exposition format",
                             "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
def prometheus_metrics(request: Request) -> Response:
    container = request.app.state.container
    counts = container.fleet_counts if container.service is not None else None
    return Response(metrics.render(counts), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/platforms", summary="Supported platforms and their capabilities", tags=["platforms"],
            response_model=None, responses={200: {"model": PlatformList, "description": "Every platform"}})
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


@router.get("/v1/schema/spec", summary="JSON Schema of the endpoint spec", tags=["meta"], response_model=None,
            responses={200: {"model": SpecSchema, "description": "The spec's JSON Schema"}})
def schema() -> dict[str, Any]:
    return spec_json_schema()
