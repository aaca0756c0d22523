"""Provider reads shared by the checks of one fleet pass.

Some providers answer a question about one endpoint only with a listing of many: Azure Monitor lists
autoscale settings per resource group, not per endpoint, so checking 100 endpoints of one resource
group would read (and deserialize) the same 100-item listing 100 times. A fleet pass
(:meth:`core.checks.schedule.FleetPass.run`) opens a :class:`SharedReads`; the thread checking one
deployment binds it with :func:`using`, and an adapter asks for such a listing through
:func:`shared`, which returns the pass's copy when one was read at most :data:`MAX_AGE_S` ago (one
thread reads; the others of the same key wait for it) and reads otherwise. Outside a pass (a deploy, a
rollout's serving poll) :func:`shared` always reads.

A reading is as old as its oldest shared part: :func:`using` yields a :class:`Used` that tells the
check when that part was read, and the check records that time as when its read began, so a shared
listing read before a rollout finished never counts as newer than the rollout
(:meth:`core.store.checks.Checks.record`). Failed reads are not shared: the next caller reads again.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["SharedReads", "Used", "using", "shared", "MAX_AGE_S"]

T = TypeVar("T")

MAX_AGE_S = 5.0
"""How long one shared reading serves a pass: a pass of 1,000 deployments takes seconds to tens of
seconds, and a check should not report a listing much older than the check."""


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    value: Any = None
    read_at: dt.datetime | None = None
    loaded: float | None = None  # monotonic time of the read (None: nothing shared yet)


class SharedReads:
    """The shared readings of one pass, by key (thread-safe)."""

    def __init__(self, *, max_age: float = MAX_AGE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, _Entry] = {}
        self.reads = 0
        """Provider reads made through this object (for tests and benchmarks)."""

    def get(self, key: Hashable, read: Callable[[], T]) -> tuple[T, dt.datetime]:
        """``(value, when it was read)``: the shared value of ``key`` if fresh enough, else
        ``read()`` now (exceptions propagate and nothing is kept)."""
        with self._lock:
            entry = self._entries.setdefault(key, _Entry())
        with entry.lock:
            if entry.loaded is not None and self._clock() - entry.loaded <= self.max_age:
                assert entry.read_at is not None
                return entry.value, entry.read_at
            read_at, started = dt.datetime.now(dt.UTC), self._clock()
            value = read()
            self.reads += 1
            entry.value, entry.read_at, entry.loaded = value, read_at, started
            return value, read_at


@dataclass
class Used:
    """What one check took from the pass's shared readings."""

    oldest: dt.datetime | None = None

    def began(self, read_at: dt.datetime) -> dt.datetime:
        """When the check's reading began: ``read_at``, or earlier if a shared part is older."""
        return read_at if self.oldest is None or self.oldest >= read_at else self.oldest


_local = threading.local()


@contextmanager
def using(reads: SharedReads | None) -> Iterator[Used]:
    """Bind ``reads`` (None: share nothing) to this thread for one check."""
    previous = getattr(_local, "bound", None)
    used = Used()
    _local.bound = None if reads is None else (reads, used)
    try:
        yield used
    finally:
        _local.bound = previous


def shared(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, or the value of ``key`` already read in this thread's pass (see the module docs).
    ``key`` must name everything the answer depends on (cloud, account, scope, API)."""
    bound: tuple[SharedReads, Used] | None = getattr(_local, "bound", None)
    if bound is None:
        return read()
    reads, used = bound
    value, read_at = reads.get(key, read)
    if used.oldest is None or read_at < used.oldest:
        used.oldest = read_at
    return value
