"""PredictionService data plane: ``:predict`` and ``:rawPredict``.

Contracts
---------
- The DeployedModel answering a request is chosen by the endpoint's ``traffic_split`` with a smooth
  weighted round robin (deterministic: with 70/30, 7 of every 10 consecutive requests go to the 70%
  model). Without any model receiving traffic: ``FAILED_PRECONDITION``. Bodies over 1.5 MB
  (1572864 bytes): ``INVALID_ARGUMENT`` as Vertex words it.
- ``:predict`` answers ``PredictResponse{predictions, deployedModelId, model, modelDisplayName,
  modelVersionId}``. By default each instance gives one prediction ``{"echo": instance,
  "deployedModelId": id}``. A response configured for the endpoint is what the model container
  answers: with status 200 its body must be ``{"predictions": [...]}`` (Vertex's container
  contract; else ``INTERNAL``); another status becomes a Google error with that HTTP status and the
  body as message.
- ``:rawPredict`` passes bytes through (HttpBody semantics): by default the request body comes back
  with the request's Content-Type; a configured response is returned as is (status, body, content
  type). Answers carry the headers real Vertex sends: ``X-Vertex-AI-Endpoint-Id``,
  ``X-Vertex-AI-Deployed-Model-Id``, ``X-Vertex-AI-Model`` and ``X-Vertex-AI-Model-Version-Id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from google.cloud import aiplatform_v1 as v1
from google.protobuf import json_format, struct_pb2
from google.protobuf.message import Message

from .errors import ApiError, failed_precondition, invalid_argument, status_for_http
from .state import State

__all__ = ["MAX_PAYLOAD_BYTES", "PredictionService", "RawAnswer"]

MAX_PAYLOAD_BYTES = 1_572_864
_PREDICT_RESPONSE = v1.PredictResponse.pb()


@dataclass(frozen=True)
class RawAnswer:
    """A ``:rawPredict`` answer: HTTP status, body, content type and extra headers."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]


class PredictionService:
    """``:predict`` / ``:rawPredict`` over one :class:`~emulators.vertex.state.State`."""

    def __init__(self, state: State) -> None:
        self._state = state

    def _route(self, endpoint_name: str, payload_size: int) -> Message:
        """The DeployedModel that serves the next request (lock held)."""
        if payload_size > MAX_PAYLOAD_BYTES:
            raise invalid_argument(f"Request payload size exceeds the limit: {MAX_PAYLOAD_BYTES} bytes.")
        endpoint = self._state.endpoint(endpoint_name)
        weights = {k: v for k, v in endpoint.traffic_split.items() if v > 0}
        if not endpoint.deployed_models:
            raise failed_precondition(f'The Endpoint "{endpoint_name}" does not have any deployed model.')
        if not weights:
            raise failed_precondition(
                f'The Endpoint "{endpoint_name}" has no DeployedModel receiving traffic (traffic_split is empty).'
            )
        current = self._state.routing.setdefault(endpoint_name, {})
        for key in list(current):
            if key not in weights:
                del current[key]
        total = sum(weights.values())
        for key, weight in weights.items():
            current[key] = current.get(key, 0) + weight
        chosen = max(sorted(weights), key=lambda k: current[k])
        current[chosen] -= total
        for deployed in endpoint.deployed_models:
            if deployed.id == chosen:
                return deployed
        raise failed_precondition(f'The traffic_split of "{endpoint_name}" names a missing DeployedModel "{chosen}".')

    def predict(self, endpoint_name: str, request: Message, payload_size: int) -> Message:
        """Predict: a PredictResponse, or an :class:`ApiError` from the configured container answer."""
        state = self._state
        with state.locked():
            deployed = self._route(endpoint_name, payload_size)
            configured = state.behaviour.response(endpoint_name.rsplit("/", 1)[1])
            response = _PREDICT_RESPONSE(
                deployed_model_id=deployed.id,
                model=deployed.model,
                model_display_name=state.models[deployed.model].display_name
                if deployed.model in state.models
                else deployed.display_name,
                model_version_id=deployed.model_version_id,
            )
        if configured is None:
            for instance in request.instances:
                echo = struct_pb2.Value()
                echo.struct_value.fields["echo"].CopyFrom(instance)
                echo.struct_value.fields["deployedModelId"].string_value = response.deployed_model_id
                response.predictions.append(echo)
            return response
        text = configured.body.decode("utf-8", "replace")
        if configured.status != 200:
            raise ApiError(status_for_http(configured.status), text, http_status=configured.status)
        try:
            answer = json.loads(text)
            if not isinstance(answer, dict) or not isinstance(answer.get("predictions"), list):
                raise ValueError('the body must be a JSON object with a "predictions" list')
            json_format.ParseDict({"predictions": answer["predictions"]}, response)
        except (ValueError, json_format.ParseError) as exc:
            raise ApiError("INTERNAL", f"The model server returned an invalid prediction response: {exc}") from None
        return response

    def raw_predict(self, endpoint_name: str, body: bytes, content_type: str) -> RawAnswer:
        """RawPredict: the container's bytes (default: the request's, echoed)."""
        state = self._state
        with state.locked():
            deployed = self._route(endpoint_name, len(body))
            endpoint_id = endpoint_name.rsplit("/", 1)[1]
            configured = state.behaviour.response(endpoint_id)
            headers = (
                ("X-Vertex-AI-Endpoint-Id", endpoint_id),
                ("X-Vertex-AI-Deployed-Model-Id", deployed.id),
                ("X-Vertex-AI-Model", deployed.model),
                ("X-Vertex-AI-Model-Version-Id", deployed.model_version_id),
            )
        if configured is None:
            return RawAnswer(200, body, content_type or "application/octet-stream", headers)
        return RawAnswer(configured.status, configured.body, configured.content_type, headers)
