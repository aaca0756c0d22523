"""The API's one exception handler: every error leaves as ``{"error": {code, message, details}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core.errors import DeployError, SpecError
from core.spec import validation_details

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


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        error = to_error(exc)
        return JSONResponse(status_code=error.http_status, content={"error": error.to_dict()})

    app.add_exception_handler(DeployError, handle)
    app.add_exception_handler(RequestValidationError, handle)
    app.add_exception_handler(Exception, handle)
