"""Helpers every adapter needs, written once (no SDK import; each adapter passes its own calls).

- :func:`sdk_errors_for`: the ``sdk_errors(action)`` context manager of a platform: counts the
  provider call (``core.metrics``) and maps the SDK's exceptions with the platform's own mapper
  (each ``adapters/<p>/errors.py`` keeps its mapping table).
- :func:`create_or_adopt`: send a create (or change) whose ``Conflict`` answer means "already
  there, or already running": a retried call after a lost answer or a crash finds what the first
  one made.
- Cached reads of immutable provider resources: :meth:`core.cache.ImmutableCache.read`, with
  :func:`missing_is_none` turning the adapter's ``NotFound`` into ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

from core import metrics
from core.errors import Conflict, NotFound

__all__ = ["sdk_errors_for", "create_or_adopt", "missing_is_none"]

T = TypeVar("T")

Mapper = Callable[[str], AbstractContextManager[None]]


def sdk_errors_for(platform: str, mapped: Mapper) -> Mapper:
    """The ``sdk_errors(action)`` context manager of ``platform``: the provider call made inside
    the block is counted (``core.metrics.provider_call``) and its exceptions are mapped by
    ``mapped(action)`` (``action`` names the call in messages). Only :mod:`core.errors`
    exceptions leave the block."""

    @contextmanager
    def sdk_errors(action: str) -> Iterator[None]:
        with metrics.provider_call(platform), mapped(action):
            yield

    sdk_errors.__doc__ = (f"Count the {platform} call made inside the block (core.metrics) and map its "
                          f"errors to core.errors; ``action`` names the call.")
    return sdk_errors


def create_or_adopt(send: Callable[[], T], *,
                    adopt: Callable[[Conflict], T | None] | None = None) -> T | None:
    """``send()``'s answer; when it raises :class:`core.errors.Conflict` (the resource already
    exists, or an operation on it already runs), ``adopt(conflict)``'s answer, or None without
    ``adopt``. ``adopt`` re-raises the conflict when it cannot adopt (e.g. the resource it would
    adopt does not exist). ``send`` maps its SDK errors itself (``sdk_errors``)."""
    try:
        return send()
    except Conflict as conflict:
        return None if adopt is None else adopt(conflict)


def missing_is_none(read: Callable[[], T]) -> Callable[[], T | None]:
    """``read`` with :class:`core.errors.NotFound` answered as None (for
    :meth:`core.cache.ImmutableCache.read`)."""

    def reader() -> T | None:
        try:
            return read()
        except NotFound:
            return None

    return reader
