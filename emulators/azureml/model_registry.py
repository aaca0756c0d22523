"""The workspace model registry: model containers and their versions, as ``MLClient.models`` uses them.

ARM paths (``WS`` = the workspace id; HTTP side in :mod:`.model_routes`). azure-ai-ml 1.35 sends
api-version ``2023-08-01-preview``; bodies are walked strictly against the REST models
``ModelVersion`` / ``ModelContainer`` (:mod:`.schema`).

- ``PUT WS/models/{name}/versions/{version}``: register (201) or update (200) a version. The first
  version of a name creates its container. Contracts (as Azure ML behaves):

  * a version's **content is immutable**: ``modelUri`` (Azure answers 400 ``UserError`` "Asset
    paths cannot be updated.", the message azure-ai-ml itself looks for), and ``modelType``,
    ``flavors``, ``jobName``, ``datasets``, ``isAnonymous`` (400 ``BadRequest`` naming the
    fields: register a new version). Only ``description``, ``tags``, ``properties``, ``stage`` and
    ``isArchived`` may change (what ``models.create_or_update`` of a fetched model and
    ``models.archive/restore`` send);
  * ``modelUri`` must be a URI of a scheme Azure ML reads models from (``azureml://`` datastore,
    job output or registry paths, ``https://``/``http://``, ``wasb[s]://``, ``abfs[s]://``,
    ``adl://``, ``runs:/``); datastores are not emulated, so any datastore name is accepted and no
    file is read;
  * answers carry Azure's defaults: ``flavors: {}`` (Azure parses an MLflow model's ``MLmodel``
    from storage; the emulator keeps the flavors the client sent), ``tags``/``properties: {}``,
    ``isArchived``/``isAnonymous: false``, ``provisioningState: "Succeeded"``, ``systemData``.
- ``GET WS/models/{name}/versions/{version}``: the version (404 ``ResourceNotFound``).
- ``GET WS/models/{name}/versions``: the versions, ARM-paged (``nextLink``), with the query
  parameters of ``ModelVersions_List``: ``$orderBy`` (``createdtime asc|desc``, what the SDK sends
  for ``label="latest"``; default creation order), ``$top`` (at most that many in all), ``offset``
  (skip that many), ``version``, ``description``, ``stage`` (equality), ``tags`` / ``properties``
  (``k1,k2=v2``: every key present, with that value where given), ``listViewType``
  (``ActiveOnly`` default, ``ArchivedOnly``, ``All``). ``feed`` (registries) is refused (400).
- ``GET WS/models/{name}``: the container: ``latestVersion`` (the most recently created version),
  ``nextVersion`` (the highest integer version + 1, "1" if none: what ``Model(version=None)``
  registers next), ``isArchived``, ``description``/``tags``/``properties`` of the container.
- ``PUT WS/models/{name}``: create/update a container (what ``models.archive(name)`` sends).
- ``GET WS/models``: the containers, ARM-paged (``count``, ``$skip``, ``listViewType``).

Names are matched case-insensitively, like the emulator's other assets. Deployments may reference
``azureml:name:version`` without registering it (the emulator does not check references).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .base import Answer, BackendCore, Scope
from .errors import ArmError, bad_request, not_found
from .shapes import render_asset, render_model_container
from .state import Asset, Workspace, utcnow

__all__ = ["CONTENT_FIELDS", "ModelRegistryOperations", "VersionQuery", "list_view", "version_query"]

CONTENT_FIELDS = ("modelUri", "modelType", "flavors", "jobName", "datasets", "isAnonymous")
"""``ModelVersion.properties`` fields that are a version's content: immutable once registered."""

_DEFAULTS: dict[str, Any] = {"tags": {}, "properties": {}, "flavors": {}, "isArchived": False, "isAnonymous": False}
_URI = re.compile(r"^(azureml://\S+|https?://\S+|wasbs?://\S+|abfss?://\S+|adl://\S+|runs:/\S+)$", re.IGNORECASE)
_LIST_VIEWS = {"activeonly": "ActiveOnly", "archivedonly": "ArchivedOnly", "all": "All"}
_ORDER = re.compile(r"^\s*createdtime(?:\s+(?P<direction>asc|desc))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class VersionQuery:
    """The filters and ordering of a version list (``ModelVersions_List`` query parameters)."""

    descending: bool = False
    top: int | None = None
    offset: int = 0
    version: str | None = None
    description: str | None = None
    stage: str | None = None
    tags: tuple[tuple[str, str | None], ...] = ()
    properties: tuple[tuple[str, str | None], ...] = ()
    view: str = "ActiveOnly"


def list_view(args: Any) -> str:
    """``listViewType`` of a request (``ActiveOnly`` when absent); 400 if not a known value.

    ``args`` (here and in :func:`version_query`) maps LOWER-CASED query parameter names to values
    (ARM matches them case-insensitively)."""
    raw = args.get("listviewtype")
    if raw is None:
        return "ActiveOnly"
    view = _LIST_VIEWS.get(str(raw).lower())
    if view is None:
        raise bad_request(f"The value '{raw}' of 'listViewType' is not valid; use ActiveOnly, ArchivedOnly or All.",
                          target="listViewType")
    return view


def _integer(args: Any, key: str, minimum: int) -> int | None:
    raw = args.get(key)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise bad_request(f"'{key}' must be an integer >= {minimum}, got '{raw}'.", target=key)
    return value


def _pairs(args: Any, key: str) -> tuple[tuple[str, str | None], ...]:
    raw = args.get(key)
    if not raw:
        return ()
    pairs = []
    for item in str(raw).split(","):
        name, equals, value = item.partition("=")
        if not name.strip():
            raise bad_request(f"'{key}' must look like 'key1,key2=value2', got '{raw}'.", target=key)
        pairs.append((name.strip(), value.strip() if equals else None))
    return tuple(pairs)


def version_query(args: Any) -> VersionQuery:
    """The :class:`VersionQuery` of a ``GET .../versions`` request's arguments; 400 for bad values."""
    if args.get("feed"):
        raise bad_request("Model feeds (registries) are not emulated: list a workspace's versions.", target="feed")
    direction = None
    if args.get("$orderby"):
        ordered = _ORDER.match(args["$orderby"])
        if ordered is None:
            raise bad_request(
                f"Unsupported $orderBy '{args['$orderby']}': use 'createdtime asc' or 'createdtime desc'.",
                target="$orderBy",
            )
        direction = (ordered["direction"] or "asc").lower()
    return VersionQuery(
        descending=direction == "desc",
        top=_integer(args, "$top", 1),
        offset=_integer(args, "offset", 0) or 0,
        version=args.get("version"),
        description=args.get("description"),
        stage=args.get("stage"),
        tags=_pairs(args, "tags"),
        properties=_pairs(args, "properties"),
        view=list_view(args),
    )


def _shown(archived: bool, view: str) -> bool:
    return view == "All" or (view == "ArchivedOnly") == archived


def _matches(properties: dict[str, Any], query: VersionQuery) -> bool:
    for field, wanted in (("description", query.description), ("stage", query.stage)):
        if wanted is not None and properties.get(field) != wanted:
            return False
    for bag, pairs in (("tags", query.tags), ("properties", query.properties)):
        values = properties.get(bag) or {}
        if any(k not in values or (v is not None and values[k] != v) for k, v in pairs):
            return False
    return _shown(bool(properties.get("isArchived")), query.view)


def _same_content(before: Any, after: Any) -> bool:
    """Equal, absent/null/empty collections being the same thing."""
    return (before if before not in (None, {}, []) else None) == (after if after not in (None, {}, []) else None)


class ModelRegistryOperations(BackendCore):
    """Mixin: model containers and versions of a workspace (see the module docstring)."""

    def _versions(self, workspace: Workspace, name: str) -> list[Asset]:
        return [a for a in workspace.assets.values() if a.kind == "models" and a.name.lower() == name.lower()]

    def put_model_version(self, scope: Scope, name: str, version: str, body: Any) -> Answer:
        """Register (201) a model version, or update (200) its mutable fields."""
        with self.lock:
            cleaned = self.validated("ModelVersion", body)
            properties = {**_DEFAULTS, **cleaned["properties"]}
            cleaned["properties"] = properties
            uri = properties.get("modelUri")
            if uri is not None and not _URI.match(uri):
                raise bad_request(
                    f"The model URI '{uri}' is not valid: use an azureml:// datastore, job or registry path, "
                    "or an https://, wasbs://, abfss://, adl:// or runs:/ URI.",
                    target="properties.modelUri", code="UserError",
                )
            workspace = self.workspace(scope)
            key = ("models", name.lower(), version.lower())
            existing = workspace.assets.get(key)
            if existing is None:
                version_id = f"{scope.workspace_id}/models/{name}/versions/{version}"
                asset = Asset(version_id, "models", name, version, cleaned)
                workspace.assets[key] = asset
                self._container(scope, workspace, name, create=True).modified_at = asset.created_at
                return Answer(201, render_asset(asset))
            old = existing.body["properties"]
            if not _same_content(old.get("modelUri"), properties.get("modelUri")):
                raise ArmError(400, "UserError", "Asset paths cannot be updated.", target="properties.modelUri")
            changed = [f"properties.{f}" for f in CONTENT_FIELDS if not _same_content(old.get(f), properties.get(f))]
            if changed:
                raise bad_request(
                    f"The model '{name}' version '{version}' already exists and is immutable: "
                    f"{', '.join(changed)} cannot change; register a new version.",
                    target=changed[0],
                )
            existing.body = cleaned
            existing.modified_at = utcnow()
            return Answer(200, render_asset(existing))

    def get_model_version(self, scope: Scope, name: str, version: str) -> Answer:
        """A registered model version, or 404."""
        with self.lock:
            asset = self.workspace(scope).assets.get(("models", name.lower(), version.lower()))
            if asset is None:
                raise not_found("model version", f"{name}:{version}", parent=f"workspace '{scope.workspace}'")
            return Answer(200, render_asset(asset))

    def list_model_versions(self, scope: Scope, name: str, query: VersionQuery) -> list[dict[str, Any]]:
        """The versions of model ``name`` that ``query`` selects, in its order (empty if none)."""
        with self.lock:
            versions = self._versions(self.workspace(scope), name)  # creation order
            if query.descending:
                versions.reverse()
            chosen = [
                a for a in versions
                if (query.version is None or a.version == query.version) and _matches(a.body["properties"], query)
            ][query.offset:]
            return [render_asset(a) for a in chosen[: query.top]]

    def _container(self, scope: Scope, workspace: Workspace, name: str, *, create: bool = False) -> Asset:
        container = workspace.model_containers.get(name.lower())
        if container is None and create:
            container = Asset(f"{scope.workspace_id}/models/{name}", "models", name, "",
                              {"properties": {"tags": {}, "properties": {}, "isArchived": False}})
            workspace.model_containers[name.lower()] = container
        if container is None:
            raise not_found("model", name, parent=f"workspace '{scope.workspace}'")
        return container

    def _render_container(self, workspace: Workspace, container: Asset) -> dict[str, Any]:
        versions = self._versions(workspace, container.name)
        numbers = [int(a.version) for a in versions if a.version.isdigit()]
        latest = versions[-1].version if versions else None
        return render_model_container(container, latest, str(max(numbers, default=0) + 1))

    def get_model_container(self, scope: Scope, name: str) -> Answer:
        """A model container (with ``latestVersion`` / ``nextVersion``), or 404."""
        with self.lock:
            workspace = self.workspace(scope)
            return Answer(200, self._render_container(workspace, self._container(scope, workspace, name)))

    def put_model_container(self, scope: Scope, name: str, body: Any) -> Answer:
        """Create (201) or update (200) a model container (description, tags, properties, isArchived)."""
        with self.lock:
            cleaned = self.validated("ModelContainer", body)
            cleaned["properties"] = {"tags": {}, "properties": {}, "isArchived": False, **cleaned["properties"]}
            workspace = self.workspace(scope)
            created = name.lower() not in workspace.model_containers
            container = self._container(scope, workspace, name, create=True)
            container.body = cleaned
            container.modified_at = utcnow()
            return Answer(201 if created else 200, self._render_container(workspace, container))

    def list_model_containers(self, scope: Scope, view: str) -> list[dict[str, Any]]:
        """The model containers of the workspace (creation order) that ``view`` shows."""
        with self.lock:
            workspace = self.workspace(scope)
            return [
                self._render_container(workspace, c) for c in workspace.model_containers.values()
                if _shown(bool(c.body["properties"].get("isArchived")), view)
            ]
