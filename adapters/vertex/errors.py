"""The one place google-api-core / google-auth / requests exceptions become :mod:`core.errors`.

=====================================================================  =========================
google.api_core.exceptions / transport                                core.errors
=====================================================================  =========================
Conflict (409: AlreadyExists, Aborted)                                Conflict
NotFound (404)                                                         NotFound
TooManyRequests / ResourceExhausted (429), InternalServerError (500),  ProviderUnavailable
BadGateway, ServiceUnavailable (503), GatewayTimeout / DeadlineExceeded,
RetryError (the retry deadline ran out), requests ConnectionError /
Timeout
Unauthorized / Unauthenticated (401), Forbidden / PermissionDenied     ProviderAuthError
(403), google.auth exceptions (no or bad credentials)
any other GoogleAPICallError (400 InvalidArgument, FailedPrecondition)  ProviderError
=====================================================================  =========================

Every message names the call and carries Vertex's own words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from google.api_core import exceptions as gexc
from google.auth import exceptions as auth_exc

from adapters.kit import sdk_errors_for
from core.errors import Conflict, NotFound, ProviderAuthError, ProviderError, ProviderUnavailable
from core.wait import retry_after_seconds

__all__ = ["sdk_errors", "TRANSIENT", "is_transient", "retry_after"]

TRANSIENT: tuple[type[BaseException], ...] = (
    gexc.TooManyRequests, gexc.InternalServerError, gexc.BadGateway, gexc.ServiceUnavailable,
    gexc.GatewayTimeout, requests.exceptions.ConnectionError, requests.exceptions.Timeout,
)
"""What one call retries (google.api_core.retry.Retry predicate) before giving up to core."""


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


def retry_after(exc: BaseException | None) -> float | None:
    """The ``Retry-After`` (seconds) of the HTTP answer behind a google-api-core error, if any."""
    return retry_after_seconds(getattr(getattr(exc, "response", None), "headers", None))


def _details(exc: gexc.GoogleAPICallError) -> dict[str, object]:
    status = exc.grpc_status_code.name if exc.grpc_status_code is not None else type(exc).__name__
    details: dict[str, object] = {"provider_code": status, "http_status": exc.code}
    after = retry_after(exc)
    if after is not None and isinstance(exc, TRANSIENT):  # core.wait waits at least that long
        details["retry_after_seconds"] = after
    return details


@contextmanager
def _mapped(action: str) -> Iterator[None]:
    """Map exceptions raised inside the block; ``action`` names the Vertex call for messages."""
    try:
        yield
    except gexc.RetryError as exc:
        cause = exc.cause
        if isinstance(cause, gexc.GoogleAPICallError):  # e.g. "429 Quota exceeded ..." (RESOURCE_EXHAUSTED)
            reason = f"{cause.code} {cause.message}"
            if cause.grpc_status_code is not None:
                reason += f" ({cause.grpc_status_code.name})"
            details: dict[str, object] | None = _details(cause)
        else:
            reason, details = str(cause or exc), None
        text = f"Vertex AI {action}: retries exhausted: {reason}"
        if cause is None or is_transient(cause):
            raise ProviderUnavailable(text, details=details) from exc
        raise ProviderError(text, details=details) from exc
    except gexc.GoogleAPICallError as exc:
        text = f"Vertex AI {action}: {exc.code} {exc.message}"
        details = _details(exc)
        if isinstance(exc, gexc.Conflict):
            raise Conflict(text, details=details) from exc
        if isinstance(exc, gexc.NotFound):
            raise NotFound(text, details=details) from exc
        if isinstance(exc, TRANSIENT):
            raise ProviderUnavailable(text, details=details) from exc
        if isinstance(exc, (gexc.Unauthorized, gexc.Forbidden)):
            raise ProviderAuthError(text, details=details) from exc
        raise ProviderError(text, details=details) from exc
    except auth_exc.GoogleAuthError as exc:
        if isinstance(exc, auth_exc.TransportError):
            raise ProviderUnavailable(f"Vertex AI {action}: {exc}") from exc
        raise ProviderAuthError(f"Vertex AI {action}: no usable Google credentials: {exc}") from exc
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise ProviderUnavailable(f"Vertex AI {action}: {exc}") from exc
    except requests.exceptions.RequestException as exc:
        raise ProviderError(f"Vertex AI {action}: {exc}") from exc


sdk_errors = sdk_errors_for("vertex", _mapped)
"""``with sdk_errors(action):`` counts the vertex call made inside the block (core.metrics) and
maps its exceptions with :func:`_mapped`."""
