"""Ownership: the service manages only the provider resources it created, and says what is foreign.

Every provider resource the service creates carries the **owner stamp** (tag or label
:data:`OWNER_STAMP`, value: the deployment's ``owner`` uid, generated when the deployment record is
first stored and never reused: a deployment deleted and applied again under the same name gets a new
one). Scaling policies, which have no tags, carry it in their name. The stamp identifies the
deployment, not just its name; the older stamps (``deploy-anywhere-deployment`` = the name,
``deploy-anywhere-revision``) stay as well.

Rules (pure, here; the adapters read the stamps, core decides):

- **Endpoint level** (:meth:`Ownership.owns`): an endpoint is ours when its owner stamp is our uid.
  An endpoint without an owner stamp is ours only when it carries a revision stamp of one of THIS
  deployment's stored revisions (endpoints created before owner stamps existed); the next write
  adds the owner stamp. Anything else under the deployment's name is foreign: ``PUT`` and
  ``plan`` refuse it with :class:`core.errors.NotOwned` (409 ``not_owned``) before any write, the
  deploy workflow's submit refuses it too (and its rollback leaves it alone), and ``delete``
  never removes it.
- **Sub-resource level** (:func:`stamped_by`): a variant's live resource (SageMaker endpoint config,
  Vertex AI model behind a deployed model, Azure ML deployment, Azure Monitor autoscale setting)
  is ours when its owner stamp is our uid; one without an owner stamp (made before owner stamps
  existed) when it carries this deployment's name stamp. Never by display name alone.
- A foreign sub-resource inside OUR endpoint is reported as its own drift item at
  ``unmanaged[<provider id>]`` (:func:`unmanaged_changes`): material when it carries traffic or
  holds instances, else cosmetic. It is never folded into a managed variant or into endpoint-wide
  fields, ``accept-live`` never adopts it, and a reconcile removes it (traffic moved off first).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.diff import Change, Severity, matches
from core.errors import NotOwned

__all__ = [
    "OWNER_STAMP",
    "UNMANAGED",
    "Ownership",
    "Stamps",
    "new_owner",
    "stamped_by",
    "unmanaged_path",
    "is_unmanaged_path",
    "unmanaged_changes",
    "not_owned",
]

OWNER_STAMP = "deploy-anywhere-owner"
"""Tag/label key of the owner stamp on every provider resource the service creates."""

UNMANAGED = "unmanaged"
"""Top-level drift path of foreign sub-resources: ``unmanaged[<provider id>]``."""


def new_owner() -> str:
    """A fresh owner uid: 32 lowercase hex digits (valid as an AWS tag, a Vertex AI label value
    and an Azure tag)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Stamps:
    """The ownership stamps an endpoint carries (``None``: none)."""

    owner: str | None
    revision: str | None


@dataclass(frozen=True)
class Ownership:
    """Who we are for one deployment: its ``uid`` and the revisions it has stored (the migration
    rule for endpoints created before owner stamps existed)."""

    uid: str
    revisions: frozenset[str] = field(default_factory=frozenset)

    def owns(self, stamps: Stamps) -> bool:
        """Whether an endpoint carrying ``stamps`` is this deployment's (module docstring)."""
        if stamps.owner is not None:
            return stamps.owner == self.uid
        return stamps.revision is not None and stamps.revision in self.revisions


def stamped_by(owner_stamp: str | None, name_stamp: str | None, *, owner: str | None, name: str) -> bool:
    """Whether a sub-resource with these stamps belongs to deployment ``name`` whose uid is
    ``owner`` (None: not known to the caller; the endpoint's own owner stamp is passed instead, or
    None when it has none). A resource with an owner stamp is ours when that is ``owner`` (when
    ``owner`` is unknown, when its name stamp is ours); one without, when its name stamp is ours."""
    if owner_stamp is not None and owner is not None:
        return owner_stamp == owner
    return name_stamp == name


def unmanaged_path(provider_id: str) -> str:
    """The drift path of a foreign sub-resource."""
    return f"{UNMANAGED}[{provider_id}]"


def is_unmanaged_path(path: str) -> bool:
    """Whether ``path`` names a foreign sub-resource (never a spec field)."""
    return path.startswith(f"{UNMANAGED}[")


def _material(summary: Mapping[str, Any]) -> bool:
    return bool(summary.get("traffic_percent")) or bool(summary.get("instances"))


def unmanaged_changes(unmanaged: Mapping[str, Mapping[str, Any]], *, ignore: Iterable[str] = ()) -> list[Change]:
    """One change per foreign sub-resource (provider id -> summary), at ``unmanaged[<id>]``:
    expected None, actual the summary; material when it carries traffic or holds instances."""
    patterns = tuple(ignore)
    out = []
    for provider_id, summary in sorted(unmanaged.items()):
        path = unmanaged_path(provider_id)
        if matches(path, patterns):
            continue
        out.append(Change(path=path, expected=None, actual=dict(summary),
                          severity=Severity.MATERIAL if _material(summary) else Severity.COSMETIC,
                          provider_field=str(summary.get("kind") or "") or None))
    return out


def not_owned(platform: str, name: str, stamps: Stamps) -> NotOwned:
    """The refusal for an endpoint called ``name`` that is not this deployment's."""
    seen = (f"owner stamp {stamps.owner!r}" if stamps.owner is not None
            else f"revision stamp {stamps.revision!r} of no revision of this deployment" if stamps.revision
            else "no stamp of the service")
    return NotOwned(
        f"a {platform} endpoint called {name!r} already exists and was not created by this deployment "
        f"({seen}); the service never writes to or deletes an endpoint it does not own. Importing an "
        f"existing endpoint is not available yet: delete or rename that endpoint, or choose another "
        f"deployment name",
        details={"endpoint": name, "platform": platform, "owner_stamp": stamps.owner,
                 "revision_stamp": stamps.revision})
