"""The ONLY place where expected and live configurations are compared.

Both sides are canonical JSON data in the spec's vocabulary (``EndpointSpec.config`` and
``LiveEndpoint.config``). They are flattened to leaf paths and compared leaf by leaf:

- variants are matched by name, not position: ``variants[blue].instance_type``;
- mapping entries get their key: ``tags.team``, ``variants[blue].env.LOG_LEVEL``
  (keys outside ``[A-Za-z0-9_-]`` are quoted: ``tags["a.b"]``);
- a variant present on one side only is one change at ``variants[name]`` (whole object vs None);
- an empty mapping has no leaves, on either side: ``env: {}`` and a missing ``env`` compare equal,
  and a key added to (or removed from) a mapping is ONE change at that key.

``ignore`` takes glob patterns over those paths (``variants[*].env.*``); adapters contribute their
``unobservable`` paths, deployments their own ignore rules. ``only`` restricts the comparison to some
top-level fields (a basic check reads fewer).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Severity", "Change", "Drift", "diff", "flatten", "matches", "replacements", "COSMETIC_PATHS",
           "child_path"]

COSMETIC_PATHS: tuple[str, ...] = ("tags", "tags.*", "description", "variants[*].description")
"""Paths whose differences are cosmetic; everything else (image, model, instance type, traffic,
replicas, env, logging, auth) is material."""


class Severity(str, Enum):
    MATERIAL = "material"
    COSMETIC = "cosmetic"


class Change(BaseModel):
    """One field that differs: where (spec path), what was expected, what is live."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="Spec path, e.g. `variants[blue].instance_type`.")
    expected: Any = Field(description="Value in the spec (None: absent in the spec).")
    actual: Any = Field(description="Value live on the provider (None: absent live).")
    severity: Severity = Field(description="material or cosmetic.")
    provider_field: str | None = Field(
        default=None, description="The provider's own name for the field, where known."
    )
    unreadable: str | None = Field(
        default=None,
        description="Why the live value could not be read (a model deleted behind the service's back, "
        "an asset version that cannot be read, a setting the spec cannot express); `actual` is then "
        "None and is NOT a live value: never adopted, never patched. None: the value was read.",
    )


class Drift(BaseModel):
    """All differences between expected and live; empty means in sync."""

    model_config = ConfigDict(frozen=True)

    changes: list[Change] = Field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.changes

    @property
    def material(self) -> list[Change]:
        return [c for c in self.changes if c.severity is Severity.MATERIAL]

    def paths(self) -> list[str]:
        return [c.path for c in self.changes]


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def child_path(prefix: str, key: str) -> str:
    """The path of mapping entry ``key`` under ``prefix`` (quoted when not a plain key)."""
    return _key(prefix, key)


def _secret_entry(value: Mapping[str, Any]) -> bool:
    """An env entry that is compared whole: ``{secret, fingerprint}`` or ``{value_from}`` (its
    parts alone mean nothing, and a diff must say *changed*, never show parts of a secret)."""
    return value.get("secret") is True or set(value) == {"value_from"}


def _key(prefix: str, key: str) -> str:
    part = key if _PLAIN_KEY.match(key) else f'["{key}"]'
    if not prefix:
        return part
    return f"{prefix}{part}" if part.startswith("[") else f"{prefix}.{part}"


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Leaf paths -> values. Variants (a list of named objects) are keyed by their name."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        path = _key(prefix, key)
        if key == "variants" and isinstance(value, list):
            for variant in value:
                flat[f"{path}[{variant['name']}]"] = _Variant(variant)
        elif isinstance(value, Mapping) and prefix.endswith(".env") and _secret_entry(value):
            flat[path] = dict(value)
        elif isinstance(value, Mapping):  # an empty mapping has no leaves: {} and absent agree
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


class _Variant(dict[str, Any]):  # marker: a whole variant, expanded only when both sides have it
    pass


@functools.lru_cache(maxsize=2048)
def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` matches any run of characters; everything else (``[``, ``.``) is literal."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*"))


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether ``path`` matches one of the glob ``patterns`` (``*``: any run of characters)."""
    return any(_glob(p).fullmatch(path) for p in patterns)



def _severity(path: str) -> Severity:
    return Severity.COSMETIC if matches(path, COSMETIC_PATHS) else Severity.MATERIAL


def _provider_field(path: str, names: Mapping[str, str]) -> str | None:
    for pattern, name in names.items():
        if matches(path, [pattern]):
            return name
    return None


def _expand(expected: dict[str, Any], actual: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Expand variants present on both sides into their leaves; keep one-sided ones whole."""
    exp, act = dict(expected), dict(actual)
    for path in list(exp):
        if isinstance(exp[path], _Variant) and isinstance(act.get(path), _Variant):
            for side in (exp, act):
                body = {k: v for k, v in side.pop(path).items() if k != "name"}
                side.update(flatten(body, path))
    for side in (exp, act):
        for path, value in side.items():
            if isinstance(value, _Variant):
                side[path] = dict(value)
    return exp, act


def diff(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    *,
    ignore: Iterable[str] = (),
    only: Iterable[str] | None = None,
    provider_fields: Mapping[str, str] | None = None,
) -> Drift:
    """Field-level differences between two configs in the spec's vocabulary.

    ``ignore``: glob patterns over paths never reported. ``only``: top-level field names to compare
    (None: all). ``provider_fields``: glob pattern -> provider field name, attached to each change.
    """
    ignore = tuple(ignore)
    keep = None if only is None else set(only)
    exp_flat, act_flat = _expand(
        flatten({k: v for k, v in expected.items() if keep is None or k in keep}),
        flatten({k: v for k, v in actual.items() if keep is None or k in keep}),
    )
    changes = []
    for path in sorted(set(exp_flat) | set(act_flat)):
        want, got = exp_flat.get(path), act_flat.get(path)
        if want == got or matches(path, ignore):
            continue
        changes.append(
            Change(
                path=path,
                expected=want,
                actual=got,
                severity=_severity(path),
                provider_field=_provider_field(path, provider_fields or {}),
            )
        )
    return Drift(changes=_collapse_switched(changes, expected, actual, provider_fields or {}))


SWITCHED = ("logging",)
"""Sub-configs switched by an ``enabled`` flag: when the flag differs, their other fields are only
normalisation on the disabled side, so the difference is ONE change of the whole sub-config."""


def _collapse_switched(changes: list[Change], expected: Mapping[str, Any], actual: Mapping[str, Any],
                       provider_fields: Mapping[str, str]) -> list[Change]:
    for top in SWITCHED:
        if not any(c.path == f"{top}.enabled" for c in changes):
            continue
        changes = [c for c in changes if not c.path.startswith(f"{top}.")]
        changes.append(Change(path=top, expected=expected.get(top), actual=actual.get(top),
                              severity=_severity(top),
                              provider_field=_provider_field(f"{top}.enabled", provider_fields)))
        changes.sort(key=lambda c: c.path)
    return changes


def replacements(previous: Mapping[str, Any], desired: Mapping[str, Any],
                 rules: Mapping[str, str]) -> list[dict[str, Any]]:
    """Changes from the ``previous`` deployed config to the ``desired`` one that the platform cannot
    make in place: ``rules`` maps path globs to the reason. ``[{path, from, to, reason}]``."""
    found = []
    for change in diff(previous, desired).changes:
        reason = _provider_field(change.path, rules)
        if reason is not None:
            found.append({"path": change.path, "from": change.expected, "to": change.actual,
                          "reason": reason})
    return found
