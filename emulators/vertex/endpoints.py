"""EndpointService (endpoint resources): CreateEndpoint, GetEndpoint, ListEndpoints, UpdateEndpoint,
DeleteEndpoint. Deploy / undeploy / mutate are in :mod:`emulators.vertex.deployments`.

Contracts
---------
- CreateEndpoint validates synchronously (``endpoint_id`` rules, display name, labels, network,
  encryption, logging config; a traffic split must be empty; duplicates -> ``ALREADY_EXISTS``) and
  returns an operation ``projects/{number}/locations/{l}/endpoints/{id}/operations/{n}`` whose
  completion creates the endpoint (response: the Endpoint). Output-only fields in the body are ignored.
- GetEndpoint counts as a read of the operations changing the endpoint.
- ListEndpoints filters, orders (``display_name``, ``create_time``, ``update_time``, ``desc``) and
  pages as :mod:`emulators.vertex.listing` describes.
- UpdateEndpoint (PATCH, synchronous, mask in ``updateMask``) changes only ``display_name``,
  ``description``, ``labels``, ``traffic_split``, ``predict_request_response_logging_config`` and
  ``client_connection_config`` (inference timeout); other fields are immutable (``INVALID_ARGUMENT`` naming the field).
  A stale ``etag`` is ``ABORTED`` (409); a running operation on the endpoint ``FAILED_PRECONDITION``.
- DeleteEndpoint is refused (``FAILED_PRECONDITION``) while models are deployed; its operation is
  named ``projects/{number}/locations/{l}/operations/{n}``.
"""

from __future__ import annotations

from google.cloud import aiplatform_v1 as v1
from google.protobuf import empty_pb2, field_mask_pb2
from google.protobuf.message import Message

from .errors import ApiError, already_exists, failed_precondition, invalid_argument
from .lifecycle import Operation
from .listing import order, page, parse_filter
from .names import Location
from .state import ENDPOINT, State
from .validation import check_endpoint_fields, check_endpoint_id, check_traffic_split

__all__ = ["MUTABLE_ENDPOINT_FIELDS", "EndpointService", "copy_endpoint"]

MUTABLE_ENDPOINT_FIELDS: tuple[str, ...] = (
    "display_name",
    "description",
    "labels",
    "traffic_split",
    "predict_request_response_logging_config",
    "client_connection_config",
)
_OUTPUT_ONLY = (
    "name", "deployed_models", "etag", "create_time", "update_time", "model_deployment_monitoring_job",
    "dedicated_endpoint_dns", "satisfies_pzs", "satisfies_pzi",
)
_CREATE_METADATA = v1.CreateEndpointOperationMetadata.pb()
_DELETE_METADATA = v1.DeleteOperationMetadata.pb()
_LIST_RESPONSE = v1.ListEndpointsResponse.pb()


def copy_endpoint(endpoint: Message) -> Message:
    """A detached copy of a stored Endpoint (answers must not alias state)."""
    copied = ENDPOINT()
    copied.CopyFrom(endpoint)
    return copied


class EndpointService:
    """The endpoint-resource methods of EndpointService over one :class:`~emulators.vertex.state.State`."""

    def __init__(self, state: State) -> None:
        self._state = state

    def create(self, where: Location, endpoint_id: str, body: Message) -> Operation:
        """CreateEndpoint: validate, then start the operation that creates it."""
        state = self._state
        with state.locked():
            endpoint = copy_endpoint(body)
            for field in _OUTPUT_ONLY:
                endpoint.ClearField(field)
            if endpoint_id:
                check_endpoint_id(endpoint_id)
            check_endpoint_fields(endpoint)
            check_traffic_split(endpoint.traffic_split, ())
            endpoint_id = endpoint_id or state.new_id("endpoint")
            name = where.endpoint(endpoint_id)
            if name in state.endpoints or state.ops.pending(name):
                raise already_exists(f'Endpoint "{name}" already exists.')

            def effect() -> Message:
                if name in state.endpoints:
                    raise already_exists(f'Endpoint "{name}" already exists.')
                endpoint.name = name
                if endpoint.dedicated_endpoint_enabled:
                    endpoint.dedicated_endpoint_dns = (
                        f"{endpoint_id}.{where.location}-{where.project}.prediction.vertexai.goog"
                    )
                state.touch(name, endpoint, created=True)
                state.endpoints[name] = endpoint
                return copy_endpoint(endpoint)

            metadata = state.metadata(_CREATE_METADATA)
            return state.start_operation(name, targets=(name,), metadata=metadata, effect=effect)

    def get(self, name: str) -> Message:
        """GetEndpoint (a read of the operations changing it)."""
        state = self._state
        with state.locked():
            state.ops.read_target(name)
            return copy_endpoint(state.endpoint(name))

    def list(
        self, where: Location, *, filter_text: str, page_size: int, page_token: str, order_by: str = ""
    ) -> Message:
        """ListEndpoints of one location, filtered, ordered (:func:`~emulators.vertex.listing.order`) and paged."""
        state = self._state
        with state.locked():
            keep = parse_filter(filter_text, id_field="endpoint")
            prefix = f"{where.parent}/endpoints/"
            matching = order(
                [
                    copy_endpoint(e)
                    for name, e in state.endpoints.items()
                    if name.startswith(prefix) and keep(name[len(prefix):], e)
                ],
                order_by,
            )
            chunk, token = page(
                matching, page_size=page_size, page_token=page_token, filter_text=filter_text, order_by=order_by
            )
            return _LIST_RESPONSE(endpoints=chunk, next_page_token=token)

    def update(self, name: str, patch: Message, mask: field_mask_pb2.FieldMask) -> Message:
        """UpdateEndpoint (PATCH, synchronous): apply the masked fields, validate the result."""
        state = self._state
        with state.locked():
            endpoint = state.endpoint(name)
            if not mask.paths:
                raise invalid_argument("update_mask is required.")
            for path in mask.paths:
                top = path.split(".")[0]
                if top not in ENDPOINT.DESCRIPTOR.fields_by_name:
                    raise invalid_argument(f'Invalid update_mask path "{path}".')
                if path not in MUTABLE_ENDPOINT_FIELDS:
                    raise invalid_argument(
                        f'Field "{path}" of an Endpoint is immutable or output only and cannot be updated; '
                        f"updatable fields: {list(MUTABLE_ENDPOINT_FIELDS)}."
                    )
            if patch.etag and patch.etag != endpoint.etag:
                raise ApiError("ABORTED", f'The etag "{patch.etag}" does not match the Endpoint\'s current etag.')
            state.require_idle(name, "Endpoint")
            candidate = copy_endpoint(endpoint)
            mask.MergeMessage(patch, candidate, True, True)
            check_endpoint_fields(candidate)
            check_traffic_split(candidate.traffic_split, [d.id for d in candidate.deployed_models])
            state.touch(name, candidate)
            endpoint.CopyFrom(candidate)
            return copy_endpoint(endpoint)

    def delete(self, name: str) -> Operation:
        """DeleteEndpoint: refused while models are deployed; else an operation that removes it."""
        state = self._state
        with state.locked():
            endpoint = state.endpoint(name)
            state.require_idle(name, "Endpoint")
            if endpoint.deployed_models:
                ids = ", ".join(d.id for d in endpoint.deployed_models)
                raise failed_precondition(
                    f'The Endpoint "{name}" has deployed or being deployed DeployedModel(s): {ids}. '
                    "Undeploy them before deleting the Endpoint."
                )
            where = name.rsplit("/endpoints/", 1)[0]

            def effect() -> Message:
                state.endpoints.pop(name, None)
                state.routing.pop(name, None)
                state.forget_revision(name)
                return empty_pb2.Empty()

            return state.start_operation(
                where, targets=(name,), metadata=state.metadata(_DELETE_METADATA), effect=effect
            )
