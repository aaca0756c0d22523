"""The one place azure-core / azure-ai-ml / azure-mgmt-monitor exceptions become
:mod:`core.errors` exceptions.

azure-mgmt-monitor (autoscale settings) raises the same azure-core exceptions as azure-ai-ml's
generated ARM client (``HttpResponseError`` with the ARM error parsed by ``ARMErrorFormat``), so
one mapping serves both; a response the SDK cannot decode or deserialize is a ``ProviderError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from azure.core.exceptions import (
    ClientAuthenticationError,
    DecodeError,
    DeserializationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from adapters.kit import sdk_errors_for
from core.errors import (
    Conflict,
    DeployError,
    NotFound,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
)
from core.wait import retry_after_seconds

__all__ = ["sdk_errors", "provider_message"]


def provider_message(exc: BaseException) -> str:
    """The provider's own words: the ARM error's code and message when there is one."""
    error = getattr(exc, "error", None)
    code, message = getattr(error, "code", None), getattr(error, "message", None)
    if message:
        return f"{code}: {message}" if code else str(message)
    text = getattr(exc, "message", None) or str(exc)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__


@contextmanager
def _mapped(action: str) -> Iterator[None]:
    """Map SDK errors raised inside the block; ``action`` names the call for messages."""
    try:
        yield
    except DeployError:
        raise
    except ResourceNotFoundError as exc:
        raise NotFound(f"Azure ML {action}: {provider_message(exc)}",
                       details={"http_status": exc.status_code}) from exc
    except ResourceExistsError as exc:
        raise Conflict(f"Azure ML {action}: {provider_message(exc)}",
                       details={"http_status": exc.status_code}) from exc
    except ClientAuthenticationError as exc:
        raise ProviderAuthError(f"Azure ML {action}: {provider_message(exc)}",
                                details={"http_status": exc.status_code}) from exc
    except DecodeError as exc:  # an HttpResponseError whose body was not the JSON announced
        raise ProviderError(f"Azure ML {action}: unreadable response: {provider_message(exc)}") from exc
    except HttpResponseError as exc:
        status = int(exc.status_code or 0)
        details = {"http_status": status, "provider_code": getattr(getattr(exc, "error", None), "code", None)}
        text = f"Azure ML {action}: {provider_message(exc)}"
        if status == 429 or status >= 500:
            after = retry_after_seconds(getattr(exc.response, "headers", None))
            if after is not None:  # core.wait waits at least that long before the next attempt
                details["retry_after_seconds"] = after
            raise ProviderUnavailable(text, details=details) from exc
        if status == 404:
            raise NotFound(text, details=details) from exc
        if status in (401, 403):
            raise ProviderAuthError(text, details=details) from exc
        if status == 409:
            raise Conflict(text, details=details) from exc
        raise ProviderError(text, details=details) from exc
    except DeserializationError as exc:
        raise ProviderError(f"Azure ML {action}: unexpected response shape: {exc}") from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise ProviderUnavailable(f"Azure ML {action}: {provider_message(exc)}") from exc
    except requests.RequestException as exc:  # the scoring data plane
        raise ProviderUnavailable(f"Azure ML {action}: {exc}") from exc
    except Exception as exc:  # azure.ai.ml ValidationException, MlException and friends
        from azure.ai.ml.exceptions import MlException

        if isinstance(exc, MlException):
            raise ProviderError(f"Azure ML {action}: {provider_message(exc)}") from exc
        raise


sdk_errors = sdk_errors_for("azureml", _mapped)
"""``with sdk_errors(action):`` counts the azureml call made inside the block (core.metrics) and
maps its exceptions with :func:`_mapped`."""
