"""HTTP handlers of the emulated ARM API and data plane (HTTP only: parse, call the backend, answer).

Each ARM handler takes a :class:`Context` and the path parameters and returns a werkzeug
``Response``. Long-running operations are answered with ABSOLUTE ``Azure-AsyncOperation``
(status: ``{"status": "InProgress" | "Succeeded" | "Failed" | "Canceled", "error"?}``) and
``Location`` (result: 202 while running, then 204, or 400 with the error) URLs on this server, and
the poll interval: ``retry-after-ms`` (the backend's ``retry_after_ms``, default 50) and, when that
is at least one second, ``Retry-After`` in integer seconds. azure-core reads ``Retry-After`` BEFORE
``retry-after-ms``, so a sub-second interval is sent without ``Retry-After`` (else SDK pollers would
wait a whole second per poll).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from .backend import AzureMLBackend
from .base import Answer, Scope
from .errors import ArmError, not_found
from .lifecycle import Operation
from .shapes import operation_status_url, render_workspace

__all__ = ["PAGE_SIZE", "Context", "answer", "json_response", "page", "poll_headers"]

PAGE_SIZE = 10


@dataclass
class Context:
    """One ARM request: the backend, the request, its api-version and this server's base URL."""

    backend: AzureMLBackend
    request: Request
    api_version: str
    base_url: str

    def body(self) -> Any:
        """The JSON body (None if empty); 400 ``InvalidRequestContent`` if it is not JSON."""
        raw = self.request.get_data()
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ArmError(
                400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {exc}."
            ) from None


def json_response(status: int, payload: Any = None, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer (empty body when ``payload`` is None)."""
    data = b"" if payload is None else json.dumps(payload).encode("utf-8")
    response = Response(data, status=status, headers=headers or {})
    if payload is not None:
        response.content_type = "application/json; charset=utf-8"
    return response


def _scope(params: dict[str, str]) -> Scope:
    return Scope(params["sub"], params["rg"], params["ws"])


def poll_headers(retry_after_ms: int) -> dict[str, str]:
    """``retry-after-ms``, plus ``Retry-After`` (whole seconds) when the interval is >= 1 s."""
    headers = {"retry-after-ms": str(retry_after_ms)}
    if retry_after_ms >= 1000:
        headers["Retry-After"] = str(retry_after_ms // 1000)
    return headers


def _polling_headers(ctx: Context, operation: Operation) -> dict[str, str]:
    result = f"{ctx.base_url}{operation.scope}/mfeOperationResults/{operation.id}?api-version={ctx.api_version}"
    return {
        "Azure-AsyncOperation": operation_status_url(ctx.base_url, operation, ctx.api_version),
        "Location": result,
        **poll_headers(ctx.backend.retry_after_ms),
        "x-ms-async-operation-timeout": "PT1H",
    }


def answer(ctx: Context, result: Answer) -> Response:
    """The HTTP answer of a backend result (with polling headers when it started an operation)."""
    headers = _polling_headers(ctx, result.operation) if result.operation is not None else {}
    return json_response(result.status, result.body, headers)


def page(ctx: Context, items: list[dict[str, Any]]) -> Response:
    """One ARM page of ``items``: ``count`` per page (default :data:`PAGE_SIZE`, 1-100) from the
    ``$skip`` continuation token on; ``nextLink`` (absolute) repeats the request's other query
    parameters (filters, ordering) so that following it continues the same list."""
    args = ctx.request.args
    try:
        size = int(args.get("count", PAGE_SIZE))
        start = int(args.get("$skip", "0") or 0)
    except ValueError:
        raise ArmError(400, "BadRequest", "'count' and '$skip' must be integers.") from None
    size = max(1, min(size, 100))
    result: dict[str, Any] = {"value": items[start : start + size]}
    if start + size < len(items):
        kept = [(k, v) for k, v in args.items(multi=True) if k.lower() not in ("api-version", "count", "$skip")]
        query = urllib.parse.urlencode(
            [("api-version", ctx.api_version), *kept, ("count", str(size)), ("$skip", str(start + size))],
            quote_via=urllib.parse.quote, safe="$",
        )
        result["nextLink"] = f"{ctx.base_url}{ctx.request.path}?{query}"
    return json_response(200, result)


# ----------------------------------------------------------------------------------- workspace


def get_workspace(ctx: Context, **params: str) -> Response:
    """GET workspace (any workspace exists, in the emulator's region)."""
    with ctx.backend.lock:
        workspace = ctx.backend.workspace(_scope(params))
        return json_response(200, render_workspace(workspace, ctx.base_url))


# ----------------------------------------------------------------------------------- endpoints


def list_endpoints(ctx: Context, **params: str) -> Response:
    """GET onlineEndpoints (paged)."""
    return page(ctx, ctx.backend.list_endpoints(_scope(params), ctx.api_version))


def get_endpoint(ctx: Context, **params: str) -> Response:
    """GET an endpoint."""
    return answer(ctx, ctx.backend.get_endpoint(_scope(params), params["ep"], ctx.api_version))


def put_endpoint(ctx: Context, **params: str) -> Response:
    """PUT an endpoint (create or replace; an operation)."""
    return answer(ctx, ctx.backend.put_endpoint(_scope(params), params["ep"], ctx.body(), ctx.api_version))


def patch_endpoint(ctx: Context, **params: str) -> Response:
    """PATCH an endpoint's tags/identity."""
    return answer(ctx, ctx.backend.patch_endpoint(_scope(params), params["ep"], ctx.body(), ctx.api_version))


def delete_endpoint(ctx: Context, **params: str) -> Response:
    """DELETE an endpoint (an operation; 204 if missing)."""
    return answer(ctx, ctx.backend.delete_endpoint(_scope(params), params["ep"]))


def list_keys(ctx: Context, **params: str) -> Response:
    """POST listKeys."""
    return answer(ctx, ctx.backend.list_keys(_scope(params), params["ep"]))


def regenerate_keys(ctx: Context, **params: str) -> Response:
    """POST regenerateKeys (an operation)."""
    return answer(ctx, ctx.backend.regenerate_keys(_scope(params), params["ep"], ctx.body()))


def get_token(ctx: Context, **params: str) -> Response:
    """POST token (AMLToken endpoints)."""
    return answer(ctx, ctx.backend.get_token(_scope(params), params["ep"]))


# --------------------------------------------------------------------------------- deployments


def list_deployments(ctx: Context, **params: str) -> Response:
    """GET deployments of an endpoint (paged)."""
    return page(ctx, ctx.backend.list_deployments(_scope(params), params["ep"], ctx.api_version))


def get_deployment(ctx: Context, **params: str) -> Response:
    """GET a deployment."""
    return answer(ctx, ctx.backend.get_deployment(_scope(params), params["ep"], params["dep"], ctx.api_version))


def put_deployment(ctx: Context, **params: str) -> Response:
    """PUT a deployment (create or replace; an operation)."""
    result = ctx.backend.put_deployment(_scope(params), params["ep"], params["dep"], ctx.body(), ctx.api_version)
    return answer(ctx, result)


def patch_deployment(ctx: Context, **params: str) -> Response:
    """PATCH a deployment's tags / sku capacity."""
    result = ctx.backend.patch_deployment(_scope(params), params["ep"], params["dep"], ctx.body(), ctx.api_version)
    return answer(ctx, result)


def delete_deployment(ctx: Context, **params: str) -> Response:
    """DELETE a deployment (an operation; 204 if missing)."""
    return answer(ctx, ctx.backend.delete_deployment(_scope(params), params["ep"], params["dep"]))


def deployment_logs(ctx: Context, **params: str) -> Response:
    """POST getLogs."""
    return answer(ctx, ctx.backend.deployment_logs(_scope(params), params["ep"], params["dep"], ctx.body()))


# -------------------------------------------------------------------------------------- assets


def put_asset(ctx: Context, **params: str) -> Response:
    """PUT an asset version."""
    result = ctx.backend.put_asset(
        _scope(params), params["kind"].lower(), params["name"], params["version"], ctx.body()
    )
    return answer(ctx, result)


def get_asset(ctx: Context, **params: str) -> Response:
    """GET an asset version."""
    return answer(ctx, ctx.backend.get_asset(_scope(params), params["kind"].lower(), params["name"], params["version"]))


def list_assets(ctx: Context, **params: str) -> Response:
    """GET the versions of an asset (paged)."""
    return page(ctx, ctx.backend.list_assets(_scope(params), params["kind"].lower(), params["name"]))


# ---------------------------------------------------------------------------------- operations


def get_operation(ctx: Context, **params: str) -> Response:
    """GET an operation's status (``mfeOperationsStatus``) or result (``mfeOperationResults``)."""
    found = ctx.backend.operation(params["op"])
    if found is None:
        raise not_found("operation", params["op"])
    operation, status = found
    if params["what"].lower() == "mfeoperationsstatus":
        headers = poll_headers(ctx.backend.retry_after_ms) if not operation.done else {}
        return json_response(200, status, headers)
    if not operation.done:
        return json_response(202, None, _polling_headers(ctx, operation))
    error = operation.error()
    if error is not None:
        return json_response(400, {"error": error})
    return json_response(204)


# ---------------------------------------------------------------------------------- data plane


def _data_plane(result: tuple[int, dict[str, str], bytes]) -> Response:
    status, headers, body = result
    return Response(body, status=status, headers=headers)


def score(backend: AzureMLBackend, request: Request, endpoint: str) -> Response:
    """POST /score/{endpoint}."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    return _data_plane(backend.score(endpoint, headers, request.get_data()))


def swagger(backend: AzureMLBackend, request: Request, endpoint: str) -> Response:
    """GET /swagger/{endpoint}."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    return _data_plane(backend.swagger(endpoint, headers))
