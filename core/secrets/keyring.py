"""Encryption of secret values at rest, and their fingerprints.

Contracts:

- ``SECRETS_KEY`` is one or more Fernet keys (urlsafe base64 of 32 bytes), comma separated; the first
  encrypts, every one decrypts (rotation: put the new key first, keep the old ones until
  ``deploy-anywhere secrets rotate`` re-encrypted everything).
- A fingerprint is ``hmac-sha256:`` + 32 hex of HMAC-SHA256 under the service's fingerprint key (a
  random key kept encrypted in the store, so rotating ``SECRETS_KEY`` does not change fingerprints,
  which would change every revision). Without that key a fingerprint reveals nothing of the value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.errors import SecretUnavailable

__all__ = ["Keyring", "fingerprint", "generate_key", "sandbox_secrets_key", "SANDBOX_KEY_FILE"]

SANDBOX_KEY_FILE = "secrets.key"


def generate_key() -> str:
    """A new random Fernet key (for ``SECRETS_KEY``)."""
    return Fernet.generate_key().decode()


def sandbox_secrets_key(data_dir: Path) -> Path:
    """The sandbox's secrets key file under ``data_dir`` (created once, mode 0600)."""
    path = data_dir / SANDBOX_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path
        with os.fdopen(fd, "w") as f:
            f.write(generate_key() + "\n")
    return path


def fingerprint(key: bytes, value: str) -> str:
    """``hmac-sha256:<32 hex>`` of ``value`` under ``key``."""
    return "hmac-sha256:" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


class Keyring:
    """Fernet keys: the first encrypts, all decrypt."""

    def __init__(self, keys: Sequence[str]) -> None:
        keys = [k.strip() for k in keys if k.strip()]
        if not keys:
            raise ValueError("SECRETS_KEY holds no key")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError:
            raise ValueError("SECRETS_KEY: every key must be 32 url-safe base64-encoded bytes "
                             "(generate one with `deploy-anywhere secrets generate-key`)") from None

    @classmethod
    def parse(cls, text: str) -> Keyring:
        return cls(text.split(","))

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretUnavailable("a stored secret cannot be decrypted: the key it was encrypted with "
                                    "is not in SECRETS_KEY") from None

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted with the first key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise SecretUnavailable("a stored secret cannot be decrypted: the key it was encrypted with "
                                    "is not in SECRETS_KEY") from None
