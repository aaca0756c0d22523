"""The API's one exception handler: every error leaves as ``{"error": {code, message, details}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from core.errors import DeployError, SpecError, Unauthenticated
from core.spec_io import validation_details

__all__ = ["install_error_handlers", "to_error"]

log = logging.getLogger("deploy_anywhere.api")


def to_error(exc: Exception) -> DeployError:
    """Any exception -> a :class:`DeployError` safe to show (internals are logged, not returned)."""
    if isinstance(exc, DeployError):
        return exc
    if isinstance(exc, RequestValidationError):
        errors = [{**e, "loc": tuple(p for p in e.get("loc", ()) if p != "body")} for e in exc.errors()]
        details = validation_details(errors)
        return SpecError(f"invalid request: {len(details)} problem(s)", details=details)
    log.error("unhandled error", exc_info=exc)
    return DeployError("internal error")


#: Starlette's own 4xx (unknown path, wrong method, unparsable body) get these codes.
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 409: "conflict",
               413: "payload_too_large", 415: "unsupported_media_type"}


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, HTTPException) and exc.status_code < 500:
            body = {"code": _HTTP_CODES.get(exc.status_code, "bad_request"), "message": str(exc.detail)}
            return JSONResponse(status_code=exc.status_code, content={"error": body}, headers=exc.headers)
        error = to_error(exc)
        headers = {"WWW-Authenticate": error.challenge} if isinstance(error, Unauthenticated) else None
        return JSONResponse(status_code=error.http_status, content={"error": error.to_dict()}, headers=headers)

    app.add_exception_handler(DeployError, handle)
    app.add_exception_handler(HTTPException, handle)
    app.add_exception_handler(RequestValidationError, handle)
    app.add_exception_handler(Exception, handle)
