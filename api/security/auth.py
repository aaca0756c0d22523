"""Authentication and authorization: ONE app-level dependency, :func:`authorize`, runs before every
API route (routes added later included) and decides from the route's path template and method.

Contract:

- A route whose path is in ``settings.public_paths`` needs nothing. Every other route needs
  ``Authorization: Bearer <key>``: missing, malformed, unknown, expired or revoked -> 401
  ``unauthenticated`` with ``WWW-Authenticate: Bearer``.
- The key's role must include :func:`api.security.policy.required_role` -> else 403 ``forbidden``.
- A scoped key (platforms and/or name prefixes) must cover every deployment the request names:
  the ``{name}`` path parameter (the stored deployment's platform), the deployment of an ``{op_id}``
  operation, a ``deployment`` query parameter, and the ``name``/``target.platform`` of a spec in
  the body -> else 403. List routes filter with :func:`scope_of`.
- Every 403 is written to the audit log (action ``denied``); 401s are not (no one to name).
- The authenticated :class:`~core.auth.Principal` is on ``request.state.principal``
  (:func:`principal_of`); secrets and hashes never are, nor in any log or response.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, NoReturn

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.deps import audit_of, keys_of, service_of
from api.security.policy import required_role
from core.auth import Principal, Role, Scope, read_token_file, sandbox_admin_key
from core.errors import Forbidden, Unauthenticated
from core.settings import Settings
from core.spec import NAME_PATTERN
from core.store.keys import ApiKeys

__all__ = ["authorize", "principal_of", "scope_of", "bootstrap_admin_keys", "BEARER"]

log = logging.getLogger("deploy_anywhere.api.auth")

BEARER = "Bearer"
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
_NAME = re.compile(NAME_PATTERN)


def principal_of(request: Request) -> Principal | None:
    """The request's authenticated key (``None`` on public routes)."""
    return getattr(request.state, "principal", None)


def scope_of(request: Request) -> Scope:
    """What the request's key may see (unrestricted on public routes); list routes filter by it."""
    principal = principal_of(request)
    return principal.scope if principal is not None else Scope()


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated("missing bearer token: send 'Authorization: Bearer <API key>'")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER.lower() or not token:
        raise Unauthenticated("the Authorization header must be 'Bearer <API key>'",
                              challenge='Bearer realm="deploy-anywhere", error="invalid_request"')
    return token


async def authorize(request: Request) -> None:
    """The one authorization dependency (see the module contract)."""
    container = request.app.state.container
    settings: Settings = container.settings
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    if path in settings.public_paths:
        return
    needed = required_role(request.method, path)
    token = _bearer_token(request)
    record = await run_in_threadpool(keys_of(request).authenticate, token)
    principal = record.principal
    request.state.principal = principal
    if not principal.has(needed):
        await _deny(request, principal, f"role {principal.role.value} cannot {request.method} {path}: "
                                        f"it needs {needed.value}", reason="role", needed=needed,
                    deployment=request.path_params.get("name"))
    if principal.scope.restricted:
        await _check_scope(request, principal, path)


async def _deny(request: Request, principal: Principal, message: str, *, reason: str,
                needed: Role | None = None, deployment: str | None = None) -> NoReturn:
    details: dict[str, Any] = {"method": request.method, "path": request.url.path[:256], "reason": reason}
    if needed is not None:
        details["needed"] = needed.value
    valid_name = deployment is not None and _NAME.fullmatch(deployment) is not None
    if deployment is not None and not valid_name:
        details["deployment"] = deployment[:256]
    await run_in_threadpool(audit_of(request).record, actor=principal.key_id, action="denied",
                            deployment=deployment if valid_name else None, details=details)
    raise Forbidden(message, details={"key": principal.key_id, "reason": reason})


async def _check_scope(request: Request, principal: Principal, path: str) -> None:
    service = service_of(request)
    name = request.path_params.get("name")
    op_id = request.path_params.get("op_id")
    queried = request.query_params.get("deployment")

    def targets() -> list[tuple[str, str | None]]:
        found: list[tuple[str, str | None]] = []
        if name is not None:
            dep = service.find(name)
            found.append((name, dep.platform if dep else None))
        if op_id is not None and (op := service.find_operation(op_id)) is not None:
            dep = service.find(op.deployment_name)
            found.append((op.deployment_name, dep.platform if dep else None))
        if queried is not None:  # the deployment's platform counts too (a key scoped to one platform)
            dep = service.find(queried)
            found.append((queried, dep.platform if dep else None))
        return found

    found = await run_in_threadpool(targets)
    if request.method in _WRITE_METHODS:
        found += _spec_targets(await request.body(), name)
    for deployment, platform in found:
        if not principal.scope.allows(deployment, platform):
            what = f"deployment {deployment!r}" + (f" on {platform}" if platform else "")
            await _deny(request, principal, f"API key {principal.key_id} is not scoped to {what}",
                        reason="scope", deployment=deployment)


def _spec_targets(body: bytes, name: str | None) -> list[tuple[str, str | None]]:
    """``(name, platform)`` of a spec sent in the body (nothing when the body is no spec)."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return []  # the route answers 422
    if not isinstance(data, dict) or not isinstance(data.get("target"), dict):
        return []
    platform = data["target"].get("platform")
    spec_name = data.get("name") if isinstance(data.get("name"), str) else name
    if spec_name is None:
        return []
    return [(spec_name, platform if isinstance(platform, str) else None)]


def bootstrap_admin_keys(keys: ApiKeys, settings: Settings) -> list[str]:
    """Register the configured bootstrap admin key(s) (env value and/or file), idempotently; in
    sandbox mode without either, the sandbox's local key (:func:`core.auth.sandbox_admin_key`).

    Returns the key ids. A bootstrap key that was revoked stays revoked (with a warning).
    Raises ``ValueError`` for a value that is not a key, ``Conflict`` for a key id taken by
    another secret.
    """
    key_file = settings.bootstrap_admin_key_file
    if settings.sandbox and key_file is None and settings.bootstrap_admin_key is None:
        key_file = sandbox_admin_key(settings.data_dir)
    tokens: list[str] = []
    if settings.bootstrap_admin_key is not None:
        tokens.append(settings.bootstrap_admin_key.get_secret_value().strip())
    if key_file is not None:
        tokens.append(read_token_file(key_file))
    ids = []
    for token in tokens:
        record = keys.register(token, role=Role.ADMIN, description="bootstrap admin key",
                               created_by="bootstrap")
        if record.revoked_at is not None:
            log.warning("the bootstrap admin key %s is revoked; it stays revoked", record.id)
        ids.append(record.id)
    return ids
