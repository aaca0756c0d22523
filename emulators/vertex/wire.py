"""Proto JSON on the wire: strict parsing of requests, serialisation of responses.

Parsing follows Google's HTTP/JSON transcoding: path variables, a body (the whole request for
``body: "*"``, else one field of it) and query parameters (any other top-level field, plus system
parameters such as ``$alt``). Everything is parsed into the real ``aiplatform_v1`` protobuf types
with unknown fields REJECTED, and every enum value must be one the proto defines; refusals are
``INVALID_ARGUMENT`` with Google's wording (``Invalid JSON payload received. Unknown name "x" ...``).

Responses are serialised from protobuf messages with lowerCamelCase names, enums as integers when
the request asked for ``$alt=json;enum-encoding=int`` (as GAPIC clients do), names otherwise.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, timestamp_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .errors import invalid_argument

__all__ = [
    "SYSTEM_PARAMETERS",
    "check_enums",
    "enum_ints_requested",
    "message_json",
    "parse_json_object",
    "parse_message",
    "parse_request",
    "snake_case",
    "timestamp",
]

SYSTEM_PARAMETERS: frozenset[str] = frozenset(
    {
        "$alt", "alt", "key", "$key", "prettyPrint", "$prettyPrint", "fields", "$fields", "quotaUser",
        "$quotaUser", "access_token", "oauth_token", "callback", "$callback", "upload_protocol",
        "uploadType", "$.xgafv", "$xgafv", "userIp", "$userProject", "userProject",
    }
)

_UNKNOWN_FIELD = re.compile(r'has no field named "(?P<name>[^"]+)" at "(?P<where>[^"]*)"')
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(name: str) -> str:
    """``trafficSplit`` -> ``traffic_split`` (snake_case input is returned unchanged)."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def timestamp(seconds: float | None = None) -> timestamp_pb2.Timestamp:
    """A ``google.protobuf.Timestamp`` for ``seconds`` since the epoch (default: now)."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(int((time.time() if seconds is None else seconds) * 1e9))
    return stamp


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw`` (``{}`` when empty); ``INVALID_ARGUMENT`` otherwise."""
    if not raw or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_argument(f"Invalid JSON payload received. {exc}") from None
    if not isinstance(value, dict):
        raise invalid_argument("Invalid JSON payload received. The request body must be a JSON object.")
    return value


def _parse_error_message(exc: json_format.ParseError) -> str:
    text = str(exc)
    match = _UNKNOWN_FIELD.search(text)
    if match:
        return (
            f"Invalid JSON payload received. Unknown name \"{match['name']}\" at '{match['where']}': "
            "Cannot find field."
        )
    return "Invalid JSON payload received. " + text.splitlines()[0].strip()


def _repeated(field: FieldDescriptor) -> bool:
    """``field.is_repeated`` (protobuf >= 6), or its label on protobuf 5 (the terraform extra pins
    protobuf < 6, where ``is_repeated`` does not exist)."""
    flag = getattr(field, "is_repeated", None)
    return bool(flag) if flag is not None else field.label == FieldDescriptor.LABEL_REPEATED


def check_enums(message: Message, path: str = "") -> None:
    """Refuse enum values the proto does not define (protobuf's JSON parser lets unknown ints in)."""
    for field, value in message.ListFields():
        where = f"{path}.{field.name}" if path else field.name
        if field.type == FieldDescriptor.TYPE_ENUM:
            values = value if _repeated(field) else [value]
            for item in values:
                if field.enum_type.values_by_number.get(item) is None:
                    raise invalid_argument(
                        f"Invalid value at '{where}' "
                        f"(type.googleapis.com/{field.enum_type.full_name}), {item}"
                    )
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                if field.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                    for key in value:
                        check_enums(value[key], f"{where}[{key}]")
            elif _repeated(field):
                for index, item in enumerate(value):
                    check_enums(item, f"{where}[{index}]")
            else:
                check_enums(value, where)


def parse_message(data: Mapping[str, Any], message: Message) -> Message:
    """Merge proto JSON ``data`` into ``message`` strictly (unknown fields and enum values refused)."""
    try:
        json_format.ParseDict(dict(data), message, ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        raise invalid_argument(_parse_error_message(exc)) from None
    check_enums(message)
    return message


def _query_value(field: FieldDescriptor, values: list[str]) -> Any:
    def one(text: str) -> Any:
        if field.type == FieldDescriptor.TYPE_BOOL:
            if text not in ("true", "false"):
                raise invalid_argument(f"Invalid value at '{field.json_name}' (TYPE_BOOL), \"{text}\"")
            return text == "true"
        if field.message_type is not None and field.message_type.full_name == "google.protobuf.FieldMask":
            return ",".join(_camel_path(path) for path in text.split(",") if path)
        return text

    if _repeated(field):
        return [one(v) for v in values]
    return one(values[-1])


def _camel_path(path: str) -> str:
    return ".".join(re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), part) for part in path.split("."))


def parse_request(
    request: Message,
    *,
    path: Mapping[str, str],
    body: bytes,
    body_field: str | None,
    query: Mapping[str, list[str]],
) -> Message:
    """Fill ``request`` from an HTTP request transcoded as ``google.api.http`` says.

    ``body_field`` is ``"*"`` (the body is the request), a field name (the body is that field) or
    None (no body allowed). Query parameters bind to top-level fields that are neither path nor
    body fields; others are refused like Google does.
    """
    data = parse_json_object(body)
    if body_field == "*":
        parse_message(data, request)
    elif body_field:
        parse_message(data, getattr(request, body_field))
    elif data:
        raise invalid_argument("Invalid JSON payload received. This method does not take a request body.")
    bindable = {
        f.name: f
        for f in request.DESCRIPTOR.fields
        if f.name not in path and f.name != body_field and body_field != "*"
    }
    by_json = {f.json_name: f for f in bindable.values()}
    query_data: dict[str, Any] = {}
    for key, values in query.items():
        if key in SYSTEM_PARAMETERS:
            continue
        field = by_json.get(key) or bindable.get(key)
        if field is None:
            raise invalid_argument(
                f'Invalid JSON payload received. Unknown name "{key}": Cannot bind query parameter. '
                f"Field '{key}' could not be found in request message."
            )
        query_data[field.json_name] = _query_value(field, values)
    if query_data:
        parse_message(query_data, request)
    for name, value in path.items():
        setattr(request, name, value)
    return request


def enum_ints_requested(query: Mapping[str, list[str]]) -> bool:
    """True if ``$alt`` asks for ``enum-encoding=int`` (GAPIC REST clients always do)."""
    return any("enum-encoding=int" in value for value in query.get("$alt", []) + query.get("alt", []))


def message_json(message: Message, *, enum_ints: bool = True) -> bytes:
    """Proto JSON of ``message`` (lowerCamelCase, defaults omitted) as UTF-8 bytes."""
    return json.dumps(
        json_format.MessageToDict(message, use_integers_for_enums=enum_ints, preserving_proto_field_name=False)
    ).encode("utf-8")
