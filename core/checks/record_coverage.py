"""Check coverage: what one check observed, and the deployment's drift merged across checks.

A basic check reads fewer fields than a full one (``LiveEndpoint.unobserved``: SageMaker's tags and
autoscaling, Azure ML's autoscale settings). A check must never clear drift it could not see, so the
deployment's **current drift** is a merge:

- every change the new check reports is taken as observed now (``observed_at``, ``check_id``,
  ``mode`` of this check);
- a change of the previous current drift at a path the new check did NOT observe (it matches one of
  the check's ``unobserved`` globs) is **carried** forward unchanged (``carried: true``, keeping
  when and by which check it was observed), as long as it was judged against the same expected
  revision and is not ignored by the deployment's policy now;
- a change at a path the new check observed and found equal is gone;
- a rollout that re-applied the spec (``reapplied``) carries nothing: it wrote every field.

The merged list decides the deployment's sync (any change: ``out_of_sync``), its material flag (the
drift streak) and its events. Pure: no store, no SDK.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.diff import matches

__all__ = ["Merged", "merge", "OBSERVATION_KEYS"]

OBSERVATION_KEYS = ("observed_at", "check_id", "mode", "carried", "revision")
"""Keys a recorded change carries besides the :class:`core.diff.Change` fields: when and by which
check (id and mode) it was last observed, whether this check carried it without reading it, and the
expected revision it was judged against."""


@dataclass(frozen=True)
class Merged:
    """The deployment's current drift after one check: ``changes`` (sorted by path, observed and
    carried alike), and how many were ``carried``."""

    changes: list[dict[str, Any]]
    carried: int


def merge(previous: Sequence[Mapping[str, Any]] | None, observed: Iterable[Mapping[str, Any]], *,
          unobserved: Iterable[str], ignore: Iterable[str] = (), revision: str | None,
          reapplied: bool = False) -> Merged:
    """The current drift after a check that reported ``observed`` changes (already stamped with
    :data:`OBSERVATION_KEYS`) and did not read the paths matching the ``unobserved`` globs.

    ``previous``: the deployment's current drift before this check (None or empty: none).
    ``revision``: the expected revision the check judged against; a previous change judged against
    another revision is stale (the spec changed since) and is dropped. ``ignore``: the policy's
    ignore globs now (a path ignored since is dropped). ``reapplied``: the check closes a rollout
    that wrote every field, so nothing unread survives it.
    """
    fresh = sorted((dict(c) for c in observed), key=lambda c: str(c.get("path")))
    if reapplied or not previous:
        return Merged(fresh, 0)
    unseen = tuple(unobserved)
    skip = tuple(ignore)
    reported = {c.get("path") for c in fresh}
    carried = sorted(
        (dict(c) | {"carried": True} for c in previous
         if c.get("path") not in reported
         and c.get("revision") == revision
         and matches(str(c.get("path")), unseen)
         and not matches(str(c.get("path")), skip)),
        key=lambda c: str(c.get("path")))
    return Merged(sorted(fresh + carried, key=lambda c: str(c.get("path"))), len(carried))
