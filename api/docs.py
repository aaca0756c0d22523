"""The API's own documentation pages, offline: Swagger UI at ``/docs``, ReDoc at ``/redoc``.

Contract (:func:`install_docs`):

- Every asset the two pages load (Swagger UI's JS and CSS, ReDoc's JS, the favicon) is served by
  the API itself under :data:`ASSETS_PATH`, from the files the ``fastapi-offline`` distribution
  ships (Swagger UI 5, ReDoc 2; pinned in ``pyproject.toml``), so the pages work with no network
  beyond the service. The pages name no other host: ReDoc is built without Google Fonts, and Swagger
  UI's online validator (``validatorUrl``) is off. (ReDoc's bundle still asks its CDN for the small
  Redocly logo of its side bar; offline the logo is simply not shown.)
- The pages, their assets and ``/openapi.json`` are public, as FastAPI's own docs routes are: they
  are plain Starlette routes, outside the app-level API-key dependencies, and they carry no data.
  Trying an operation from Swagger UI needs an API key: its *Authorize* button takes one for the
  document's ``bearerAuth`` scheme (:mod:`api.security.openapi`); it is kept for the page's life
  only (not persisted in the browser).
- Asset and document URLs carry the ASGI ``root_path``, so the pages work behind a path prefix.

:func:`install_examples` adds the main operations' examples (:mod:`api.routes.examples`) to the
built document, as written: examples declared on the routes would go through FastAPI's encoding of
the whole document with ``exclude_none``, which drops every ``null`` from them (an Operation's
``status_message: null`` would vanish, and the example would contradict its own schema).

:data:`TAGS` groups the document's operations (``FastAPI(openapi_tags=TAGS)``); every operation has
one of them (``tests/api/test_openapi_document.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

__all__ = ["install_docs", "install_examples", "ASSETS_PATH", "DOCS_PATH", "REDOC_PATH", "TAGS"]

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/docs/assets"

#: The operation groups, in the order the pages show them.
TAGS: list[dict[str, Any]] = [
    {"name": "deployments", "description": "Create, update, read, list and delete deployments; `plan` is "
     "the dry run. Writes answer 202 with an Operation."},
    {"name": "operations", "description": "Long-running operations (AIP-151): poll `GET /v1/operations/{id}` "
     "until `done`; cancel one."},
    {"name": "checks", "description": "Sync checks and drift: check now (basic or full), history, the live "
     "view, reconcile (re-apply the spec), accept-live (adopt live values), the fleet summary."},
    {"name": "events", "description": "Health and sync transitions and remediations (also sent to webhooks)."},
    {"name": "secrets", "description": "Service secrets: values go in and never come out (admin writes)."},
    {"name": "keys", "description": "API keys and their roles and scopes (admin)."},
    {"name": "audit", "description": "The audit log of every change and every denied request (admin)."},
    {"name": "platforms", "description": "The supported platforms and what each can do; no credentials needed."},
    {"name": "meta", "description": "Liveness, readiness, Prometheus metrics and the spec's JSON Schema."},
]

#: Swagger UI options: no call to the online validator; the rest is FastAPI's defaults.
_SWAGGER_PARAMETERS: dict[str, Any] = {"validatorUrl": None, "displayRequestDuration": True}


def _assets() -> str:
    """The directory of the shipped Swagger UI / ReDoc files."""
    return str(files("fastapi_offline") / "static")


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs``, ``/redoc`` and their assets from the package (see the module contract).
    ``app`` must be built with ``docs_url=None, redoc_url=None`` (FastAPI's pages load a CDN)."""
    assert app.docs_url is None and app.redoc_url is None, "FastAPI's own docs pages load their assets from a CDN"
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_PATH, StaticFiles(directory=_assets()), name="docs-assets")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url, title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters=_SWAGGER_PARAMETERS)

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=root + openapi_url, title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png", with_google_fonts=False)

    app.add_route(DOCS_PATH, swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_route(REDOC_PATH, redoc, methods=["GET"], include_in_schema=False)



def install_examples(app: FastAPI, examples: Mapping[tuple[str, str], Mapping[str, Mapping[str, Any]]]) -> None:
    """Make ``app.openapi()`` carry ``examples`` verbatim, nulls included (see the module doc):
    ``(method, path) -> {"request" | status: {"example": ...} | {"examples": ...}}``, put on the
    operation's JSON request body or response. KeyError, on the first call, for an operation or
    response the document does not have. Install it after any ``app.openapi`` wrapper that caches
    the document: the cached document is completed once, in place."""
    generate = app.openapi
    completed: list[dict[str, Any]] = []  # the document last completed (the cached one)

    def openapi() -> dict[str, Any]:
        document = generate()
        if not completed or completed[0] is not document:
            for (method, path), places in examples.items():
                operation = document["paths"][path][method]
                for place, example in places.items():
                    target = operation["requestBody"] if place == "request" else operation["responses"][place]
                    target["content"]["application/json"].update(copy.deepcopy(dict(example)))
            completed[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
