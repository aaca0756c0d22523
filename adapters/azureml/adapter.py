"""Azure ML adapter: MLClient calls only; translation in :mod:`.translate`/:mod:`.reverse`, error
mapping in :mod:`.errors`, client construction in :mod:`.client`.

Thin and non-blocking: ``begin_*`` calls return once Azure accepted them and the SDK's pollers are
never waited on (no ``.result()``/``.wait()``); progress is read with GETs on later calls. A
rollout, one step per ``submit`` call:

1. the endpoint exists and is ``Succeeded`` (created without a revision tag);
2. every variant's deployment exists and matches (create, or PUT in place), all ``Succeeded``;
3. endpoint traffic = the weights (tags unchanged: the old revision still shows);
4. endpoint tags = the new revision: the serving gate opens only now.

``finalize`` attaches autoscaling: one Azure Monitor autoscale setting per autoscaled variant
(azure-mgmt-monitor, :mod:`.autoscale`), created or updated when it differs, and deletes this
endpoint's settings that no longer belong (variant now fixed-scale, deployment replaced or gone);
then it deletes the deployments of this endpoint the revision no longer names (replaced by an
instance type change). Autoscale settings are separate resources in Azure (deleting a deployment
or endpoint leaves them behind), so ``delete`` and ``discard`` delete them explicitly; they are
found by the ``deploy-anywhere-deployment`` tag or a target under the endpoint.

``discard`` deletes the deployments the failed revision created (they carry
``deploy-anywhere-created-by``), the autoscale settings of those and of deployments that no longer
exist, and a never-served endpoint; it re-provisions a Failed endpoint with its current
(old-revision) configuration.

Reads: a basic describe is two (endpoint GET + deployments list, read as wire JSON by :mod:`.wire`:
the SDK's model layers cost half a basic check's CPU) and leaves replica bounds and autoscaling
unobserved; a full describe adds one autoscale settings list of the resource group (shared
by the checks of a fleet pass: :mod:`core.checks.read_shared`). Environment and data asset versions are
cached, full describes included: Azure ML documents a version as immutable, neither modifiable nor
deletable (azure-ai-ml offers archive/restore only), so no re-read can find it changed; a version
that is not cached yet is read.
Under autoscaling the deployment's instance count belongs to the autoscaler: ``submit`` neither
compares nor resets it (a PUT keeps the live count, clamped into the bounds).

Ownership (:mod:`.ownership`): ``submit`` reads the endpoint first and refuses (NotOwned) one not
stamped by the request's owner; the rollout moves traffic off foreign deployments of our endpoint
and ``finalize`` deletes them; ``discard``/``delete`` never touch an endpoint that is not the
owner's (a delete then removes only autoscale settings stamped by the owner).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, ClassVar

from adapters.azureml import CAPABILITIES, client, secrets
from adapters.azureml import ownership as own
from adapters.azureml import reverse as rv
from adapters.azureml import translate as tr
from adapters.azureml.client import ClientBundle, WireReader, make_client, make_monitor_client
from adapters.azureml.errors import sdk_errors
from adapters.azureml.monitor import AutoscaleSettings
from adapters.azureml.operations import OperationRecorder, failure_reason, parse_pending, pending_entry
from adapters.azureml.reverse import ANONYMOUS_ENVIRONMENT, BUSY
from adapters.azureml.wire import WireDeployment, WireEndpoint
from adapters.kit import create_or_adopt, missing_is_none
from core.adapter import DONE, Adapter, InvokeResult, Progress
from core.cache import ImmutableCache
from core.errors import Conflict, DeploymentFailed, NotFound
from core.ownership import Ownership, Stamps, not_owned
from core.spec_env import SecretRef
from core.spec_policy import TestQuery
from core.targets import AzureMLTarget

__all__ = ["AzureMLAdapter"]

def _pending(key: str, url: str | None) -> str:
    """The pending entry of a change sent for ``key``; ``url`` None (a refused call adopted by
    :meth:`AzureMLAdapter._begin`) gives ``adopted:<key>@``, which claims no operation of ours:
    the next step re-reads the resource and decides again."""
    return pending_entry(key, url) if url is not None else pending_entry(f"adopted:{key}", "")


class AzureMLAdapter(Adapter[tr.AzureMLRequest, rv.AzureMLDescribed]):
    """One Azure ML workspace. ``emulators``: sandbox map ``{"azureml": {"url", "ca_file"}}``;
    ``policies``: extra azure-core pipeline policies (tests validate every request with one)."""

    capabilities = CAPABILITIES
    translate: ClassVar[ModuleType] = tr
    reverse: ClassVar[ModuleType] = rv

    def __init__(self, target: AzureMLTarget, *, emulators: Mapping[str, Any] | None = None,
                 policies: Sequence[Any] = ()) -> None:
        self.target = target
        self._recorder = OperationRecorder()
        self._bundle: ClientBundle = make_client(target, (emulators or {}).get("azureml"),
                                                 [self._recorder, *policies])
        self.ml = self._bundle.ml
        self.autoscale = AutoscaleSettings(
            target, lambda: make_monitor_client(target, self._bundle, tuple(policies)),
            cloud=self._bundle.url or "AzureCloud")
        self._assets = ImmutableCache()
        self._workspace_location: str | None = None
        self._wire = WireReader(client.rest_endpoints(self.ml), client.rest_deployments(self.ml),
                                resource_group=target.resource_group, workspace=target.workspace)

    # ----------------------------------------------------------------------------------- pure

    @classmethod
    def native_secret(cls, ref: SecretRef) -> str | None:
        """Key Vault references become ``${{keyvault:<uri>}}``: Azure ML injects the value itself
        (:mod:`adapters.azureml.secrets`)."""
        return secrets.native_secret(ref)

    @classmethod
    def parse_native_secret(cls, value: str) -> SecretRef | None:
        return secrets.parse_native_secret(value)

    def stamps(self, name: str) -> Stamps | None:
        """One endpoint GET: its tags."""
        endpoint = self._endpoint(name)
        return None if endpoint is None else own.endpoint_stamps(dict(endpoint.tags or {}))

    @staticmethod
    def _foreign(endpoint: Any, owner: Ownership | None) -> bool:
        """Whether ``endpoint`` is not ``owner``'s (False without an owner to check)."""
        return owner is not None and not owner.owns(own.endpoint_stamps(dict(endpoint.tags or {})))

    # ---------------------------------------------------------------------------------- reads

    def _endpoint(self, name: str) -> Any | None:
        """One GET (``online_endpoints.get`` would also list the deployments, to fill in traffic
        zeros: describe lists them itself)."""
        try:
            with sdk_errors("get online endpoint"):
                rest = client.rest_endpoints(self.ml).get(endpoint_name=name, **self._scope())
        except NotFound:
            return None
        return client.endpoint_from_rest(rest)

    def _deployments(self, name: str) -> list[Any]:
        try:
            with sdk_errors("list online deployments"):
                return list(self.ml.online_deployments.list(name))
        except NotFound:
            return []

    def _asset(self, asset_id: str) -> Any | None:
        """An immutable environment/data version by ARM id (cached; None when missing)."""
        ref = tr.asset_reference(asset_id)
        if ref is None:
            return None
        kind, name, version = ref
        operations = self.ml.environments if kind == "environments" else self.ml.data

        def get() -> Any:
            with sdk_errors(f"get {kind[:-1] if kind.endswith('s') else kind} {name}:{version}"):
                return operations.get(name, version=version)

        return self._assets.read(asset_id, missing_is_none(get))

    def _wire_described(self, name: str) -> rv.AzureMLDescribed | None:
        """The basic read: endpoint GET + deployments list as wire JSON (:mod:`.wire`)."""
        try:
            with sdk_errors("get online endpoint"):
                endpoint = self._wire.endpoint(name)
        except NotFound:
            return None
        try:
            with sdk_errors("list online deployments"):
                deployments = self._wire.deployments(name)
        except NotFound:
            deployments = []
        return rv.AzureMLDescribed(endpoint=WireEndpoint.from_wire(endpoint),
                                   deployments=[WireDeployment.from_wire(d) for d in deployments],
                                   target=self.target)

    def _entity_described(self, name: str) -> rv.AzureMLDescribed | None:
        """The full read: endpoint and deployments as azure-ai-ml entities, plus autoscale settings."""
        endpoint = self._endpoint(name)
        if endpoint is None:
            return None
        described = rv.AzureMLDescribed(endpoint=endpoint, deployments=self._deployments(name), target=self.target)
        described.autoscale = {self.autoscale.target_of(s): s for s in self.autoscale.of_endpoint(name)}
        return described

    def describe(self, name: str, *, full: bool = True) -> rv.AzureMLDescribed | None:
        described = self._entity_described(name) if full else self._wire_described(name)
        if described is None:
            return None
        for d in described.deployments:
            env_id = d.environment or ""
            ref = tr.asset_reference(env_id)
            if ref and ref[1] == ANONYMOUS_ENVIRONMENT:
                described.environments[env_id] = self._asset(env_id)
            collections = getattr(d.data_collector, "collections", None) or {}
            for collection in collections.values():
                data_id = collection.data if isinstance(collection.data, str) else None
                if data_id:
                    asset = self._asset(data_id)
                    described.data_paths[data_id] = getattr(asset, "path", None)
        return described

    # --------------------------------------------------------------------------------- writes

    def _begin(self, action: str, call: Any, *, target: Any = None) -> str | None:
        """Start an LRO through the SDK's REST client with ``polling=False`` (azure-ai-ml's own
        poller would poll in a background thread and print progress dots); the operation URL
        Azure answered with.

        ``target`` (a callable reading the resource the call changes): a 409 refusal of a call on
        a resource that exists (an operation runs on it, or just finished) is adopted: None is
        returned (no operation of ours is known) and the caller re-reads the resource on its next
        step, waiting while it is busy and sending the change again if it is still needed. That
        is what a retried PUT or DELETE meets when the answer to the first one was lost after
        Azure had accepted it (a dropped connection): failing there would abandon a rollout
        Azure is carrying out. A conflict on a resource that does not exist is raised.
        """
        self._recorder.take()

        def send() -> str:
            with sdk_errors(action):
                call()
            return self._recorder.take()

        def adopt(conflict: Conflict) -> None:
            if target is None or target() is None:
                raise conflict
            self._recorder.take()

        return create_or_adopt(send, adopt=adopt)

    def _scope(self) -> dict[str, str]:
        return {"resource_group_name": self.target.resource_group, "workspace_name": self.target.workspace}

    def _location(self) -> str:
        if self._workspace_location is None:
            with sdk_errors(f"get workspace {self.target.workspace}"):
                self._workspace_location = str(self.ml.workspaces.get(self.target.workspace).location)
        return self._workspace_location

    def _put_endpoint(self, request: tr.AzureMLRequest, *, traffic: dict[str, int] | None,
                      tags: dict[str, str]) -> str | None:
        body = tr.endpoint_rest(request, traffic=traffic, tags=tags, location=self._location())
        return self._begin(f"create or update endpoint {request.endpoint_name}",
                           lambda: client.rest_endpoints(self.ml).begin_create_or_update(
                               endpoint_name=request.endpoint_name, body=body, polling=False, **self._scope()),
                           target=lambda: self._endpoint(request.endpoint_name))

    def _put_deployment(self, request: tr.AzureMLRequest, d: tr.DeploymentRequest,
                        live: Any | None) -> str | None:
        """Register what the deployment references (anonymous environment, data assets: versions
        are immutable, so an existing one is kept), then PUT the deployment."""
        if d.inline_environment and self._asset(d.environment_id) is None:
            env = tr.environment_entity(d.inline_environment)
            with sdk_errors(f"register environment {env.name}:{env.version}"):
                self.ml.environments.create_or_update(env)
            self._forget(d.environment_id)
        for data in tr.data_assets(request, d):
            data_id = tr.arm_id(self.target, "data", data.name, data.version)
            if self._asset(data_id) is None:
                with sdk_errors(f"register data asset {data.name}:{data.version}"):
                    self.ml.data.create_or_update(data)
                self._forget(data_id)
        created = (getattr(live, "tags", None) or {}).get(own.TAG_CREATED) if live is not None else None
        if d.scaling is not None and live is not None:  # the autoscaler owns the count: keep it
            count = min(max(int(live.instance_count or 0), d.scaling.min_replicas), d.scaling.max_replicas)
            d = dataclasses.replace(d, instance_count=count)
        body = tr.deployment_rest(request, d, location=self._location(),
                                  extra_tags={own.TAG_CREATED: created or request.revision})
        return self._begin(f"create or update deployment {d.name}",
                           lambda: client.rest_deployments(self.ml).begin_create_or_update(
                               endpoint_name=request.endpoint_name, deployment_name=d.name, body=body,
                               polling=False, **self._scope()),
                           target=lambda: next((x for x in self._deployments(request.endpoint_name)
                                                if x.name == d.name), None))

    def _forget(self, asset_id: str) -> None:
        self._assets.drop(asset_id)

    def _reason(self, url: str, fallback: str) -> str:
        return failure_reason(url, self._bundle.credential, self._bundle.verify, fallback)

    def submit(self, request: tr.AzureMLRequest, pending: Sequence[str] = ()) -> Progress:
        waits = parse_pending(pending)
        name = request.endpoint_name
        endpoint = self._endpoint(name)
        if endpoint is not None and self._foreign(endpoint, request.owner):  # before any write
            raise not_owned("azureml", name, own.endpoint_stamps(dict(endpoint.tags or {})))
        if endpoint is None:
            url = self._put_endpoint(request, traffic=None, tags=request.create_tags)
            return Progress(False, (_pending("endpoint", url),), f"creating endpoint {name}")
        state = str(getattr(endpoint.provisioning_state, "value", endpoint.provisioning_state))
        if state in BUSY:
            return Progress(False, tuple(pending) or ("endpoint@",), f"endpoint {name} is {state}")
        if state == "Failed":
            if "endpoint" in waits:
                raise DeploymentFailed(self._reason(waits["endpoint"], f"endpoint {name} failed to provision"))
            served = own.TAG_REVISION in (endpoint.tags or {})
            url = self._put_endpoint(request, traffic=rv.traffic_of(endpoint) if served else None,
                                     tags=dict(endpoint.tags or {}) if served else request.create_tags)
            return Progress(False, (_pending("endpoint", url),), f"re-provisioning failed endpoint {name}")
        live = {d.name: d for d in self._deployments(name)}
        waiting: list[str] = []
        for d in request.deployments:
            key, current = f"deployment:{d.name}", live.get(d.name)
            status = getattr(current, "provisioning_state", None)
            if status in BUSY:
                waiting.append(pending_entry(key, waits.get(key, "")))
            elif status == "Failed" and key in waits:
                raise DeploymentFailed(self._reason(waits[key], f"deployment {d.name} failed to provision"))
            elif (current is None or status == "Failed"
                  or (key not in waits and rv.deployment_needs_update(request, d, current))):
                waiting.append(_pending(key, self._put_deployment(request, d, current)))
        if waiting:
            return Progress(False, tuple(waiting), f"waiting for deployments of {name}")
        if rv.traffic_of(endpoint) != request.traffic:
            url = self._put_endpoint(request, traffic=request.traffic, tags=dict(endpoint.tags or {}))
            return Progress(False, (_pending("endpoint", url),), f"shifting traffic of {name}")
        if (not rv.same_tags(dict(endpoint.tags or {}), request.tags)
                or str(endpoint.auth_mode).lower() != request.auth_mode):
            url = self._put_endpoint(request, traffic=request.traffic, tags=request.tags)
            return Progress(False, (_pending("endpoint", url),), f"stamping revision {request.revision}")
        return DONE

    def finalize(self, request: tr.AzureMLRequest, pending: Sequence[str] = ()) -> Progress:
        """Attach autoscaling (settings created/updated/deleted to match the revision), then
        delete this endpoint's deployments the revision no longer names (no traffic left)."""
        name = request.endpoint_name
        endpoint = self._endpoint(name)
        if endpoint is None:
            return DONE
        self.autoscale.sync(request, self._location())
        traffic = rv.traffic_of(endpoint)
        # the previous revision's deployments, and (the endpoint being ours) foreign ones: by now the
        # traffic is the request's, none on them
        stale = [d for d in self._deployments(name) if d.name not in request.deployment_names
                 and (request.owner is not None or (d.tags or {}).get(own.TAG_DEPLOYMENT) == name)]
        for d in stale:
            if d.provisioning_state not in BUSY and traffic.get(d.name, 0) == 0:
                self._delete_deployment(name, d.name)
        if stale:
            return Progress(False, tuple(f"delete:{d.name}@" for d in stale), "removing replaced deployments")
        return DONE

    def _delete_deployment(self, endpoint: str, deployment: str) -> None:
        try:
            self._begin(f"delete deployment {deployment}", lambda: client.rest_deployments(self.ml).begin_delete(
                endpoint_name=endpoint, deployment_name=deployment, polling=False, **self._scope()),
                target=lambda: next((d for d in self._deployments(endpoint) if d.name == deployment), None))
        except NotFound:
            pass

    def discard(self, request: tr.AzureMLRequest, pending: Sequence[str] = ()) -> Progress:
        name = request.endpoint_name
        endpoint = self._endpoint(name)
        if endpoint is None:
            return DONE
        if self._foreign(endpoint, request.owner):
            return DONE  # not ours: nothing of this rollout is on it, and it is never touched
        tags = dict(endpoint.tags or {})
        if own.TAG_REVISION not in tags:  # never served: this rollout created it
            return self.delete(name)
        if endpoint.provisioning_state in BUSY:
            return Progress(False, (), f"endpoint {name} is {endpoint.provisioning_state}")
        if endpoint.provisioning_state == "Failed":
            self._put_endpoint(request, traffic=rv.traffic_of(endpoint), tags=tags)
            return Progress(False, (), f"re-provisioning failed endpoint {name}")
        if tags.get(own.TAG_REVISION) == request.revision:
            return DONE  # the revision made it after all: keep it
        traffic = rv.traffic_of(endpoint)
        live = self._deployments(name)
        leftovers = [d for d in live
                     if (d.tags or {}).get(own.TAG_CREATED) == request.revision and traffic.get(d.name, 0) == 0]
        self.autoscale.delete_orphans(name, keep_targets={d.name for d in live} - {d.name for d in leftovers})
        for d in leftovers:
            if d.provisioning_state not in BUSY:
                self._delete_deployment(name, d.name)
        if leftovers:
            return Progress(False, tuple(f"delete:{d.name}@" for d in leftovers),
                            "removing the failed revision's deployments")
        return DONE

    def delete(self, name: str, pending: Sequence[str] = (), *, owner: Ownership | None = None) -> Progress:
        """Autoscale settings first (Azure keeps them when their deployment goes), then the
        endpoint (its deployments with it); progress is re-read with GETs. With ``owner``: an
        endpoint that is not its is left untouched, with every setting not stamped by the owner."""
        endpoint = self._endpoint(name)
        if endpoint is not None and self._foreign(endpoint, owner):
            assert owner is not None
            if self.autoscale.delete_orphans(name, keep_targets=set(), owner=owner.uid):
                return DONE
            return Progress(False, (), f"deleting the autoscale settings of {name}")
        self.autoscale.delete_orphans(name, keep_targets=set())
        if endpoint is None:
            return DONE
        if endpoint.provisioning_state not in BUSY:
            try:
                self._begin(f"delete endpoint {name}", lambda: client.rest_endpoints(self.ml).begin_delete(
                    endpoint_name=name, polling=False, **self._scope()), target=lambda: self._endpoint(name))
            except NotFound:
                return DONE
        return Progress(False, ("delete:endpoint@",), f"deleting endpoint {name}")

    # ---------------------------------------------------------------------------- data plane

    def invoke(self, name: str, query: TestQuery, *, timeout: float) -> InvokeResult:
        import requests

        endpoint = self._endpoint(name)
        if endpoint is None:
            raise NotFound(f"Azure ML endpoint {name} does not exist")
        with sdk_errors(f"get credentials of endpoint {name}"):
            keys = self.ml.online_endpoints.get_keys(name)
        token = getattr(keys, "primary_key", None) or getattr(keys, "access_token", None)
        body = query.body()
        with sdk_errors(f"score endpoint {name}"):
            response = requests.post(endpoint.scoring_uri, data=body, timeout=timeout,
                                     verify=self._bundle.verify,
                                     headers={"Content-Type": query.content_type,
                                              "Authorization": f"Bearer {token}"})
        deployment = response.headers.get("azureml-model-deployment")
        return InvokeResult(status=response.status_code, body=response.content,
                            content_type=response.headers.get("Content-Type"),
                            variant=(tr.variant_of(deployment) or deployment) if deployment else None)

