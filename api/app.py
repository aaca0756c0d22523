"""The FastAPI application. ``create_app(settings)`` builds one; its lifespan starts and stops the
service container (store, DBOS, emulators in sandbox mode). OpenAPI docs at ``/docs``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.deps import Container
from api.errors import install_error_handlers
from api.routes import deployments, meta
from core.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    container = Container(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container.start()
        try:
            yield
        finally:
            container.stop()

    app = FastAPI(title="deploy-anywhere", version="0.1.0", lifespan=lifespan,
                  description="Deploy one ML endpoint spec to SageMaker, Vertex AI or Azure ML; "
                              "wait until it serves; check it stays in sync.")
    app.state.container = container
    install_error_handlers(app)
    app.include_router(meta.router)
    app.include_router(deployments.router)
    return app
