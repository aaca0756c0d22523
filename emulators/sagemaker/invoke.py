"""sagemaker-runtime InvokeEndpoint served by the emulator (data plane).

Contract of :func:`invoke_endpoint`:

- The endpoint must exist in the request's account and region and be serving: ``InService``, or
  ``Updating`` (a SageMaker endpoint keeps serving its current config while it updates). Otherwise the
  answer is HTTP 400 ``ValidationError`` (the runtime's code; the control plane says
  ``ValidationException``): ``Endpoint <name> of account <account> not found.`` or ``... is not in
  service ...``.
- The variant is the ``X-Amzn-SageMaker-Target-Variant`` header's (which must exist), else picked at
  random by ``CurrentWeight`` (uniformly if all weights are 0). It is returned in the
  ``x-Amzn-Invoked-Production-Variant`` header.
- Default answer: 200, ``application/json``::

      {"predictions": [{"input": <instance>, "score": <float in [0, 1)>}, ...],
       "endpoint": <name>, "variant": <variant>}

  with one prediction per instance of the request (JSON ``{"instances": [...]}`` or
  ``{"inputs": [...]}``, a JSON list, or the whole body as one instance); the score is a stable hash
  of the instance and the variant, so the same request gets the same answer.
- A canned response (:class:`~emulators.common.behaviour.CannedResponse`, set with ``set_prediction``) with status 200
  answers its body and content type; with any other status, SageMaker's ``ModelError``: HTTP 424 with
  ``OriginalStatusCode``, ``OriginalMessage`` (the canned body) and ``LogStreamArn``.
- ``X-Amzn-SageMaker-Custom-Attributes`` is echoed back.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from typing import Any

from moto.sagemaker.models import sagemaker_backends

from ..common.behaviour import CannedResponse
from .lifecycle import LOCK, observe
from .state import BEHAVIOUR

__all__ = ["SERVING_STATUSES", "default_body", "invoke_endpoint"]

SERVING_STATUSES = frozenset({"InService", "Updating"})

Response = tuple[int, dict[str, str], bytes]

_random = random.Random()


def _error(code: str, status: int, message: str, **fields: Any) -> Response:
    body = {"message": message, **fields}
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
    return status, headers, json.dumps(body).encode("utf-8")


def _instances(body: bytes) -> list[Any]:
    if not body:
        return []
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return [body.decode("utf-8", errors="replace")]
    if isinstance(parsed, Mapping):
        for key in ("instances", "inputs"):
            if isinstance(parsed.get(key), list):
                return list(parsed[key])
        return [parsed]
    if isinstance(parsed, list):
        return parsed
    return [parsed]


def _score(instance: Any, variant: str) -> float:
    digest = hashlib.sha256(f"{variant}|{json.dumps(instance, sort_keys=True, default=str)}".encode()).digest()
    return round(int.from_bytes(digest[:8], "big") / 2**64, 6)


def default_body(endpoint_name: str, variant: str, body: bytes) -> dict[str, Any]:
    """The default prediction document for a request (see the module docstring)."""
    return {
        "predictions": [
            {"input": instance, "score": _score(instance, variant)} for instance in _instances(body)
        ],
        "endpoint": endpoint_name,
        "variant": variant,
    }


def _pick_variant(variants: Sequence[Mapping[str, Any]]) -> str:
    names = [v["VariantName"] for v in variants]
    weights = [float(v.get("CurrentWeight", 1.0)) for v in variants]
    if sum(weights) <= 0:
        return _random.choice(names)
    return _random.choices(names, weights=weights, k=1)[0]


def _model_error(
    canned: CannedResponse, *, endpoint_name: str, variant: str, account_id: str, region: str
) -> Response:
    original = canned.body.decode("utf-8", "replace")
    kind = "client" if 400 <= canned.status < 500 else "server"
    log_group = f"/aws/sagemaker/Endpoints/{endpoint_name}"
    message = (
        f'Received {kind} error ({canned.status}) from {variant} with message "{original}". See '
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logEventViewer:"
        f"group={log_group} in account {account_id} for more information."
    )
    return _error(
        "ModelError",
        424,
        message,
        OriginalStatusCode=canned.status,
        OriginalMessage=original,
        LogStreamArn=f"arn:aws:logs:{region}:{account_id}:log-group:{log_group}",
    )


def invoke_endpoint(
    *, account_id: str, region: str, endpoint_name: str, body: bytes, headers: Mapping[str, str]
) -> Response:
    """Answer one InvokeEndpoint request: ``(status, headers, body)``."""
    backend = sagemaker_backends[account_id][region]
    with LOCK:
        endpoint = backend.endpoints.get(endpoint_name)
        if endpoint is None or not observe(backend, endpoint, read=False):
            return _error("ValidationError", 400, f"Endpoint {endpoint_name} of account {account_id} not found.")
        status = endpoint.endpoint_status
        variants = [dict(v) for v in endpoint.production_variants]
    if status not in SERVING_STATUSES:
        return _error(
            "ValidationError",
            400,
            f"Endpoint {endpoint_name} of account {account_id} is not in service (EndpointStatus: {status}).",
        )
    target = headers.get("X-Amzn-SageMaker-Target-Variant")
    if target:
        if target not in {v["VariantName"] for v in variants}:
            return _error(
                "ValidationError",
                400,
                f"The variant {target} is not present within endpoint {endpoint_name} of account {account_id}.",
            )
        variant = target
    else:
        variant = _pick_variant(variants)

    response_headers = {"x-Amzn-Invoked-Production-Variant": variant}
    custom = headers.get("X-Amzn-SageMaker-Custom-Attributes")
    if custom:
        response_headers["X-Amzn-SageMaker-Custom-Attributes"] = custom

    canned = BEHAVIOUR.response(endpoint_name)
    if canned is not None and canned.status != 200:
        return _model_error(canned, endpoint_name=endpoint_name, variant=variant, account_id=account_id, region=region)
    if canned is not None:
        response_headers["Content-Type"] = canned.content_type
        return 200, response_headers, canned.body
    document = default_body(endpoint_name, variant, body)
    response_headers["Content-Type"] = "application/json"
    return 200, response_headers, json.dumps(document).encode("utf-8")
