"""Workspace asset versions the SDK registers or reads: environments, data, code (models, with
their containers and list filters: :mod:`emulators.azureml.model_registry`).

- ``PUT .../{environments|data|codes}/{name}/versions/{version}`` validates against
  ``EnvironmentVersion`` / ``DataVersionBase`` (discriminated by ``dataType``) / ``CodeVersion``;
  201 when new, 200 when it exists (only mutable fields — description, tags,
  properties, stage, archive flag — may change; create-only fields such as an environment's
  ``image`` -> 400: versions are immutable). The SDK registers an inline
  ``Environment(image=...)`` as ``CliV2AnonymousEnvironment/versions/<content hash>`` before a
  deployment create, and a data collector's collections as ``data/<endpoint>-<deployment>-<collection>/versions/1``.
- ``GET`` of a version answers what was registered (404 otherwise); ``GET .../versions`` lists them.

Deployments reference models/environments by ARM id; the emulator accepts any well-formed id
(registered or not), so deploying ``azureml:name:version`` needs no registration beforehand.
:meth:`AssetOperations.register_asset` makes a version visible to ``GET`` without the SDK.
"""

from __future__ import annotations

from typing import Any

from . import schema
from .base import Answer, BackendCore, Scope
from .errors import bad_request, not_found
from .shapes import render_asset
from .state import Asset

__all__ = ["ASSET_MODELS", "AssetOperations"]

ASSET_MODELS: dict[str, str] = {
    "environments": "EnvironmentVersion",
    "data": "DataVersionBase",
    "codes": "CodeVersion",
}
"""Asset kind (path segment) -> REST model of a version."""

_LABEL = {"environments": "environment", "data": "data asset", "codes": "code asset"}


class AssetOperations(BackendCore):
    """Mixin: asset versions."""

    def put_asset(self, scope: Scope, kind: str, name: str, version: str, body: Any) -> Answer:
        """Register (201) or update the mutable fields of (200) an asset version."""
        with self.lock:
            model = ASSET_MODELS[kind]
            cleaned = self.validated(model, body)
            workspace = self.workspace(scope)
            key = (kind, name.lower(), version.lower())
            existing = workspace.assets.get(key)
            if existing is None:
                asset = Asset(
                    id=f"{scope.workspace_id}/{kind}/{name}/versions/{version}",
                    kind=kind,
                    name=name,
                    version=version,
                    body=cleaned,
                )
                workspace.assets[key] = asset
                return Answer(201, render_asset(asset))
            changed = schema.immutable_changes(model, existing.body, cleaned)
            if changed:
                raise bad_request(
                    f"The {_LABEL[kind]} '{name}' version '{version}' already exists and is immutable: "
                    f"{', '.join(changed)} cannot change; register a new version.",
                    target=changed[0],
                )
            existing.body = cleaned
            return Answer(200, render_asset(existing))

    def get_asset(self, scope: Scope, kind: str, name: str, version: str) -> Answer:
        """A registered asset version, or 404."""
        with self.lock:
            asset = self.workspace(scope).assets.get((kind, name.lower(), version.lower()))
            if asset is None:
                raise not_found(f"{_LABEL[kind]} version", f"{name}:{version}", parent=f"workspace '{scope.workspace}'")
            return Answer(200, render_asset(asset))

    def list_assets(self, scope: Scope, kind: str, name: str) -> list[dict[str, Any]]:
        """Every registered version of asset ``name``."""
        with self.lock:
            assets = self.workspace(scope).assets.values()
            return [render_asset(a) for a in assets if a.kind == kind and a.name.lower() == name.lower()]

    def register_asset(self, scope: Scope, kind: str, name: str, version: str, body: dict[str, Any]) -> dict[str, Any]:
        """Register an asset version as the SDK would (control API helper); returns its ARM JSON."""
        return self.put_asset(scope, kind, name, version, body).body
