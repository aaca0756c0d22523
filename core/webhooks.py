"""Webhook delivery of events: the JSON body, its HMAC signature, one delivery attempt.

Contract (receivers rely on it; documented in the README):

- ``POST`` to the configured URL with ``Content-Type: application/json`` and the body of
  :func:`payload`; headers ``X-Deploy-Anywhere-Event`` (event type), ``X-Deploy-Anywhere-Delivery``
  (the event id: the same on every retry, so receivers can drop duplicates) and
  ``X-Deploy-Anywhere-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``
  (Stripe's scheme: the timestamp is signed too, so a captured request cannot be replayed later).
- :func:`send` makes ONE attempt and never raises: a 2xx is delivered; 408, 425, 429, 5xx and
  transport errors are retryable (``Retry-After`` honoured); any other status is final. Retrying
  with backoff is the caller's (a durable workflow, so checks never wait for a webhook).
- Only configured URLs are ever called: nothing in an event chooses where it goes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr

__all__ = ["WebhookConfig", "Delivery", "payload", "sign", "send", "EVENT_TYPES", "EventType"]

EventType = Literal["health", "sync", "remediation"]
EVENT_TYPES: tuple[EventType, ...] = ("health", "sync", "remediation")


class WebhookConfig(BaseModel):
    """One webhook receiver (setting ``DEPLOY_ANYWHERE_WEBHOOKS``, a JSON list of these)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: HttpUrl = Field(description="http(s) URL events are POSTed to.")
    secret: SecretStr = Field(min_length=16, description="HMAC-SHA256 key of the signature header.")
    events: list[EventType] = Field(
        default_factory=lambda: list(EVENT_TYPES), description="Event types sent to this receiver.")


@dataclass(frozen=True)
class Delivery:
    """The outcome of one attempt: ``delivered``, else ``retryable`` (with ``retry_after`` seconds
    when the receiver asked for it) or final."""

    delivered: bool
    retryable: bool
    status: int | None
    detail: str
    retry_after: float | None = None


def payload(event: Any) -> dict[str, Any]:
    """The JSON body for an :class:`core.store.checks.EventRecord`."""
    return {
        "id": event.id, "type": event.type, "deployment": event.deployment_name,
        "previous": event.previous, "current": event.current,
        "time": event.created_at.isoformat(), "data": event.data,
    }


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Deploy-Anywhere-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def send(hook: WebhookConfig, body: dict[str, Any], *, timeout: float) -> Delivery:
    """One delivery attempt of ``body`` to ``hook`` (see the module contract)."""
    import httpx

    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": "deploy-anywhere-webhooks/1",
        "X-Deploy-Anywhere-Event": str(body.get("type")), "X-Deploy-Anywhere-Delivery": str(body.get("id")),
        "X-Deploy-Anywhere-Signature": sign(hook.secret.get_secret_value(), int(time.time()), raw),
    }
    try:
        response = httpx.post(str(hook.url), content=raw, headers=headers, timeout=timeout,
                              follow_redirects=False)
    except httpx.HTTPError as exc:
        return Delivery(False, True, None, f"{type(exc).__name__}: {exc}")
    status = response.status_code
    if 200 <= status < 300:
        return Delivery(True, False, status, "delivered")
    retryable = status in {408, 425, 429} or status >= 500
    return Delivery(False, retryable, status, f"HTTP {status}",
                    _retry_after(response.headers.get("Retry-After")) if retryable else None)
