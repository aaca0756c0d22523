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

from core.errors import Conflict, NotFound, ProviderAuthError, ProviderError, ProviderUnavailable

__all__ = ["sdk_errors", "TRANSIENT", "is_transient"]

TRANSIENT: tuple[type[BaseException], ...] = (
    gexc.TooManyRequests, gexc.InternalServerError, gexc.BadGateway, gexc.ServiceUnavailable,
    gexc.GatewayTimeout, requests.exceptions.ConnectionError, requests.exceptions.Timeout,
)
"""What one call retries (google.api_core.retry.Retry predicate) before giving up to core."""


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


def _details(exc: gexc.GoogleAPICallError) -> dict[str, object]:
    status = exc.grpc_status_code.name if exc.grpc_status_code is not None else type(exc).__name__
    return {"provider_code": status, "http_status": exc.code}


@contextmanager
def sdk_errors(action: str) -> Iterator[None]:
    """Map exceptions raised inside the block; ``action`` names the Vertex call for messages."""
    try:
        yield
    except gexc.RetryError as exc:
        cause = exc.cause
        text = f"Vertex AI {action}: retries exhausted: {getattr(cause, 'message', None) or cause or exc}"
        if cause is None or is_transient(cause):
            raise ProviderUnavailable(text) from exc
        raise ProviderError(text) from exc
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
