"""SageMaker adapter: boto3 calls only (the package docstring lists the other modules). Thin and
non-blocking: every method returns once SageMaker accepted the call.

Reads: a basic describe is ONE DescribeEndpoint; the endpoint config and models it names are
immutable and served from a per-adapter cache. A full describe re-reads config and models and adds
ListTags and DescribeScalableTargets.

Re-applying a revision the endpoint already runs (a reconcile) re-reads its models and config and
repairs any re-created behind our back under the same name (:mod:`.repair`): models are re-created
and the endpoint rolls onto the revision's twin config; ``finalize`` keeps whichever twin is in use.

Ownership (:mod:`.ownership`): ``stamps`` is DescribeEndpoint + ListTags; ``submit`` refuses an
endpoint (or a model/config of the request's names) stamped by another deployment before writing;
a describe reads the running config's tags (cached with it; fresh on a full describe) to tell a
config we did not write; ``delete``/``discard`` never touch an endpoint that is not the owner's.
Scaling policies are read by their exact resource id and name (one DescribeScalingPolicies per
registered target), never by variant name alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, ClassVar

from adapters.kit import create_or_adopt, missing_is_none
from adapters.sagemaker import CAPABILITIES
from adapters.sagemaker import ownership as own
from adapters.sagemaker import reverse as rv
from adapters.sagemaker import translate as tr
from adapters.sagemaker.client import Clients
from adapters.sagemaker.errors import sdk_errors
from adapters.sagemaker.repair import same_content, twin_config_names
from adapters.sagemaker.scaling import VariantScaling
from adapters.sagemaker.secrets import SecretReader
from core.adapter import DONE, Adapter, InvokeResult, Progress
from core.cache import ImmutableCache
from core.errors import Conflict, NotFound, NotOwned
from core.ownership import Ownership, Stamps, not_owned
from core.spec_env import SecretRef
from core.spec_policy import TestQuery
from core.targets import SageMakerTarget

__all__ = ["SageMakerAdapter"]

_BUSY = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}


class SageMakerAdapter(Adapter[tr.SageMakerRequest, rv.SageMakerDescribed]):
    """One AWS account + region. ``emulators``: sandbox map platform -> {"url": ...}."""

    capabilities = CAPABILITIES
    translate: ClassVar[ModuleType] = tr
    reverse: ClassVar[ModuleType] = rv
    secret_store = "aws_secrets_manager"

    def __init__(self, target: SageMakerTarget, *, emulators: Mapping[str, Any] | None = None,
                 read_timeout: float = 60.0) -> None:
        self.target = target
        self.clients = clients = Clients(target, (emulators or {}).get("sagemaker"), read_timeout=read_timeout)
        self.sm, self.runtime, self.scaling = clients.sm, clients.runtime, clients.scaling
        self.autoscaling = VariantScaling(self.scaling)
        self._secrets = SecretReader(clients.session, clients.kwargs, clients.config)
        self._configs = ImmutableCache()
        self._config_tags = ImmutableCache()
        self._models = ImmutableCache()

    # ---------------------------------------------------------------------------------- reads

    def _describe_endpoint(self, name: str) -> dict[str, Any] | None:
        try:
            with sdk_errors("DescribeEndpoint"):
                return self.sm.describe_endpoint(EndpointName=name)
        except NotFound:
            return None

    def _immutable(self, cache: ImmutableCache, action: str, call: Any, key: str, name: str,
                   fresh: bool) -> dict[str, Any] | None:
        """Describe an immutable object through ``cache`` (``fresh``: bypass it); None if missing."""
        def describe() -> dict[str, Any]:
            with sdk_errors(action):
                return dict(call(**{key: name}))

        return cache.read(name, missing_is_none(describe), fresh=fresh)

    def _config(self, name: str, *, fresh: bool = False) -> dict[str, Any] | None:
        return self._immutable(self._configs, "DescribeEndpointConfig", self.sm.describe_endpoint_config,
                               "EndpointConfigName", name, fresh)

    def _model(self, name: str, *, fresh: bool = False) -> dict[str, Any] | None:
        return self._immutable(self._models, "DescribeModel", self.sm.describe_model, "ModelName", name, fresh)

    def _tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        with sdk_errors("ListTags"):
            for page in self.sm.get_paginator("list_tags").paginate(ResourceArn=arn):
                tags |= {t["Key"]: t["Value"] for t in page.get("Tags", [])}
        return tags

    def _config_tags_of(self, config: dict[str, Any], *, fresh: bool) -> dict[str, str] | None:
        """The tags of an endpoint config (cached with it; ``fresh``: re-read); None if gone.

        Cached per config ARN AND creation time: a config deleted and re-created under the same
        name (a deployment deleted and applied again, whose new owner stamp differs) is a new
        entry as soon as the config itself is read again (any delete drops it from ``_configs``)."""
        arn = str(config.get("EndpointConfigArn") or "")
        key = f"{arn}@{config.get('CreationTime', '')}"
        tags = self._config_tags.read(key, missing_is_none(lambda: self._tags(arn)), fresh=fresh)
        return None if tags is None else dict(tags)

    def stamps(self, name: str) -> Stamps | None:
        """DescribeEndpoint + ListTags of the endpoint."""
        endpoint = self._describe_endpoint(name)
        if endpoint is None:
            return None
        return own.endpoint_stamps(self._tags(endpoint["EndpointArn"]))

    def describe(self, name: str, *, full: bool = True) -> rv.SageMakerDescribed | None:
        endpoint = self._describe_endpoint(name)
        if endpoint is None:
            return None
        described = rv.SageMakerDescribed(endpoint=endpoint, region=self.target.region)
        config_name = endpoint.get("EndpointConfigName")
        if config_name:
            described.config = self._config(config_name, fresh=full)
        if described.config is not None:
            described.config_tags = self._config_tags_of(described.config, fresh=full)
            for pv in described.config.get("ProductionVariants", []):
                described.models[pv["ModelName"]] = self._model(pv["ModelName"], fresh=full)
            if full:
                names = [pv["VariantName"] for pv in described.config["ProductionVariants"]]
                described.scaling = self.autoscaling.targets(name, names, policies=True)
        if full:
            described.tags = self._tags(endpoint["EndpointArn"])
        return described

    # --------------------------------------------------------------------------------- writes

    def submit(self, request: tr.SageMakerRequest, pending: Sequence[str] = ()) -> Progress:
        """One step: SageMaker rolls an update out itself, so this is always done at once."""
        self._submit(request)
        return DONE

    def _guard(self, endpoint: dict[str, Any] | None, request: tr.SageMakerRequest) -> dict[str, str] | None:
        """Before any write: NotOwned unless the endpoint (when it exists) is the request owner's
        (and, for a new endpoint, unless the models/config it would reuse by name are not another
        deployment's); the endpoint's tags when read."""
        if request.owner is None:
            return None
        if endpoint is None:
            for arn, what in self._reused(request):
                stamp = self._tags(arn).get(own.TAG_OWNER)
                if stamp is not None and stamp != request.owner.uid:
                    raise NotOwned(f"{what} exists and belongs to another deployment (owner stamp {stamp!r}); "
                                   f"the service never writes to or reuses a resource it does not own: delete "
                                   f"it, or choose another deployment name",
                                   details={"resource": what, "owner_stamp": stamp})
            return None
        tags = self._tags(endpoint["EndpointArn"])
        stamps = own.endpoint_stamps(tags)
        if not request.owner.owns(stamps):
            raise not_owned("sagemaker", request.endpoint_name, stamps)
        return tags

    def _reused(self, request: tr.SageMakerRequest) -> list[tuple[str, str]]:
        """(ARN, description) of the request's models and config that exist already."""
        found = [(m["ModelArn"], f"model {m['ModelName']}") for m in
                 (self._model(model["ModelName"]) for model in request.models) if m is not None]
        config = self._config(request.config_name)
        if config is not None:
            found.append((config["EndpointConfigArn"], f"endpoint config {request.config_name}"))
        return found

    def _submit(self, request: tr.SageMakerRequest) -> None:
        endpoint = self._describe_endpoint(request.endpoint_name)
        tags = self._guard(endpoint, request)  # nothing is written before this
        for model in request.models:
            if self._model(model["ModelName"]) is None:
                self._create("CreateModel", self.sm.create_model, model)
        seen = endpoint or {}
        pending = (seen.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
        on_revision = bool({pending, seen.get("EndpointConfigName")} & set(twin_config_names(request.config_name)))
        if not on_revision and self._config(request.config_name) is None:
            self._create("CreateEndpointConfig", self.sm.create_endpoint_config, request.endpoint_config)
        if endpoint is None:
            self._create("CreateEndpoint", self.sm.create_endpoint, request.endpoint)
            return
        status = endpoint["EndpointStatus"]
        if on_revision and status != "Failed":
            # Already rolling out or serving this revision (a retried submit, or a reconcile):
            # repair models/configs re-created behind our back, else restore what can drift on a
            # serving endpoint, weights/capacities and tags.
            if status == "InService" and pending is None and not self._repair(endpoint, request):
                self._restore_runtime(endpoint, request)
            self._sync_tags(endpoint["EndpointArn"], request.endpoint["Tags"], live=tags)
            return
        if status == "Failed":
            raise Conflict(
                f"endpoint {request.endpoint_name} is Failed and SageMaker cannot update a failed "
                f"endpoint: delete the deployment and apply again "
                f"(failure reason: {endpoint.get('FailureReason') or 'none given'})")
        if status in _BUSY:
            raise Conflict(f"endpoint {request.endpoint_name} is {status}; SageMaker accepts an "
                           f"update only when it is InService")
        self._deregister_changed_scaling(endpoint, request)
        with sdk_errors("UpdateEndpoint"):
            self.sm.update_endpoint(EndpointName=request.endpoint_name,
                                    EndpointConfigName=request.config_name,
                                    RetainAllVariantProperties=False)
        self._sync_tags(endpoint["EndpointArn"], request.endpoint["Tags"], live=tags)

    def _repair(self, endpoint: dict[str, Any], request: tr.SageMakerRequest) -> bool:
        """Re-read the revision's models and the endpoint's config (:mod:`.repair`); any whose
        content is not the request's was re-created behind our back: re-create those models, then
        roll the endpoint onto the twin config, re-created with the request's content. True when
        a repair rollout was started."""
        repaired = False
        for model in request.models:
            live = self._model(model["ModelName"], fresh=True)
            if live is None or not same_content(model, live):
                self._delete_quietly("DeleteModel", self.sm.delete_model, ModelName=model["ModelName"])
                self._models.drop(model["ModelName"])
                self._create("CreateModel", self.sm.create_model, model)
                repaired = True
        current = endpoint["EndpointConfigName"]
        config = self._config(current, fresh=True)
        if not repaired and config is not None and same_content(request.endpoint_config, config):
            return False
        target = next(n for n in twin_config_names(request.config_name) if n != current)
        self._delete_quietly("DeleteEndpointConfig", self.sm.delete_endpoint_config, EndpointConfigName=target)
        self._configs.drop(target)
        self._create("CreateEndpointConfig", self.sm.create_endpoint_config,
                     {**request.endpoint_config, "EndpointConfigName": target})
        self._deregister_changed_scaling(endpoint, request)
        with sdk_errors("UpdateEndpoint"):
            self.sm.update_endpoint(EndpointName=request.endpoint_name, EndpointConfigName=target,
                                    RetainAllVariantProperties=False)
        return True

    def _restore_runtime(self, endpoint: dict[str, Any], request: tr.SageMakerRequest) -> None:
        """UpdateEndpointWeightsAndCapacities back to the config's weights and (for variants
        without autoscaling, whose count the autoscaler does not own) instance counts."""
        changes = rv.runtime_changes(request, endpoint)
        if changes:
            with sdk_errors("UpdateEndpointWeightsAndCapacities"):
                self.sm.update_endpoint_weights_and_capacities(
                    EndpointName=request.endpoint_name, DesiredWeightsAndCapacities=changes)

    def _create(self, action: str, call: Any, params: dict[str, Any]) -> None:
        """Create, treating "already exists" as success (a retried or concurrent create)."""
        def send() -> None:
            with sdk_errors(action):
                call(**params)

        create_or_adopt(send)

    def _sync_tags(self, arn: str, tags: list[dict[str, str]], *, live: dict[str, str] | None = None) -> None:
        """The resource's tags set to ``tags`` (``live``: its tags, when just read)."""
        wanted = {t["Key"]: t["Value"] for t in tags}
        live = self._tags(arn) if live is None else live
        stale = [k for k in live if k not in wanted and not k.startswith("aws:")]
        if stale:
            with sdk_errors("DeleteTags"):
                self.sm.delete_tags(ResourceArn=arn, TagKeys=stale)
        changed = [{"Key": k, "Value": v} for k, v in wanted.items() if live.get(k) != v]
        if changed:
            with sdk_errors("AddTags"):
                self.sm.add_tags(ResourceArn=arn, Tags=changed)

    def _deregister_changed_scaling(self, endpoint: dict[str, Any], request: tr.SageMakerRequest) -> None:
        """SageMaker refuses an update that changes the instance type of (or removes) an autoscaled
        variant: deregister those first; ``finalize`` registers the new bounds."""
        current = self._config(endpoint.get("EndpointConfigName") or "")
        if current is None:
            return
        new = {pv["VariantName"]: pv["InstanceType"] for pv in request.endpoint_config["ProductionVariants"]}
        changed = [pv["VariantName"] for pv in current["ProductionVariants"]
                   if new.get(pv["VariantName"]) != pv["InstanceType"]]
        self.autoscaling.deregister(request.endpoint_name, changed)

    def finalize(self, request: tr.SageMakerRequest, pending: Sequence[str] = ()) -> Progress:
        self.autoscaling.attach(request)
        self.autoscaling.deregister(request.endpoint_name, list(request.fixed_variants))
        endpoint = self._describe_endpoint(request.endpoint_name) or {}
        twins = twin_config_names(request.config_name)
        current = endpoint.get("EndpointConfigName")
        self._sweep(request.endpoint_name, keep_configs={current if current in twins else request.config_name},
                    keep_models=request.model_names, owner=request.owner)
        return DONE

    def _foreign(self, endpoint: dict[str, Any], owner: Ownership | None) -> bool:
        """Whether ``endpoint`` is not ``owner``'s (False without an owner to check)."""
        return owner is not None and not owner.owns(own.endpoint_stamps(self._tags(endpoint["EndpointArn"])))

    def delete(self, name: str, pending: Sequence[str] = (), *, owner: Ownership | None = None) -> Progress:
        """DeleteEndpoint (scaling targets first), then, once it is gone, this deployment's configs
        and models. SageMaker names no operation: progress is re-read, ``pending`` stays empty."""
        endpoint = self._describe_endpoint(name)
        if endpoint is not None and self._foreign(endpoint, owner):
            # not ours: left untouched, with the config and models it runs; our leftovers go
            in_use = {pv["ModelName"] for pv in (self._config(endpoint.get("EndpointConfigName") or "")
                                                  or {}).get("ProductionVariants", [])}
            self._sweep(name, keep_configs={endpoint.get("EndpointConfigName") or ""},
                        keep_models=frozenset(in_use), owner=owner)
            return DONE
        if endpoint is not None:
            if endpoint["EndpointStatus"] != "Deleting":
                names = [pv["VariantName"] for pv in (self._config(endpoint.get("EndpointConfigName") or "")
                                                       or {}).get("ProductionVariants", [])]
                self.autoscaling.deregister(name, names)
                try:
                    with sdk_errors("DeleteEndpoint"):
                        self.sm.delete_endpoint(EndpointName=name)
                except NotFound:
                    pass
            return Progress(False, (), f"deleting endpoint {name}")
        self._sweep(name, keep_configs=set(), keep_models=frozenset(), owner=owner)
        return DONE

    def discard(self, request: tr.SageMakerRequest, pending: Sequence[str] = ()) -> Progress:
        endpoint = self._describe_endpoint(request.endpoint_name)
        if endpoint is None:
            self._sweep(request.endpoint_name, keep_configs=set(), keep_models=frozenset(), owner=request.owner)
            return DONE
        if self._foreign(endpoint, request.owner):
            return DONE  # not ours: nothing of this rollout is on it, and it is never touched
        current = endpoint.get("EndpointConfigName") or ""
        status = endpoint["EndpointStatus"]
        if current in twin_config_names(request.config_name):
            if status == "Failed":
                return self.delete(request.endpoint_name)
            if status == "Deleting":
                return Progress(False, (), f"endpoint {request.endpoint_name} is Deleting")
            return DONE  # it is serving this revision: keep
        if status in _BUSY:
            return Progress(False, (), f"endpoint {request.endpoint_name} is {status}")
        in_use = {pv["ModelName"] for pv in (self._config(current) or {}).get("ProductionVariants", [])}
        self._sweep(request.endpoint_name, keep_configs={current}, keep_models=frozenset(in_use), owner=request.owner)
        return DONE

    # ------------------------------------------------------------------------------ cleanup

    def _sweep(self, name: str, *, keep_configs: set[str], keep_models: frozenset[str],
               owner: Ownership | None = None) -> None:
        """Delete the endpoint configs and models of ``name`` that are not kept (with ``owner``:
        never one stamped by another deployment)."""
        config_pattern = re.compile(re.escape(name) + r"-[0-9a-f]{12}(-[0-9a-f]{8})?")
        with sdk_errors("ListEndpointConfigs"):
            pages = self.sm.get_paginator("list_endpoint_configs").paginate(NameContains=name)
            configs = [(c["EndpointConfigName"], c["EndpointConfigArn"]) for p in pages for c in p["EndpointConfigs"]]
        for config, arn in configs:
            if config_pattern.fullmatch(config) and config not in keep_configs:
                if owner is not None and self._tags(arn).get(own.TAG_OWNER) not in (None, owner.uid):
                    continue  # another deployment's config whose name happens to match
                self._delete_quietly("DeleteEndpointConfig", self.sm.delete_endpoint_config,
                                     EndpointConfigName=config)
                self._configs.drop(config)
        model_pattern = re.compile(re.escape(name) + r"-[a-z0-9-]+-[0-9a-f]{8}")
        with sdk_errors("ListModels"):
            pages = self.sm.get_paginator("list_models").paginate(NameContains=name)
            models = [(m["ModelName"], m["ModelArn"]) for p in pages for m in p["Models"]]
        for model, arn in models:
            if not model_pattern.fullmatch(model) or model in keep_models:
                continue
            tags = self._tags(arn)
            if tags.get(tr.TAG_DEPLOYMENT) != name or (
                    owner is not None and tags.get(own.TAG_OWNER) not in (None, owner.uid)):
                continue  # another deployment's model whose name happens to match
            self._delete_quietly("DeleteModel", self.sm.delete_model, ModelName=model)
            self._models.drop(model)

    @staticmethod
    def _delete_quietly(action: str, call: Any, **params: Any) -> None:
        try:
            with sdk_errors(action):
                call(**params)
        except NotFound:
            pass

    # ------------------------------------------------------------------------------- secrets

    def read_secret(self, ref: SecretRef) -> str:
        """AWS Secrets Manager ARNs (SageMaker cannot reference a secret itself): see
        :mod:`adapters.sagemaker.secrets`."""
        return self._secrets.read(ref)

    # ---------------------------------------------------------------------------- data plane

    def invoke(self, name: str, query: TestQuery, *, timeout: float) -> InvokeResult:
        body = query.body()
        client = self.clients.runtime_for(timeout)
        with sdk_errors("InvokeEndpoint"):
            try:
                response = client.invoke_endpoint(
                    EndpointName=name, Body=body, ContentType=query.content_type, Accept="*/*")
            except client.exceptions.ModelError as exc:  # the container answered non-2xx
                return InvokeResult(status=int(exc.response.get("OriginalStatusCode") or 424),
                                    body=str(exc.response.get("OriginalMessage") or "").encode())
        return InvokeResult(status=200, body=response["Body"].read(),
                            content_type=response.get("ContentType"),
                            variant=response.get("InvokedProductionVariant"))
