"""Which role a request needs: one rule over the route's path template and the HTTP method.

The rule, in order (``path`` is the route's template, e.g. ``/v1/deployments/{name}:reconcile``):

1. under ``/v1/keys`` or ``/v1/audit``: ``admin`` (key management and the audit log);
2. a read (``GET``, ``HEAD``): ``reader``;
3. a write under ``/v1/deployments``, ``/v1/plan``, ``/v1/operations`` or ``/v1/checks``:
   ``deployer`` (apply, delete, checks, cancel, reconcile, accept-live ...);
4. any other write: ``admin`` (default deny: a new kind of write must be placed here on purpose).

"Under" a prefix means the path equals it or continues with ``/`` or ``:`` (custom methods,
AIP-136), so routes added later are covered without any per-route code.
"""

from __future__ import annotations

from core.auth import Role

__all__ = ["required_role", "ADMIN_PREFIXES", "DEPLOYER_PREFIXES", "READ_METHODS"]

ADMIN_PREFIXES = ("/v1/keys", "/v1/audit")
DEPLOYER_PREFIXES = ("/v1/deployments", "/v1/plan", "/v1/operations", "/v1/checks")
READ_METHODS = frozenset({"GET", "HEAD"})


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith((p + "/", p + ":")) for p in prefixes)


def required_role(method: str, path: str) -> Role:
    """The least role allowed to send ``method`` to the route ``path`` (see the module rule)."""
    if _under(path, ADMIN_PREFIXES):
        return Role.ADMIN
    if method.upper() in READ_METHODS:
        return Role.READER
    if _under(path, DEPLOYER_PREFIXES):
        return Role.DEPLOYER
    return Role.ADMIN
