"""Repairing immutable SageMaker resources re-created behind the service's back (pure).

Models and endpoint configs cannot change, but they can be deleted and re-created under the same
name with other content (and the endpoint rolled onto that), which a full check reports as drift.
A reconcile re-applies the same revision, so the names the request carries already exist: the
adapter then compares their content with the request (:func:`same_content`, fresh reads) and, where
they differ, re-creates the models and moves the endpoint onto a config with the right content.
An endpoint takes new content only by UpdateEndpoint onto a config, and SageMaker does not document
an update onto the config name the endpoint already runs (re-created with other content), so each
revision has two config names that both carry it, :func:`twin_config_names`: the repair moves to
the one not in use (deleting and re-creating it first), and the next repair moves back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

__all__ = ["twin_config_names", "same_content", "IGNORED_KEYS"]

IGNORED_KEYS = frozenset({"Tags", "ModelName", "EndpointConfigName"})
"""Top-level request keys a describe does not echo (tags: ListTags) or that name the object itself
(a variant's ``ModelName``, a reference, is compared)."""


def twin_config_names(config_name: str) -> tuple[str, str]:
    """``(config_name, its twin)``. The twin is ``{name}-{rev}-{8 hex}``: it carries the same
    revision (``translate.revision_of_config``) and is deterministic, so a retried repair finds
    what the first attempt made."""
    head = config_name
    parts = config_name.rsplit("-", 2)
    if len(parts) == 3 and len(parts[1]) == 12 and len(parts[2]) == 8:  # {name}-{rev}-{secrets digest}
        head = f"{parts[0]}-{parts[1]}"
    digest = hashlib.sha256(f"{config_name}:repair".encode()).hexdigest()[:8]
    return config_name, f"{head}-{digest}"


def same_content(requested: Mapping[str, Any], described: Mapping[str, Any]) -> bool:
    """True when everything a create request sets is what the describe returned: every requested
    key except the top-level :data:`IGNORED_KEYS` equal, recursively; lists element by element
    (production variants matched by ``VariantName``, not position); numbers by value
    (``1 == 1.0``). Keys only the describe has (ARNs, times, defaults) do not count."""
    return _same({k: v for k, v in requested.items() if k not in IGNORED_KEYS}, described)


def _by_name(items: Any) -> list[Any]:
    """Production variants in name order (the order a spec lists its variants in is not content:
    the revision does not count it either); any other list as it is."""
    if items and all(isinstance(i, Mapping) and "VariantName" in i for i in items):
        return sorted(items, key=lambda i: str(i["VariantName"]))
    return list(items)


def _same(requested: Any, described: Any) -> bool:
    if isinstance(requested, Mapping):
        return isinstance(described, Mapping) and all(
            key in described and _same(value, described[key]) for key, value in requested.items())
    if isinstance(requested, (list, tuple)):
        return (isinstance(described, (list, tuple)) and len(requested) == len(described)
                and all(_same(a, b) for a, b in zip(_by_name(requested), _by_name(described))))
    if isinstance(requested, bool) or isinstance(described, bool):
        return requested is described
    if isinstance(requested, (int, float)) and isinstance(described, (int, float)):
        return float(requested) == float(described)
    return bool(requested == described)
