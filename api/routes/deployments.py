"""/v1/deployments, /v1/plan and operations (checks and drift: api/routes/checks.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from api.deps import service_of
from api.idempotency import idempotent
from api.params import MAX_INT
from api.routes.deployment_views import DeploymentList, DeploymentView, OperationList, OperationView, PlanView
from api.security import audit, principal_of, scope_of
from api.views import deployment_view, operation_view
from core.errors import SpecError
from core.preconditions import Preconditions, parse_etags
from core.service import Service
from core.spec import EndpointSpec
from core.store.records import OPERATION_STATES

__all__ = ["router"]

router = APIRouter(prefix="/v1")


_IF_MATCH = Header(None, alias="If-Match", description="Act only if the deployment's ETag is one of "
                   "these (`*`: only if it exists); else 412.")
_IF_NONE_MATCH = Header(None, alias="If-None-Match", description="`*`: create only, 412 if the "
                        "deployment exists.")


_IDEMPOTENCY_KEY = Header(None, alias="Idempotency-Key", description="A retry with the same key gets the "
                          "first response (24 h); the same key with another request: 422.")


def _preconditions(if_match: str | None, if_none_match: str | None) -> Preconditions:
    return Preconditions(if_match=parse_etags(if_match), if_none_match=parse_etags(if_none_match))


def _caller(request: Request) -> str:
    principal = principal_of(request)
    return principal.key_id if principal is not None else "anonymous"


@router.put("/deployments/{name}", status_code=202, summary="Create or update a deployment", tags=["deployments"],
            responses={200: {"model": DeploymentView,
                             "description": "Already serving this revision, in sync: nothing to do"},
                       202: {"model": OperationView, "description": "An Operation deploying the spec"},
                       409: {"description": "An operation on this deployment is still running, or "
                                            "the change requires replacing the endpoint"},
                       412: {"description": "If-Match / If-None-Match does not hold"},
                       422: {"description": "Invalid spec, or features the platform cannot do"}})
def put_deployment(name: str, spec: EndpointSpec, request: Request, if_match: str | None = _IF_MATCH,
                   if_none_match: str | None = _IF_NONE_MATCH, idempotency_key: str | None = _IDEMPOTENCY_KEY,
                   service: Service = Depends(service_of)) -> JSONResponse:
    def handle() -> JSONResponse:
        result = service.apply(name, spec, preconditions=_preconditions(if_match, if_none_match))
        audit(request, action="apply", deployment=name, revision=result.deployment.revision,
              details={"operation": result.operation.id if result.operation else None})
        headers = {"ETag": result.deployment.etag}
        if result.operation is None:
            return JSONResponse(status_code=200, content=deployment_view(result.deployment), headers=headers)
        return JSONResponse(status_code=202, content=operation_view(result.operation), headers=headers)

    return idempotent(service.idempotency, idempotency_key, caller=_caller(request), method="PUT",
                      path=f"/v1/deployments/{name}", handle=handle,
                      body=lambda: {"spec": service.sealed(spec).model_dump(mode="json"),
                                    "if_match": if_match, "if_none_match": if_none_match})


@router.get("/deployments/{name}", summary="A deployment: spec, revision, health, sync, ETag", tags=["deployments"],
            response_model=None, responses={200: {"model": DeploymentView, "description": "The deployment"}})
def get_deployment(name: str, response: Response,
                   refresh: bool = Query(False, description="Run a basic check first."),
                   service: Service = Depends(service_of)) -> dict[str, Any]:
    dep = service.status(name) if refresh else service.get(name)
    response.headers["ETag"] = dep.etag
    return deployment_view(dep)


@router.get("/deployments", summary="List deployments", tags=["deployments"], response_model=None,
            responses={200: {"model": DeploymentList, "description": "Deployments, by name"}})
def list_deployments(request: Request, platform: str | None = None, limit: int = Query(100, ge=1, le=1000),
                     offset: int = Query(0, ge=0, le=MAX_INT),
                     service: Service = Depends(service_of)) -> dict[str, Any]:
    found = service.list(platform=platform, limit=limit, offset=offset, scope=scope_of(request))
    return {"deployments": [deployment_view(d) for d in found]}


@router.delete("/deployments/{name}", status_code=202, summary="Delete a deployment and its cloud resources",
               tags=["deployments"],
               responses={202: {"model": OperationView, "description": "An Operation deleting it"},
                          409: {"description": "An operation on this deployment is still running"},
                          412: {"description": "If-Match does not hold"}})
def delete_deployment(name: str, request: Request, if_match: str | None = _IF_MATCH,
                      idempotency_key: str | None = _IDEMPOTENCY_KEY,
                      service: Service = Depends(service_of)) -> JSONResponse:
    def handle() -> JSONResponse:
        op = service.delete(name, preconditions=_preconditions(if_match, None))
        audit(request, action="delete", deployment=name, revision=op.revision, details={"operation": op.id})
        return JSONResponse(status_code=202, content=operation_view(op))

    return idempotent(service.idempotency, idempotency_key, caller=_caller(request), method="DELETE",
                      path=f"/v1/deployments/{name}", body=lambda: {"if_match": if_match}, handle=handle)


@router.post("/plan", summary="Dry run: provider requests that would be sent, and the diff against live",
             tags=["deployments"], response_model=None,
             responses={200: {"model": PlanView, "description": "What apply would send and change"},
                        409: {"description": "An endpoint of that name exists that this service did not create"}})
def plan(spec: EndpointSpec, service: Service = Depends(service_of)) -> dict[str, Any]:
    return service.plan(spec)


@router.get("/operations", summary="Operations, newest first, by deployment and state", tags=["operations"],
            response_model=None, responses={200: {"model": OperationList, "description": "Operations, newest first"}})
def list_operations(request: Request, deployment: str | None = None,
                    state: str | None = Query(None, description=f"One of: {', '.join(sorted(OPERATION_STATES))}."),
                    limit: int = Query(100, ge=1, le=1000),
                    service: Service = Depends(service_of)) -> dict[str, Any]:
    if state is not None and state not in OPERATION_STATES:
        raise SpecError("unknown operation state", details=[{"path": "state", "message": f"{state!r} is not one "
                                                              f"of {', '.join(sorted(OPERATION_STATES))}"}])
    found = service.operations(deployment=deployment, state=state, limit=limit, scope=scope_of(request))
    return {"operations": [operation_view(op) for op in found]}


@router.post("/operations/{op_id}:cancel", summary="Stop an operation; says what it left on the provider",
             tags=["operations"], response_model=None,
             responses={200: {"model": OperationView, "description": "The cancelled Operation (`error.details.left`)"},
                        409: {"description": "The operation is already done"}})
def cancel_operation(op_id: str, request: Request, service: Service = Depends(service_of)) -> dict[str, Any]:
    op = service.cancel(op_id)
    audit(request, action="cancel", deployment=op.deployment_name, revision=op.revision,
          details={"operation": op.id, "kind": op.kind})
    return operation_view(op)


@router.get("/operations/{op_id}", summary="An Operation (AIP-151)", tags=["operations"], response_model=None,
            responses={200: {"model": OperationView, "description": "The Operation: poll until `done`"}})
def get_operation(op_id: str, service: Service = Depends(service_of)) -> dict[str, Any]:
    return operation_view(service.operation(op_id))
