"""Sync checks and drift: run a check, history, the live view, the fleet summary, events,
reconcile and accept-live."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import checks_of, service_of
from api.params import MAX_INT
from api.routes.check_views import CheckHistory, CheckView, EventList, FleetCheck, FleetSummary, LiveView
from api.routes.deployment_views import AcceptLiveOperation, AcceptLivePreview, OperationView
from api.security import audit, scope_of
from api.views import check_view, deployment_view, fleet_view, operation_view
from core.checks.monitor import Monitor
from core.service import Service
from core.targets import PlatformName
from core.webhooks import payload

__all__ = ["router"]

router = APIRouter(prefix="/v1")

Mode = Literal["basic", "full"]


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Mode = Field(default="basic", description="basic: fewest reads; full: every field.")


class FleetCheckRequest(CheckRequest):
    platform: PlatformName | None = Field(
        default=None, description="Only this platform's deployments.")


class AcceptLiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paths: list[str] | None = Field(
        default=None, max_length=100,
        description="Adopt only the drifted fields matching these spec path globs (default: all).")
    dry_run: bool = Field(default=False, description="Return the new spec without applying it.")


@router.post("/deployments/{name}/checks", summary="Check health and sync now (basic or full)",
             tags=["checks"], response_model=None,
             responses={200: {"model": CheckView, "description": "The recorded check"},
                        404: {"description": "No such deployment"},
                        502: {"description": "The provider failed (recorded as an unknown check)"}})
def run_check(name: str, body: CheckRequest | None = None, service: Service = Depends(service_of)) -> dict[str, Any]:
    return check_view(service.check(name, mode=(body or CheckRequest()).mode))


@router.get("/deployments/{name}/checks", summary="Check history, newest first",
            tags=["checks"], response_model=None,
            responses={200: {"model": CheckHistory, "description": "Checks, newest first"},
                       404: {"description": "No such deployment and no history"}})
def check_history(name: str, limit: int = Query(50, ge=1, le=500), mode: Mode | None = None,
                  before: int | None = Query(None, ge=1, le=MAX_INT,
                                             description="Only checks with an id below this (paging)."),
                  checks: Monitor = Depends(checks_of)) -> dict[str, Any]:
    found = checks.history(name, limit=limit, mode=mode, before=before)
    return {"checks": [check_view(c) for c in found],
            "next_before": found[-1].id if len(found) == limit else None}


@router.get("/deployments/{name}/live", summary="The live configuration in the spec's shape (a full check)",
            tags=["checks"], response_model=None,
            responses={200: {"model": LiveView, "description": "The live view"},
                       404: {"description": "No such deployment"}})
def live(name: str, checks: Monitor = Depends(checks_of)) -> dict[str, Any]:
    return checks.live(name)


@router.post("/deployments/{name}:reconcile", status_code=202, summary="Re-apply the expected setup now",
             tags=["checks"], response_model=None,
             responses={202: {"model": OperationView, "description": "An Operation re-applying the stored spec, "
                              "verified by a full check (`response.changed`: what it put back)"},
                        404: {"description": "No such deployment"},
                        409: {"description": "An operation on this deployment is running"}})
def reconcile(name: str, request: Request, checks: Monitor = Depends(checks_of)) -> dict[str, Any]:
    op = checks.reconcile(name)
    audit(request, action="reconcile", deployment=name, revision=op.revision, details={"operation": op.id})
    return operation_view(op)


@router.post("/deployments/{name}:accept-live", summary="Adopt the live values into a new revision of the spec",
             tags=["checks"],
             responses={200: {"model": AcceptLivePreview, "description": "dry_run, or nothing drifted, or a "
                              "new revision needing no deploy"},
                        202: {"model": AcceptLiveOperation, "description": "An Operation applying the new revision"},
                        404: {"description": "No such deployment"},
                        409: {"description": "The endpoint is missing, or an operation is running"},
                        422: {"description": "The live values do not make a valid spec, or some of "
                                              "them could not be read (`details` names each path and why)"}})
def accept_live(name: str, request: Request, body: AcceptLiveRequest | None = None,
                service: Service = Depends(service_of), checks: Monitor = Depends(checks_of)) -> JSONResponse:
    body = body or AcceptLiveRequest()
    document, adopted = checks.accept_live(name, paths=body.paths)
    if body.dry_run or not adopted:
        return JSONResponse({"spec": document, "adopted": adopted, "applied": False})
    result = service.apply(name, document)
    audit(request, action="accept_live", deployment=name, revision=result.deployment.revision,
          details={"paths": [c["path"] for c in adopted],
                   "operation": result.operation.id if result.operation else None})
    if result.operation is None:
        return JSONResponse({"spec": document, "adopted": adopted, "applied": True,
                             "deployment": deployment_view(result.deployment)})
    return JSONResponse(status_code=202, content=operation_view(result.operation) | {"adopted": adopted})


@router.get("/checks/summary", summary="Fleet health and sync counts, worst deployments first",
            tags=["checks"], response_model=None,
            responses={200: {"model": FleetSummary, "description": "The fleet"}})
def summary(request: Request, platform: str | None = None, worst: int = Query(20, ge=0, le=1000),
            checks: Monitor = Depends(checks_of)) -> dict[str, Any]:
    return fleet_view(checks.summary(platform=platform, worst=worst, scope=scope_of(request)))


@router.post("/checks:run", summary="Check every deployment now (for cron: `deploy-anywhere check --all`)",
             tags=["checks"], response_model=None,
             responses={200: {"model": FleetCheck, "description": "Every check and the fleet"}})
def check_fleet(request: Request, body: FleetCheckRequest | None = None,
                checks: Monitor = Depends(checks_of)) -> dict[str, Any]:
    body, scope = body or FleetCheckRequest(), scope_of(request)
    done = checks.check_all(mode=body.mode, platform=body.platform, scope=scope)
    results = [check_view(rec.result) for _, rec in done if rec is not None]
    return {"checked": len(results), "results": results,
            "summary": fleet_view(checks.summary(platform=body.platform, worst=0, scope=scope))}


@router.get("/events", summary="Health/sync transitions and remediations, newest first", tags=["events"],
            response_model=None, responses={200: {"model": EventList, "description": "Events"}})
def events(request: Request, deployment: str | None = None,
           after: int | None = Query(None, ge=0, le=MAX_INT,
                                     description="Only ids above this, oldest first (tailing)."),
           limit: int = Query(100, ge=1, le=1000),
           checks: Monitor = Depends(checks_of)) -> dict[str, Any]:
    found = checks.events(deployment=deployment, after=after, limit=limit, scope=scope_of(request))
    return {"events": [payload(e) for e in found]}
