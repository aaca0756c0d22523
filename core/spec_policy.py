"""The parts of a spec that steer the service and are not deployed: the test queries run against each
rollout, and the sync policy checks follow. Changing them makes no new revision.

Contracts:

- A :class:`TestQuery` is sent to the live endpoint after each deploy; its expectations are JSON
  pointers (RFC 6901) checked against the response (:mod:`core.queries`).
- :class:`SyncPolicy` paths are spec path globs (``*`` matches any run of characters), rooted at a
  top-level config field or ``unmanaged`` (a foreign sub-resource), as Argo CD's
  ``ignoreDifferences``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import Field, JsonValue, field_validator

from core.spec_base import Strict

__all__ = ["MAX_POINTER", "TestQuery", "SyncPolicy"]

MAX_POINTER = 1024
_MEDIA_TYPE = (r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*"
               r"(\s*;\s*[A-Za-z0-9_.+-]+=[A-Za-z0-9_.+\"-]+)*$")


def _check_pointer(pointer: str) -> None:
    if len(pointer) > MAX_POINTER:
        raise ValueError(f"a JSON pointer is at most {MAX_POINTER} characters")
    if pointer and not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON pointer (must start with '/')")


class TestQuery(Strict):
    """A request sent to the live endpoint after each deploy; the deploy fails if it does not pass."""

    __test__ = False  # not a pytest test class

    name: str = Field(default="query", max_length=64, description="Label used in reports.")
    payload: JsonValue = Field(description="Request body: JSON, or a string sent as-is.")
    content_type: str = Field(default="application/json", max_length=255, pattern=_MEDIA_TYPE,
                              description="Request content type (a media type).")
    expect_status: int = Field(default=200, ge=100, le=599, description="Expected HTTP status.")
    expect_fields: list[str] = Field(
        default_factory=list, max_length=50,
        description="JSON pointers (RFC 6901) that must exist in the response body.",
    )
    expect_values: dict[str, JsonValue] = Field(
        default_factory=dict, max_length=50,
        description="JSON pointer -> expected value in the response body.",
    )

    @field_validator("expect_fields")
    @classmethod
    def _pointers(cls, pointers: list[str]) -> list[str]:
        for pointer in pointers:
            _check_pointer(pointer)
        return pointers

    @field_validator("expect_values")
    @classmethod
    def _value_pointers(cls, values: dict[str, Any]) -> dict[str, Any]:
        for pointer in values:
            _check_pointer(pointer)
        return values

    def body(self) -> bytes:
        """The bytes sent on the data plane: a string payload as-is (UTF-8), anything else as JSON."""
        payload = self.payload
        return payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()


_IGNORE_PATH = re.compile(r'^(\*|target|variants|logging|auth_mode|request_timeout_seconds|tags|unmanaged)'
                          r'([.\[][A-Za-z0-9_.:/=+@*"\[\]-]*)?$')


class SyncPolicy(Strict):
    """How checks treat this deployment (not deployed: changing it makes no new revision).

    Like Argo CD's ``ignoreDifferences`` and ``syncPolicy.automated.selfHeal``.
    """

    ignore: list[str] = Field(
        default_factory=list, max_length=50,
        description="Spec path globs never reported as drift, e.g. `tags.*`, "
        "`variants[*].env.LOG_LEVEL`, `variants[canary].weight`, `unmanaged[shadow-*]` (a foreign "
        "sub-resource) (`*` matches any run of characters).",
    )
    auto_remediate: bool = Field(
        default=False,
        description="Reconcile (re-apply the expected setup) after `remediate_after` consecutive "
        "scheduled checks found material drift. Off by default.",
    )
    remediate_after: int = Field(
        default=3, ge=1, le=100,
        description="Consecutive out-of-sync checks with material drift before auto-remediation.",
    )

    @field_validator("ignore")
    @classmethod
    def _paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not _IGNORE_PATH.fullmatch(path):
                raise ValueError(f"{path!r} is not a spec path glob (it must start with a field of the "
                                 f"spec: target, variants, logging, auth_mode, request_timeout_seconds, "
                                 f"tags; unmanaged (foreign sub-resources); or *)")
        return list(dict.fromkeys(paths))
