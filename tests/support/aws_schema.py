"""Validate AWS request parameters against botocore's own service model, offline.

Contract of :func:`validate_request`: it returns ``None`` when ``params`` is a valid input
for ``service``.``operation`` and otherwise raises :class:`SchemaViolation` listing *every*
problem found, each as ``"path: message"`` with paths such as
``ProductionVariants[0].InstanceType``, ``Tags[2].Key`` or ``Environment.MY_VAR`` (map value;
a map key is ``Environment (key MY_VAR)``: botocore's notation without its colon, so that a
problem always splits at its first ``": "``). The root is ``input``.

Two layers, without overlap:

* ``botocore.validate.ParamValidator``: unknown keys, types, required members, ``min`` of
  strings/lists/numbers, tagged unions;
* a walk over the shape for what ParamValidator does not check: string ``enum``, ``pattern``
  (Java regex translated by :mod:`tests.support.java_regex`, full match), ``max`` (string
  length, list length, map size, blob size, numeric value) and ``min`` of maps and blobs.
  The walk only looks at values of the right type (ParamValidator reports the others).

Service models are loaded once per process from botocore's data (no network, no credentials).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

from tests.support.java_regex import compile_java

__all__ = [
    "SchemaViolation",
    "operation_model",
    "operation_names",
    "service_model",
    "validate_request",
]

_ROOT = "input"
_MAX_SHOWN = 80  # characters of a value quoted in a message


class SchemaViolation(AssertionError):
    """Lists every problem found, each as 'path: message' (path like ProductionVariants[0].InstanceType)."""

    problems: list[str]

    def __init__(self, service: str, operation: str, problems: list[str]) -> None:
        self.service = service
        self.operation = operation
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{service}.{operation}: {len(self.problems)} schema problem(s):\n{lines}"
        )

    def __reduce__(self) -> tuple[type[SchemaViolation], tuple[str, str, list[str]]]:
        return (type(self), (self.service, self.operation, self.problems))


# --------------------------------------------------------------------------- models


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def service_model(service: str) -> ServiceModel:
    """botocore's model of ``service`` (e.g. ``sagemaker``), loaded once per process."""
    return _session().get_service_model(service)


def operation_names(service: str) -> list[str]:
    """API names of the operations of ``service`` (e.g. ``CreateEndpoint``), sorted."""
    return sorted(service_model(service).operation_names)


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    """The botocore operation model; ``operation`` is the API name or its snake_case form."""
    model = service_model(service)
    names = model.operation_names
    if operation not in names:
        by_snake = {botocore.xform_name(name): name for name in names}
        if operation not in by_snake:
            raise ValueError(f"{service} has no operation {operation!r}")
        operation = by_snake[operation]
    return model.operation_model(operation)


# --------------------------------------------------------------------------- validation


def validate_request(service: str, operation: str, params: dict) -> None:
    """Raise SchemaViolation unless `params` is a valid input for botocore's `service`.`operation`."""
    op = operation_model(service, operation)
    shape = op.input_shape
    if shape is None:
        problems = [f"{_ROOT}: operation takes no parameters"] if params else []
    else:
        problems = _dedupe([*_param_validator_problems(params, shape), *_walk(params, shape, "")])
    if problems:
        raise SchemaViolation(service, op.name, problems)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _show(value: object, shape: Shape | None = None) -> str:
    if shape is not None and shape.metadata.get("sensitive"):
        return "<sensitive>"
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _param_validator_problems(params: Any, shape: Shape) -> Iterator[str]:
    """ParamValidator's findings as 'path: message' lines."""
    report = ParamValidator().validate(params, shape)
    errors = getattr(report, "_errors", None)  # botocore 1.44: list of (type, name, details)
    if errors is None:  # layout changed: keep every finding, without precise paths
        if report.has_errors():
            yield from (f"{_ROOT}: {line}" for line in report.generate_report().splitlines())
        return
    for error_type, name, details in errors:
        path = (name[1:] if name.startswith(".") else name).replace(" (key: ", " (key ")
        if error_type == "missing required field":
            yield f"{_join(path, details['required_name'])}: missing required parameter"
        elif error_type == "unknown field":
            valid = ", ".join(details["valid_names"])
            yield f"{_join(path, details['unknown_param'])}: unknown parameter (valid: {valid})"
        elif error_type == "invalid type":
            param = details["param"]
            valid = ", ".join(details["valid_types"])
            yield (
                f"{path or _ROOT}: invalid type {type(param).__name__} "
                f"(value {_show(param)}), expected one of: {valid}"
            )
        elif error_type == "invalid range":
            yield (
                f"{path or _ROOT}: value {details['param']} is below the minimum "
                f"{details['min_allowed']}"
            )
        elif error_type == "invalid length":
            yield (
                f"{path or _ROOT}: length {details['param']} is below the minimum "
                f"{details['min_allowed']}"
            )
        else:  # unions, documents, json values: botocore's own wording
            yield f"{path or _ROOT}: {report._format_error((error_type, name, details))}"


def _walk(value: Any, shape: Shape, path: str) -> Iterator[str]:
    """Constraints ParamValidator skips; values of the wrong type are left to it."""
    kind = shape.type_name
    if kind == "structure":
        if isinstance(value, dict) and not getattr(shape, "is_document_type", False):
            members = shape.members
            for key, item in value.items():
                if key in members:
                    yield from _walk(item, members[key], _join(path, key))
    elif kind == "list":
        if isinstance(value, (list, tuple)):
            yield from _check_max(len(value), shape, path, "length")
            for index, item in enumerate(value):
                yield from _walk(item, shape.member, f"{path}[{index}]")
    elif kind == "map":
        if isinstance(value, dict):
            yield from _check_min(len(value), shape, path, "size")
            yield from _check_max(len(value), shape, path, "size")
            for key, item in value.items():
                yield from _walk(key, shape.key, f"{path or _ROOT} (key {key})")
                yield from _walk(item, shape.value, _join(path, str(key)))
    elif kind == "string":
        if isinstance(value, str):
            yield from _check_string(value, shape, path or _ROOT)
    elif kind == "blob":
        if isinstance(value, (bytes, bytearray, str)):
            size = len(value.encode("utf-8")) if isinstance(value, str) else len(value)
            yield from _check_min(size, shape, path, "size")
            yield from _check_max(size, shape, path, "size")
    elif kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool):  # ParamValidator accepts it (bool is an int subclass)
            yield f"{path or _ROOT}: invalid type bool (value {value!r}), expected a number"
        elif isinstance(value, (int, float)):
            yield from _check_max(value, shape, path, "value")


def _check_string(value: str, shape: Shape, path: str) -> Iterator[str]:
    enum = shape.enum
    if enum and value not in enum:
        sample = ", ".join(enum[:8]) + (", ..." if len(enum) > 8 else "")
        yield f"{path}: {_show(value, shape)} is not one of the {len(enum)} allowed values ({sample})"
    yield from _check_max(len(value), shape, path, "length")
    pattern = shape.metadata.get("pattern")
    if pattern is not None and compile_java(pattern).fullmatch(value) is None:
        yield f"{path}: {_show(value, shape)} does not match pattern {pattern!r}"


def _check_min(measure: float, shape: Shape, path: str, what: str) -> Iterator[str]:
    low = shape.metadata.get("min")
    if low is not None and measure < low:
        yield f"{path or _ROOT}: {what} {measure} is below the minimum {low}"


def _check_max(measure: float, shape: Shape, path: str, what: str) -> Iterator[str]:
    high = shape.metadata.get("max")
    if high is not None and measure > high:
        yield f"{path or _ROOT}: {what} {measure} is above the maximum {high}"


def validate_every_request(client: Any) -> list[str]:
    """Validate every request ``client`` sends from now on (botocore ``before-parameter-build``
    hook); a violation raises before anything is sent. Returns the list the operation names are
    appended to, so a test can also see which calls were checked."""
    seen: list[str] = []

    def check(params: dict, model: OperationModel, **_: Any) -> None:
        validate_request(model.service_model.service_name, model.name, params)
        seen.append(model.name)

    client.meta.events.register("before-parameter-build.*.*", check)
    return seen
