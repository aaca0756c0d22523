"""The one exception tree of deploy-anywhere.

Only these exceptions cross the adapter boundary: each adapter maps its SDK's exceptions in a single
context manager (``raise ... from exc``). Every front end turns them into its own shape: the API into
``{code, message, details}`` with ``http_status``, the CLI into exit codes.

::

    DeployError                      500  internal
    ├── Unauthenticated              401  unauthenticated       (no, unknown, expired or revoked API key)
    ├── Forbidden                    403  forbidden             (the key's role or scope does not allow it)
    ├── PayloadTooLarge              413  payload_too_large     (request body over the configured limit)
    ├── SpecError                    422  spec_invalid          (details: [{path, message}])
    ├── UnsupportedFeature           422  unsupported_feature   (details: [{path, feature, reason}])
    ├── NotFound                     404  not_found
    ├── Conflict                     409  conflict
    │   ├── RequiresReplacement      409  requires_replacement  (details: [{path, from, to, reason}])
    │   └── NotOwned                 409  not_owned             (an endpoint of that name exists that we did not create)
    ├── PreconditionFailed           412  precondition_failed   (If-Match / If-None-Match)
    ├── ProviderError                502  provider_error        (the provider refused or failed)
    │   ├── ProviderUnavailable      503  provider_unavailable  (throttling, 5xx: the only retryable one)
    │   └── ProviderAuthError        502  provider_auth
    ├── DeploymentFailed             502  deployment_failed     (the provider's failure reason)
    ├── ServingTimeout               504  serving_timeout       (still progressing; may finish later)
    └── ProviderNotInstalled         501  provider_not_installed (with the pip install hint)
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "DeployError",
    "Unauthenticated",
    "Forbidden",
    "PayloadTooLarge",
    "SpecError",
    "UnsupportedFeature",
    "NotFound",
    "Conflict",
    "RequiresReplacement",
    "NotOwned",
    "PreconditionFailed",
    "ProviderError",
    "ProviderUnavailable",
    "ProviderAuthError",
    "DeploymentFailed",
    "ServingTimeout",
    "ProviderNotInstalled",
    "SecretUnavailable",
]


class DeployError(Exception):
    """Base of every error the service raises on purpose.

    ``message`` is safe to show to a caller (never contains credentials); ``details`` is a JSON-able
    list or dict that front ends pass through unchanged.
    """

    code: ClassVar[str] = "internal"
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep ``details`` through pickling (durable workflows record step errors).
        return (_rebuild, (type(self), self.message, self.details))

    def to_dict(self) -> dict[str, Any]:
        """The error as the API returns it: ``{code, message, details}``."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class Unauthenticated(DeployError):
    """No credentials, or credentials that identify no active API key (unknown, expired, revoked).

    ``challenge`` is the ``WWW-Authenticate`` value the API answers with (RFC 6750).
    """

    code = "unauthenticated"
    http_status = 401

    def __init__(self, message: str, *, details: Any = None,
                 challenge: str = 'Bearer realm="deploy-anywhere"') -> None:
        super().__init__(message, details=details)
        self.challenge = challenge


class Forbidden(DeployError):
    """Valid credentials whose role or scope (platforms, name prefixes) does not allow the request."""

    code = "forbidden"
    http_status = 403


class PayloadTooLarge(DeployError):
    """The request body is larger than the configured limit; nothing was parsed."""

    code = "payload_too_large"
    http_status = 413


class SpecError(DeployError):
    """The spec is invalid; ``details`` lists ``{path, message}`` for every problem."""

    code = "spec_invalid"
    http_status = 422


class UnsupportedFeature(DeployError):
    """The spec asks for something the target platform cannot do; lists every gap at once."""

    code = "unsupported_feature"
    http_status = 422


class NotFound(DeployError):
    code = "not_found"
    http_status = 404


class Conflict(DeployError):
    """The resource is busy (an operation runs) or already exists in an incompatible state."""

    code = "conflict"
    http_status = 409


class RequiresReplacement(Conflict):
    """The change cannot be made in place on the provider; the endpoint must be deleted and
    applied again. Raised before any provider call."""

    code = "requires_replacement"


class NotOwned(Conflict):
    """A provider endpoint with the deployment's name exists and does not carry this deployment's
    ownership stamp (:mod:`core.ownership`): the service never writes to or deletes it. ``details``
    name the endpoint and the stamps it carries. Raised before any write."""

    code = "not_owned"


class PreconditionFailed(DeployError):
    """A conditional request (``If-Match`` / ``If-None-Match``) does not hold; nothing was done."""

    code = "precondition_failed"
    http_status = 412


class ProviderError(DeployError):
    """The provider refused a request or failed; ``message`` carries the provider's own words."""

    code = "provider_error"
    http_status = 502


class ProviderUnavailable(ProviderError):
    """Throttling, 5xx, connection errors: the only error class that is retried."""

    code = "provider_unavailable"
    http_status = 503
    retryable = True


class ProviderAuthError(ProviderError):
    code = "provider_auth"
    http_status = 502


class DeploymentFailed(DeployError):
    """The provider reported the deployment as failed (or rolled an update back)."""

    code = "deployment_failed"
    http_status = 502


class ServingTimeout(DeployError):
    """A phase ran out of its time budget; the deployment may still finish on the provider."""

    code = "serving_timeout"
    http_status = 504


class ProviderNotInstalled(DeployError):
    """The platform's SDK is not installed; ``message`` names the extra to install."""

    code = "provider_not_installed"
    http_status = 501


class SecretUnavailable(DeployError):
    """A secret the spec needs cannot be stored or read: no ``SECRETS_KEY``, an unknown service
    secret or fingerprint, a value encrypted with a key no longer configured. ``details`` has paths."""

    code = "secret_unavailable"
    http_status = 422


def _rebuild(cls: type[DeployError], message: str, details: Any) -> DeployError:
    return cls(message, details=details)
