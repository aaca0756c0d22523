"""HTTP handlers of the Vertex AI v1 REST surface: transcode, call the backend, serialise.

Each handler takes a :class:`Call` (the werkzeug request, the path variables of its route, the
backend) and returns a werkzeug :class:`~werkzeug.wrappers.Response`, or raises
:class:`~emulators.vertex.errors.ApiError` (answered as Google's JSON error by
:mod:`emulators.vertex.routes`). Request bodies and query strings are parsed into the real
``aiplatform_v1`` (and ``secretmanager_v1``) request types
(:func:`emulators.vertex.wire.parse_request`) as the ``google.api.http`` rules of the GAPIC REST
transports lay them out; no state or rules live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.cloud import aiplatform_v1 as v1
from google.cloud import secretmanager_v1 as sm
from google.longrunning import operations_pb2
from google.protobuf import empty_pb2
from google.protobuf.message import Message
from werkzeug.wrappers import Request, Response

from .backend import VertexBackend
from .errors import unimplemented
from .names import Location, parse_location
from .wire import enum_ints_requested, message_json, parse_request

__all__ = [
    "Call",
    "access_secret_version",
    "add_secret_version",
    "cancel_operation",
    "create_endpoint",
    "create_secret",
    "delete_endpoint",
    "delete_model",
    "delete_operation",
    "deploy_model",
    "destroy_secret_version",
    "disable_secret_version",
    "enable_secret_version",
    "get_endpoint",
    "get_model",
    "get_operation",
    "list_endpoints",
    "list_models",
    "list_operations",
    "mutate_deployed_model",
    "not_emulated",
    "predict",
    "raw_predict",
    "undeploy_model",
    "update_endpoint",
    "update_model",
    "upload_model",
    "wait_operation",
]

_JSON = "application/json; charset=UTF-8"
_VERSION_STATE = sm.SecretVersion.State


@dataclass
class Call:
    """One API request routed to a handler."""

    request: Request
    params: dict[str, str]
    backend: VertexBackend

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string, every value of every key."""
        return self.request.args.to_dict(flat=False)

    def where(self) -> Location:
        """The project (by number) and location of the path."""
        return parse_location(self.params["project"], self.params["location"])

    def raw_parent(self) -> str:
        """``projects/{project as sent}/locations/{location}``."""
        return f"projects/{self.params['project']}/locations/{self.params['location']}"

    def parse(self, request_type: type, *, path: dict[str, str], body_field: str | None) -> Message:
        """The request as the ``aiplatform_v1`` protobuf ``request_type`` (a proto-plus class or a pb class)."""
        pb_type = request_type.pb() if hasattr(request_type, "pb") else request_type
        return parse_request(
            pb_type(), path=path, body=self.request.get_data(), body_field=body_field, query=self.query
        )

    def answer(self, message: Message) -> Response:
        """200 with ``message`` as proto JSON (enums as ints when the client asked for it)."""
        body = message_json(message, enum_ints=enum_ints_requested(self.query))
        return Response(body, status=200, content_type=_JSON)

    def endpoint_name(self) -> str:
        """The canonical name of the path's endpoint."""
        return self.where().endpoint(self.params["endpoint"])

    def model_ref(self) -> str:
        """The path's model (with ``@version`` if given), with the project number."""
        return self.where().model(self.params["model"])


# -- ModelService ---------------------------------------------------------------------------------
def upload_model(call: Call) -> Response:
    """``POST /v1/{parent}/models:upload`` -> Operation."""
    request = call.parse(v1.UploadModelRequest, path={"parent": call.raw_parent()}, body_field="*")
    return call.answer(call.backend.lro(call.backend.models.upload, call.where(), request))


def get_model(call: Call) -> Response:
    """``GET /v1/{name=models/*}`` -> Model."""
    call.parse(v1.GetModelRequest, path={"name": call.model_ref()}, body_field=None)
    return call.answer(call.backend.models.get(call.model_ref()))


def list_models(call: Call) -> Response:
    """``GET /v1/{parent}/models`` -> ListModelsResponse."""
    request = call.parse(v1.ListModelsRequest, path={"parent": call.raw_parent()}, body_field=None)
    return call.answer(
        call.backend.models.list(
            call.where(),
            filter_text=request.filter,
            page_size=request.page_size,
            page_token=request.page_token,
            order_by=request.order_by,
        )
    )


def update_model(call: Call) -> Response:
    """``PATCH /v1/{model.name}?updateMask=...`` -> Model (not an LRO)."""
    request = call.parse(v1.UpdateModelRequest, path={}, body_field="model")
    return call.answer(call.backend.models.update(call.model_ref(), request.model, request.update_mask))


def delete_model(call: Call) -> Response:
    """``DELETE /v1/{name=models/*}`` -> Operation."""
    call.parse(v1.DeleteModelRequest, path={"name": call.model_ref()}, body_field=None)
    return call.answer(call.backend.lro(call.backend.models.delete, call.model_ref()))


# -- EndpointService ------------------------------------------------------------------------------
def create_endpoint(call: Call) -> Response:
    """``POST /v1/{parent}/endpoints?endpointId=...`` (body: Endpoint) -> Operation."""
    request = call.parse(v1.CreateEndpointRequest, path={"parent": call.raw_parent()}, body_field="endpoint")
    backend = call.backend
    return call.answer(backend.lro(backend.endpoints.create, call.where(), request.endpoint_id, request.endpoint))


def get_endpoint(call: Call) -> Response:
    """``GET /v1/{name=endpoints/*}`` -> Endpoint."""
    call.parse(v1.GetEndpointRequest, path={"name": call.endpoint_name()}, body_field=None)
    return call.answer(call.backend.endpoints.get(call.endpoint_name()))


def list_endpoints(call: Call) -> Response:
    """``GET /v1/{parent}/endpoints`` -> ListEndpointsResponse."""
    request = call.parse(v1.ListEndpointsRequest, path={"parent": call.raw_parent()}, body_field=None)
    return call.answer(
        call.backend.endpoints.list(
            call.where(),
            filter_text=request.filter,
            page_size=request.page_size,
            page_token=request.page_token,
            order_by=request.order_by,
        )
    )


def update_endpoint(call: Call) -> Response:
    """``PATCH /v1/{endpoint.name}?updateMask=...`` (body: Endpoint) -> Endpoint (not an LRO)."""
    request = call.parse(v1.UpdateEndpointRequest, path={}, body_field="endpoint")
    return call.answer(call.backend.endpoints.update(call.endpoint_name(), request.endpoint, request.update_mask))


def delete_endpoint(call: Call) -> Response:
    """``DELETE /v1/{name=endpoints/*}`` -> Operation."""
    call.parse(v1.DeleteEndpointRequest, path={"name": call.endpoint_name()}, body_field=None)
    return call.answer(call.backend.lro(call.backend.endpoints.delete, call.endpoint_name()))


def deploy_model(call: Call) -> Response:
    """``POST /v1/{endpoint}:deployModel`` -> Operation."""
    request = call.parse(v1.DeployModelRequest, path={"endpoint": call.endpoint_name()}, body_field="*")
    return call.answer(call.backend.lro(call.backend.deployments.deploy, call.endpoint_name(), request))


def undeploy_model(call: Call) -> Response:
    """``POST /v1/{endpoint}:undeployModel`` -> Operation."""
    request = call.parse(v1.UndeployModelRequest, path={"endpoint": call.endpoint_name()}, body_field="*")
    return call.answer(call.backend.lro(call.backend.deployments.undeploy, call.endpoint_name(), request))


def mutate_deployed_model(call: Call) -> Response:
    """``POST /v1/{endpoint}:mutateDeployedModel`` (mask in the body) -> Operation."""
    request = call.parse(v1.MutateDeployedModelRequest, path={"endpoint": call.endpoint_name()}, body_field="*")
    return call.answer(call.backend.lro(call.backend.deployments.mutate, call.endpoint_name(), request))


# -- PredictionService ----------------------------------------------------------------------------
def predict(call: Call) -> Response:
    """``POST /v1/{endpoint}:predict`` -> PredictResponse."""
    request = call.parse(v1.PredictRequest, path={"endpoint": call.endpoint_name()}, body_field="*")
    size = len(call.request.get_data())
    return call.answer(call.backend.prediction.predict(call.endpoint_name(), request, size))


def raw_predict(call: Call) -> Response:
    """``POST /v1/{endpoint}:rawPredict``: raw bytes in, the container's raw bytes out."""
    body = call.request.get_data()
    answer = call.backend.prediction.raw_predict(call.endpoint_name(), body, call.request.content_type or "")
    response = Response(answer.body, status=answer.status, content_type=answer.content_type)
    for key, value in answer.headers:
        response.headers[key] = value
    return response


# -- google.longrunning.Operations ----------------------------------------------------------------
def get_operation(call: Call) -> Response:
    """``GET /{ui,v1}/{name=.../operations/*}`` -> Operation (a read: may complete it)."""
    call.parse(operations_pb2.GetOperationRequest, path={"name": call.params["name"]}, body_field=None)
    return call.answer(call.backend.get_operation(call.params["name"]))


def list_operations(call: Call) -> Response:
    """``GET /{ui,v1}/{name}/operations`` -> ListOperationsResponse."""
    request = call.parse(operations_pb2.ListOperationsRequest, path={"name": call.params["name"]}, body_field=None)
    return call.answer(
        call.backend.list_operations(
            call.params["name"], filter_text=request.filter, page_size=request.page_size, page_token=request.page_token
        )
    )


def cancel_operation(call: Call) -> Response:
    """``POST /{ui,v1}/{name}:cancel`` -> Empty."""
    call.parse(operations_pb2.CancelOperationRequest, path={"name": call.params["name"]}, body_field=None)
    call.backend.cancel_operation(call.params["name"])
    return call.answer(empty_pb2.Empty())


def delete_operation(call: Call) -> Response:
    """``DELETE /{ui,v1}/{name}`` -> Empty."""
    call.parse(operations_pb2.DeleteOperationRequest, path={"name": call.params["name"]}, body_field=None)
    call.backend.delete_operation(call.params["name"])
    return call.answer(empty_pb2.Empty())


def wait_operation(call: Call) -> Response:
    """``POST /{ui,v1}/{name}:wait`` -> Operation (waits for time-driven operations)."""
    request = call.parse(operations_pb2.WaitOperationRequest, path={"name": call.params["name"]}, body_field=None)
    timeout = request.timeout.ToTimedelta().total_seconds() if request.HasField("timeout") else 0.0
    return call.answer(call.backend.wait_operation(call.params["name"], timeout))


# -- SecretManagerService (global secrets; :mod:`emulators.vertex.secrets`) -----------------------
def create_secret(call: Call) -> Response:
    """``POST /v1/projects/{p}/secrets?secretId=`` (body: Secret) -> Secret."""
    request = call.parse(sm.CreateSecretRequest, path={"parent": f"projects/{call.params['project']}"},
                         body_field="secret")
    return call.answer(call.backend.secrets.create(call.params["project"], request.secret_id, request.secret))


def add_secret_version(call: Call) -> Response:
    """``POST /v1/projects/{p}/secrets/{s}:addVersion`` -> SecretVersion."""
    params = call.params
    request = call.parse(sm.AddSecretVersionRequest,
                         path={"parent": f"projects/{params['project']}/secrets/{params['secret']}"}, body_field="*")
    return call.answer(call.backend.secrets.add_version(params["project"], params["secret"], request.payload))


def _version_path(call: Call) -> dict[str, str]:
    p = call.params
    return {"name": f"projects/{p['project']}/secrets/{p['secret']}/versions/{p['version']}"}


def access_secret_version(call: Call) -> Response:
    """``GET /v1/projects/{p}/secrets/{s}/versions/{v}:access`` -> AccessSecretVersionResponse."""
    call.parse(sm.AccessSecretVersionRequest, path=_version_path(call), body_field=None)
    p = call.params
    return call.answer(call.backend.secrets.access(p["project"], p["secret"], p["version"]))


def _state_change(call: Call, request_type: type, state: int) -> Response:
    call.parse(request_type, path=_version_path(call), body_field="*")
    p = call.params
    return call.answer(call.backend.secrets.set_state(p["project"], p["secret"], p["version"], state))


def disable_secret_version(call: Call) -> Response:
    """``POST .../versions/{v}:disable`` -> SecretVersion."""
    return _state_change(call, sm.DisableSecretVersionRequest, _VERSION_STATE.DISABLED)


def enable_secret_version(call: Call) -> Response:
    """``POST .../versions/{v}:enable`` -> SecretVersion."""
    return _state_change(call, sm.EnableSecretVersionRequest, _VERSION_STATE.ENABLED)


def destroy_secret_version(call: Call) -> Response:
    """``POST .../versions/{v}:destroy`` -> SecretVersion."""
    return _state_change(call, sm.DestroySecretVersionRequest, _VERSION_STATE.DESTROYED)


def not_emulated(call: Call) -> Response:
    """A Vertex AI method that exists but is not emulated: ``UNIMPLEMENTED`` (HTTP 501)."""
    raise unimplemented(f"{call.request.method} {call.request.path} is not emulated by the Vertex AI emulator.")
