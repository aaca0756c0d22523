"""HTTP side of the workspace model registry (state and rules live in :mod:`.model_registry`).

=========================================================  ======================
``WS/models``                                              GET (paged: ``count``, ``$skip``, ``listViewType``)
``WS/models/{name}``                                       GET PUT (container)
``WS/models/{name}/versions``                              GET (paged, ``ModelVersions_List`` filters)
``WS/models/{name}/versions/{version}``                    GET PUT
=========================================================  ======================

(``WS`` = ``/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}``.)
Paths match case-insensitively; query parameter names too. :data:`ROUTES` is merged into the
emulator's URL table (:mod:`.routes`), which has already checked the bearer token and api-version.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Response

from .base import Scope
from .handlers import Context, answer, page
from .model_registry import list_view, version_query

__all__ = ["ROUTES"]

_WS = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.MachineLearningServices/workspaces/(?P<ws>[^/]+)"
)
_MODEL = _WS + r"/models/(?P<name>[^/]+)"


def _scope(params: dict[str, str]) -> Scope:
    return Scope(params["sub"], params["rg"], params["ws"])


def _args(ctx: Context) -> dict[str, str]:
    """Query parameters by lower-cased name (the first value of each)."""
    return {k.lower(): v for k, v in reversed(list(ctx.request.args.items(multi=True)))}


def list_containers(ctx: Context, **params: str) -> Response:
    """GET the workspace's model containers (paged)."""
    return page(ctx, ctx.backend.list_model_containers(_scope(params), list_view(_args(ctx))))


def get_container(ctx: Context, **params: str) -> Response:
    """GET a model container."""
    return answer(ctx, ctx.backend.get_model_container(_scope(params), params["name"]))


def put_container(ctx: Context, **params: str) -> Response:
    """PUT a model container (create or update)."""
    return answer(ctx, ctx.backend.put_model_container(_scope(params), params["name"], ctx.body()))


def list_versions(ctx: Context, **params: str) -> Response:
    """GET the versions of a model (filtered, ordered, paged)."""
    query = version_query(_args(ctx))
    return page(ctx, ctx.backend.list_model_versions(_scope(params), params["name"], query))


def get_version(ctx: Context, **params: str) -> Response:
    """GET a model version."""
    return answer(ctx, ctx.backend.get_model_version(_scope(params), params["name"], params["version"]))


def put_version(ctx: Context, **params: str) -> Response:
    """PUT a model version (register, or update its mutable fields)."""
    return answer(ctx, ctx.backend.put_model_version(_scope(params), params["name"], params["version"], ctx.body()))


ROUTES: list[tuple[re.Pattern[str], dict[str, Any]]] = [
    (re.compile(f"^{pattern}/?$", re.IGNORECASE), methods)
    for pattern, methods in [
        (_WS + "/models", {"GET": list_containers}),
        (_MODEL, {"GET": get_container, "PUT": put_container}),
        (_MODEL + "/versions", {"GET": list_versions}),
        (_MODEL + "/versions/(?P<version>[^/]+)", {"GET": get_version, "PUT": put_version}),
    ]
]
