"""Vertex AI adapter: GAPIC ``aiplatform_v1`` calls only (REST transport); the package docstring
lists the other modules.

Non-blocking and convergent: each ``submit``/``finalize`` call first polls the operations the
previous call returned, then re-reads the endpoint and starts the next step of what is still
missing, and returns the new operations' tr. Steps of ``submit``:

1. UploadModel for every missing Model, CreateEndpoint if missing (in parallel);
2. DeployModel for each new DeployedModel, one at a time (Vertex runs one deployment change per
   endpoint at a time); the first on an empty endpoint takes all traffic, later ones none;
3. MutateDeployedModel where a kept DeployedModel's replicas/autoscaling differ;
4. UpdateEndpoint (not an LRO): traffic split, labels incl. the revision stamp, logging, timeout.

``finalize`` undeploys the DeployedModels the request does not name (they carry no traffic after
step 4) and deletes this deployment's Models nothing deploys. ``discard`` and ``delete`` step the
same way. The adapter holds no in-flight state: every operation it waits on comes in through
``pending`` and goes out through ``Progress.pending``.

Reads: a basic describe is ONE GetEndpoint; Models are immutable and cached by resource id.

Ownership (:mod:`.ownership`): ``submit`` reads the endpoint before anything else and refuses
(NotOwned) one not stamped by the request's owner, or a Model id of the request stamped by another
deployment; ``finalize`` undeploys every deployed model the request does not name, foreign ones
included (the endpoint is ours); ``discard``/``delete`` never touch an endpoint that is not the
owner's, and delete only Models stamped by it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, ClassVar

from google.cloud.aiplatform_v1 import types

from adapters.kit import create_or_adopt, missing_is_none
from adapters.vertex import CAPABILITIES, operations, prediction
from adapters.vertex import ownership as own
from adapters.vertex import reverse as rv
from adapters.vertex import translate as tr
from adapters.vertex.client import CallPolicy, Clients, message, to_dict
from adapters.vertex.errors import sdk_errors
from adapters.vertex.secrets import SecretReader
from core.adapter import DONE, Adapter, InvokeResult, Progress
from core.cache import ImmutableCache
from core.errors import (
    NotFound,
    NotOwned,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
)
from core.ownership import Ownership, Stamps, not_owned
from core.spec_env import SecretRef
from core.spec_policy import TestQuery
from core.targets import VertexTarget

__all__ = ["VertexAdapter"]

_NAMED_OPERATION = re.compile(r"projects/[^/\s]+/locations/[^/\s]+/(?:[^\s:]+/)?operations/\d+")
"""An operation name quoted in a refusal ("... has an operation in progress: <name>. Wait ...")."""


class VertexAdapter(Adapter[tr.VertexRequest, rv.VertexDescribed]):
    """One Google Cloud project + region. ``emulators``: sandbox map platform -> {"url": ...};
    ``policy``: per-call timeout and retry (tests pass a fast one)."""

    capabilities = CAPABILITIES
    translate: ClassVar[ModuleType] = tr
    reverse: ClassVar[ModuleType] = rv
    secret_store = "gcp_secret_manager"

    def __init__(self, target: VertexTarget, *, emulators: Mapping[str, Any] | None = None,
                 policy: CallPolicy | None = None) -> None:
        self.target = target
        emulator = (emulators or {}).get("vertex")
        self.clients = Clients(target, emulator, policy or CallPolicy.for_emulator(emulator))
        self._secrets = SecretReader(self.clients)
        self._models = ImmutableCache()

    # ----------------------------------------------------------------------------------- pure

    def stamps(self, name: str) -> Stamps | None:
        """One GetEndpoint: its labels."""
        endpoint = self._endpoint(name)
        return None if endpoint is None else own.endpoint_stamps(dict(endpoint.get("labels") or {}))

    def _foreign(self, endpoint: dict[str, Any], owner: Ownership | None) -> bool:
        """Whether ``endpoint`` is not ``owner``'s (False without an owner to check)."""
        return owner is not None and not owner.owns(own.endpoint_stamps(dict(endpoint.get("labels") or {})))

    def _guard(self, endpoint: dict[str, Any] | None, request: tr.VertexRequest) -> None:
        """Before any write: NotOwned when the endpoint is not the request owner's, or when a Model
        id the request would reuse is stamped by another deployment."""
        if request.owner is None:
            return
        if endpoint is not None and self._foreign(endpoint, request.owner):
            raise not_owned("vertex", request.name, own.endpoint_stamps(dict(endpoint.get("labels") or {})))
        for plan in request.variants:
            model = self._model(plan.model_id)
            stamp = None if model is None else own.model_owner(model)
            if stamp is not None and stamp != request.owner.uid:
                raise NotOwned(f"model {plan.model_id} exists and belongs to another deployment (owner stamp "
                               f"{stamp!r}); the service never reuses a resource it does not own: delete it, "
                               f"or choose another deployment name",
                               details={"resource": f"model {plan.model_id}", "owner_stamp": stamp})

    # ---------------------------------------------------------------------------------- calls

    def _parent(self) -> str:
        return tr.parent(self.target.project, self.target.location)

    def _endpoint_name(self, name: str) -> str:
        return tr.endpoint_name(self.target.project, self.target.location, name)

    def _start(self, action: str, method: Any, request_type: str, body: Mapping[str, Any]) -> str | None:
        """Start an LRO; its name, or None when Vertex answers Conflict (already done or running:
        a retried call after a crash; the next read of the resource tells which). A change on an
        endpoint refused because another one runs there is answered with that one (:meth:`_call_or_adopt`)."""
        request = message(getattr(types, request_type), body)
        if body.get("endpoint"):
            return self._call_or_adopt(action, method, request, str(body["endpoint"]))
        return create_or_adopt(lambda: operations.name_of(self.clients.call(action, method, request)))

    def _call_or_adopt(self, action: str, method: Any, request: Any, resource: str) -> str | None:
        """Start an LRO that changes ``resource``; its name, None on Conflict (as :meth:`_start`).

        Vertex refuses a change on a model or endpoint while another operation changes it
        (FAILED_PRECONDITION, "has an operation in progress"). A step meets that when it is
        repeated after its previous attempt started the operation but its ``Progress`` was never
        stored (the process stopped in between, or the answer was lost and the call retried). On
        such a refusal (not throttling/auth) the operation running on ``resource`` is returned to
        be waited for like one of ours: the first of ListOperations ``done=false`` under the
        resource, else the one the refusal names (delete operations live under the location, not
        the resource). When none runs any more, the call is sent once more and its error raised.
        """
        for attempt in range(2):
            try:
                return create_or_adopt(lambda: operations.name_of(self.clients.call(action, method, request)))
            except (ProviderUnavailable, ProviderAuthError):
                raise
            except ProviderError as exc:
                try:
                    found = self.clients.call("ListOperations", self.clients.endpoints.list_operations,
                                              {"name": resource, "filter": "done=false"})
                except NotFound:
                    found = None
                running = [str(op.name) for op in (found.operations if found else ()) if not op.done]
                named = _NAMED_OPERATION.search(exc.message)
                if not running and named:  # e.g. a DeleteEndpoint: its operation lives under the location
                    running = [named.group(0)]
                if running:
                    return running[0]
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _endpoint(self, name: str) -> dict[str, Any] | None:
        try:
            found = self.clients.call("GetEndpoint", self.clients.endpoints.get_endpoint,
                                      {"name": self._endpoint_name(name)})
        except NotFound:
            return None
        return to_dict(found)

    def _model(self, model_id: str, *, fresh: bool = False) -> dict[str, Any] | None:
        """A Model (immutable) by resource id, cached (``fresh``: re-read); None when missing."""
        def get() -> dict[str, Any]:
            return to_dict(self.clients.call("GetModel", self.clients.models.get_model, {
                "name": tr.model_name(self.target.project, self.target.location, model_id)}))

        return self._models.read(model_id, missing_is_none(get), fresh=fresh)

    def _list_models(self, deployment: str) -> list[dict[str, Any]]:
        """This deployment's Models (found by their deployment label)."""
        request = {"parent": self._parent(),
                   "filter": f"labels.{tr.LABEL_DEPLOYMENT}={deployment}"}
        with sdk_errors("ListModels"):
            pager = self.clients.call("ListModels", self.clients.models.list_models, request)
            return [to_dict(m) for m in pager]

    # ---------------------------------------------------------------------------------- reads

    def describe(self, name: str, *, full: bool = True) -> rv.VertexDescribed | None:
        endpoint = self._endpoint(name)
        if endpoint is None:
            return None
        described = rv.VertexDescribed(endpoint=endpoint, target=self.target)
        for dm in endpoint.get("deployedModels") or []:
            model_id = tr.resource_id(dm.get("model", ""))
            if model_id not in described.models:
                described.models[model_id] = self._model(model_id, fresh=full)
        return described

    # --------------------------------------------------------------------------------- submit

    def submit(self, request: tr.VertexRequest, pending: Sequence[str] = ()) -> Progress:
        running = operations.poll(self.clients, pending, what="rollout")
        if running:
            return Progress(False, tuple(running), "waiting for Vertex AI operations")
        endpoint = self._endpoint(request.name)
        self._guard(endpoint, request)  # nothing is written before this
        started: list[str | None] = []
        missing = [p for p in request.variants if self._model(p.model_id) is None]
        for plan in missing:
            started.append(self._start("UploadModel", self.clients.models.upload_model,
                                       "UploadModelRequest", request.upload_model(plan)))
        if endpoint is None:
            started.append(self._start("CreateEndpoint", self.clients.endpoints.create_endpoint,
                                       "CreateEndpointRequest", request.create_endpoint()))
        if started:
            what = ", ".join([f"uploading {p.model_id}" for p in missing]
                             + (["creating the endpoint"] if endpoint is None else []))
            return self._progress(started, what)
        assert endpoint is not None
        deployed = {dm["id"]: dm for dm in endpoint.get("deployedModels") or []}
        for plan in request.variants:
            if plan.deployed_model_id not in deployed:
                op = self._start("DeployModel", self.clients.endpoints.deploy_model,
                                 "DeployModelRequest", request.deploy_model(plan, first=not deployed))
                return self._progress([op], f"deploying variant {plan.variant}")
        for plan in request.variants:
            if rv.scaling_needs_update(deployed[plan.deployed_model_id], plan):
                op = self._start("MutateDeployedModel", self.clients.endpoints.mutate_deployed_model,
                                 "MutateDeployedModelRequest", request.mutate_deployed_model(plan))
                return self._progress([op], f"resizing variant {plan.variant}")
        if rv.endpoint_needs_update(endpoint, request):
            body = request.update_endpoint()
            self.clients.call("UpdateEndpoint", self.clients.endpoints.update_endpoint,
                              message(types.UpdateEndpointRequest, body))
        return DONE

    @staticmethod
    def _progress(started: Sequence[str | None], what: str) -> Progress:
        return Progress(False, tuple(op for op in started if op), what)

    # ------------------------------------------------------------------------------- finalize

    def finalize(self, request: tr.VertexRequest, pending: Sequence[str] = ()) -> Progress:
        running = operations.poll(self.clients, pending, what="cleanup")
        if running:
            return Progress(False, tuple(running), "waiting for Vertex AI operations")
        endpoint = self._endpoint(request.name)
        if endpoint is None:
            return DONE
        for dm in endpoint.get("deployedModels") or []:
            if dm["id"] not in request.deployed_ids:
                op = self._undeploy(endpoint, dm)
                return self._progress([op], f"undeploying {dm.get('displayName')} ({dm['id']})")
        in_use = self._deployed_model_ids(endpoint) | request.model_ids
        started = self._delete_models(request.name, keep=in_use, owner=request.owner)
        return self._progress(started, "deleting the previous revision's models") if started else DONE

    @staticmethod
    def _deployed_model_ids(endpoint: dict[str, Any]) -> frozenset[str]:
        return frozenset(tr.resource_id(dm.get("model", ""))
                         for dm in endpoint.get("deployedModels") or [])

    def _undeploy(self, endpoint: dict[str, Any], dm: dict[str, Any]) -> str | None:
        """UndeployModel; traffic it still carries moves to the remaining deployed model with the
        most traffic (Vertex refuses to undeploy a model with traffic otherwise)."""
        body: dict[str, Any] = {"endpoint": endpoint["name"], "deployedModelId": dm["id"]}
        traffic = rv.traffic_of(endpoint)
        share = traffic.pop(dm["id"], 0)
        others = [d["id"] for d in endpoint.get("deployedModels") or [] if d["id"] != dm["id"]]
        if share and others:
            heir = max(others, key=lambda i: traffic.get(i, 0))
            traffic[heir] = traffic.get(heir, 0) + share
            body["trafficSplit"] = traffic
        return self._start("UndeployModel", self.clients.endpoints.undeploy_model,
                           "UndeployModelRequest", body)

    def _delete_models(self, deployment: str, *, keep: frozenset[str], owner: Ownership | None = None) -> list[str]:
        """Start DeleteModel for this deployment's Models not in ``keep`` (with ``owner``: never one
        stamped by another deployment); the started operations."""
        started = []
        for model in self._list_models(deployment):
            model_id = tr.resource_id(model["name"])
            if model_id in keep or (owner is not None and own.model_owner(model) not in (None, owner.uid)):
                continue
            self._models.drop(model_id)
            try:  # a DeleteModel from before a restart may still run: wait for it
                op = self._call_or_adopt("DeleteModel", self.clients.models.delete_model,
                                         {"name": model["name"]}, model["name"])
            except NotFound:
                continue
            if op is not None:
                started.append(op)
        return started

    # ------------------------------------------------------------------------ discard / delete

    def _cleanup_running(self, name: str, pending: Sequence[str]) -> list[str]:
        """The operations of ``pending`` still running; ProviderError for one that failed."""
        running = []
        for op in pending:
            done, error = operations.state(self.clients, op)
            if error is not None:
                raise ProviderError(f"Vertex AI cleanup of {name} failed: {error}", details={"operation": op})
            if not done:
                running.append(op)
        return running

    def discard(self, request: tr.VertexRequest, pending: Sequence[str] = ()) -> Progress:
        """Never served (the creation label is still there): delete it all. Otherwise keep the
        deployed models of the revision it serves (its ``deploy-anywhere-dm-*`` labels) and any
        carrying traffic; undeploy the rest, then delete the Models nothing deploys."""
        name = request.name
        running = self._cleanup_running(name, pending)
        if running:
            return Progress(False, tuple(running), "waiting for Vertex AI operations")
        endpoint = self._endpoint(name)
        if endpoint is None:
            started = self._delete_models(name, keep=frozenset(), owner=request.owner)
            return self._progress(started, "deleting the rollout's models") if started else DONE
        if self._foreign(endpoint, request.owner):
            return DONE  # not ours: nothing of this rollout is on it, and it is never touched
        labels = endpoint.get("labels") or {}
        served = labels.get(tr.LABEL_REVISION)
        if not served and tr.LABEL_CREATED in labels:
            return self.delete(name)
        if served == request.revision:
            return DONE  # it serves this revision: nothing to undo
        keep = {k.removeprefix(tr.LABEL_DEPLOYED_PREFIX) for k in labels
                if k.startswith(tr.LABEL_DEPLOYED_PREFIX)}
        traffic = rv.traffic_of(endpoint)
        for dm in endpoint.get("deployedModels") or []:
            if dm["id"] not in keep and not traffic.get(dm["id"]):
                return self._progress([self._undeploy(endpoint, dm)],
                                      f"undeploying {dm.get('displayName')} ({dm['id']})")
        started = self._delete_models(name, keep=self._deployed_model_ids(endpoint), owner=request.owner)
        return self._progress(started, "deleting the rollout's models") if started else DONE

    def delete(self, name: str, pending: Sequence[str] = (), *, owner: Ownership | None = None) -> Progress:
        """Undeploy everything (least traffic first, moving what it carries), delete the
        endpoint, then this deployment's Models (found by label). With ``owner``: an endpoint that
        is not its is left untouched (and the Models deployed on it)."""
        running = self._cleanup_running(name, pending)
        if running:
            return Progress(False, tuple(running), "waiting for Vertex AI operations")
        endpoint = self._endpoint(name)
        if endpoint is not None and self._foreign(endpoint, owner):
            started = self._delete_models(name, keep=self._deployed_model_ids(endpoint), owner=owner)
            return self._progress(started, "deleting this deployment's models") if started else DONE
        if endpoint is not None:
            deployed = endpoint.get("deployedModels") or []
            if deployed:
                traffic = rv.traffic_of(endpoint)
                least = min(deployed, key=lambda d: traffic.get(d["id"], 0))
                return self._progress([self._undeploy(endpoint, least)],
                                      f"undeploying {least.get('displayName')} ({least['id']})")
            try:
                op = self._call_or_adopt("DeleteEndpoint", self.clients.endpoints.delete_endpoint,
                                         {"name": endpoint["name"]}, endpoint["name"])
            except NotFound:
                op = None
            return self._progress([op], f"deleting endpoint {name}")
        started = self._delete_models(name, keep=frozenset(), owner=owner)
        return self._progress(started, "deleting this deployment's models") if started else DONE

    # ------------------------------------------------------------------------------- secrets

    def read_secret(self, ref: SecretRef) -> str:
        """Google Secret Manager versions (a Vertex AI container spec cannot reference one
        itself): see :mod:`adapters.vertex.secrets`."""
        return self._secrets.read(ref)

    # ---------------------------------------------------------------------------- data plane

    def invoke(self, name: str, query: TestQuery, *, timeout: float) -> InvokeResult:
        return prediction.invoke(self.clients, self._endpoint_name(name), query, timeout=timeout)
