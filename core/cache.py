"""A small thread-safe LRU for provider objects that never change once created.

Adapters cache immutable provider resources (SageMaker endpoint configs and models, Vertex AI
Models, Azure ML asset versions) by name so a basic check costs one read: :meth:`ImmutableCache.read`
is the one cached read. ``drop`` forgets an entry when the resource is deleted or found missing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["ImmutableCache"]

T = TypeVar("T")


class ImmutableCache:
    """Bounded LRU of immutable provider objects by name (``size`` entries at most).

    Checks visit the fleet in the same order every pass, and an LRU smaller than the working set
    then misses on every read: the default holds the configs/models of ~10,000 deployments of one
    adapter (account and region), a few KB each.
    """

    def __init__(self, size: int = 32_768) -> None:
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            return None

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def read(self, key: str, fetch: Callable[[], T | None], *, fresh: bool = False) -> T | None:
        """The object under ``key``: the cached one, else (or with ``fresh``) ``fetch()``'s answer,
        which is cached; ``fetch()`` answering None (the resource is missing) drops the entry and
        returns None. Exceptions of ``fetch`` pass through and leave the cache unchanged."""
        if not fresh:
            cached = self.get(key)
            if cached is not None:
                return cached  # type: ignore[no-any-return]
        found = fetch()
        if found is None:
            self.drop(key)
            return None
        self.put(key, found)
        return found
