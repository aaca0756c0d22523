"""The OpenAPI document, completed with what the cross-cutting layers do to every route.

:func:`install_openapi` wraps ``app.openapi`` so the published schema says, for every operation:

- ``security``: the bearer scheme (``bearerAuth``), or none on ``settings.public_paths``;
- the errors every route can answer, all in the service's one error shape (``Error``:
  ``{"error": {code, message, details}}``): 401 and 403 (protected routes), 404 (routes with a path
  parameter, except ``PUT`` which creates), 413 (routes with a body), 422 (any: the request's
  parameters, body or URL are invalid); error responses a route declares without a body (no
  ``model``) get the ``Error`` body too, and FastAPI's default 422 body (``HTTPValidationError``) is
  replaced, since the service never sends it.

- the deployment-name rule (``pattern``) on every ``{name}`` path parameter, which
  :func:`api.security.limits.check_request` enforces on every route.

:func:`install_allow_header` makes every 405 carry ``Allow`` with exactly the methods the document
lists for the path (RFC 9110): Starlette's own lists the methods of the first route that matched,
which misses the other routes of the same path and can name a route whose ``{name}`` would not even
be a valid name (``PUT /v1/deployments/{name}`` for ``/v1/deployments/x:reconcile``).

The document is the contract schemathesis checks every response against (``tests/security``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from core.spec import NAME_PATTERN

__all__ = ["install_openapi", "install_allow_header", "allowed_methods", "ErrorBody", "ErrorResponse",
           "SECURITY_SCHEME"]

SECURITY_SCHEME = "bearerAuth"
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


class ErrorBody(BaseModel):
    model_config = ConfigDict(title="ErrorBody")
    code: str = Field(description="Machine-readable error code, e.g. `not_found`, `forbidden`.")
    message: str = Field(description="What went wrong, safe to show.")
    details: Any = Field(default=None, description="Field paths, gaps, or other structured context.")


class ErrorResponse(BaseModel):
    model_config = ConfigDict(title="Error")
    error: ErrorBody


_STANDARD = {
    401: "Missing, unknown, expired or revoked API key (`WWW-Authenticate: Bearer`)",
    403: "The API key's role or scope does not allow this",
    404: "Not found",
    413: "The request body is too large",
    422: "Invalid request: parameters, body or URL",
}


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _add_components(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http", "scheme": "bearer",
        "description": "An API key `da_<id>_<secret>` (`deploy-anywhere keys create`, or the sandbox's "
                       "printed key). Roles: reader (reads), deployer (deployments, plan, checks, "
                       "operations), admin (everything, keys, audit).",
    }
    error_schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = components.setdefault("schemas", {})
    schemas.update(error_schema.pop("$defs", {}))
    schemas["Error"] = error_schema


def _operations(schema: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method in _METHODS:
                yield path, method, op


def _drop_unused_validation_schemas(schema: dict[str, Any]) -> None:
    """FastAPI's ``HTTPValidationError``/``ValidationError``, once nothing refers to them."""
    schemas = schema.get("components", {}).get("schemas", {})
    text = repr(schema)
    for name in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{name}'" not in text:
            schemas.pop(name, None)


def complete(schema: dict[str, Any], public_paths: Iterable[str]) -> dict[str, Any]:
    """Add security and the standard error responses to ``schema`` (in place; returned)."""
    public = set(public_paths)
    _add_components(schema)
    for path, method, op in _operations(schema):
        responses: dict[str, Any] = op.setdefault("responses", {})
        codes = [422]
        if path in public:
            op["security"] = []
        else:
            op["security"] = [{SECURITY_SCHEME: []}]
            codes += [401, 403]
        if "{" in path and method != "put":
            codes.append(404)
        if "requestBody" in op:
            codes.append(413)
        for param in op.get("parameters", []):
            if param.get("in") == "path" and param.get("name") == "name":
                param.setdefault("schema", {})["pattern"] = NAME_PATTERN
        for code in codes:
            responses.setdefault(str(code), {"description": _STANDARD[code]})
        for status, response in responses.items():
            if status[:1] in "45" and isinstance(response, dict) and (status == "422" or "content" not in response):
                response["content"] = _error_content()
    _drop_unused_validation_schemas(schema)
    return schema


def install_openapi(app: FastAPI, public_paths: Iterable[str]) -> None:
    """Make ``app.openapi()`` return the completed document (built once, then cached)."""
    generate = app.openapi
    paths = tuple(public_paths)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate(), paths)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


@lru_cache(maxsize=256)
def _template(path: str) -> re.Pattern[str]:
    """A path template as a regex: ``{name}`` follows the name rule, other parameters are one
    segment without ``:`` (the custom-method separator, AIP-136)."""
    out, pos = "", 0
    for match in re.finditer(r"\{(\w+)\}", path):
        out += re.escape(path[pos:match.start()])
        out += NAME_PATTERN.strip("^$") if match.group(1) == "name" else r"[^/:]+"
        pos = match.end()
    return re.compile(out + re.escape(path[pos:]))


def allowed_methods(document: dict[str, Any], path: str) -> list[str]:
    """The methods ``document`` lists for the URL path ``path``."""
    methods: set[str] = set()
    for template, item in document.get("paths", {}).items():
        if _template(template).fullmatch(path):
            methods |= {m.upper() for m in item if m in _METHODS}
    return sorted(methods)


def install_allow_header(app: FastAPI) -> None:
    """Answer 405 with the service's error body and the document's ``Allow`` (see module doc)."""

    async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        methods = allowed_methods(app.openapi(), request.url.path)
        if methods:
            headers["Allow"] = ", ".join(methods)
        detail = exc.detail if isinstance(exc, HTTPException) else "Method Not Allowed"
        return JSONResponse(status_code=405, headers=headers,
                            content={"error": {"code": "method_not_allowed", "message": str(detail)}})

    app.add_exception_handler(405, method_not_allowed)
