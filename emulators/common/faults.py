"""Fault injection core: a thread-safe list of faults, when they fire, and how they are served.

What a fault answers (an AWS, Google or ARM error body) is each emulator's; this module keeps,
matches and fires faults, validates the fields every emulator shares, and serves the fault
(latency, then a dropped connection or the emulator's error, optionally *after* the request was
processed) in front of the emulator's WSGI app: one implementation for the three emulators.

When a fault fires (the :class:`Trigger` fields, the same in every emulator's fault spec):

- ``count`` (default 1): how many times the fault fires (injects its failure or latency), then it
  is gone; ``null`` (None): until cleared or reset. In every mode ``count`` bounds the number of
  *injected* faults, never the number of requests seen.
- ``probability`` (default 1.0, in (0, 1]): each matching request fires the fault with this
  probability; a matching request that does not fire it goes on to the next matching fault (and,
  if none fires, to the emulated API unharmed). 1.0 is the deterministic mode: the next ``count``
  matching requests.
- ``seed`` (default null): seeds the fault's own random generator, so the same sequence of
  matching requests gets the same faults (deterministic tests); null draws a random seed.

What a fault matches and does (the :class:`RequestFault` fields, the same in every emulator's
``inject_fault`` and validated by :func:`parse_fault`): ``operation`` (the API method, as counted by
``calls()``), ``method`` and ``path_contains`` match; ``delay`` (seconds), then ``drop``, or the
error for ``status`` (0: latency only; default: the emulator's throttling answer) with ``code``
(default: the provider's code for that status) and ``retry_after`` (seconds), ``after`` the request
was processed if ``after``. An emulator adds only what it alone has (SageMaker: ``service``; Azure
ML: ``retry_after_ms``).

The first matching fault that fires wins, in the order the faults were added. Each fault reports
its ``id`` (1, 2... in the order added), ``remaining`` (fires left, null if unlimited), ``matched``
(matching requests seen) and ``injected`` (times fired). The injector also keeps the last
:data:`HISTORY` firings, ``{"at": epoch seconds, "fault": id, "request": [...]}`` oldest first
(:meth:`FaultInjector.history`), until cleared: e.g. to check that a client waited for
``Retry-After`` between two attempts, even after the fault is spent.

How a fault is served (:func:`serve_fault`): sleep its latency; with ``after``, run the request
through the emulated API first and throw its answer away (the change happened, the client never
hears of it: what makes a retried create a duplicate); then drop the connection, answer the
emulator's error, or (latency only) answer normally.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Generic, Protocol, TypeVar

from .wsgi import WSGIApp, drop_connection, status_line

__all__ = [
    "FAULT_FIELDS",
    "HISTORY",
    "TRIGGER_FIELDS",
    "ConsumableFault",
    "FaultInjector",
    "RequestFault",
    "Trigger",
    "bool_field",
    "check_effect",
    "check_fault_spec",
    "error_status",
    "int_field",
    "number_field",
    "optional_int_field",
    "parse_fault",
    "serve_fault",
    "trigger_fields",
]

HISTORY = 1000
"""How many firings the injector remembers (:meth:`FaultInjector.history`)."""

TRIGGER_FIELDS: frozenset[str] = frozenset({"count", "probability", "seed"})
"""The fault-spec fields of :class:`Trigger`, accepted by every emulator."""

FAULT_FIELDS: frozenset[str] = TRIGGER_FIELDS | {
    "operation", "method", "path_contains", "status", "code", "delay", "drop", "retry_after", "after"}
"""The fault-spec fields of :class:`RequestFault` (trigger, matching, effect), accepted by every emulator."""

ErrorAnswer = tuple[int, list[tuple[str, str]], bytes]
"""``(status, headers, body)`` of an error answer."""


@dataclass
class Trigger:
    """When a fault fires (see the module docstring): ``count`` (None: unlimited), ``probability``,
    ``seed``; then what the injector keeps: ``id``, ``remaining``, ``matched``, ``injected``.
    Emulators' fault dataclasses extend it with their matching and effect fields (all with
    defaults)."""

    count: int | None = 1
    probability: float = 1.0
    seed: int | None = None
    id: int = field(default=0, init=False)
    remaining: int | None = field(default=None, init=False)
    matched: int = field(default=0, init=False)
    injected: int = field(default=0, init=False)
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.remaining = self.count
        self._rng = random.Random(self.seed)

    def fires(self) -> bool:
        """Count one matching request; True if the fault fires for it (then counted as injected)."""
        self.matched += 1
        if self.probability < 1.0 and self._rng.random() >= self.probability:
            return False
        self.injected += 1
        if self.remaining is not None:
            self.remaining -= 1
        return True

    @property
    def spent(self) -> bool:
        """True once the fault fired ``count`` times."""
        return self.remaining is not None and self.remaining <= 0

    def as_dict(self) -> dict[str, Any]:
        """The fault as JSON: every public field (the random generator is left out)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}


class ConsumableFault(Protocol):
    """What :class:`FaultInjector` needs of a fault: a :class:`Trigger` with ``matches``."""

    id: int

    @property
    def matches(self) -> Callable[..., bool]:
        """``matches(*request)``: True if this fault applies to the request described by
        ``request`` (e.g. ``(method, path)`` or ``(service, operation)``)."""
        ...

    def fires(self) -> bool: ...

    @property
    def spent(self) -> bool: ...

    def as_dict(self) -> dict[str, Any]: ...


F = TypeVar("F", bound=ConsumableFault)
FaultT = TypeVar("FaultT", bound="RequestFault")


class FaultInjector(Generic[F]):
    """Thread-safe list of the active faults of one emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[F] = []
        self._history: deque[dict[str, Any]] = deque(maxlen=HISTORY)
        self._added = 0

    def add(self, fault: F) -> None:
        """Activate ``fault`` (after the ones already active); it gets the next ``id``."""
        with self._lock:
            self._added += 1
            fault.id = self._added
            self._faults.append(fault)

    def clear(self) -> None:
        """Drop every active fault and the firing history (ids start again at 1)."""
        with self._lock:
            self._faults.clear()
            self._history.clear()
            self._added = 0

    def take(self, *request: str | None) -> F | None:
        """The first fault matching ``request`` (``fault.matches(*request)``) that fires for it, or
        None; a fault that has fired ``count`` times is removed."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(*request) and fault.fires():
                    self._history.append({"at": time.time(), "fault": fault.id, "request": list(request)})
                    if fault.spent:
                        self._faults.remove(fault)
                    return fault
        return None

    def history(self) -> list[dict[str, Any]]:
        """The last :data:`HISTORY` firings, oldest first: ``{"at", "fault", "request"}``."""
        with self._lock:
            return list(self._history)

    def active(self) -> list[dict[str, Any]]:
        """The active faults as JSON-able dicts (with ``remaining``, ``matched``, ``injected``...)."""
        with self._lock:
            return [f.as_dict() for f in self._faults]


@dataclass
class RequestFault(Trigger):
    """A fault on API requests, in the vocabulary every emulator's ``inject_fault`` shares.

    Matching (all given ones must hold; None: any): ``operation`` (the API method's name, as the
    emulator counts it in ``calls()``: ``CreateEndpoint``, ``DeployModel``, ``GetEndpoint``...;
    ``"*"`` is any; a ``Service.Operation`` prefix is ignored), ``method`` (HTTP method) and
    ``path_contains`` (a substring of the URL path).

    Effect: wait ``delay`` seconds, then drop the connection (``drop``), or answer the emulator's
    error for HTTP ``status`` (0: no error, latency only) with the provider's error ``code`` (None:
    the one the emulator gives that status) and, if ``retry_after`` (seconds) is set, the
    provider's retry-after headers; ``after``: the request is processed first and its answer
    replaced. Emulators add their own matching or effect fields after these.
    """

    operation: str | None = None
    method: str | None = None
    path_contains: str | None = None
    status: int = 429
    code: str | None = None
    delay: float = 0.0
    drop: bool = False
    retry_after: float | None = None
    after: bool = False

    def matches(self, method: str, path: str, operation: str | None = None) -> bool:
        """True if this fault applies to ``method`` ``path``, an ``operation`` of the API (None: not one)."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path_contains is not None and self.path_contains not in path:
            return False
        if self.operation is not None and self.operation != "*":
            return operation is not None and self.operation.split(".")[-1] == operation
        return True

    @property
    def answers_error(self) -> bool:
        """True if the fault replaces the answer with an error (not a drop, not latency only)."""
        return not self.drop and self.status != 0


# -------------------------------------------------------------------------------- validation


def check_fault_spec(spec: Any, fields: Collection[str]) -> Mapping[str, Any]:
    """``spec`` if it is a mapping of known ``fields`` only, else ``ValueError``."""
    if not isinstance(spec, Mapping):
        raise ValueError("fault must be a JSON object")
    unknown = set(spec) - set(fields)
    if unknown:
        raise ValueError(f"unknown fault field(s): {sorted(unknown)}; allowed: {sorted(fields)}")
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


def number_field(spec: Mapping[str, Any], key: str, default: float | None, low: float,
                 high: float) -> float | None:
    """``spec[key]`` (or ``default``): a number in ``[low, high]`` or null; ``ValueError`` otherwise."""
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"'{key}' must be a number in [{low}, {high}], got {value!r}")
    return float(value)


def bool_field(spec: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """``spec[key]`` (or ``default``) checked to be a boolean."""
    value = spec.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"'{key}' must be a boolean, got {value!r}")
    return value


def trigger_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The :class:`Trigger` arguments of a fault spec: ``count`` (int >= 1 or null, default 1),
    ``probability`` (number in (0, 1], default 1) and ``seed`` (int or null); ``ValueError``
    naming the field otherwise."""
    probability = number_field(spec, "probability", 1.0, 0.0, 1.0)
    if probability is None or probability <= 0.0:
        raise ValueError(f"'probability' must be a number in (0, 1], got {spec.get('probability')!r}")
    seed = spec.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"'seed' must be an integer or null, got {seed!r}")
    return {
        "count": optional_int_field(spec, "count", 1, 1, 1_000_000_000),
        "probability": probability,
        "seed": seed,
    }


def error_status(spec: Mapping[str, Any], default: int = 429) -> int:
    """``spec["status"]``: 0 (latency only) or an HTTP error status 400-599; ``ValueError`` otherwise."""
    status = spec.get("status", default)
    if isinstance(status, bool) or not isinstance(status, int) or not (status == 0 or 400 <= status <= 599):
        raise ValueError(f"'status' must be 0 (latency only) or an HTTP error status 400-599, got {status!r}")
    return status


def parse_fault(
    spec: Any,
    fault_type: type[FaultT] = RequestFault,  # type: ignore[assignment]
    *,
    fields: Collection[str] = FAULT_FIELDS,
    default_status: int = 429,
    **extra: Any,
) -> FaultT:
    """Validate a fault spec (a control API body) and build a ``fault_type`` from it.

    ``fields`` are the allowed fields (:data:`FAULT_FIELDS` plus an emulator's own, which it
    validates itself and passes as ``extra``); ``status`` missing or null is ``default_status``
    (the emulator's throttling answer). ``ValueError`` naming the field otherwise.
    """
    check_fault_spec(spec, fields)
    method, path, operation, code = (spec.get(k) for k in ("method", "path_contains", "operation", "code"))
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        raise ValueError(f"'method' must be an HTTP method name or null, got {method!r}")
    for key, value in (("path_contains", path), ("operation", operation), ("code", code)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"'{key}' must be a non-empty string or null, got {value!r}")
    status = default_status if spec.get("status") is None else error_status(spec)
    drop, after = bool_field(spec, "drop"), bool_field(spec, "after")
    check_effect(drop=drop, after=after, error=status != 0)
    return fault_type(
        **trigger_fields(spec),
        operation=operation,
        method=method.upper() if method else None,
        path_contains=path,
        status=status,
        code=code,
        delay=float(number_field(spec, "delay", 0.0, 0, 600) or 0.0),
        drop=drop,
        retry_after=number_field(spec, "retry_after", None, 0, 3600),
        after=after,
        **extra,
    )


# ----------------------------------------------------------------------------------- serving


def _run_and_discard(app: WSGIApp, environ: dict[str, Any]) -> None:
    """Run ``app`` on the request and throw its answer away (the client never sees it)."""
    body = app(environ, lambda status, headers, exc_info=None: lambda data: None)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def serve_fault(
    environ: dict[str, Any],
    start_response: Callable[..., Any],
    app: WSGIApp,
    *,
    delay: float = 0.0,
    drop: bool = False,
    after: bool = False,
    error: ErrorAnswer | None = None,
) -> Iterable[bytes]:
    """Serve one fired fault in front of ``app`` (the emulated API for this request).

    Sleeps ``delay`` seconds; with ``after``, runs the request through ``app`` and discards the
    answer; then closes the connection without an answer (``drop``), answers ``error``
    (``(status, headers, body)``) or, with neither, lets ``app`` answer (pure latency; ``after``
    is then meaningless and refused by the specs).
    """
    if delay:
        time.sleep(delay)
    if after:
        _run_and_discard(app, environ)
    if drop:
        return drop_connection(environ, start_response)
    if error is not None:
        status, headers, body = error
        start_response(status_line(status), headers)
        return [body]
    return app(environ, start_response)


def check_effect(*, drop: bool, after: bool, error: bool) -> None:
    """``ValueError`` for ``after`` on a latency-only fault (nothing would replace the answer)."""
    if after and not (drop or error):
        raise ValueError("'after' needs an error or 'drop': a latency-only fault has no answer to replace")
