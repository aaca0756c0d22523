"""Drive an adapter's stepped calls (``submit``/``finalize``) to completion, as the workflow does
(without its durable sleeps): each call gets the pending operations the previous one returned."""

from __future__ import annotations

from typing import Any

from core.adapter import Progress

__all__ = ["drive", "submit_all", "finalize_all"]


def drive(call: Any, request: Any, *, attempts: int = 200) -> Progress:
    """Call ``call(request, pending)`` until it reports done; AssertionError after ``attempts``."""
    pending: tuple[str, ...] = ()
    for _ in range(attempts):
        progress: Progress = call(request, pending)
        if progress.done:
            return progress
        pending = progress.pending
    raise AssertionError(f"{call.__qualname__} not done after {attempts} calls (pending: {pending})")


def submit_all(adapter: Any, request: Any) -> Progress:
    return drive(adapter.submit, request)


def finalize_all(adapter: Any, request: Any) -> Progress:
    return drive(adapter.finalize, request)
