"""Input limits in front of every route: body size, strict JSON, NUL-free URLs, deployment names.

:class:`RequestLimits` (pure ASGI middleware, outermost) contract:

- A body larger than ``max_body_bytes`` (by ``Content-Length`` or by counting a chunked stream) is
  refused with 413 ``payload_too_large`` before anything parses it.
- A JSON body (``application/json`` or ``+json``) must be strict RFC 8259 JSON: UTF-8, no duplicate
  object keys, no ``NaN``/``Infinity`` (nor numbers that overflow to them), no NUL or lone
  surrogate in any string, at most ``max_json_depth`` levels of nesting -> else 422 ``spec_invalid``
  naming the problem. (Python's parser accepts all of these; PostgreSQL's JSONB and the providers
  do not, and deep nesting would exhaust the recursion limit.)
- A NUL byte (``%00``) in the path or query string -> 422.
- The body is buffered (it is at most ``max_body_bytes``) and replayed to the app unchanged.

:func:`check_request` (an app-level dependency): a ``{name}`` path parameter must be a valid
deployment name (:data:`core.spec.NAME_PATTERN`) and every query parameter one the route declares
-> else 422, before anything is looked up.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.security.openapi import allowed_methods
from core.errors import DeployError, PayloadTooLarge, SpecError
from core.spec import NAME_PATTERN

__all__ = ["RequestLimits", "check_request", "strict_json"]

_NAME = re.compile(NAME_PATTERN)


class _Invalid(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Invalid(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Invalid(f"{name} is not JSON")


def _check_string(text: str) -> None:
    if "\x00" in text:
        raise _Invalid("NUL character in a string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Invalid("lone surrogate in a string") from None


def strict_json(body: bytes, *, max_depth: int) -> Any:
    """Parse ``body`` as strict JSON (see the module contract); :class:`SpecError` otherwise."""
    try:
        data = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        stack: list[tuple[Any, int]] = [(data, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, (dict, list)):
                if depth > max_depth:
                    raise _Invalid(f"nested deeper than {max_depth} levels")
                if isinstance(node, dict):
                    for key in node:
                        _check_string(key)
                    stack.extend((v, depth + 1) for v in node.values())
                else:
                    stack.extend((v, depth + 1) for v in node)
            elif isinstance(node, str):
                _check_string(node)
            elif isinstance(node, float) and not math.isfinite(node):
                raise _Invalid("number out of range")
        return data
    except RecursionError:
        problem = f"nested deeper than {max_depth} levels"
    except UnicodeDecodeError:
        problem = "the body is not UTF-8"
    except ValueError as exc:  # JSONDecodeError, _Invalid, int digit limit
        problem = str(exc)
    raise SpecError("the request body is not valid JSON", details=[{"path": "$", "message": problem}])


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class RequestLimits:
    """ASGI middleware enforcing the module contract on every HTTP request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_json_depth: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_url(scope)
            body = await self._read_body(scope, receive)
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            if body and _is_json(headers.get("content-type", "")):
                strict_json(body, max_depth=self.max_json_depth)
        except DeployError as exc:
            response = JSONResponse(status_code=exc.http_status, content={"error": exc.to_dict()},
                                    headers={"Connection": "close"} if isinstance(exc, PayloadTooLarge) else None)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    def _check_url(scope: Scope) -> None:
        raw = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string") or b""
        if b"%00" in raw.lower() or b"%00" in query.lower() or "\x00" in scope["path"] or b"\x00" in query:
            raise SpecError("NUL characters are not allowed in URLs",
                            details=[{"path": "$", "message": "the URL contains a NUL (%00)"}])

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        for key, value in scope["headers"]:
            if key.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise SpecError("invalid Content-Length header") from None
                if declared > self.max_body_bytes:
                    raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"the request body exceeds {self.max_body_bytes} bytes",
                               details={"max_body_bytes": self.max_body_bytes})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the buffered body once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def check_request(request: Request) -> None:
    """Dependency run before every API route (after :func:`api.security.authorize`):

    - a ``{name}`` path parameter must be a valid deployment name, else 422 (or 405 with ``Allow``
      when the path is another resource's: ``PUT /v1/deployments/x:reconcile``);
    - every query parameter must be one the route declares, else 422 (strict, like the bodies).
    """
    name = request.path_params.get("name")
    if name is not None and not _NAME.fullmatch(name):
        allowed = allowed_methods(request.app.openapi(), request.url.path)
        if allowed and request.method not in allowed:
            raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
        raise SpecError("invalid deployment name", details=[{
            "path": "name", "message": f"must match {NAME_PATTERN} (3-32 lowercase letters, digits, hyphens)"}])
    template = getattr(request.scope.get("route"), "path", None)
    operation = request.app.openapi().get("paths", {}).get(template, {}).get(request.method.lower())
    if operation is not None:
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        unknown = sorted({k for k in request.query_params if k not in declared})
        if unknown:
            raise SpecError("unknown query parameter(s)", details=[
                {"path": key[:64],
                 "message": f"not a parameter of this route; known: {', '.join(sorted(declared)) or 'none'}"}
                for key in unknown[:20]])
