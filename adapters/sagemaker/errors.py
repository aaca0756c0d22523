"""The one place botocore exceptions become :mod:`core.errors` exceptions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from adapters.kit import sdk_errors_for
from core.errors import Conflict, NotFound, ProviderAuthError, ProviderError, ProviderUnavailable
from core.wait import retry_after_seconds

__all__ = ["sdk_errors", "is_missing"]

_THROTTLING = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException",
    "SlowDown", "RequestThrottled", "PriorRequestNotComplete",
}
_UNAVAILABLE = {"ServiceUnavailable", "InternalFailure", "InternalServerError", "InternalError",
                "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException",
                "InternalServiceError"}  # the last: Secrets Manager's 5xx
_AUTH = {"AccessDenied", "AccessDeniedException", "UnrecognizedClientException",
         "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
         "InvalidSignatureException", "MissingAuthenticationToken", "IncompleteSignature"}


def is_missing(message: str) -> bool:
    """SageMaker reports a missing resource as ValidationException "Could not find ..."; Application
    Auto Scaling a missing scalable target as "No scalable target registered/found for ..." (e.g. a
    retried DeregisterScalableTarget whose first answer was lost)."""
    return message.startswith(("Could not find", "No scalable target")) or "does not exist" in message


@contextmanager
def _mapped(action: str) -> Iterator[None]:
    """Map botocore errors raised inside the block; ``action`` names the call for messages."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", "")) or code
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        text = f"SageMaker {action}: {code}: {message}"
        details: dict[str, object] = {"provider_code": code, "http_status": status}
        if code in _THROTTLING or code in _UNAVAILABLE or status >= 500 or status == 429:
            after = retry_after_seconds(exc.response.get("ResponseMetadata", {}).get("HTTPHeaders"))
            if after is not None:  # core.wait waits at least that long before the next attempt
                details["retry_after_seconds"] = after
            raise ProviderUnavailable(text, details=details) from exc
        if code in _AUTH:
            raise ProviderAuthError(text, details=details) from exc
        if code in {"ValidationException", "ResourceNotFound", "ObjectNotFoundException"} and is_missing(message):
            raise NotFound(text, details=details) from exc
        if code == "ResourceNotFound":
            raise NotFound(text, details=details) from exc
        if code == "ResourceInUse" or message.startswith("Cannot create already existing"):
            raise Conflict(text, details=details) from exc
        raise ProviderError(text, details=details) from exc
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise ProviderAuthError(f"SageMaker {action}: no usable AWS credentials: {exc}") from exc
    except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, ConnectTimeoutError) as exc:
        raise ProviderUnavailable(f"SageMaker {action}: {exc}") from exc
    except BotoCoreError as exc:
        raise ProviderError(f"SageMaker {action}: {exc}") from exc


sdk_errors = sdk_errors_for("sagemaker", _mapped)
"""``with sdk_errors(action):`` counts the sagemaker call made inside the block (core.metrics) and
maps its exceptions with :func:`_mapped`."""
