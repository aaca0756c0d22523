"""HTTP side of the emulated ``Microsoft.Insights/autoscalesettings`` (state and rules live in
:mod:`.autoscale`).

=========================================================================  ======================
``/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Insights/autoscalesettings``  GET (list)
``/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Insights/autoscalesettings/{n}``  GET PUT DELETE
``/subscriptions/{s}/providers/Microsoft.Insights/autoscalesettings``     GET (list)
=========================================================================  ======================

Paths match case-insensitively (azure-mgmt-monitor sends ``resourcegroups``). Only the
api-versions in :data:`.autoscale.API_VERSIONS` are answered (else 400
``InvalidApiVersionParameter``). :data:`ROUTES` is merged into the emulator's URL table.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Response

from .autoscale import API_VERSIONS, AutoscaleStore
from .errors import ArmError
from .handlers import Context, json_response

__all__ = ["ROUTES", "store_of"]

_RG = r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Insights/autoscalesettings"
_SUB = r"/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.Insights/autoscalesettings"


def store_of(backend: Any) -> AutoscaleStore:
    """The backend's autoscale store (``backend.autoscale``)."""
    return backend.autoscale


def _version(ctx: Context) -> None:
    if ctx.api_version not in API_VERSIONS:
        raise ArmError(400, "InvalidApiVersionParameter",
                       f"The api-version '{ctx.api_version}' is invalid for Microsoft.Insights/autoscalesettings. "
                       f"The supported versions are '{','.join(sorted(API_VERSIONS))}'.")


def list_settings(ctx: Context, **params: str) -> Response:
    """GET the settings of a resource group (or a subscription); one page."""
    _version(ctx)
    return json_response(200, {"value": store_of(ctx.backend).list(params["sub"], params.get("rg"))})


def get_setting(ctx: Context, **params: str) -> Response:
    """GET one setting (404 ``ResourceNotFound``)."""
    _version(ctx)
    return json_response(200, store_of(ctx.backend).get(params["sub"], params["rg"], params["name"]))


def put_setting(ctx: Context, **params: str) -> Response:
    """PUT (create 201 / replace 200), synchronous."""
    _version(ctx)
    status, resource = store_of(ctx.backend).put(ctx.backend, params["sub"], params["rg"], params["name"],
                                                 ctx.body())
    return json_response(status, resource)


def delete_setting(ctx: Context, **params: str) -> Response:
    """DELETE: 200 when deleted, 204 when there was nothing."""
    _version(ctx)
    deleted = store_of(ctx.backend).delete(params["sub"], params["rg"], params["name"])
    return json_response(200 if deleted else 204)


ROUTES: list[tuple[re.Pattern[str], dict[str, Any]]] = [
    (re.compile(f"^{pattern}/?$", re.IGNORECASE), methods)
    for pattern, methods in [
        (_RG, {"GET": list_settings}),
        (_RG + "/(?P<name>[^/]+)", {"GET": get_setting, "PUT": put_setting, "DELETE": delete_setting}),
        (_SUB, {"GET": list_settings}),
    ]
]
