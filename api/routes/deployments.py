"""/v1/deployments, /v1/plan, checks and operations."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import service_of
from core.service import Service, deployment_view, operation_view
from core.spec import EndpointSpec

__all__ = ["router"]

router = APIRouter(prefix="/v1")


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["basic", "full"] = Field(default="basic", description="basic: fewest reads; full: every field.")


def _check_view(record: Any) -> dict[str, Any]:
    return {"deployment": record.deployment_name, "mode": record.mode, "health": record.health,
            "sync": record.sync, "revision_expected": record.revision_expected,
            "revision_live": record.revision_live, "changes": record.drift,
            "duration_ms": round(record.duration_ms, 2), "checked_at": record.checked_at.isoformat()}


@router.put("/deployments/{name}", status_code=202, summary="Create or update a deployment",
            responses={200: {"description": "Already serving this revision, in sync: nothing to do"},
                       202: {"description": "An Operation deploying the spec"},
                       409: {"description": "An operation on this deployment is still running"},
                       422: {"description": "Invalid spec, or features the platform cannot do"}})
def put_deployment(name: str, spec: EndpointSpec, service: Service = Depends(service_of)) -> Any:
    result = service.apply(name, spec.model_dump(mode="json"))
    if result.operation is None:
        return JSONResponse(status_code=200, content=deployment_view(result.deployment))
    return operation_view(result.operation)


@router.get("/deployments/{name}", summary="A deployment: spec, revision, health, sync")
def get_deployment(name: str, refresh: bool = Query(False, description="Run a basic check first."),
                   service: Service = Depends(service_of)) -> dict[str, Any]:
    return deployment_view(service.status(name) if refresh else service.get(name))


@router.get("/deployments", summary="List deployments")
def list_deployments(platform: str | None = None, limit: int = Query(100, ge=1, le=1000),
                     offset: int = Query(0, ge=0), service: Service = Depends(service_of)) -> dict[str, Any]:
    return {"deployments": [deployment_view(d) for d in service.list(platform=platform, limit=limit, offset=offset)]}


@router.delete("/deployments/{name}", status_code=202, summary="Delete a deployment and its cloud resources")
def delete_deployment(name: str, service: Service = Depends(service_of)) -> dict[str, Any]:
    return operation_view(service.delete(name))


@router.post("/plan", summary="Dry run: provider requests that would be sent, and the diff against live")
def plan(spec: EndpointSpec, service: Service = Depends(service_of)) -> dict[str, Any]:
    return service.plan(spec.model_dump(mode="json"))


@router.post("/deployments/{name}/checks", summary="Check health and sync now (basic or full)")
def run_check(name: str, body: CheckRequest | None = None, service: Service = Depends(service_of)) -> dict[str, Any]:
    return _check_view(service.check(name, mode=(body or CheckRequest()).mode))


@router.get("/operations/{op_id}", summary="An Operation (AIP-151)")
def get_operation(op_id: str, service: Service = Depends(service_of)) -> dict[str, Any]:
    return operation_view(service.operation(op_id))
