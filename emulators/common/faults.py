"""Fault injection core: a thread-safe list of faults, HTTP request matching, spec validation.

What a fault answers (an AWS, Google or ARM error, a dropped connection...) is each emulator's;
this module only keeps, matches and consumes faults. A fault is consumed ``count`` times (its
``remaining`` counts down), then it is gone; the first matching fault in the order they were added
wins.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Generic, Protocol, TypeVar

__all__ = [
    "ConsumableFault",
    "FaultInjector",
    "RequestFault",
    "check_fault_spec",
    "error_status",
    "int_field",
    "optional_int_field",
]


class ConsumableFault(Protocol):
    """What :class:`FaultInjector` needs of a fault: a dataclass with ``remaining`` and ``matches``."""

    remaining: int

    def matches(self, *request: str) -> bool:
        """True if this fault applies to the request described by ``request``."""
        ...


F = TypeVar("F", bound=ConsumableFault)


class FaultInjector(Generic[F]):
    """Thread-safe list of the active faults of one emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[F] = []

    def add(self, fault: F) -> None:
        """Activate ``fault`` (after the ones already active)."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Drop every active fault."""
        with self._lock:
            self._faults.clear()

    def take(self, *request: str) -> F | None:
        """Consume one use of the first fault matching ``request`` (``fault.matches(*request)``), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(*request):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def active(self) -> list[dict[str, Any]]:
        """The active faults as JSON-able dicts (with ``remaining``)."""
        with self._lock:
            return [asdict(f) for f in self._faults]  # type: ignore[call-overload]  # F is a dataclass


@dataclass
class RequestFault:
    """The matching part of a fault on HTTP requests: ``method`` (None: any) and ``path_contains``
    (a substring of the URL path, None: any), then the error ``status`` and the ``count`` of uses.

    Subclasses add their fields (``remaining`` among them) after these.
    """

    method: str | None = None
    path_contains: str | None = None
    status: int = 429
    count: int = 1

    def matches(self, method: str, path: str) -> bool:
        """True if this fault applies to ``method`` ``path``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_contains is None or self.path_contains in path


def check_fault_spec(spec: Any, fields: Collection[str]) -> Mapping[str, Any]:
    """``spec`` if it is a mapping of known ``fields`` only, else ``ValueError``."""
    if not isinstance(spec, Mapping):
        raise ValueError("fault must be a JSON object")
    unknown = set(spec) - set(fields)
    if unknown:
        raise ValueError(f"unknown fault field(s): {sorted(unknown)}")
    return spec


def _check_int(value: Any, key: str, low: int, high: int | None, nullable: bool) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"'{key}' must be an integer {bounds}{' or null' if nullable else ''}, got {value!r}")


def int_field(spec: Mapping[str, Any], key: str, default: int, low: int, high: int | None = None) -> int:
    """``spec[key]`` (or ``default``) checked to be an int in ``[low, high]`` (``>= low`` if ``high``
    is None); ``ValueError`` naming ``key`` otherwise."""
    value = spec.get(key, default)
    _check_int(value, key, low, high, nullable=False)
    return int(value)


def optional_int_field(
    spec: Mapping[str, Any], key: str, default: int | None, low: int, high: int | None = None
) -> int | None:
    """Like :func:`int_field`, but ``null`` (None) is accepted too."""
    value = spec.get(key, default)
    if value is None:
        return None
    _check_int(value, key, low, high, nullable=True)
    return int(value)


def error_status(spec: Mapping[str, Any], default: int = 429) -> int:
    """``spec["status"]``: 0 (latency only) or an HTTP error status 400-599; ``ValueError`` otherwise."""
    status = spec.get("status", default)
    if isinstance(status, bool) or not isinstance(status, int) or not (status == 0 or 400 <= status <= 599):
        raise ValueError(f"'status' must be 0 (latency only) or an HTTP error status 400-599, got {status!r}")
    return status
