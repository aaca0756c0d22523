"""List filters and paging for ListModels / ListEndpoints / ListOperations.

Filter grammar (a subset of AIP-160 that Vertex documents for these lists), terms joined by ``AND``
or whitespace:

- ``labels.KEY=VALUE``, ``labels.KEY!=VALUE``, ``labels.KEY:*`` / ``labels:KEY`` (key present);
- ``display_name=VALUE`` / ``displayName=VALUE`` (``"quoted"`` values may contain spaces);
- ``model=ID`` / ``endpoint=ID`` (the resource id).

Anything else (OR, NOT, other fields) is refused with ``INVALID_ARGUMENT``. Pages are in creation
order; ``page_size`` 0 means 100, larger values are capped at 1000; ``page_token`` is opaque and
refused if it was not issued for the same filter.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from google.protobuf.message import Message

from .errors import invalid_argument

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "page", "parse_filter"]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

T = TypeVar("T")

_TERM = re.compile(
    r'\s*(?P<field>[A-Za-z_][A-Za-z0-9_]*(?:\.[a-z0-9_-]+)?)\s*(?P<op>!=|=|:)\s*(?P<value>"[^"]*"|[^\s"]+)\s*'
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
    elif field == id_field and op == "=":
        return lambda rid, _resource: rid == value
    raise invalid_argument(f'Provided filter is not valid or not supported: "{text}" (term "{field}{op}{value}").')


def parse_filter(text: str, *, id_field: str) -> Callable[[str, Message], bool]:
    """A predicate ``(resource_id, resource) -> bool`` for ``text`` (see the module docstring)."""
    checks = [_predicate(field, op, value, id_field, text) for field, op, value in _terms(text.strip())]
    return lambda rid, resource: all(check(rid, resource) for check in checks)


def _token(offset: int, filter_text: str) -> str:
    raw = json.dumps({"o": offset, "f": filter_text}).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def page(items: Sequence[T], *, page_size: int, page_token: str, filter_text: str) -> tuple[list[T], str]:
    """``(this page, next_page_token)`` of ``items``; ``INVALID_ARGUMENT`` for a bad size or token."""
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
