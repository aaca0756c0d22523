"""``deployanywhere_deployment``: one deployment, managed through the service's REST API.

Lifecycle contracts:

- create/update: PUT the spec, then wait for the Operation (``timeouts``). A busy deployment
  (409 ``conflict``) is waited for and the PUT sent again, so re-running apply after an interrupted
  create adopts the deployment it started (the service keys deployments by name: no duplicate, no
  orphan). A failed or timed-out operation is an error diagnostic carrying the provider's reason;
  the deployment is still returned, so Terraform keeps tracking what the service made (tainted
  after a create; when the service rolled the failure back, the next refresh finds nothing live
  and Terraform plans to create it again).
- read: ``GET /live`` (a full provider read): the state holds the LIVE configuration in the spec's
  shape (:func:`terraform.shape.state_from_spec`), so ``terraform plan`` shows drift field by field.
  A deployment the service does not know, or whose endpoint is gone from the cloud, is removed from
  state (Terraform then plans to create it).
- delete: DELETE, wait until the operation is done and the service no longer knows the name.
- import: by deployment name. Plan: status attributes become unknown when the spec changes;
  attributes in :data:`terraform.shape.REPLACE` force replacement.
- secrets: ``secret_env_wo`` is write-only (:mod:`terraform.protocol`): the resource sees its values
  in the proposed/planned state only, and the servicer nulls it in whatever goes back to Terraform.
  A plan changes the deployment when ``secret_env_wo_version`` changes or ``secret_env_wo``'s keys
  differ from the secrets the deployment holds (``secret_env_fingerprints``); a changed value alone
  is invisible to Terraform (never stored): change the version. Nothing here ever puts a secret's
  value in a diagnostic.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable
from copy import deepcopy
from typing import Any, Optional

from tf.iface import (
    Config,
    CreateContext,
    DeleteContext,
    ImportContext,
    PlanContext,
    ReadContext,
    Resource,
    State,
    UpdateContext,
    _validate_config,
)
from tf.schema import Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from terraform import diagnostics
from terraform.client import ApiError, Client, WaitTimeout
from terraform.schema import COMPUTED, TIMEOUT_KEYS, resource_schema
from terraform.shape import (
    BLOCKS,
    CONFIG_ATTRIBUTES,
    REQUIRED,
    SECRET_ENV,
    SECRET_FINGERPRINTS,
    SECRET_VERSION,
    TARGET,
    TARGET_ATTRIBUTES,
    SpecShapeError,
    default_of,
    env_from_value,
    fingerprints,
    spec_from_state,
    split_secret_key,
    state_from_spec,
)

__all__ = ["DeploymentResource", "parse_duration", "DEFAULT_TIMEOUTS"]

DEFAULT_TIMEOUTS = {"create": 3600.0, "update": 3600.0, "delete": 1800.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}
_SCHEMA: Schema | None = None


def parse_duration(text: str) -> float:
    """``"1h30m"``, ``"45m"``, ``"90s"`` -> seconds; ValueError otherwise (Go duration subset)."""
    text = text.strip()
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{text!r} is not a duration such as 45m, 1h30m or 90s")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def _no_crash(fallback: Callable[..., Optional[State]]) -> Callable[[Any], Any]:
    """Turn an unexpected exception of a lifecycle method into an error diagnostic (Terraform would
    otherwise report a crashed plugin); the method returns ``fallback(*its arguments)``."""
    def wrap(method: Any) -> Any:
        @functools.wraps(method)
        def run(self: Any, ctx: Any, *args: Any) -> Optional[State]:
            try:
                return method(self, ctx, *args)
            except Exception as exc:  # noqa: BLE001 - reported, not swallowed
                ctx.diagnostics.add_error(f"deploy-anywhere provider error ({method.__name__.strip('_')})",
                                          f"{type(exc).__name__}: {exc}")
                return fallback(*args)
        return run
    return wrap


def _known(value: Any) -> bool:
    return value is not None and value is not Unknown


def _comparable(value: Any) -> Any:
    """A hashable, order-free image of a state value (set blocks compare as multisets)."""
    if value is Unknown:
        return ("<unknown>",)
    if isinstance(value, dict):
        return tuple(sorted((k, _comparable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(sorted((_comparable(v) for v in value), key=repr))
    return value


class DeploymentResource(Resource):
    """The ``deployanywhere_deployment`` resource."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "deployment"

    @classmethod
    def get_schema(cls) -> Schema:
        global _SCHEMA
        if _SCHEMA is None:
            _SCHEMA = resource_schema()
        return _SCHEMA

    @property
    def client(self) -> Client:
        return self.provider.client

    # ------------------------------------------------------------------------------ validate

    def validate(self, diags: Diagnostics, type_name: str, config: Config) -> None:
        """Offline checks (values may be unknown): the platform, its target attributes, block counts,
        JSON text, timeouts. The service validates the whole spec when it is applied."""
        schema = self.get_schema()
        _validate_config(diags, type_name, config, schema.attributes, schema.block_types)
        if diags.has_errors():
            return
        platform = config.get("platform")
        if _known(platform):
            if platform not in TARGET:
                diags.add_error("Unknown platform", f"{platform!r} is not one of {', '.join(TARGET)}",
                                path=["platform"])
            else:
                for attr in TARGET_ATTRIBUTES:
                    value = config.get(attr)
                    if attr not in TARGET[platform] and _known(value):
                        owner = next(p for p, keys in TARGET.items() if attr in keys)
                        diags.add_error(f"`{attr}` does not apply to {platform}",
                                        f"`{attr}` is a {owner} target attribute", path=[attr])
                    elif attr in TARGET[platform] and value is None and default_of(f"target.{attr}") is REQUIRED:
                        diags.add_error(f"Missing `{attr}`", f"{platform} targets need `{attr}`", path=[attr])
        for block in BLOCKS.values():
            elements = config.get(block.name)
            if not block.many and isinstance(elements, list) and len(elements) > 1:
                diags.add_error(f"Too many `{block.name}` blocks", "at most one is allowed", path=[block.name])
        for element in config.get("test_query") or []:
            if not isinstance(element, dict):
                continue
            for attr in ("payload", "expect_values"):
                value = element.get(attr)
                if isinstance(value, str):
                    try:
                        json.loads(value)
                    except ValueError as exc:
                        diags.add_error(f"`{attr}` is not JSON", f"write it with jsonencode(...): {exc}",
                                        path=["test_query"])
        self._validate_env(diags, config)
        timeouts = config.get("timeouts")
        if isinstance(timeouts, dict):
            for key, value in timeouts.items():
                if key not in TIMEOUT_KEYS:
                    diags.add_error("Unknown timeout", f"{key!r}: use {', '.join(TIMEOUT_KEYS)}",
                                    path=["timeouts", (key,)])
                elif isinstance(value, str):
                    try:
                        parse_duration(value)
                    except ValueError as exc:
                        diags.add_error("Invalid timeout", str(exc), path=["timeouts", (key,)])

    @staticmethod
    def _validate_env(diags: Diagnostics, config: Config) -> None:
        """``env_from`` references, ``secret_env_wo`` keys (each naming a configured variant and an
        env name no other attribute sets) and its version. Reports keys and names, never values."""
        variants = {v.get("name"): v for v in config.get("variant") or [] if isinstance(v, dict)}
        for variant in variants.values():
            refs = variant.get("env_from")
            for name, text in (refs.items() if isinstance(refs, dict) else ()):
                if isinstance(text, str):
                    try:
                        env_from_value(text)
                    except ValueError as exc:
                        diags.add_error("Invalid `env_from` reference", f'variant "{variant.get("name")}" '
                                        f'env_from["{name}"]: {exc}', path=["variant"])
        secrets = config.get(SECRET_ENV)
        if not isinstance(secrets, dict):
            return
        if secrets and config.get(SECRET_VERSION) is None:
            diags.add_error(f"Missing `{SECRET_VERSION}`",
                            f"`{SECRET_ENV}` is write-only: Terraform cannot see its values change, so set "
                            f"`{SECRET_VERSION}` (e.g. 1) and change it to roll out new values",
                            path=[SECRET_VERSION])
        names_known = all(_known(name) for name in variants)
        for key in secrets:
            parts = split_secret_key(key)
            if parts is None:
                diags.add_error(f"Invalid `{SECRET_ENV}` key", f'"{key}": write "<variant name>.<ENV NAME>"',
                                path=[SECRET_ENV])
            elif names_known and parts[0] not in variants:
                diags.add_error(f"Invalid `{SECRET_ENV}` key", f'"{key}": no variant named "{parts[0]}" '
                                f"(variants: {', '.join(map(str, variants))})", path=[SECRET_ENV])
            elif names_known:
                taken = [attr for attr in ("env", "env_from")
                         if isinstance(variants[parts[0]].get(attr), dict) and parts[1] in variants[parts[0]][attr]]
                if taken:
                    diags.add_error(f"Invalid `{SECRET_ENV}` key", f'"{key}": {parts[1]} is also set in variant '
                                    f'"{parts[0]}" {" and ".join(taken)}', path=[SECRET_ENV])

    # ------------------------------------------------------------------------------ plan

    def plan(self, ctx: PlanContext, current: Optional[State], planned: State) -> Optional[State]:
        """On an update: the computed attributes become unknown when the deployed spec or the
        secrets change (that unknown ``secret_env_fingerprints`` is what makes Terraform plan an
        update when only ``secret_env_wo``'s keys changed)."""
        if current is not None and self._changed(current, planned):
            for attr in COMPUTED:
                planned[attr] = Unknown
        return planned

    @staticmethod
    def _spec_changed(current: State, planned: State) -> bool:
        keys = (*CONFIG_ATTRIBUTES, *BLOCKS)
        return any(_comparable(current.get(k)) != _comparable(planned.get(k)) for k in keys)

    @staticmethod
    def _secrets_changed(current: State, planned: State) -> bool:
        """A new ``secret_env_wo_version``, or ``secret_env_wo``'s keys (``planned`` carries the
        configuration's write-only values) differ from the secrets the deployment holds."""
        if current.get(SECRET_VERSION) != planned.get(SECRET_VERSION):
            return True
        secrets = planned.get(SECRET_ENV)
        if secrets is Unknown:
            return True  # unknown keys: known at apply
        return set(secrets or {}) != set(current.get(SECRET_FINGERPRINTS) or {})

    def _changed(self, current: State, planned: State) -> bool:
        return self._spec_changed(current, planned) or self._secrets_changed(current, planned)

    # ------------------------------------------------------------------------------ helpers

    @staticmethod
    def _timeout(state: State, action: str) -> float:
        value = (state.get("timeouts") or {}).get(action)
        return parse_duration(value) if isinstance(value, str) else DEFAULT_TIMEOUTS[action]

    @staticmethod
    def _computed(view: dict[str, Any]) -> dict[str, Any]:
        """Computed attributes from a ``/live`` answer or a deployment view."""
        ids = view.get("provider_ids") or {}
        spec = view.get("spec")
        return {
            SECRET_FINGERPRINTS: (fingerprints(spec) or None) if isinstance(spec, dict) else None,
            "id": view.get("name"),
            "revision": view.get("expected_revision") or view.get("revision"),
            "health": view.get("health"),
            "sync": view.get("sync"),
            "provider_ids": {str(k): v if isinstance(v, str) else _json(v) for k, v in ids.items() if v is not None},
            "invoke_url": view.get("invoke_url"),
        }

    def _status(self, name: str) -> dict[str, Any]:
        """The computed attributes after an apply: from ``/live``, else the stored deployment."""
        live = self.client.live(name)
        if live is not None:
            return self._computed(live)
        dep = self.client.get_deployment(name)
        return self._computed(dep or {"name": name})

    def _put(self, diags: Diagnostics, action: str, name: str, spec: dict[str, Any],
             deadline: float) -> dict[str, Any] | None:
        """PUT until accepted: returns the Operation (202) or ``{}`` (200, nothing to change);
        None after adding diagnostics. A busy deployment is waited for first (WaitTimeout)."""
        for _ in range(3):
            try:
                status, body = self.client.put_deployment(name, spec)
            except ApiError as exc:
                if exc.code == "conflict":
                    self.client.wait_idle(name, timeout=_remaining(deadline))
                    continue
                diagnostics.api_error(diags, action, exc, spec)
                return None
            return body if status == 202 else {}
        diags.add_error(f"deploy-anywhere {action} failed", f"{name}: the deployment stayed busy with other operations")
        return None

    def _apply(self, diags: Diagnostics, action: str, prior: State | None, planned: State) -> Optional[State]:
        """Create or update: PUT, wait, and return the planned configuration with fresh status.
        Errors before anything was accepted return ``prior`` (None on a create)."""
        try:
            spec = spec_from_state(planned, prior)
        except SpecShapeError as exc:
            diags.add_error("Invalid value", str(exc), path=exc.path)
            return prior
        name = str(planned["name"])
        timeout = self._timeout(planned, action)
        deadline = time.monotonic() + timeout
        try:
            operation = self._put(diags, action, name, spec, deadline)
            if operation is None:
                return prior
            if operation:
                operation = self.client.wait(operation, timeout=_remaining(deadline))
                if (operation.get("metadata") or {}).get("state") != "succeeded":
                    diagnostics.operation_failure(diags, action, operation, spec)
        except WaitTimeout as exc:
            diagnostics.wait_timeout(diags, action, exc.operation, timeout)
        except ApiError as exc:
            diagnostics.api_error(diags, action, exc, spec)
            return prior
        new = deepcopy(planned)
        new[SECRET_ENV] = None  # write-only (the servicer nulls it too)
        try:
            new.update(self._status(name))
        except ApiError as exc:
            diagnostics.api_error(diags, action, exc, spec)
            return prior
        return new

    # ------------------------------------------------------------------------------ CRUD

    @_no_crash(lambda planned: None)
    def create(self, ctx: CreateContext, planned: State) -> Optional[State]:
        return self._apply(ctx.diagnostics, "create", None, planned)

    @_no_crash(lambda current, planned: current)
    def update(self, ctx: UpdateContext, current: State, planned: State) -> Optional[State]:
        if not self._changed(current, planned):  # only timeouts changed: nothing to send
            new = deepcopy(planned)
            new.update({k: current.get(k) for k in (*COMPUTED, "id")})
            new[SECRET_ENV] = None
            return new
        return self._apply(ctx.diagnostics, "update", current, planned)

    def _from_live(self, live: dict[str, Any], prior: State | None) -> State:
        state: State = state_from_spec(live["spec"], prior)
        state.update(self._computed(live))
        state["timeouts"] = (prior or {}).get("timeouts")
        return state

    @_no_crash(lambda current: current)
    def read(self, ctx: ReadContext, current: State) -> Optional[State]:
        name = current.get("name") or current.get("id")
        try:
            live = self.client.live(str(name))
        except ApiError as exc:
            diagnostics.api_error(ctx.diagnostics, "read", exc)
            return current
        if live is None or not live.get("exists") or live.get("spec") is None:
            return None  # gone: Terraform plans to create it again
        return self._from_live(live, current)

    @_no_crash(lambda id: None)
    def import_(self, ctx: ImportContext, id: str) -> Optional[State]:
        try:
            live = self.client.live(id)
        except ApiError as exc:
            diagnostics.api_error(ctx.diagnostics, "import", exc)
            return None
        if live is None:
            ctx.diagnostics.add_error("Cannot import", f"the service has no deployment named {id!r}")
            return None
        if live.get("spec") is None:
            ctx.diagnostics.add_error("Cannot import", f"deployment {id!r} has no endpoint on the cloud "
                                      f"(health {live.get('health')}); apply it first")
            return None
        return self._from_live(live, None)

    @_no_crash(lambda current: current)
    def delete(self, ctx: DeleteContext, current: State) -> Optional[State]:
        """None once the service no longer knows the deployment; on an error, ``current`` (kept)."""
        diags = ctx.diagnostics
        name = str(current.get("name") or current.get("id"))
        timeout = self._timeout(current, "delete")
        deadline = time.monotonic() + timeout
        try:
            for _ in range(3):
                try:
                    operation = self.client.delete_deployment(name)
                except ApiError as exc:
                    if exc.code != "conflict":
                        raise
                    self.client.wait_idle(name, timeout=_remaining(deadline))
                    continue
                if operation is None:
                    return None
                operation = self.client.wait(operation, timeout=_remaining(deadline))
                if (operation.get("metadata") or {}).get("state") != "succeeded":
                    diagnostics.operation_failure(diags, "delete", operation)
                    return current
                if self.client.get_deployment(name) is None:
                    return None
            diags.add_error("deploy-anywhere delete failed", f"{name}: the deployment is still there")
        except WaitTimeout as exc:
            diagnostics.wait_timeout(diags, "delete", exc.operation, timeout)
        except ApiError as exc:
            diagnostics.api_error(diags, "delete", exc)
        return current


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
