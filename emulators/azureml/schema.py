"""Strict validation of request bodies against the REST models shipped inside azure-ai-ml.

azure-ai-ml 1.35 ships ONE set of ARM models (``azure.ai.ml._restclient.arm_ml_service.models``,
TypeSpec-generated, used with every api-version the SDK sends). They are lenient at run time, but
their metadata says everything a strict validator needs:

- each field is a ``rest_field`` with its JSON name and a ``visibility`` list: ``["read"]`` is
  read-only, ``["read", "create"]`` is create-only (immutable), no ``"read"`` is write-only;
- the annotation gives the type: ``str``, ``int``, ``float``, ``bool``, ``datetime.timedelta``
  (ISO 8601 duration, e.g. ``PT10S``), ``datetime.datetime`` (ISO 8601), ``dict[str, X]``,
  ``list[X]``, nested models, ``Union[str, SomeEnum]`` (an enum: closed here, matched
  case-insensitively as ARM does, canonical casing kept) and ``Optional[...]`` (everything else is
  required);
- polymorphic models carry a ``rest_discriminator`` field and a ``__mapping__`` of subclasses
  (``endpointComputeType``: Managed/Kubernetes, ``scaleType``: Default/TargetUtilization, ...).

:func:`validate` walks a JSON body with that metadata: unknown keys, missing required keys, wrong
types, invalid enum/discriminator values and malformed durations/datetimes are all reported (as
:class:`~emulators.azureml.errors.Problem`, every one, not just the first). Read-only keys are
accepted and dropped (as ARM ignores them: the SDK itself sends ``provisioningState``). The result
is a cleaned copy: enum values in canonical casing, ``null`` optional values removed.

:func:`immutable_changes` lists the create-only fields an update would change.

azure-ai-ml is imported lazily (it is heavy); :func:`load` forces the import.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import functools
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from .errors import Problem

__all__ = ["FieldSpec", "fields_of", "immutable_changes", "load", "model", "validate"]

_DURATION = re.compile(
    r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)


@functools.cache
def load() -> types.ModuleType:
    """The models module ``azure.ai.ml._restclient.arm_ml_service.models`` (imported on first use)."""
    from azure.ai.ml._restclient.arm_ml_service import models

    return models


def model(name: str) -> type:
    """The REST model class called ``name`` (e.g. ``"OnlineEndpoint"``)."""
    return getattr(load(), name)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a REST model."""

    rest_name: str
    annotation: Any
    visibility: tuple[str, ...]
    discriminator: bool

    @property
    def readonly(self) -> bool:
        """Only the service sets it; ignored in requests."""
        return self.visibility == ("read",)

    @property
    def create_only(self) -> bool:
        """Settable at creation, then immutable."""
        return "create" in self.visibility and "update" not in self.visibility

    @property
    def required(self) -> bool:
        """Must be present in a create/replace body."""
        return not self.readonly and not _optional(self.annotation)


def _optional(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in typing.get_args(
        annotation
    )


def _resolve(annotation: Any) -> Any:
    """Evaluate string / ForwardRef annotations (``"_models.X"``) anywhere inside ``annotation``."""
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        namespace = {"_models": load(), "datetime": datetime, "typing": typing, **vars(typing)}
        return _resolve(eval(annotation, namespace))
    origin = typing.get_origin(annotation)
    if origin is None or origin is typing.Literal:
        return annotation
    args = tuple(_resolve(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return typing.Union.__getitem__(args)
    if origin in (dict, list):
        return types.GenericAlias(origin, args)
    return annotation


@functools.cache
def fields_of(cls: type) -> dict[str, FieldSpec]:
    """The fields of REST model ``cls`` (inherited ones included), by JSON name."""
    from azure.ai.ml._restclient.arm_ml_service._utils.model_base import _RestField

    annotations: dict[str, Any] = {}
    rest_fields: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(getattr(klass, "__annotations__", {}) if "__annotations__" in vars(klass) else {})
        for attr, value in vars(klass).items():
            if isinstance(value, _RestField):
                rest_fields[attr] = value
    specs: dict[str, FieldSpec] = {}
    for attr, rf in rest_fields.items():
        name = rf._rest_name_input or attr
        specs[name] = FieldSpec(
            rest_name=name,
            annotation=_resolve(annotations.get(attr, Any)),
            visibility=tuple(rf._visibility or ("read", "create", "update", "delete", "query")),
            discriminator=bool(rf._is_discriminator),
        )
    return specs


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and getattr(annotation, "_is_model", False)


def _discriminated(cls: type, value: dict[str, Any], path: str, problems: list[Problem]) -> type | None:
    """The subclass ``value`` selects through ``cls``'s discriminator (``cls`` itself if none)."""
    while "__mapping__" in vars(cls):
        disc = next(
            (f for f in fields_of(cls).values() if f.discriminator and f.rest_name in _own_rest_names(cls)), None
        )
        if disc is None:
            return cls
        mapping: dict[str, type] = vars(cls)["__mapping__"]
        raw = value.get(disc.rest_name)
        where = _join(path, disc.rest_name)
        if raw is None:
            problems.append(
                Problem(where, f"The property '{where}' is required; one of {sorted(mapping)}.", "MissingProperty")
            )
            return None
        match = next((k for k in mapping if isinstance(raw, str) and k.lower() == raw.lower()), None)
        if match is None:
            problems.append(
                Problem(where, f"The value {raw!r} of '{where}' is not one of {sorted(mapping)}.", "InvalidEnumValue")
            )
            return None
        subclass = mapping[match]
        if subclass is cls:
            return cls
        cls = subclass
    return cls


def _own_rest_names(cls: type) -> set[str]:
    from azure.ai.ml._restclient.arm_ml_service._utils.model_base import _RestField

    return {(v._rest_name_input or k) for k, v in vars(cls).items() if isinstance(v, _RestField)}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    return (
        {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}.get(
            type(value), type(value).__name__
        )
        if value is not None
        else "null"
    )


def validate(cls: type | str, value: Any, path: str = "") -> tuple[Any, list[Problem]]:
    """Validate JSON ``value`` against REST model ``cls`` (class or name).

    Returns ``(cleaned, problems)``; the body is acceptable iff ``problems`` is empty.
    """
    klass = model(cls) if isinstance(cls, str) else cls
    problems: list[Problem] = []
    cleaned = _check(value, klass, path, problems)
    return cleaned, problems


def _check(value: Any, annotation: Any, path: str, problems: list[Problem]) -> Any:
    label = path or "body"
    if annotation is Any or annotation is object:
        return value
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _check_union(value, annotation, path, problems)
    if origin is typing.Literal:
        allowed = [a.value if isinstance(a, enum.Enum) else a for a in typing.get_args(annotation)]
        match = next(
            (a for a in allowed if isinstance(value, str) and isinstance(a, str) and a.lower() == value.lower()), None
        )
        if match is None and value not in allowed:
            problems.append(
                Problem(label, f"The value {value!r} of '{label}' must be one of {allowed}.", "InvalidEnumValue")
            )
            return value
        return match if match is not None else value
    if origin is dict:
        _, value_type = typing.get_args(annotation)  # keys are JSON object keys: strings
        if not isinstance(value, dict):
            problems.append(
                Problem(label, f"The property '{label}' must be an object, got {_type_name(value)}.", "InvalidType")
            )
            return value
        return {k: _check(v, value_type, f"{label}['{k}']", problems) for k, v in value.items()}
    if origin is list:
        (item_type,) = typing.get_args(annotation)
        if not isinstance(value, list):
            problems.append(
                Problem(label, f"The property '{label}' must be an array, got {_type_name(value)}.", "InvalidType")
            )
            return value
        return [_check(v, item_type, f"{label}[{i}]", problems) for i, v in enumerate(value)]
    if _is_model(annotation):
        return _check_model(value, annotation, path, problems)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _check_enum(value, annotation, label, problems)
    return _check_scalar(value, annotation, label, problems)


def _check_union(value: Any, annotation: Any, path: str, problems: list[Problem]) -> Any:
    label = path or "body"
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if value is None:
        if len(args) != len(typing.get_args(annotation)):
            return None
        problems.append(Problem(label, f"The property '{label}' must not be null.", "InvalidType"))
        return value
    enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
    if enums:  # Union[str, SomeEnum]: an enum, closed here
        return _check_enum(value, enums[0], label, problems)
    if len(args) == 1:
        return _check(value, args[0], path, problems)
    for arg in args:
        attempt: list[Problem] = []
        cleaned = _check(value, arg, path, attempt)
        if not attempt:
            return cleaned
    problems.append(Problem(label, f"The property '{label}' has an invalid value {value!r}.", "InvalidType"))
    return value


def _check_enum(value: Any, enum_cls: type[enum.Enum], label: str, problems: list[Problem]) -> Any:
    allowed = [str(m.value) for m in enum_cls]
    if isinstance(value, str):
        for candidate in allowed:
            if candidate.lower() == value.lower():
                return candidate
    problems.append(
        Problem(
            label,
            f"The value {value!r} of '{label}' is not valid; allowed values: {', '.join(allowed)}.",
            "InvalidEnumValue",
        )
    )
    return value


def _check_scalar(value: Any, annotation: Any, label: str, problems: list[Problem]) -> Any:
    ok = True
    expected = getattr(annotation, "__name__", str(annotation))
    if annotation is str:
        ok, expected = isinstance(value, str), "string"
    elif annotation is bool:
        ok, expected = isinstance(value, bool), "boolean"
    elif annotation is int:
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "integer"
    elif annotation is float:
        ok, expected = isinstance(value, (int, float)) and not isinstance(value, bool), "number"
    elif annotation is datetime.timedelta:
        ok, expected = isinstance(value, str) and bool(_DURATION.match(value)), "ISO 8601 duration such as 'PT10S'"
    elif annotation is datetime.datetime:
        ok, expected = _is_datetime(value), "ISO 8601 date-time"
    elif annotation is datetime.date:
        ok, expected = isinstance(value, str) and _is_date(value), "ISO 8601 date"
    if not ok:
        article = "an" if expected[0] in "aeiouAEIOU" else "a"
        problems.append(
            Problem(label, f"The property '{label}' must be {article} {expected}, got {value!r}.", "InvalidType")
        )
    return value


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value or " " in value


def _is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_model(value: Any, cls: type, path: str, problems: list[Problem]) -> Any:
    label = path or "body"
    if not isinstance(value, dict):
        problems.append(
            Problem(label, f"The property '{label}' must be an object, got {_type_name(value)}.", "InvalidType")
        )
        return value
    resolved = _discriminated(cls, value, path, problems)
    if resolved is None:
        return value
    specs = fields_of(resolved)
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        spec = specs.get(key)
        where = _join(path, key)
        if spec is None and key == "provisioningState":
            continue  # a status field the SDK echoes on assets whose model lacks it; ARM ignores it
        if spec is None:
            hint = difflib.get_close_matches(key, list(specs), n=1, cutoff=0.7)
            exact = [name for name in specs if name.lower() == key.lower()]
            suggestion = exact or hint
            more = f" Did you mean '{suggestion[0]}'?" if suggestion else ""
            problems.append(
                Problem(
                    where,
                    f"Could not find member '{key}' on object of type '{resolved.__name__}' at '{where}'.{more}",
                    "UnknownProperty",
                )
            )
            continue
        if spec.readonly or item is None:  # null = absent (a required one is reported below)
            continue
        cleaned[key] = _check(item, spec.annotation, where, problems)
    for spec in specs.values():
        if spec.required and value.get(spec.rest_name) is None:
            where = _join(path, spec.rest_name)
            problems.append(Problem(where, f"The property '{where}' is required.", "MissingProperty"))
    return cleaned


def immutable_changes(cls: type | str, old: Any, new: Any, path: str = "") -> list[str]:
    """JSON paths of create-only fields whose value differs between stored ``old`` and requested ``new``.

    Both are cleaned bodies (see :func:`validate`); strings compare case-insensitively. Write-only
    fields (not returned by the service) are ignored. A change of discriminator value (e.g.
    ``endpointComputeType``) is reported at the discriminator's path.
    """
    klass = model(cls) if isinstance(cls, str) else cls
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    changed: list[str] = []
    resolved = _discriminated(klass, new, path, [])
    if resolved is None:
        return []
    for spec in fields_of(resolved).values():
        where = _join(path, spec.rest_name)
        if "read" not in spec.visibility or spec.readonly:
            continue
        before, after = old.get(spec.rest_name), new.get(spec.rest_name)
        if spec.discriminator and spec.rest_name in old and not _same(before, after):
            changed.append(where)
        elif spec.create_only:
            if not _same(before, after):
                changed.append(where)
        else:
            inner = _model_type(spec.annotation)
            if inner is not None and (before is not None or after is not None):
                changed.extend(immutable_changes(inner, before or {}, after or {}, where))
    return changed


def _model_type(annotation: Any) -> type | None:
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    return args[0] if len(args) == 1 and _is_model(args[0]) else None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b
