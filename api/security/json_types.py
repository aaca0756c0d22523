"""JSON request bodies keep their JSON types: nothing is coerced.

Pydantic validates request bodies in lax mode, which would turn ``"3"`` into 3 and ``0`` or ``"no"``
into ``false``: a body the published document (``/openapi.json``) calls invalid would be accepted,
and a client's typo silently read as something else. :func:`check_body_types` (an app-level
dependency, after routing) compares each value of a JSON body with the JSON type the route's
documented request schema allows at its place, and answers 422 ``spec_invalid`` naming every
mismatch (``variants[0].weight: expected integer, got string``) before the route validates it.

Contract of :func:`type_problems`: only JSON types are checked (``integer`` accepts an integral
number such as ``90.0``, as JSON Schema does; ``number`` accepts integers; a boolean is never a
number). Everything else (unknown keys, bounds, patterns, enums, required keys) is left to the
route's model. In a union (``anyOf``/``oneOf``) a value must match one branch: the one the
``discriminator`` names when there is one, else one of those its JSON type and keys fit (all its keys
known to a closed object, every required key present); an empty schema (``Any``) accepts anything.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from core.errors import SpecError

__all__ = ["check_body_types", "type_problems"]

_MAX_PROBLEMS = 20


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _allows(types: str | list[str], value: Any) -> bool:
    allowed = {types} if isinstance(types, str) else set(types)
    kind = _json_type(value)
    return (kind in allowed or (kind == "integer" and "number" in allowed)
            or (kind == "number" and "integer" in allowed and float(value).is_integer()))


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 32:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        seen += 1
    return schema


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _branch(document: dict[str, Any], schema: dict[str, Any], branches: list[dict[str, Any]], value: Any,
            path: str) -> list[dict[str, str]]:
    discriminator = schema.get("discriminator") or {}
    if isinstance(value, dict) and discriminator.get("mapping"):
        tag = value.get(discriminator.get("propertyName"))
        chosen = discriminator["mapping"].get(tag) if isinstance(tag, str) else None
        if chosen is None:
            return []  # the model names the missing or unknown discriminator value
        return type_problems(document, {"$ref": chosen}, value, path)
    typed = [b for b in branches if _top_fits(document, b, value)]
    if not typed:
        return [{"path": path or "$", "message": f"{_json_type(value)} is not allowed here"}]
    # the branches the value's keys select (all its keys known, every required key present), else all
    candidates = [b for b in typed if _keys_fit(_resolve(document, b), value)] or typed
    results = [type_problems(document, b, value, path) for b in candidates]
    return [] if any(not r for r in results) else results[0]


def _top_fits(document: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    schema = _resolve(document, schema)
    return "type" not in schema or _allows(schema["type"], value)


def _keys_fit(schema: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, dict):
        return True
    known = schema.get("properties", {})
    closed = schema.get("additionalProperties") is False
    return (all(key in known for key in value) or not closed) and all(k in value for k in schema.get("required", []))


def type_problems(document: dict[str, Any], schema: dict[str, Any], value: Any,
                  path: str = "") -> list[dict[str, str]]:
    """Where ``value`` has a JSON type ``schema`` does not allow (see the module contract);
    ``$ref``s resolve in ``document``'s components. Each problem: ``{path, message}``."""
    schema = _resolve(document, schema)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return _branch(document, schema, schema[union], value, path)
    problems: list[dict[str, str]] = []
    for part in schema.get("allOf", []):
        problems += type_problems(document, part, value, path)
    if "type" in schema and not _allows(schema["type"], value):
        expected = schema["type"] if isinstance(schema["type"], str) else " or ".join(schema["type"])
        return problems + [{"path": path or "$", "message": f"expected {expected}, got {_json_type(value)}"}]
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                problems += type_problems(document, sub, item, _join(path, key))
    elif isinstance(value, list):
        prefix = schema.get("prefixItems", [])
        items = schema.get("items")
        for index, item in enumerate(value):
            sub = prefix[index] if index < len(prefix) else items
            if isinstance(sub, dict):
                problems += type_problems(document, sub, item, _join(path, index))
    return problems


async def check_body_types(request: Request) -> None:
    """Dependency run before every API route: a JSON body's values must have the JSON types the
    route's documented request schema allows (see the module contract), else 422."""
    template = getattr(request.scope.get("route"), "path", None)
    document = request.app.openapi()
    operation = document.get("paths", {}).get(template, {}).get(request.method.lower()) or {}
    media = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if media is None or "schema" not in media or not await request.body():
        return
    try:
        body = await request.json()
    except ValueError:
        return  # not JSON: the route answers it
    problems = type_problems(document, media["schema"], body)
    if problems:
        raise SpecError(f"invalid request: {len(problems)} value(s) of the wrong JSON type",
                        details=problems[:_MAX_PROBLEMS])
