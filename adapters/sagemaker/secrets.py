"""AWS Secrets Manager reads for env values ``{"value_from": {"aws_secrets_manager": ARN}}``.

SageMaker has no secret references in a model container's ``Environment`` (CreateModel's
``ContainerDefinition.Environment`` is a plain string map, and its documentation says not to put
sensitive data there): the service reads the value at deploy time with its own credentials for the
target and sends it as text. So the value is visible to whoever may ``sagemaker:DescribeModel``.

Contract of :meth:`SecretReader.read`: ``GetSecretValue(SecretId=arn)`` with a ``secretsmanager``
client built like the adapter's other clients (same boto3 session, retry/timeout config and, in
sandbox mode, the emulator's endpoint URL and credentials), in the ARN's region; returns
``SecretString``. Raises :class:`core.errors.SecretUnavailable` naming the ARN (never a value)
when the secret does not exist, is marked for deletion, cannot be decrypted, access is denied, or
it holds ``SecretBinary`` only. Throttling, 5xx and connection errors go through
:func:`adapters.sagemaker.errors.sdk_errors` (``ProviderUnavailable``: retried by core).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from adapters.sagemaker.errors import sdk_errors
from core.errors import SecretUnavailable
from core.spec_env import SecretRef

__all__ = ["SecretReader", "REFUSALS"]

REFUSALS = frozenset({
    "ResourceNotFoundException",   # no such secret (or no version with the AWSCURRENT stage)
    "AccessDeniedException",       # the service's identity may not read it (or its KMS key)
    "InvalidRequestException",     # marked for deletion, or similar state problems
    "InvalidParameterException",
    "DecryptionFailure",           # KMS cannot decrypt it with the service's credentials
    "ValidationException",
})
"""Secrets Manager error codes that mean "this secret cannot be read" (not worth a retry)."""


class SecretReader:
    """Secrets Manager clients of one boto3 session, one per region (made on first use)."""

    def __init__(self, session: Any, client_kwargs: Mapping[str, Any], config: Config) -> None:
        self._session = session
        self._kwargs = {k: v for k, v in client_kwargs.items() if k != "region_name"}
        self._config = config
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, region: str) -> Any:
        """The ``secretsmanager`` client of ``region``."""
        with self._lock:
            if region not in self._clients:
                self._clients[region] = self._session.client(
                    "secretsmanager", region_name=region, config=self._config, **self._kwargs)
            return self._clients[region]

    def read(self, ref: SecretRef) -> str:
        """See the module contract."""
        arn = ref.ref
        region = arn.split(":")[3]
        with sdk_errors("GetSecretValue"):
            try:
                answer = self.client(region).get_secret_value(SecretId=arn)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                code = str(error.get("Code", ""))
                if code not in REFUSALS:
                    raise
                raise SecretUnavailable(
                    f"AWS Secrets Manager secret {arn} cannot be read: {code}: {error.get('Message') or code}",
                    details={"reference": ref.model_dump(), "provider_code": code},
                ) from exc
        if answer.get("SecretString") is None:
            raise SecretUnavailable(
                f"AWS Secrets Manager secret {arn} holds a binary value (SecretBinary): only text secrets "
                f"(SecretString) can be environment values",
                details={"reference": ref.model_dump(), "provider_code": "SecretBinary"},
            )
        return str(answer["SecretString"])
