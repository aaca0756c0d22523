"""EndpointService (deployed models): DeployModel, UndeployModel, MutateDeployedModel.

All three are long-running; each is validated synchronously against the endpoint's state, refused
(``FAILED_PRECONDITION``) while another operation on the endpoint runs, and named
``projects/{number}/locations/{l}/endpoints/{id}/operations/{n}``. Effects apply at completion.

Contracts
---------
- DeployModel: ``deployed_model.model`` must name an existing model (``NOT_FOUND``), by project id or
  number, optionally ``@1`` / ``@alias``; only ``dedicated_resources`` are accepted (custom models);
  ``machine_type`` defaults to ``n1-standard-2`` and ``max_replica_count`` to ``min_replica_count``;
  ``id`` (1-10 digits) must be new on the endpoint (``ALREADY_EXISTS``), else a 19-digit id is
  generated. A non-empty ``traffic_split`` must sum to 100 over deployed ids plus ``"0"`` (the new
  model) and replaces the endpoint's; an empty one leaves it as it is (the new model gets no traffic).
  A failure configured for the endpoint (control API ``fail_endpoint``; phase ``create`` when the
  endpoint has no deployed model, else ``update``; looked up when the DeployModel starts) ends the
  operation with that error and no effect.
- UndeployModel: refused while the model still has traffic and other models remain, unless the
  request's ``traffic_split`` gives it 0; undeploying the last model empties the traffic split.
- MutateDeployedModel: mask paths limited to :data:`MUTABLE_DEPLOYED_MODEL_PATHS`; anything else
  (machine, accelerator, model, ...) is refused: deploy a new DeployedModel instead.
"""

from __future__ import annotations

from google.cloud import aiplatform_v1 as v1
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from .errors import already_exists, failed_precondition, invalid_argument, not_found
from .lifecycle import Operation
from .models import resolve_model
from .names import parse_model_ref
from .state import State
from .validation import (
    apply_resource_defaults,
    check_dedicated_resources,
    check_deployed_model_id,
    check_traffic_split,
)
from .wire import timestamp

__all__ = ["MUTABLE_DEPLOYED_MODEL_PATHS", "DeploymentService"]

MUTABLE_DEPLOYED_MODEL_PATHS: tuple[str, ...] = (
    "dedicated_resources.min_replica_count",
    "dedicated_resources.max_replica_count",
    "dedicated_resources.required_replica_count",
    "dedicated_resources.autoscaling_metric_specs",
    "disable_container_logging",
)
_DEPLOYED_MODEL = v1.DeployedModel.pb()
_MODEL_REF = v1.DeployedModelRef.pb()
_DEPLOY_METADATA = v1.DeployModelOperationMetadata.pb()
_DEPLOY_RESPONSE = v1.DeployModelResponse.pb()
_UNDEPLOY_METADATA = v1.UndeployModelOperationMetadata.pb()
_UNDEPLOY_RESPONSE = v1.UndeployModelResponse.pb()
_MUTATE_METADATA = v1.MutateDeployedModelOperationMetadata.pb()
_MUTATE_RESPONSE = v1.MutateDeployedModelResponse.pb()
_STARTING_DEPLOYMENT = 5


def _copy(deployed: Message) -> Message:
    copied = _DEPLOYED_MODEL()
    copied.CopyFrom(deployed)
    return copied


def _find(endpoint: Message, deployed_model_id: str) -> Message:
    for deployed in endpoint.deployed_models:
        if deployed.id == deployed_model_id:
            return deployed
    raise not_found(f'DeployedModel "{deployed_model_id}" is not deployed to the Endpoint "{endpoint.name}".')


def _set_status(deployed: Message) -> None:
    deployed.status.available_replica_count = deployed.dedicated_resources.min_replica_count
    deployed.status.last_update_time.CopyFrom(timestamp())


class DeploymentService:
    """DeployModel / UndeployModel / MutateDeployedModel over one :class:`~emulators.vertex.state.State`."""

    def __init__(self, state: State) -> None:
        self._state = state

    def deploy(self, endpoint_name: str, request: Message) -> Operation:
        """DeployModel: validate, then start the operation that adds the DeployedModel."""
        state = self._state
        with state.locked():
            endpoint = state.endpoint(endpoint_name)
            state.require_idle(endpoint_name, "Endpoint")
            if not request.HasField("deployed_model"):
                raise invalid_argument("deployed_model is required.")
            deployed = _copy(request.deployed_model)
            model_name = parse_model_ref(deployed.model).name
            model = resolve_model(state, deployed.model)
            if state.ops.pending(model_name):
                raise failed_precondition(f'The Model "{model_name}" is being deleted.')
            which = deployed.WhichOneof("prediction_resources")
            if which != "dedicated_resources":
                raise invalid_argument(
                    f'Model "{model_name}" supports only dedicated resources: set deployed_model.dedicated_resources'
                    + (f" instead of {which}." if which else ".")
                )
            apply_resource_defaults(deployed.dedicated_resources)
            check_dedicated_resources(deployed.dedicated_resources)
            existing = [d.id for d in endpoint.deployed_models]
            if deployed.id:
                check_deployed_model_id(deployed.id)
                if deployed.id in existing:
                    raise already_exists(f'DeployedModel "{deployed.id}" already exists in Endpoint "{endpoint_name}".')
            else:
                deployed.id = state.new_id("deployed-model")
            split = dict(request.traffic_split)
            check_traffic_split(split, existing, new_model=True)
            for field in ("create_time", "status", "private_endpoints", "system_labels"):
                deployed.ClearField(field)
            deployed.model = model_name
            deployed.model_version_id = model.version_id
            deployed.display_name = deployed.display_name or model.display_name
            endpoint_id = endpoint_name.rsplit("/", 1)[1]
            phase = "update" if endpoint.deployed_models else "create"
            failure = state.behaviour.failure(endpoint_id, phase)

            def effect() -> Message:
                target = state.endpoint(endpoint_name)
                source = state.model(model_name)
                if deployed.id in [d.id for d in target.deployed_models]:
                    raise already_exists(f'DeployedModel "{deployed.id}" already exists in Endpoint "{endpoint_name}".')
                deployed.create_time.CopyFrom(timestamp())
                _set_status(deployed)
                target.deployed_models.append(deployed)
                if split:
                    target.traffic_split.clear()
                    target.traffic_split.update({deployed.id if k == "0" else k: v for k, v in split.items()})
                source.deployed_models.append(_MODEL_REF(endpoint=endpoint_name, deployed_model_id=deployed.id))
                state.touch(endpoint_name, target)
                return _DEPLOY_RESPONSE(deployed_model=_copy(deployed))

            metadata = state.metadata(_DEPLOY_METADATA, deployment_stage=_STARTING_DEPLOYMENT)
            return state.start_operation(
                endpoint_name, targets=(endpoint_name,), involves=(model_name,), metadata=metadata,
                effect=effect, failure=failure,
            )

    def undeploy(self, endpoint_name: str, request: Message) -> Operation:
        """UndeployModel: refused while the model keeps traffic; else remove it at completion."""
        state = self._state
        with state.locked():
            endpoint = state.endpoint(endpoint_name)
            state.require_idle(endpoint_name, "Endpoint")
            deployed_id = request.deployed_model_id
            if not deployed_id:
                raise invalid_argument("deployed_model_id is required.")
            _find(endpoint, deployed_id)
            remaining = [d.id for d in endpoint.deployed_models if d.id != deployed_id]
            split = dict(request.traffic_split)
            if split:
                if split.get(deployed_id, 0) > 0:
                    raise failed_precondition(
                        f'The traffic_split still sends {split[deployed_id]}% to DeployedModel "{deployed_id}", '
                        "which is being undeployed."
                    )
                split.pop(deployed_id, None)
                check_traffic_split(split, remaining)
            else:
                share = endpoint.traffic_split.get(deployed_id, 0)
                if share > 0 and remaining:
                    raise failed_precondition(
                        f'DeployedModel "{deployed_id}" still receives {share}% of the Endpoint\'s traffic; pass a '
                        "traffic_split that moves it to the remaining DeployedModels before undeploying it."
                    )

            def effect() -> Message:
                target = state.endpoint(endpoint_name)
                removed = _find(target, deployed_id)
                kept = [d for d in target.deployed_models if d.id != deployed_id]
                del target.deployed_models[:]
                target.deployed_models.extend(kept)
                new_split = split if split else {k: v for k, v in target.traffic_split.items() if k != deployed_id}
                target.traffic_split.clear()
                if kept:
                    target.traffic_split.update(new_split)
                model = state.models.get(removed.model)
                if model is not None:
                    refs = [r for r in model.deployed_models
                            if not (r.endpoint == endpoint_name and r.deployed_model_id == deployed_id)]
                    del model.deployed_models[:]
                    model.deployed_models.extend(refs)
                state.touch(endpoint_name, target)
                return _UNDEPLOY_RESPONSE()

            return state.start_operation(
                endpoint_name, targets=(endpoint_name,), metadata=state.metadata(_UNDEPLOY_METADATA), effect=effect
            )

    def mutate(self, endpoint_name: str, request: Message) -> Operation:
        """MutateDeployedModel: only replica counts, autoscaling and container logging may change."""
        state = self._state
        with state.locked():
            endpoint = state.endpoint(endpoint_name)
            state.require_idle(endpoint_name, "Endpoint")
            mask: field_mask_pb2.FieldMask = request.update_mask
            if not mask.paths:
                raise invalid_argument("update_mask is required.")
            for path in mask.paths:
                if path not in MUTABLE_DEPLOYED_MODEL_PATHS:
                    raise invalid_argument(
                        f'Field "{path}" of a DeployedModel cannot be mutated; mutable fields: '
                        f"{list(MUTABLE_DEPLOYED_MODEL_PATHS)}. Deploy a new DeployedModel to change it."
                    )
            if not request.deployed_model.id:
                raise invalid_argument("deployed_model.id is required.")
            current = _find(endpoint, request.deployed_model.id)
            candidate = _copy(current)
            mask.MergeMessage(request.deployed_model, candidate, True, True)
            check_dedicated_resources(candidate.dedicated_resources)
            deployed_id = current.id

            def effect() -> Message:
                target = state.endpoint(endpoint_name)
                stored = _find(target, deployed_id)
                _set_status(candidate)
                stored.CopyFrom(candidate)
                state.touch(endpoint_name, target)
                return _MUTATE_RESPONSE(deployed_model=_copy(stored))

            return state.start_operation(
                endpoint_name, targets=(endpoint_name,), metadata=state.metadata(_MUTATE_METADATA), effect=effect
            )
