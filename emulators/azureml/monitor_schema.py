"""Strict validation of Azure Monitor request bodies against azure-mgmt-monitor's own models.

azure-mgmt-monitor (7.0.0: autoscale settings at api-version ``2022-10-01``) ships msrest-style
models in ``azure.mgmt.monitor.models``. They are lenient at run time (client-side validation is
off), but their class metadata is enough for a strict validator with no false positives on what
the SDK itself sends:

- ``_attribute_map``: attribute -> ``{"key": JSON path, "type": type string}``. Keys may be
  flattened (``properties.profiles``: the value lives under ``properties``). Type strings are
  ``str``, ``int``, ``float``, ``bool``, ``duration`` (ISO 8601 duration, e.g. ``PT5M``),
  ``iso-8601`` (datetime), ``[T]`` (list), ``{T}`` (dict of T) or a model class name;
- ``_validation``: ``required``, ``readonly`` (accepted and dropped, as ARM ignores them),
  ``constant`` (the class attribute is the only value), ``min_items``/``max_items``,
  ``minimum``/``maximum``;
- the ``__init__`` annotation ``Union[str, "_models.SomeEnum"]`` marks a closed enum: matched
  case-insensitively (as ARM does), canonical casing kept.

:func:`validate` reports every problem (unknown keys, missing required keys, wrong types, enum
values, malformed durations/datetimes, item counts) as :class:`~emulators.azureml.errors.Problem`
and returns a cleaned copy (enums canonical, ``null`` optionals removed, read-only keys dropped).
azure-mgmt-monitor is imported on first use.
"""

from __future__ import annotations

import enum
import functools
import inspect
import types
import typing
from typing import Any

from .errors import Problem
from .schema import _DURATION, _is_datetime  # one definition of ISO durations/datetimes

__all__ = ["API_VERSION", "load", "model", "validate"]

API_VERSION = "2022-10-01"
"""The api-version azure-mgmt-monitor 7.0.0 sends for ``Microsoft.Insights/autoscalesettings``."""


@functools.cache
def load() -> types.ModuleType:
    """``azure.mgmt.monitor.models`` (imported on first use)."""
    from azure.mgmt.monitor import models

    return models


def model(name: str) -> type:
    """The model class called ``name`` (e.g. ``"AutoscaleSettingResource"``)."""
    return getattr(load(), name)


@functools.cache
def _enums(cls: type) -> dict[str, type[enum.Enum]]:
    """Attribute -> closed enum, from ``Union[str, "_models.X"]`` annotations of ``__init__``."""
    found: dict[str, type[enum.Enum]] = {}
    try:
        parameters = inspect.signature(getattr(cls, "__init__")).parameters  # the class's own, unbound
    except (TypeError, ValueError):
        return found
    for name, parameter in parameters.items():
        for arg in typing.get_args(parameter.annotation) or (parameter.annotation,):
            ref = arg.__forward_arg__ if isinstance(arg, typing.ForwardRef) else arg if isinstance(arg, str) else None
            if ref:
                candidate = getattr(load(), ref.rsplit(".", 1)[-1], None)
                if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
                    found[name] = candidate
    return found


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate(cls: type | str, value: Any, path: str = "") -> tuple[Any, list[Problem]]:
    """Validate ``value`` (JSON) as model ``cls``: (cleaned copy, every problem found)."""
    problems: list[Problem] = []
    cleaned = _check_model(value, model(cls) if isinstance(cls, str) else cls, path, problems)
    return cleaned, problems


def _tree(cls: type) -> dict[str, Any]:
    """The JSON shape of a model: nested dicts of key -> attribute name (flattening undone)."""
    tree: dict[str, Any] = {}
    for attribute, info in cls._attribute_map.items():  # type: ignore[attr-defined]
        node = tree
        *parents, leaf = info["key"].replace("\\.", "\0").split(".")
        for parent in parents:
            node = node.setdefault(parent.replace("\0", "."), {})
        node[leaf.replace("\0", ".")] = attribute
    return tree


def _check_model(value: Any, cls: type, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, dict):
        problems.append(Problem(path or "$", f"expected an object ({cls.__name__}), got {type(value).__name__}"))
        return value
    rules: dict[str, dict[str, Any]] = getattr(cls, "_validation", {})
    seen: set[str] = set()
    cleaned = _walk(value, _tree(cls), cls, rules, path, problems, seen)
    for attribute, rule in rules.items():
        if rule.get("required") and not rule.get("readonly") and attribute not in seen:
            key = cls._attribute_map[attribute]["key"].replace("\\.", ".")  # type: ignore[attr-defined]
            problems.append(Problem(_join(path, key), f"the field '{key}' of {cls.__name__} is required",
                                    code="MissingRequiredProperty"))
    return cleaned


def _walk(value: dict[str, Any], tree: dict[str, Any], cls: type, rules: dict[str, dict[str, Any]], path: str,
          problems: list[Problem], seen: set[str]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        here = _join(path, key)
        node = tree.get(key)
        if node is None:
            known = ", ".join(sorted(tree))
            problems.append(Problem(here, f"unknown field '{key}' for {cls.__name__} (known: {known})",
                                    code="InvalidRequestContent"))
            continue
        if isinstance(node, dict):
            if item is None:
                continue
            if not isinstance(item, dict):
                problems.append(Problem(here, f"expected an object, got {type(item).__name__}"))
                continue
            cleaned[key] = _walk(item, node, cls, rules, here, problems, seen)
            continue
        rule = rules.get(node, {})
        if rule.get("readonly"):
            continue
        if item is None:
            continue
        seen.add(node)
        cleaned[key] = _check_attribute(item, cls, node, rule, here, problems)
    return cleaned


def _check_attribute(value: Any, cls: type, attribute: str, rule: dict[str, Any], path: str,
                     problems: list[Problem]) -> Any:
    if rule.get("constant"):
        expected = getattr(cls, attribute)
        if value != expected:
            problems.append(Problem(path, f"must be '{expected}', got {value!r}"))
        return value
    type_name = cls._attribute_map[attribute]["type"]  # type: ignore[attr-defined]
    cleaned = _check_type(value, type_name, _enums(cls).get(attribute), path, problems)
    if isinstance(value, list):
        if "min_items" in rule and len(value) < rule["min_items"]:
            problems.append(Problem(path, f"needs at least {rule['min_items']} item(s), got {len(value)}"))
        if "max_items" in rule and len(value) > rule["max_items"]:
            problems.append(Problem(path, f"allows at most {rule['max_items']} item(s), got {len(value)}"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in rule and value < rule["minimum"]:
            problems.append(Problem(path, f"must be >= {rule['minimum']}, got {value}"))
        if "maximum" in rule and value > rule["maximum"]:
            problems.append(Problem(path, f"must be <= {rule['maximum']}, got {value}"))
    return cleaned


def _check_type(value: Any, type_name: str, enum_cls: type[enum.Enum] | None, path: str,
                problems: list[Problem]) -> Any:
    if type_name.startswith("[") and type_name.endswith("]"):
        if not isinstance(value, list):
            problems.append(Problem(path, f"expected an array, got {type(value).__name__}"))
            return value
        return [_check_type(v, type_name[1:-1], enum_cls, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    if type_name.startswith("{") and type_name.endswith("}"):
        if not isinstance(value, dict):
            problems.append(Problem(path, f"expected an object, got {type(value).__name__}"))
            return value
        return {k: _check_type(v, type_name[1:-1], enum_cls, _join(path, k), problems) for k, v in value.items()}
    if type_name == "str":
        if not isinstance(value, str):
            problems.append(Problem(path, f"expected a string, got {type(value).__name__}"))
            return value
        return _check_enum(value, enum_cls, path, problems) if enum_cls else value
    if type_name == "bool":
        if not isinstance(value, bool):
            problems.append(Problem(path, f"expected a boolean, got {type(value).__name__}"))
        return value
    if type_name in ("int", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(Problem(path, f"expected an integer, got {type(value).__name__}"))
        return value
    if type_name == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(Problem(path, f"expected a number, got {type(value).__name__}"))
        return value
    if type_name == "duration":
        if not (isinstance(value, str) and _DURATION.fullmatch(value)):
            problems.append(Problem(path, f"expected an ISO 8601 duration such as PT5M, got {value!r}"))
        return value
    if type_name == "iso-8601":
        if not _is_datetime(value):
            problems.append(Problem(path, f"expected an ISO 8601 date-time, got {value!r}"))
        return value
    sub = getattr(load(), type_name, None)
    if isinstance(sub, type) and hasattr(sub, "_attribute_map"):
        return _check_model(value, sub, path, problems)
    problems.append(Problem(path, f"unsupported schema type {type_name!r}"))  # a model we do not know
    return value


def _check_enum(value: str, enum_cls: type[enum.Enum], path: str, problems: list[Problem]) -> str:
    allowed = [str(member.value) for member in enum_cls]
    for candidate in allowed:
        if candidate.lower() == value.lower():
            return candidate
    problems.append(Problem(path, f"'{value}' is not a valid {enum_cls.__name__}; allowed: {', '.join(allowed)}",
                            code="InvalidEnumValue"))
    return value
