"""Validate Vertex AI requests against the real ``aiplatform_v1`` proto types, offline.

:func:`validate_request` parses a proto-JSON body into the request type with unknown fields
REJECTED (typos, wrong types, unknown enum values, both branches of a oneof), then checks by hand
what protos cannot say (they do not enforce "required"): Vertex's id rules, labels, traffic sums,
replica bounds, update masks. Every problem is listed in one :class:`SchemaViolation`.

:func:`validate_every_request` hooks the REST sessions of an adapter's GAPIC clients (and its
rawPredict session): every request that goes over the wire is matched to its method by HTTP verb
and path, its body and query parameters validated as above, and its method name recorded. A
request the table does not know fails the test: the adapter sent something unexpected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from google.cloud.aiplatform_v1 import types
from google.protobuf import json_format

__all__ = ["SchemaViolation", "validate_request", "validate_wire", "validate_every_request", "operation_of",
           "ROUTES"]

_LOC = r"/v1/projects/[^/]+/locations/[^/]+"
ROUTES: list[tuple[str, re.Pattern[str], str, str | None, str | None]] = [
    # (HTTP method, path, operation, request type, where the body goes: "*" / field / None)
    ("POST", re.compile(rf"^{_LOC}/models:upload$"), "UploadModel", "UploadModelRequest", "*"),
    ("GET", re.compile(rf"^{_LOC}/models/[^/:]+$"), "GetModel", "GetModelRequest", None),
    ("GET", re.compile(rf"^{_LOC}/models$"), "ListModels", "ListModelsRequest", None),
    ("DELETE", re.compile(rf"^{_LOC}/models/[^/:]+$"), "DeleteModel", "DeleteModelRequest", None),
    ("POST", re.compile(rf"^{_LOC}/endpoints$"), "CreateEndpoint", "CreateEndpointRequest", "endpoint"),
    ("GET", re.compile(rf"^{_LOC}/endpoints/[^/:]+$"), "GetEndpoint", "GetEndpointRequest", None),
    ("GET", re.compile(rf"^{_LOC}/endpoints$"), "ListEndpoints", "ListEndpointsRequest", None),
    ("PATCH", re.compile(rf"^{_LOC}/endpoints/[^/:]+$"), "UpdateEndpoint", "UpdateEndpointRequest", "endpoint"),
    ("DELETE", re.compile(rf"^{_LOC}/endpoints/[^/:]+$"), "DeleteEndpoint", "DeleteEndpointRequest", None),
    ("POST", re.compile(rf"^{_LOC}/endpoints/[^/:]+:deployModel$"), "DeployModel", "DeployModelRequest", "*"),
    ("POST", re.compile(rf"^{_LOC}/endpoints/[^/:]+:undeployModel$"), "UndeployModel", "UndeployModelRequest", "*"),
    ("POST", re.compile(rf"^{_LOC}/endpoints/[^/:]+:mutateDeployedModel$"), "MutateDeployedModel",
     "MutateDeployedModelRequest", "*"),
    ("POST", re.compile(rf"^{_LOC}/endpoints/[^/:]+:predict$"), "Predict", "PredictRequest", "*"),
    ("POST", re.compile(rf"^{_LOC}/endpoints/[^/:]+:rawPredict$"), "RawPredict", None, None),
    ("GET", re.compile(r"^/(ui|v1)/projects/[^/]+/locations/[^/]+(/[^/]+/[^/]+)*/operations/[^/]+$"),
     "GetOperation", None, None),
    ("GET", re.compile(r"^/(ui|v1)/projects/[^/]+/locations/[^/]+(/[^/]+/[^/]+)*/operations$"),
     "ListOperations", None, None),
]

_MODEL_ID = re.compile(r"^[a-z_][a-z0-9_-]{0,62}$")
_ENDPOINT_ID = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_DEPLOYED_ID = re.compile(r"^[0-9]{1,10}$")
"""A deployed model id the caller chooses (DeployModel): 1-10 digits."""
_DEPLOYED_REF = re.compile(r"^[0-9]{1,19}$")
"""An existing deployed model's id: one the caller chose, or one Vertex generated (19 digits) for a
model deployed without an id (by an operator, say)."""
_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
_MUTABLE = {"dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count",
            "dedicated_resources.autoscaling_metric_specs", "disable_container_logging"}
_ENDPOINT_MUTABLE = {"display_name", "description", "labels", "traffic_split",
                     "predict_request_response_logging_config", "client_connection_config"}


class SchemaViolation(AssertionError):
    """Every problem of one request, each as ``path: message``."""

    def __init__(self, operation: str, problems: list[str]) -> None:
        self.operation = operation
        self.problems = problems
        super().__init__(f"{operation}: {len(problems)} problem(s):\n"
                         + "\n".join(f"  - {p}" for p in problems))


def _labels(path: str, labels: dict[str, str], problems: list[str]) -> None:
    if len(labels) > 64:
        problems.append(f"{path}: {len(labels)} labels (at most 64)")
    for key, value in labels.items():
        if not _LABEL_KEY.fullmatch(key):
            problems.append(f"{path}.{key}: invalid label key")
        if not _LABEL_VALUE.fullmatch(value):
            problems.append(f"{path}.{key}: invalid label value {value!r}")


def _traffic(path: str, split: dict[str, int], problems: list[str], *, allow_zero_key: bool) -> None:
    for key in split:
        if not (_DEPLOYED_REF.fullmatch(key) and (key != "0" or allow_zero_key)):
            problems.append(f"{path}.{key}: not a deployed model id")
    if split and sum(split.values()) != 100:
        problems.append(f"{path}: traffic sums to {sum(split.values())}, not 100")


def _resources(path: str, res: dict[str, Any], problems: list[str]) -> None:
    if not (res.get("machineSpec") or {}).get("machineType"):
        problems.append(f"{path}.machineSpec.machineType: required")
    low, high = int(res.get("minReplicaCount", 0)), int(res.get("maxReplicaCount", 0))
    if low < 1:
        problems.append(f"{path}.minReplicaCount: must be >= 1")
    if high and high < low:
        problems.append(f"{path}.maxReplicaCount: below minReplicaCount")
    for i, spec in enumerate(res.get("autoscalingMetricSpecs") or []):
        if not spec.get("metricName"):
            problems.append(f"{path}.autoscalingMetricSpecs[{i}].metricName: required")


def _mask(value: Any) -> set[str]:
    paths = value.split(",") if isinstance(value, str) else list((value or {}).get("paths", []))
    return {re.sub(r"([A-Z])", lambda m: "_" + m[1].lower(), p.strip()) for p in paths if p.strip()}


def _rules(operation: str, body: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if operation == "UploadModelRequest":
        model = body.get("model") or {}
        if not _MODEL_ID.fullmatch(body.get("modelId", "")):
            problems.append(f"modelId: {body.get('modelId')!r} breaks Vertex's model id rule")
        if not model.get("displayName"):
            problems.append("model.displayName: required")
        if not (model.get("containerSpec") or {}).get("imageUri"):
            problems.append("model.containerSpec.imageUri: required")
        _labels("model.labels", model.get("labels") or {}, problems)
    elif operation == "CreateEndpointRequest":
        if not _ENDPOINT_ID.fullmatch(body.get("endpointId", "")):
            problems.append(f"endpointId: {body.get('endpointId')!r} breaks Vertex's endpoint id rule")
        endpoint = body.get("endpoint") or {}
        if not endpoint.get("displayName"):
            problems.append("endpoint.displayName: required")
        if endpoint.get("trafficSplit") or endpoint.get("deployedModels"):
            problems.append("endpoint: traffic and deployed models are output only on create")
        _labels("endpoint.labels", endpoint.get("labels") or {}, problems)
    elif operation == "DeployModelRequest":
        dm = body.get("deployedModel") or {}
        if not _DEPLOYED_ID.fullmatch(dm.get("id", "")):
            problems.append(f"deployedModel.id: {dm.get('id')!r} must be 1-10 digits")
        if not dm.get("model"):
            problems.append("deployedModel.model: required")
        _resources("deployedModel.dedicatedResources", dm.get("dedicatedResources") or {}, problems)
        _traffic("trafficSplit", body.get("trafficSplit") or {}, problems, allow_zero_key=True)
    elif operation == "MutateDeployedModelRequest":
        dm = body.get("deployedModel") or {}
        if not _DEPLOYED_REF.fullmatch(dm.get("id", "")):
            problems.append("deployedModel.id: not a deployed model id")
        mask = _mask(body.get("updateMask"))
        if not mask or not mask <= _MUTABLE:
            problems.append(f"updateMask: {sorted(mask)} (mutable: {sorted(_MUTABLE)})")
        _resources("deployedModel.dedicatedResources", dm.get("dedicatedResources") or {}, problems)
    elif operation == "UndeployModelRequest":
        if not _DEPLOYED_REF.fullmatch(body.get("deployedModelId", "")):
            problems.append("deployedModelId: not a deployed model id")
        _traffic("trafficSplit", body.get("trafficSplit") or {}, problems, allow_zero_key=False)
    elif operation == "UpdateEndpointRequest":
        mask = _mask(body.get("updateMask"))
        if not mask or not mask <= _ENDPOINT_MUTABLE:
            problems.append(f"updateMask: {sorted(mask)} (updatable: {sorted(_ENDPOINT_MUTABLE)})")
        endpoint = body.get("endpoint") or {}
        _labels("endpoint.labels", endpoint.get("labels") or {}, problems)
        _traffic("endpoint.trafficSplit", endpoint.get("trafficSplit") or {}, problems, allow_zero_key=False)
        rate = (endpoint.get("predictRequestResponseLoggingConfig") or {}).get("samplingRate")
        if rate is not None and not 0 < float(rate) <= 1:
            problems.append("samplingRate: must be in (0, 1]")
    return problems


def validate_request(request_type: Any, body: dict[str, Any]) -> None:
    """Parse ``body`` (proto-JSON) into ``request_type`` (class or name) strictly, then Vertex's
    hand-checked rules; raise :class:`SchemaViolation` listing every problem."""
    cls = getattr(types, request_type) if isinstance(request_type, str) else request_type
    name = cls.__name__
    try:
        json_format.ParseDict(body, cls.pb(cls()), ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        raise SchemaViolation(name, [str(exc)]) from None
    problems = _rules(name, body)
    if problems:
        raise SchemaViolation(name, problems)


def validate_wire(method: str, url: str, data: Any, params: Any) -> str:
    """Validate one HTTP request the adapter sends; return the Vertex method name."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if isinstance(params, dict):
        query |= {k: v for k, v in params.items()}
    elif params:
        query |= dict(params)
    alt = query.pop("$alt", None)
    for verb, pattern, operation, request_type, body_field in ROUTES:
        if verb != method.upper() or not pattern.fullmatch(parts.path):
            continue
        if alt not in (None, "json;enum-encoding=int"):
            raise SchemaViolation(operation, [f"$alt: unexpected {alt!r}"])
        if request_type is None:
            return operation
        body = json.loads(data) if data else {}
        if body_field == "*":
            full = {**query, **body}
        elif body_field is not None:
            full = {**query, body_field: body}
        else:
            full = dict(query)
            if data:
                raise SchemaViolation(operation, ["a body where the method takes none"])
        if request_type in {"CreateEndpointRequest", "UploadModelRequest", "ListModelsRequest",
                            "ListEndpointsRequest"}:
            full.setdefault("parent", "projects/p/locations/l")
        validate_request(request_type, full)
        return operation
    raise SchemaViolation("unknown", [f"{method} {parts.path}: not a Vertex AI method the adapter uses"])


def validate_every_request(clients: Any, sent: list[str] | None = None, *, check: bool = True) -> None:
    """Hook the sessions of an adapter's :class:`adapters.vertex.client.Clients`: validate every
    request before it is sent (unless ``check`` is False) and append its method name to ``sent``."""
    sessions = [c._transport._session for c in clients.all()] + [clients.session]
    for session in sessions:
        _wrap(session, sent, check)


def operation_of(method: str, url: str) -> str:
    """The Vertex method an HTTP request calls ("unknown" if none of :data:`ROUTES`)."""
    path = urlsplit(url).path
    return next((op for verb, pattern, op, _, _ in ROUTES
                 if verb == method.upper() and pattern.fullmatch(path)), "unknown")


def _wrap(session: Any, sent: list[str] | None, check: bool) -> None:
    original: Callable[..., Any] = session.request

    def request(method: str, url: str, data: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        if check:
            body = None if "rawPredict" in url else data
            operation = validate_wire(method, url, body, kwargs.get("params"))
        else:
            operation = operation_of(method, url)
        if sent is not None:
            sent.append(operation)
        return original(method, url, data=data, headers=headers, **kwargs)

    session.request = request
