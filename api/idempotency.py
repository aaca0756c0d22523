"""``Idempotency-Key`` for the API's writes: a retried PUT/DELETE returns the first response.

The fingerprint is the caller (API key id), the method, the path and the canonical JSON of the body
(secret values as their fingerprints), so the same key sent with another request, or by another
caller, is refused (422 ``idempotency_key_reused``): one caller never gets another's response.
Responses below 500 are stored (a validation error is the answer for that request too); a 5xx
releases the key, so a retry redoes the work. Replays carry ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse

from core.errors import DeployError
from core.spec import canonical_json
from core.store.idempotency import IdempotencyKeys

__all__ = ["idempotent", "STORED_HEADERS"]

STORED_HEADERS = ("ETag", "Location")


def _fingerprint(caller: str, method: str, path: str, body: Any) -> str:
    return hashlib.sha256(f"{caller} {method} {path} {canonical_json(body)}".encode()).hexdigest()


def idempotent(keys: IdempotencyKeys, key: str | None, *, caller: str, method: str, path: str,
               body: Callable[[], Any], handle: Callable[[], JSONResponse]) -> JSONResponse:
    """Run ``handle`` once per ``key`` (None: no key, just run it); errors become responses.
    ``body`` is called only when there is a key."""
    if key is None:
        return handle()
    keys.validate(key)
    fingerprint = _fingerprint(caller, method, path, body())
    stored = keys.claim(key, fingerprint)
    if stored is not None:
        return JSONResponse(status_code=stored.status_code, content=stored.body,
                            headers={**stored.headers, "Idempotent-Replayed": "true"})
    try:
        response = handle()
    except DeployError as exc:
        response = JSONResponse(status_code=exc.http_status, content={"error": exc.to_dict()})
    except BaseException:
        keys.release(key)
        raise
    if response.status_code >= 500:
        keys.release(key)
    else:
        headers = {h: response.headers[h] for h in STORED_HEADERS if h in response.headers}
        keys.complete(key, response.status_code, json.loads(bytes(response.body)), headers)
    return response
