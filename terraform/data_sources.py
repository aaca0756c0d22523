"""Data sources: ``deployanywhere_deployment`` (one deployment, read live) and
``deployanywhere_platforms`` (the service's platforms and their capabilities).

Errors of the service become error diagnostics; a deployment the service does not know is an
error on ``name`` (a data source must resolve).
"""

from __future__ import annotations

import json
from typing import Any, Optional

from tf.iface import DataSource, ReadDataContext, State
from tf.schema import Schema

from terraform import diagnostics
from terraform.client import ApiError
from terraform.schema import deployment_data_schema, platforms_data_schema

__all__ = ["DeploymentDataSource", "PlatformsDataSource"]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))


class DeploymentDataSource(DataSource):
    """``data "deployanywhere_deployment"``: the live view of one deployment (``GET /live``)."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "deployment"

    @classmethod
    def get_schema(cls) -> Schema:
        return deployment_data_schema()

    def read(self, ctx: ReadDataContext, config: State) -> Optional[State]:
        name = str(config["name"])
        try:
            live = self.provider.client.live(name)
        except ApiError as exc:
            diagnostics.api_error(ctx.diagnostics, "read", exc)
            return None
        if live is None:
            ctx.diagnostics.add_error("No such deployment", f"the service has no deployment named {name!r}",
                                      path=["name"])
            return None
        spec = live.get("spec")
        return {
            "name": name, "id": name, "platform": live.get("platform"), "exists": bool(live.get("exists")),
            "revision": live.get("expected_revision"), "live_revision": live.get("revision"),
            "health": live.get("health"), "sync": live.get("sync"),
            "drift": [str(c.get("path")) for c in live.get("changes") or []],
            "provider_ids": {str(k): _text(v) for k, v in (live.get("provider_ids") or {}).items() if v is not None},
            "invoke_url": live.get("invoke_url"),
            "spec_json": None if spec is None else json.dumps(spec, sort_keys=True),
        }


class PlatformsDataSource(DataSource):
    """``data "deployanywhere_platforms"``: ``GET /v1/platforms``."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "platforms"

    @classmethod
    def get_schema(cls) -> Schema:
        return platforms_data_schema()

    def read(self, ctx: ReadDataContext, config: State) -> Optional[State]:
        try:
            platforms = self.provider.client.platforms()
        except ApiError as exc:
            diagnostics.api_error(ctx.diagnostics, "read", exc)
            return None
        replacement = {f"{p['platform']}:{path}": str(reason) for p in platforms
                       for path, reason in (p.get("requires_replacement") or {}).items()}
        return {
            "id": "platforms",
            "names": [p["platform"] for p in platforms],
            "implemented": [p["platform"] for p in platforms if p.get("implemented")],
            "installed": [p["platform"] for p in platforms if p.get("installed")],
            "requires_replacement": replacement,
            "capabilities_json": {p["platform"]: json.dumps(p, sort_keys=True) for p in platforms},
        }
