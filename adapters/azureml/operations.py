"""Long-running ARM operations without the SDK's pollers.

``begin_*`` calls return once Azure accepted the request; :class:`OperationRecorder` (an azure-core
pipeline policy on the MLClient) notes the ``Azure-AsyncOperation`` URL of each accepted PUT/DELETE
so the adapter can hand it back as a durable ``pending`` entry. Progress is read with plain GETs of
the resources; the operation URL is read only to fetch the provider's failure reason.

Pending entries are ``"{key}@{operation url}"`` (``key``: ``endpoint`` or ``deployment:{name}``);
the URL part may be empty.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy

__all__ = ["OperationRecorder", "pending_entry", "parse_pending", "failure_reason"]

ARM_SCOPE = "https://management.azure.com/.default"


class OperationRecorder(SansIOHTTPPolicy):
    """Remembers, per thread, the operation URL of the last accepted PUT/DELETE."""

    def __init__(self) -> None:
        self._local = threading.local()

    def on_response(self, request: Any, response: Any) -> None:
        http_request, http_response = request.http_request, response.http_response
        if http_request.method in ("PUT", "DELETE") and 200 <= http_response.status_code < 300:
            headers = http_response.headers
            self._local.url = headers.get("Azure-AsyncOperation") or headers.get("Location") or ""

    def take(self) -> str:
        """The URL recorded by the last call on this thread ("" when none), then forget it."""
        url = getattr(self._local, "url", "") or ""
        self._local.url = ""
        return url


def pending_entry(key: str, url: str) -> str:
    return f"{key}@{url}"


def parse_pending(pending: Iterable[str]) -> dict[str, str]:
    """``pending`` entries -> key -> operation URL ("" when unknown)."""
    out: dict[str, str] = {}
    for entry in pending:
        key, _, url = str(entry).partition("@")
        out[key] = url
    return out


def failure_reason(url: str, credential: Any, verify: str | bool, fallback: str) -> str:
    """The ``error.message`` of a failed operation (``fallback`` when it cannot be read)."""
    if not url:
        return fallback
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
    from azure.core.rest import HttpRequest, HttpResponse

    try:
        policies = [RetryPolicy(retry_total=2, retry_backoff_factor=0.2),
                    BearerTokenCredentialPolicy(credential, ARM_SCOPE)]
        client: PipelineClient[HttpRequest, HttpResponse] = PipelineClient(url, policies=policies)
        with client:
            response = client.send_request(HttpRequest("GET", url), connection_verify=verify,
                                           connection_timeout=10, read_timeout=30)
            body = json.loads(response.text() or "{}")
    except Exception:  # noqa: BLE001 - the reason is best effort; the failure itself is known
        return fallback
    error = body.get("error") or {}
    message = error.get("message")
    if not message:
        return fallback
    return f"{error.get('code')}: {message}" if error.get("code") else str(message)
