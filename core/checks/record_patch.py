"""Drift as an RFC 6902 JSON Patch, and the live configuration in the spec's shape.

A check reports :class:`core.diff.Change` s at spec paths (``variants[blue].weight``,
``tags.team``, ``tags["a.b"]``). :func:`to_patch` turns them into the JSON Patch that takes the
*expected* spec document to the *live* one: variants are addressed by their index in the expected
document, a variant only live is appended (``/variants/-``), one only expected is removed (highest
index first, so earlier indices stay valid). :func:`live_document` applies that patch: the live
configuration in the PUT body's shape, where every field the check did not report (equal, ignored,
or unreadable on the provider) keeps its expected value.

Paths outside the spec document (``revision``: the provider's revision stamp; ``endpoint``: the
endpoint is missing; ``unmanaged[<provider id>]``: a foreign sub-resource, :mod:`core.ownership`)
have no patch (:func:`in_spec` is False); :func:`to_patch` skips them. So does it skip a change whose
live value could not be read (``Change.unreadable``): its ``actual`` None is no live value, and the
live document keeps the expected one there.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import jsonpatch

from core.diff import Change
from core.ownership import is_unmanaged_path

__all__ = ["parse_path", "to_patch", "live_document", "NOT_IN_SPEC", "in_spec"]

NOT_IN_SPEC = frozenset({"revision", "endpoint"})
"""Change paths that are not fields of the spec document (besides ``unmanaged[...]``: :func:`in_spec`)."""


def in_spec(path: str) -> bool:
    """Whether a change path is a field of the spec document: not the revision stamp, not the
    missing endpoint, not a foreign sub-resource (``unmanaged[<id>]``, never adopted into a spec)."""
    return path not in NOT_IN_SPEC and not is_unmanaged_path(path)

_FREE_MAPS = frozenset({"tags", "env"})
"""Mappings whose keys are data: all keys removed leaves ``{}``; any other object becomes null."""

_TOKEN = re.compile(r'\.?([A-Za-z0-9_-]+)|\["((?:[^"\\]|\\.)*)"\]|\[([^\]"]+)\]')


def parse_path(path: str) -> list[tuple[str, str]]:
    """``variants[b].env["A.B"]`` -> ``[("key", "variants"), ("variant", "b"), ("key", "env"),
    ("key", "A.B")]``. ValueError for anything else."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"not a spec path: {path!r} (at {pos})")
        plain, quoted, selector = match.groups()
        if plain is not None:
            tokens.append(("key", plain))
        elif quoted is not None:
            tokens.append(("key", quoted.replace('\\"', '"')))
        else:
            tokens.append(("variant", selector))
        pos = match.end()
    return tokens


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(parts: Sequence[str]) -> str:
    return "".join(f"/{_escape(p)}" for p in parts)


def _resolve(tokens: list[tuple[str, str]], index: Mapping[str, int]) -> list[str]:
    parts = []
    for kind, value in tokens:
        parts.append(str(index[value]) if kind == "variant" else value)
    return parts


def _get(doc: Any, parts: Sequence[str]) -> tuple[bool, Any]:
    node = doc
    for part in parts:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def to_patch(expected: Mapping[str, Any], changes: Iterable[Change | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The RFC 6902 operations that turn the ``expected`` spec document into the live one.

    ``changes``: a check's changes (models or their JSON dicts). Deterministic; every operation
    applies in order to ``expected``. Changes outside the spec document, and unreadable ones
    (``Change.unreadable``: their live value is unknown), are skipped.
    """
    doc = copy.deepcopy(dict(expected))
    index = {v["name"]: i for i, v in enumerate(doc.get("variants") or [])}
    ops: list[dict[str, Any]] = []
    removed_variants: list[int] = []
    added_variants: list[Any] = []
    emptied: set[tuple[str, ...]] = set()

    def emit(op: dict[str, Any]) -> None:
        jsonpatch.apply_patch(doc, [op], in_place=True)
        ops.append(op)

    for change in changes:
        c = change if isinstance(change, Change) else Change.model_validate(change)
        if not in_spec(c.path) or c.unreadable is not None:  # an unread value is no live value
            continue
        tokens = parse_path(c.path)
        if len(tokens) == 2 and tokens[0] == ("key", "variants") and tokens[1][0] == "variant":
            name = tokens[1][1]
            if c.actual is None and name in index:
                removed_variants.append(index[name])
            elif c.expected is None and c.actual is not None:
                added_variants.append(copy.deepcopy(c.actual))
            continue
        parts = _resolve(tokens, index)
        exists, _ = _get(doc, parts)
        if c.actual is None:
            if exists:
                emit({"op": "remove", "path": _pointer(parts)})
                emptied.add(tuple(parts[:-1]))
            continue
        for depth in range(1, len(parts)):  # a parent that is null or absent becomes an object
            found, node = _get(doc, parts[:depth])
            if not isinstance(node, (dict, list)):
                emit({"op": "replace" if found else "add", "path": _pointer(parts[:depth]), "value": {}})
        emit({"op": "replace" if exists else "add", "path": _pointer(parts), "value": copy.deepcopy(c.actual)})
    for parent in sorted(emptied, key=len, reverse=True):
        found, node = _get(doc, parent)
        if found and node == {} and parent and parent[-1] not in _FREE_MAPS:
            emit({"op": "replace", "path": _pointer(parent), "value": None})
    for i in sorted(set(removed_variants), reverse=True):
        emit({"op": "remove", "path": f"/variants/{i}"})
    for variant in added_variants:
        emit({"op": "add", "path": "/variants/-", "value": variant})
    return ops


def live_document(expected: Mapping[str, Any], patch: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``expected`` with ``patch`` applied (a new document; ``expected`` is not changed)."""
    return cast(dict[str, Any], jsonpatch.apply_patch(copy.deepcopy(dict(expected)), list(patch)))
