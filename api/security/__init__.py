"""Security of the API: API-key authentication and roles (:func:`authorize`), the audit log
(:func:`audit`), input limits (:class:`RequestLimits`, :func:`check_request`, and
:func:`check_body_types`: JSON bodies keep their JSON types) and the OpenAPI security scheme
(:func:`install_openapi`). :func:`install_security` wires them into an app.

For route authors: authorization needs no per-route code (see :mod:`api.security.policy`); call
:func:`audit` after a change; filter list routes by :func:`scope_of`.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from api.security.audit import audit
from api.security.auth import authorize, bootstrap_admin_keys, principal_of, scope_of
from api.security.json_types import check_body_types
from api.security.limits import RequestLimits, check_request
from api.security.openapi import install_allow_header, install_openapi
from core.settings import Settings

__all__ = ["audit", "authorize", "bootstrap_admin_keys", "principal_of", "scope_of", "RequestLimits",
           "check_request", "check_body_types", "install_openapi", "install_security", "SECURITY_DEPENDENCIES"]

#: The app-level dependencies (``FastAPI(dependencies=...)``): they run before every API route.
SECURITY_DEPENDENCIES = [Depends(authorize), Depends(check_request), Depends(check_body_types)]


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the input-limits middleware and the completed OpenAPI document to ``app`` (the
    dependencies are passed to the ``FastAPI`` constructor: :data:`SECURITY_DEPENDENCIES`)."""
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes,
                       max_json_depth=settings.max_json_depth)
    install_openapi(app, settings.public_paths)
    install_allow_header(app)
