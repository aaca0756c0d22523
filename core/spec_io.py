"""Reading specs: the strict YAML/JSON loader, validation into :class:`core.spec.EndpointSpec`, error
paths, and the published JSON Schema.

Contracts:

- :func:`load_spec` accepts YAML or JSON text and raises :class:`core.errors.SpecError` listing every
  problem with its field path (``variants[0].weight``; ``$`` for the document itself).
- The loader never constructs objects from tags, refuses anchors/aliases and duplicate keys.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from core.errors import SpecError
from core.spec import EndpointSpec
from core.targets import PLATFORMS

__all__ = ["format_loc", "validation_details", "parse_spec", "load_yaml", "load_spec", "spec_json_schema"]


def format_loc(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a dotted path: ``variants[0].weight`` (``$``: the root)."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in PLATFORMS and path.endswith("target"):
            continue  # discriminator tag pydantic adds to the location
        elif isinstance(part, str) and part.startswith("env:"):
            continue  # the env value's discriminator tag
        else:
            path += f".{part}" if path else str(part)
    return path or "$"


def _join(base: str, field: str) -> str:
    if base == "$":
        return field
    return f"{base}{field}" if field.startswith("[") else f"{base}.{field}"


def validation_details(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic errors (``exc.errors()``) as ``[{path, message}]``. A rule over several fields
    (``ctx.fields``, see :func:`_error_at`) is reported once at each field it names, never at the
    model that holds them (``$`` for the spec itself)."""
    details = []
    for e in errors:
        base, message = format_loc(tuple(e["loc"])), str(e["msg"]).removeprefix("Value error, ")
        fields = (e.get("ctx") or {}).get("fields") if e.get("type") == "at_fields" else None
        if fields:
            details += [{"path": _join(base, f), "message": message} for f in fields]
        else:
            details.append({"path": base, "message": message})
    return details


def parse_spec(data: Any) -> EndpointSpec:
    """Validate already-decoded data; raise :class:`SpecError` with every problem's path."""
    if not isinstance(data, dict):
        raise SpecError(
            "the spec must be a mapping", details=[{"path": "$", "message": "expected an object"}]
        )
    try:
        return EndpointSpec.model_validate(data)
    except ValidationError as exc:
        details = validation_details(exc.errors(include_url=False))
        raise SpecError(f"invalid spec: {len(details)} problem(s)", details=details) from None


class StrictLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types (Any base class)
    """``yaml.safe_load`` (no object-constructing tags) that also refuses anchors and aliases (no
    exponential "billion laughs" expansion) and duplicate mapping keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "anchors and aliases are not allowed in a spec",
                                              event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) or key is None:
                if key in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                            key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """Decode YAML or JSON text strictly (see :class:`StrictLoader`); ``yaml.YAMLError`` otherwise."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass


def load_spec(text: str) -> EndpointSpec:
    """Parse YAML or JSON text (JSON is YAML) with a strict safe loader: no object-constructing
    tags, no anchors/aliases, no duplicate keys."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise SpecError(
            "the spec is not valid YAML or JSON", details=[{"path": "$", "message": str(exc)}]
        ) from None
    return parse_spec(data)


def spec_json_schema() -> dict[str, Any]:
    """The published JSON Schema of :class:`EndpointSpec` (input side)."""
    schema = EndpointSpec.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://deploy-anywhere.dev/schemas/endpoint-spec.json"
    return schema
