"""The FastAPI application. ``create_app(settings)`` builds one; its lifespan starts and stops the
service container (store, DBOS, emulators in sandbox mode) and registers the bootstrap admin key.
Every API route runs behind :data:`api.security.SECURITY_DEPENDENCIES` (bearer keys, roles, scopes,
name rules) and :class:`api.security.RequestLimits`. OpenAPI docs at ``/docs`` and ``/redoc``, served
offline with their assets (:mod:`api.docs`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.deps import Container
from api.docs import TAGS, install_docs, install_examples
from api.errors import install_error_handlers
from api.routes import admin, checks, deployments, meta, secrets
from api.routes.examples import OPERATION_EXAMPLES
from api.security import SECURITY_DEPENDENCIES, bootstrap_admin_keys, install_security
from core.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    container = Container(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # DBOS refuses its synchronous set-up calls (queues, schedules) on a running event loop
        await asyncio.to_thread(container.start)
        try:
            assert container.service is not None
            bootstrap_admin_keys(container.service.keys, container.settings)
            yield
        finally:
            await asyncio.to_thread(container.stop)

    app = FastAPI(title="deploy-anywhere", version="0.1.0", lifespan=lifespan,
                  description="Deploy one ML endpoint spec to SageMaker, Vertex AI or Azure ML; "
                              "wait until it serves; check it stays in sync.",
                  dependencies=SECURITY_DEPENDENCIES, openapi_tags=TAGS, docs_url=None, redoc_url=None)
    app.state.container = container
    install_error_handlers(app)
    install_security(app, container.settings)
    install_docs(app)
    install_examples(app, OPERATION_EXAMPLES)
    app.include_router(meta.router)
    app.include_router(deployments.router)
    app.include_router(checks.router)
    app.include_router(admin.router)
    app.include_router(secrets.router)
    return app
