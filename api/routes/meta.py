"""/healthz, /readyz, /metrics (public by default), /v1/platforms, /v1/schema/spec (any API key): no cloud calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from core import metrics, registry
from core.spec import spec_json_schema

__all__ = ["router"]

router = APIRouter()


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


class Readiness(BaseModel):
    status: str = Field(description="`ready` or `unavailable`.")
    checks: dict[str, bool] = Field(description="`database`: the store answers; `workers`: DBOS is launched.")


@router.get("/readyz", summary="Readiness: the database answers and the durable workers are launched",
            response_model=Readiness,
            responses={503: {"model": Readiness, "description": "Not ready; `checks` says what is not"}})
def readyz(request: Request) -> JSONResponse:
    container = request.app.state.container
    checks = {"database": container.store is not None and container.store.ping(),
              "workers": container.jobs is not None and container.jobs.launched}
    ready = all(checks.values())
    return JSONResponse(status_code=200 if ready else 503,
                        content={"status": "ready" if ready else "unavailable", "checks": checks})


@router.get("/metrics", summary="Prometheus metrics (text exposition format)", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def prometheus_metrics(request: Request) -> Response:
    return Response(metrics.render(request.app.state.container.store), media_type=CONTENT_TYPE_LATEST)


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
