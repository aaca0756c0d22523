"""List filters and paging for ListModels / ListEndpoints / ListOperations.

Filter grammar (a subset of AIP-160 that Vertex documents for these lists), terms joined by ``AND``
or whitespace:

- ``labels.KEY=VALUE``, ``labels.KEY!=VALUE``, ``labels.KEY:*`` / ``labels:KEY`` (key present);
- ``display_name=VALUE`` / ``displayName=VALUE`` (``"quoted"`` values may contain spaces);
- ``model=ID`` / ``endpoint=ID`` and ``!=`` (the resource id);
- ``labels."KEY"=VALUE`` (a quoted key, as the ListModels/ListEndpoints documentation allows);
- ``base_model_name=VALUE`` / ``baseModelName=VALUE``: the emulator serves only custom models, which
  have no base model, so a non-empty value matches nothing.

Anything else (OR, NOT, other fields) is refused with ``INVALID_ARGUMENT``.

Ordering (``order_by``, as ListModelsRequest / ListEndpointsRequest document it): a comma-separated
list of ``display_name``, ``create_time``, ``update_time`` (camelCase accepted too), each optionally
followed by ``desc`` (or ``asc``), e.g. ``display_name, create_time desc``. Another field, a field
given twice or a direction other than asc/desc is ``INVALID_ARGUMENT``. Without ``order_by`` lists
come in creation order; ties are broken by the next key, then by creation order (resources
created in the same instant keep their creation sequence, also under ``create_time desc``).

Paging: ``page_size`` 0 means 100, larger values are capped at 1000; ``page_token`` is opaque and
refused if it was not issued for the same filter and ordering.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from google.protobuf.message import Message

from .errors import invalid_argument

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "ORDER_FIELDS", "order", "page", "parse_filter"]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

T = TypeVar("T")

_TERM = re.compile(
    r'\s*(?P<field>[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[a-z0-9_-]+|"[^"]*"))?)\s*(?P<op>!=|=|:)\s*'
    r'(?P<value>"[^"]*"|[^\s"]+)\s*'
)
_AND = re.compile(r"\s*AND\s+|\s+")


def _terms(text: str) -> list[tuple[str, str, str]]:
    terms: list[tuple[str, str, str]] = []
    position = 0
    while position < len(text):
        match = _TERM.match(text, position)
        if not match:
            raise invalid_argument(f'Provided filter is not valid or not supported: "{text}".')
        value = match["value"]
        terms.append((match["field"], match["op"], value[1:-1] if value.startswith('"') else value))
        position = match.end()
        separator = _AND.match(text, position)
        if separator:
            position = separator.end()
    return terms


def _predicate(field: str, op: str, value: str, id_field: str, text: str) -> Callable[[str, Message], bool]:
    """The check of one filter term."""
    if field.startswith("labels."):
        key = field[len("labels."):]
        key = key[1:-1] if key.startswith('"') else key
        if op == ":" and value == "*":
            return lambda _rid, resource: key in resource.labels
        if op in ("=", "!="):
            want = op == "="
            return lambda _rid, resource: (resource.labels.get(key) == value) == want
    elif field == "labels" and op == ":":
        return lambda _rid, resource: value in resource.labels
    elif field in ("display_name", "displayName") and op in ("=", "!="):
        want = op == "="
        return lambda _rid, resource: (resource.display_name == value) == want
    elif field == id_field and op in ("=", "!="):
        want = op == "="
        return lambda rid, _resource: (rid == value) == want
    elif field in ("base_model_name", "baseModelName") and op == "=":
        return lambda _rid, _resource: value == ""  # custom models have no base model
    raise invalid_argument(f'Provided filter is not valid or not supported: "{text}" (term "{field}{op}{value}").')


def parse_filter(text: str, *, id_field: str) -> Callable[[str, Message], bool]:
    """A predicate ``(resource_id, resource) -> bool`` for ``text`` (see the module docstring)."""
    checks = [_predicate(field, op, value, id_field, text) for field, op, value in _terms(text.strip())]
    return lambda rid, resource: all(check(rid, resource) for check in checks)


ORDER_FIELDS: dict[str, str] = {
    "display_name": "display_name",
    "displayName": "display_name",
    "create_time": "create_time",
    "createTime": "create_time",
    "update_time": "update_time",
    "updateTime": "update_time",
}
"""``order_by`` field spellings ListModels / ListEndpoints accept -> the resource field they sort on."""


def _order_keys(order_by: str) -> list[tuple[str, bool]]:
    """``[(field, descending), ...]`` of an ``order_by`` string; ``INVALID_ARGUMENT`` if not supported."""
    keys: list[tuple[str, bool]] = []
    if not order_by.strip():
        return keys
    supported = "display_name, create_time, update_time"
    for part in order_by.split(","):
        words = part.split()
        if not words or len(words) > 2 or words[0] not in ORDER_FIELDS:
            raise invalid_argument(f'Unsupported order_by "{order_by}": order by {supported}, optionally "desc".')
        if len(words) == 2 and words[1].lower() not in ("asc", "desc"):
            raise invalid_argument(f'Invalid order_by "{order_by}": the direction of "{words[0]}" must be '
                                   '"asc" or "desc".')
        field = ORDER_FIELDS[words[0]]
        if any(field == seen for seen, _ in keys):
            raise invalid_argument(f'Invalid order_by "{order_by}": "{field}" is given twice.')
        keys.append((field, len(words) == 2 and words[1].lower() == "desc"))
    return keys


def order(items: Sequence[Message], order_by: str) -> list[Message]:
    """``items`` (in creation order) sorted as ``order_by`` says (see the module docstring)."""
    keys = _order_keys(order_by)
    indexed = list(enumerate(items))
    for field, descending in reversed(keys):  # stable sorts, least significant key first

        def key(entry: tuple[int, Message], field: str = field) -> tuple[object, ...]:
            index, resource = entry
            if field == "display_name":
                return (resource.display_name,)
            stamp = getattr(resource, field)
            tie = (index,) if field == "create_time" else ()
            return (stamp.seconds, stamp.nanos, *tie)

        indexed.sort(key=key, reverse=descending)
    return [resource for _, resource in indexed]


def _token(offset: int, request_key: str) -> str:
    raw = json.dumps({"o": offset, "f": request_key}).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def page(
    items: Sequence[T], *, page_size: int, page_token: str, filter_text: str, order_by: str = ""
) -> tuple[list[T], str]:
    """``(this page, next_page_token)`` of ``items``; ``INVALID_ARGUMENT`` for a bad size, or for a
    token that was not issued for this ``filter_text`` and ``order_by``."""
    filter_text = f"{filter_text}\x00{order_by}" if order_by else filter_text
    if page_size < 0:
        raise invalid_argument(f"page_size must not be negative, got {page_size}.")
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    offset = 0
    if page_token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(page_token.encode("ascii")))
            offset, issued_for = int(decoded["o"]), str(decoded["f"])
        except (ValueError, KeyError, TypeError, UnicodeEncodeError):
            raise invalid_argument(f'Invalid page_token "{page_token}".') from None
        if issued_for != filter_text or offset < 0:
            raise invalid_argument("The page_token was issued for a different request.")
    chunk = list(items[offset: offset + size])
    next_offset = offset + size
    return chunk, _token(next_offset, filter_text) if next_offset < len(items) else ""
