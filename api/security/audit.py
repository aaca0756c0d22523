"""The audit function routes call after a change: ``audit(request, action=..., deployment=..., ...)``.

It names the actor from the request (the authenticated key's id) and appends one event to the
service's audit log (:class:`core.store.audit.AuditLog`, :func:`api.deps.audit_of`). It is
synchronous and does one short write: call it from the (sync) route handler once the change is made,
with the revision the change produced. From async code:
``await run_in_threadpool(audit, request, action=...)``.

Never put a secret in ``details``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.deps import audit_of
from api.security.auth import principal_of
from core.store.audit import AuditEventRecord

__all__ = ["audit", "ANONYMOUS"]

#: The actor of an event recorded on a public route (no key).
ANONYMOUS = "anonymous"


def audit(request: Request, *, action: str, deployment: str | None = None, revision: str | None = None,
          details: dict[str, Any] | None = None) -> AuditEventRecord:
    """Record that the request's key did ``action`` (``apply``, ``delete``, ``cancel``,
    ``reconcile``, ``accept_live``, ``key.create``, ``key.revoke`` ...) to ``deployment`` at
    ``revision``; returns the stored event."""
    principal = principal_of(request)
    return audit_of(request).record(actor=principal.key_id if principal is not None else ANONYMOUS,
                                    action=action, deployment=deployment, revision=revision, details=details)
