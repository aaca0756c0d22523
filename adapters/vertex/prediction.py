"""Test queries on the Vertex AI data plane: Predict for JSON instances, rawPredict for the rest.

Routing (:func:`route`): a JSON object payload ``{"instances": [...], "parameters"?: ...}`` sent as
``application/json`` goes through ``PredictionServiceClient.predict`` and answers the
PredictResponse as JSON. Anything else (a string payload, other JSON shapes, other content types)
is posted as raw bytes to ``{api}/v1/{endpoint}:rawPredict`` with the query's content type through
an authorized session: GAPIC's own ``raw_predict`` over REST wraps the bytes as a JSON HttpBody,
which is not what the container receives on the real service.

Status mapping: what the model container answered (4xx/5xx other than below) is returned as an
:class:`InvokeResult` with that status; throttling and unavailability (429, 502, 503, 504) raise
:class:`core.errors.ProviderUnavailable` (core retries), 401/403 raise ProviderAuthError.
"""

from __future__ import annotations

import json
import re
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry
from google.cloud.aiplatform_v1 import PredictRequest

from adapters.vertex import translate as tr
from adapters.vertex.client import Clients, message, to_dict
from adapters.vertex.errors import sdk_errors
from core.adapter import InvokeResult
from core.spec_policy import TestQuery

__all__ = ["route", "invoke"]

_PLATFORM_STATUSES = {401, 403, 429, 502, 503, 504}
_RETRIED = (gexc.TooManyRequests, gexc.ServiceUnavailable)


def route(query: TestQuery) -> str:
    """``predict`` or ``rawPredict`` (see the module docstring)."""
    payload = query.payload
    media = query.content_type.split(";", 1)[0].strip().lower()
    if (media == "application/json" and isinstance(payload, dict)
            and isinstance(payload.get("instances"), list) and set(payload) <= {"instances", "parameters"}):
        return "predict"
    return "rawPredict"


def _retry(clients: Clients, timeout: float) -> Retry:
    policy = clients.policy
    return Retry(predicate=lambda exc: isinstance(exc, _RETRIED), initial=policy.initial,
                 maximum=policy.maximum, multiplier=2.0, timeout=min(timeout, policy.deadline))


def _variant(endpoint: str, model: str | None) -> str | None:
    """The variant whose Model answered: model ids are ``{endpoint id}-{variant}-{hash8}``."""
    endpoint_id = tr.resource_id(endpoint)
    match = re.fullmatch(re.escape(endpoint_id) + r"-(.+)-[0-9a-f]{8}", tr.resource_id(model or ""))
    return match.group(1) if match else None


def _error_body(exc: gexc.GoogleAPICallError) -> bytes:
    return json.dumps({"error": {"code": exc.code, "message": exc.message}}).encode()


def _predict(clients: Clients, endpoint: str, query: TestQuery, timeout: float) -> InvokeResult:
    assert isinstance(query.payload, dict)
    request = message(PredictRequest, {"endpoint": endpoint, **query.payload})
    with sdk_errors("Predict"):
        try:
            response = clients.prediction.predict(request=request, retry=_retry(clients, timeout),
                                                  timeout=timeout)
        except gexc.GoogleAPICallError as exc:
            if exc.code is None or int(exc.code) in _PLATFORM_STATUSES:
                raise
            return InvokeResult(status=int(exc.code), body=_error_body(exc),
                                content_type="application/json")
    body = to_dict(response)
    return InvokeResult(status=200, body=json.dumps(body).encode(), content_type="application/json",
                        variant=_variant(endpoint, body.get("model")))


def _raw_predict(clients: Clients, endpoint: str, query: TestQuery, timeout: float) -> InvokeResult:
    data = query.body()
    url = f"{clients.api}/v1/{endpoint}:rawPredict"

    def post() -> Any:
        response = clients.session.post(url, data=data, timeout=timeout,
                                        headers={"Content-Type": query.content_type})
        if response.status_code in _PLATFORM_STATUSES:
            raise gexc.from_http_response(response)
        return response

    with sdk_errors("RawPredict"):
        response = _retry(clients, timeout)(post)()
    return InvokeResult(status=response.status_code, body=response.content,
                        content_type=response.headers.get("Content-Type"),
                        variant=_variant(endpoint, response.headers.get("X-Vertex-AI-Model")))


def invoke(clients: Clients, endpoint: str, query: TestQuery, *, timeout: float) -> InvokeResult:
    """Send ``query`` to ``endpoint`` (full resource name) and return the container's answer."""
    if route(query) == "predict":
        return _predict(clients, endpoint, query, timeout)
    return _raw_predict(clients, endpoint, query, timeout)
