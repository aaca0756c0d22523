"""Terraform state <-> the spec: the one place that knows how the resource's attributes map to spec fields.

The ``tf`` framework has no object types and nests blocks only as sets, so the resource flattens the
spec (contract, both directions go through :data:`TOP`, :data:`BLOCKS` and :data:`TARGET`):

- ``target.platform`` -> ``platform`` (``provider`` is reserved by Terraform); every other
  ``target.*`` key is a top-level attribute (``region``, ``project``, ``workspace``, ...);
- ``variants[]`` -> ``variant`` blocks; ``accelerator.type`` -> ``accelerator_type``,
  ``autoscaling.target`` -> ``autoscaling_target``, ...;
- ``logging`` and ``sync_policy`` -> at most one block each; ``test_queries[]`` -> ``test_query``
  blocks, whose ``payload`` and ``expect_values`` are JSON text (``jsonencode(...)``);
- a variant's ``env`` map is split by value: text -> the variant's ``env``; a secret reference
  ``{"value_from": {kind: ref}}`` -> the variant's ``env_from`` as ``"kind:ref"``; a literal secret
  -> the top-level write-only ``secret_env_wo`` keyed ``"<variant>.<ENV>"`` (sent as ``{"secret":
  true, "value": ...}`` while ``secret_env_wo_version`` is new, else as ``{"secret": true,
  "fingerprint": ...}`` from state so the service keeps its value), read back as fingerprints only
  (``secret_env_fingerprints``). See :func:`secret_env` and the README's secrets section.

:func:`spec_from_state` builds the PUT body from planned state: unset (null) attributes are left out,
so the service applies its defaults. :func:`state_from_spec` builds state from a (live) spec and the
prior state: a live value equal to the spec default stays null where the prior state had it null
(or on import), so a configuration that relies on defaults shows no diff, while any other live value
appears as it is, which is how drift shows in ``terraform plan``; a secret whose fingerprint changed
(or appeared, or went) behind Terraform's back reads back with ``secret_env_wo_version`` null, so the
plan sends the configured values again. :func:`attribute_path` maps a
service error path (``variants[0].weight``, ``target.region``, ``tags.Team``) to an attribute path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from terraform.secret_env import (
    ENV_NAME,
    SECRET_ENV,
    SECRET_FINGERPRINTS,
    SECRET_KINDS,
    SECRET_VERSION,
    env_from_text,
    env_from_value,
    env_part,
    fingerprints,
    secret_env,
    secret_key,
    split_secret_key,
)
from terraform.spec_fields import FIELDS, REPLACE, TARGET

__all__ = [
    "Leaf", "Block", "TARGET", "TARGET_ATTRIBUTES", "REPLACE", "TOP", "BLOCKS", "CONFIG_ATTRIBUTES",
    "spec_from_state", "state_from_spec", "attribute_path", "default_of", "REQUIRED", "SpecShapeError",
    "SECRET_KINDS", "SECRET_ENV", "SECRET_VERSION", "SECRET_FINGERPRINTS", "ENV_NAME", "secret_key",
    "split_secret_key", "env_from_text", "env_from_value", "secret_env", "fingerprints",
]

TARGET_ATTRIBUTES: tuple[str, ...] = tuple(dict.fromkeys(k for keys in TARGET.values() for k in keys))
"""Every platform's target keys, each once (``TARGET`` and ``REPLACE`` are generated from the platform
registry into :mod:`terraform.spec_fields`; a SageMaker ``execution_role_arn`` is updated in place)."""


class SpecShapeError(ValueError):
    """An attribute's value cannot be turned into the spec (e.g. ``payload`` is not JSON)."""

    def __init__(self, path: list[Any], message: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Leaf:
    """One attribute: its name, the spec path below its group (dotted), its kind."""

    attr: str
    spec: str
    kind: str  # string | number | bool | map | list | json | env (text values) | env_from (references)
    required: bool = False


@dataclass(frozen=True)
class Block:
    """A block type: its name, the spec field it mirrors, its leaves, and whether it repeats."""

    name: str
    spec: str
    leaves: tuple[Leaf, ...]
    many: bool
    key: str | None = None  # repeated blocks: the leaf that matches prior and live elements

    @property
    def prefix(self) -> str:
        return f"{self.spec}[]." if self.many else f"{self.spec}."


TOP: tuple[Leaf, ...] = (
    Leaf("auth_mode", "auth_mode", "string"),
    Leaf("request_timeout_seconds", "request_timeout_seconds", "number"),
    Leaf("tags", "tags", "map"),
)

BLOCKS: dict[str, Block] = {b.name: b for b in (
    Block("variant", "variants", (
        Leaf("name", "name", "string", True), Leaf("image", "image", "string", True),
        Leaf("model_uri", "model_uri", "string"), Leaf("env", "env", "env"),
        Leaf("env_from", "env", "env_from"),
        Leaf("port", "port", "number"), Leaf("predict_route", "predict_route", "string"),
        Leaf("health_route", "health_route", "string"),
        Leaf("instance_type", "instance_type", "string", True),
        Leaf("min_replicas", "min_replicas", "number"), Leaf("max_replicas", "max_replicas", "number"),
        Leaf("weight", "weight", "number"),
        Leaf("accelerator_type", "accelerator.type", "string"),
        Leaf("accelerator_count", "accelerator.count", "number"),
        Leaf("autoscaling_metric", "autoscaling.metric", "string"),
        Leaf("autoscaling_target", "autoscaling.target", "number"),
        Leaf("max_concurrency", "max_concurrency", "number"),
    ), many=True, key="name"),
    Block("logging", "logging", (
        Leaf("enabled", "enabled", "bool"), Leaf("sample_percent", "sample_percent", "number"),
        Leaf("destination", "destination", "string"),
    ), many=False),
    Block("test_query", "test_queries", (
        Leaf("name", "name", "string"), Leaf("payload", "payload", "json", True),
        Leaf("content_type", "content_type", "string"), Leaf("expect_status", "expect_status", "number"),
        Leaf("expect_fields", "expect_fields", "list"), Leaf("expect_values", "expect_values", "json"),
    ), many=True, key="name"),
    Block("sync_policy", "sync_policy", (
        Leaf("ignore", "ignore", "list"), Leaf("auto_remediate", "auto_remediate", "bool"),
        Leaf("remediate_after", "remediate_after", "number"),
    ), many=False),
)}

CONFIG_ATTRIBUTES: tuple[str, ...] = ("name", "platform", *TARGET_ATTRIBUTES, *(leaf.attr for leaf in TOP))
"""Top-level attributes that carry the spec (blocks aside)."""

REQUIRED: Any = object()
"""What :func:`default_of` returns for a field without a default."""


def default_of(path: str) -> Any:
    """The spec default of a flattened path (``variants[].port``); :data:`REQUIRED` when it has none."""
    entry = FIELDS.get(path)
    if entry is None:
        # a leaf under an optional object (``variants[].accelerator.count``) is absent with it
        return REQUIRED
    return entry.get("default", REQUIRED)


# ------------------------------------------------------------------------------ state -> spec


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _to_spec_value(leaf: Leaf, value: Any, path: list[Any]) -> Any:
    if leaf.kind == "json":
        try:
            return json.loads(value)
        except (TypeError, ValueError) as exc:
            raise SpecShapeError(path, f"{leaf.attr} must be JSON text (use jsonencode(...)): {exc}") from None
    if leaf.kind == "env_from":
        out = {}
        for name, text in value.items():
            try:
                out[name] = env_from_value(text)
            except ValueError as exc:
                raise SpecShapeError(path, f'env_from["{name}"]: {exc}') from None
        return out
    return value


def _element_to_spec(block: Block, element: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for leaf in block.leaves:
        value = element.get(leaf.attr)
        if value is None:
            continue
        value = _to_spec_value(leaf, value, [block.name])
        if leaf.kind in ("env", "env_from"):  # two attributes, one spec map
            env = out.setdefault(leaf.spec, {})
            if both := sorted(set(env) & set(value)):
                raise SpecShapeError([block.name], f'variant "{element.get("name")}": {", ".join(both)} '
                                                   f"set in both env and env_from")
            env.update(value)
        else:
            _put(out, leaf.spec, value)
    return out


def _sort_key(block: Block, element: dict[str, Any]) -> str:
    return json.dumps(element, sort_keys=True, default=str) if block.key is None else (
        f"{element.get(block.key) or ''}\0{json.dumps(element, sort_keys=True, default=str)}")


def spec_from_state(state: dict[str, Any], prior: dict[str, Any] | None = None) -> dict[str, Any]:
    """The PUT body for a (planned) state; null attributes are left to the service's defaults.

    ``state`` carries ``secret_env_wo``'s values (the provider's servicer puts the configuration's
    write-only values there); ``prior`` is the state before (None on a create): it decides whether
    a secret is sent as its value or as the fingerprint the service holds (:func:`secret_env`).
    Repeated blocks are sent in a stable order (by their key), since Terraform sets have none.
    Raises :class:`SpecShapeError` for a value that cannot be converted (never quoting a secret).
    """
    target: dict[str, Any] = {"platform": state.get("platform")}
    for attr in TARGET_ATTRIBUTES:
        if state.get(attr) is not None:
            target[attr] = state[attr]
    spec: dict[str, Any] = {"name": state.get("name"), "target": target}
    for leaf in TOP:
        if state.get(leaf.attr) is not None:
            spec[leaf.spec] = state[leaf.attr]
    for block in BLOCKS.values():
        elements = [e for e in (state.get(block.name) or []) if e is not None]
        if block.many:
            ordered = sorted(elements, key=lambda e: _sort_key(block, e))
            spec[block.spec] = [_element_to_spec(block, e) for e in ordered]
        elif elements:
            spec[block.spec] = _element_to_spec(block, elements[0])
    _add_secrets(spec, secret_env(state, prior))
    return spec


# ------------------------------------------------------------------------------ secrets


def _add_secrets(spec: dict[str, Any], secrets: dict[str, dict[str, Any]]) -> None:
    variants = {v.get("name"): v for v in spec.get(BLOCKS["variant"].spec) or []}
    for key, value in secrets.items():
        parts = split_secret_key(key)
        if parts is None or parts[0] not in variants:
            raise SpecShapeError([SECRET_ENV], f'key "{key}": write "<variant name>.<ENV NAME>" naming a '
                                               f"variant of this deployment ({', '.join(map(str, variants))})")
        env = variants[parts[0]].setdefault("env", {})
        if parts[1] in env:
            raise SpecShapeError([SECRET_ENV], f'key "{key}": {parts[1]} is also set in variant '
                                               f'"{parts[0]}"\'s env or env_from')
        env[parts[1]] = value


# ------------------------------------------------------------------------------ spec -> state


def _json_text(value: Any, prior: Any) -> str:
    """JSON text for ``value``; the prior text when it means the same (no whitespace diffs)."""
    if isinstance(prior, str):
        try:
            if json.loads(prior) == value:
                return prior
        except ValueError:
            pass
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # as jsonencode()


def _leaf_state(leaf: Leaf, live: Any, prior: Any, default: Any) -> Any:
    """State value of one leaf: null where the prior had null and live holds the default."""
    if leaf.kind in ("env", "env_from"):
        live = env_part(leaf.kind, live)
    if prior is None and default is not REQUIRED and live == default:
        return None
    if live is None:
        return None
    if leaf.kind == "json":
        return _json_text(live, prior)
    if leaf.kind == "map":
        return {str(k): str(v) for k, v in live.items()}
    if leaf.kind == "list":
        return [str(v) for v in live]
    return live


def _element_state(block: Block, live: dict[str, Any], prior: dict[str, Any] | None) -> dict[str, Any]:
    prior = prior or {}
    out = {leaf.attr: _leaf_state(leaf, _get(live, leaf.spec), prior.get(leaf.attr),
                                  default_of(block.prefix + leaf.spec)) for leaf in block.leaves}
    # Values the spec ignores read back as their defaults: keep what the configuration said.
    low, high = live.get("min_replicas", 1), live.get("max_replicas", 1)
    if block.name == "variant" and isinstance(low, int) and isinstance(high, int) and high <= low:
        for attr in ("autoscaling_metric", "autoscaling_target"):
            out[attr] = prior.get(attr)
    if block.name == "logging" and not out["enabled"]:
        for attr in ("sample_percent", "destination"):
            out[attr] = prior.get(attr)
    return out


def _is_default(block: Block, live: Any) -> bool:
    return live is None or live == default_of(block.spec) or (
        isinstance(live, dict) and all(_get(live, leaf.spec) in (None, default_of(block.prefix + leaf.spec))
                                       for leaf in block.leaves))


def _block_state(block: Block, live: Any, prior: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    prior = [p for p in (prior or []) if p is not None]
    if not block.many:
        if not prior and _is_default(block, live):
            return []
        return [_element_state(block, live or {}, prior[0] if prior else None)]
    key = block.key or "name"
    by_key: dict[Any, dict[str, Any]] = {}
    for element in prior:
        by_key.setdefault(element.get(key), element)
    out = []
    for element in live or []:
        match = by_key.get(_get(element, key))
        if match is None and _get(element, key) == default_of(block.prefix + key):
            match = by_key.get(None)  # e.g. an unnamed test query, read back with the default name
        out.append(_element_state(block, element, match))
    return out


def state_from_spec(spec: dict[str, Any], prior: dict[str, Any] | None) -> dict[str, Any]:
    """Config attributes and blocks of the state for ``spec`` (the live config), given ``prior``
    (None on import: every default then reads as null)."""
    prior = prior or {}
    target = spec.get("target") or {}
    state: dict[str, Any] = {"name": spec.get("name"), "platform": target.get("platform")}
    for attr in TARGET_ATTRIBUTES:
        live = target.get(attr)
        default = default_of(f"target.{attr}")
        state[attr] = None if (prior.get(attr) is None and default is not REQUIRED and live == default) else live
    for leaf in TOP:
        state[leaf.attr] = _leaf_state(leaf, spec.get(leaf.spec), prior.get(leaf.attr), default_of(leaf.spec))
    for block in BLOCKS.values():
        state[block.name] = _block_state(block, spec.get(block.spec), prior.get(block.name))
    held = fingerprints(spec)
    state[SECRET_ENV] = None  # write-only: never in state
    state[SECRET_FINGERPRINTS] = held or None
    # The version stands for "the service holds the values sent with it": gone once a secret changed.
    same = held == (prior.get(SECRET_FINGERPRINTS) or {})
    state[SECRET_VERSION] = prior.get(SECRET_VERSION) if same else None
    return state


# ------------------------------------------------------------------------------ error paths

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?")


def attribute_path(spec_path: str, sent: dict[str, Any] | None = None) -> tuple[list[Any] | None, str]:
    """A service error path -> (Terraform attribute path or None for the resource, a readable label).

    Set elements cannot be addressed by the ``tf`` framework, so a path inside a block points at
    the block and the label names the element: ``variants[1].weight`` -> ``(["variant"],
    'variant "canary" weight')`` when the second variant sent was ``canary``.
    """
    if not spec_path or spec_path == "$":
        return None, "the deployment"
    parts = spec_path.split(".", 1)
    match = _STEP.fullmatch(parts[0])
    if match is None:
        return None, spec_path
    field, index = match.group(1), match.group(2)
    rest = parts[1] if len(parts) > 1 else ""
    if field == "target":
        key = rest.split(".", 1)[0] or "platform"
        return ([key], key) if key in ("platform", *TARGET_ATTRIBUTES) else (["platform"], spec_path)
    if field == "name":
        return ["name"], "name"
    for leaf in TOP:
        if leaf.spec == field:
            if leaf.kind == "map" and rest:
                return [leaf.attr, (rest,)], f"{leaf.attr}[{rest!r}]"
            return [leaf.attr], leaf.attr
    for block in BLOCKS.values():
        if block.spec != field:
            continue
        label = block.name
        element = None
        if index is not None and block.many:
            items = sent.get(block.spec) if sent else None
            if isinstance(items, list) and index.isdigit():
                element = items[int(index)] if int(index) < len(items) else None
            elif isinstance(items, list):  # variants[canary]
                element = next((e for e in items if isinstance(e, dict) and e.get(block.key) == index), None)
            name = element.get(block.key) if isinstance(element, dict) and block.key else None
            label += f' "{name}"' if name else (f' "{index}"' if not index.isdigit() else f" #{int(index) + 1}")
        env_name = rest.split(".")[1] if block.name == "variant" and rest.startswith("env.") else None
        if env_name is not None:  # which of env, env_from and secret_env_wo holds it
            value = (element.get("env") or {}).get(env_name) if isinstance(element, dict) else None
            if isinstance(value, dict) and value.get("secret"):
                key = secret_key(str(element.get(block.key)), env_name)  # type: ignore[union-attr]
                return [SECRET_ENV, (key,)], f'{SECRET_ENV}["{key}"]'
            if isinstance(value, dict) and "value_from" in value:
                return [block.name], f'{label} env_from["{env_name}"]'
        if rest:
            leaf_name = next((leaf.attr for leaf in block.leaves
                              if rest == leaf.spec or rest.startswith(leaf.spec + ".")
                              or rest.startswith(leaf.spec + "[")), None)
            if leaf_name is None and "." in rest:  # accelerator.type -> accelerator_type
                leaf_name = rest.replace(".", "_")
            label += f" {leaf_name or rest}"
        return [block.name], label
    return None, spec_path
