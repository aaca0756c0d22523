"""Values a read could not see: never invented, reported as unreadable with the reason.

The contract between the adapters' ``to_live`` and the checks:

- A value the spec has a field for that the adapter could not read (a SageMaker model deleted behind
  the service's back, an Azure ML environment version that cannot be read, a scaling policy in terms
  the spec cannot express) gets NO value in the live config: never a placeholder
  (``missing:<model>``), never a default. The adapter names the spec path in
  ``LiveEndpoint.unreadable`` (path -> the reason: what could not be read, and why) and builds the
  config with ``core.live.build_live_config(data, unreadable)``, which validates the rest through
  the spec's models and leaves those keys out (:func:`stand_in`, :func:`without`).
- A check (``core.checks.judge.judge``) reports each unreadable path it does not ignore as ONE material
  :class:`core.diff.Change`, ``actual`` None and ``unreadable`` the reason, with the spec's value as
  ``expected``; the diff's own changes at or under that path are dropped (absent there is not a live
  value): :func:`reported`.
- ``core.checks.record_patch.to_patch`` skips such changes (the live document keeps the expected value there), and
  accept-live refuses to adopt them (422 naming the paths).

Paths are the diff's spec paths: ``variants[a].image``, ``target.execution_role_arn``,
``variants[a].autoscaling``, ``logging.destination``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from core.checks.record_patch import parse_path
from core.diff import Change, Severity, matches

__all__ = ["STAND_IN_MARK", "STAND_INS", "value_at", "stand_in", "without", "covered", "reported", "summary"]

STAND_IN_MARK = "__unread__"
"""In every stand-in value (tests look for it)."""

STAND_INS: Mapping[str, Any] = {
    "image": STAND_IN_MARK,
    "instance_type": STAND_IN_MARK,
    "execution_role_arn": f"arn:aws:iam::000000000000:role/{STAND_IN_MARK}",
}
"""Values that let a required spec field pass validation while it is unreadable. Used ONLY inside
``build_live_config`` and removed again before the config leaves it: no live config holds one."""


def _parent(doc: Any, path: str) -> tuple[Any, str] | None:
    """The mapping holding the last key of ``path`` in ``doc`` and that key; None when an
    intermediate step is absent (a variant that is not there)."""
    tokens = parse_path(path)
    node = doc
    for i, (kind, value) in enumerate(tokens):
        last = i == len(tokens) - 1
        if kind == "variant":
            if not isinstance(node, list):
                return None
            node = next((v for v in node if isinstance(v, Mapping) and v.get("name") == value), None)
            if last or node is None:
                return None  # a whole variant is never unreadable: it is there or not
        elif last:
            return (node, value) if isinstance(node, Mapping) else None
        elif isinstance(node, Mapping):
            node = node.get(value)
        else:
            return None
    return None


def value_at(doc: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """``(found, value)`` of spec path ``path`` in a config document (variants by name)."""
    found = _parent(doc, path)
    if found is None or found[1] not in found[0]:
        return False, None
    return True, found[0][found[1]]


def stand_in(data: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """A copy of live ``data`` to validate: at each unreadable path a required field gets its
    :data:`STAND_INS` value, any other key is removed (its default fills in); KeyError for a
    required field without a stand-in is a programming error, raised by validation."""
    out = copy.deepcopy(dict(data))
    for path in paths:
        found = _parent(out, path)
        if found is None:
            continue
        parent, key = found
        if key in STAND_INS:
            parent[key] = STAND_INS[key]
        else:
            parent.pop(key, None)
    return out


def without(config: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """``config`` (a validated live config, changed in place and returned) with no key at any of
    ``paths``."""
    for path in paths:
        found = _parent(config, path)
        if found is not None:
            found[0].pop(found[1], None)
    return config


def covered(path: str, unreadable: Iterable[str]) -> bool:
    """Whether ``path`` is an unreadable path or lies under one."""
    return any(path == u or path.startswith((f"{u}.", f"{u}[")) for u in unreadable)


def _provider_field(path: str, names: Mapping[str, str]) -> str | None:
    return next((name for pattern, name in names.items() if matches(path, [pattern])), None)


def reported(expected: Mapping[str, Any], changes: Iterable[Change], unreadable: Mapping[str, str], *,
             ignore: Iterable[str] = (), provider_fields: Mapping[str, str] | None = None) -> list[Change]:
    """``changes`` without those at or under an ``unreadable`` path, then one material change per
    unreadable path not matching ``ignore``: the spec's value (None where the spec has none) as
    ``expected``, ``actual`` None, the reason in ``unreadable``."""
    ignore = tuple(ignore)
    kept = [c for c in changes if not covered(c.path, unreadable)]
    for path, reason in sorted(unreadable.items()):
        if matches(path, ignore):
            continue
        kept.append(Change(path=path, expected=copy.deepcopy(value_at(expected, path)[1]), actual=None,
                           severity=Severity.MATERIAL, unreadable=reason,
                           provider_field=_provider_field(path, provider_fields or {})))
    return kept


def summary(changes: Iterable[Change]) -> str | None:
    """``"N unreadable: <reasons>"`` over the unreadable ``changes`` (each reason once); None if none."""
    found = [c for c in changes if c.unreadable is not None]
    if not found:
        return None
    reasons = list(dict.fromkeys(c.unreadable for c in found))
    return f"{len(found)} unreadable: {'; '.join(r for r in reasons if r)}"
