"""The store's secrets through the keyring: what the rest of the service calls.

Contracts:

- Plaintexts go in and out only here; each is registered with :mod:`core.secrets.masking` on the
  way. Rows hold ciphertexts and fingerprints.
- Without a keyring (no ``SECRETS_KEY``) every operation that needs one raises
  :class:`SecretUnavailable` naming the setting; nothing else is affected.
- Service secrets: :meth:`set_service` (create or replace), :meth:`describe`/:meth:`list_service`
  (metadata: name, fingerprint, times; never values), :meth:`delete_service` (refused while a
  deployment references it), :meth:`service_value`.
- Literal secrets of a deployment are kept under their fingerprint (:meth:`keep_literal`), so a spec
  sent back with ``{"secret": true, "fingerprint": ...}`` keeps the value (:meth:`holds_literal`).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from core.errors import Conflict, NotFound, SecretUnavailable
from core.secrets import masking
from core.secrets.keyring import Keyring, fingerprint
from core.store import Store
from core.store.secrets import LITERAL, META, SERVICE, SecretRow

__all__ = ["Vault", "secret_view"]

_FINGERPRINT_KEY = "fingerprint-key"


def secret_view(row: SecretRow) -> dict[str, Any]:
    """A service secret as the API shows it (never the value)."""
    return {"name": row.name, "fingerprint": row.fingerprint, "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat()}


class Vault:
    def __init__(self, store: Store, keyring: Keyring | None) -> None:
        self._store = store
        self._keyring = keyring
        self._fp_key: bytes | None = None
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self._keyring is not None

    def _ring(self) -> Keyring:
        if self._keyring is None:
            raise SecretUnavailable("secret values need the setting DEPLOY_ANYWHERE_SECRETS_KEY (or _FILE): "
                                    "generate one with `deploy-anywhere secrets generate-key`")
        return self._keyring

    def _decrypt(self, ciphertext: str) -> str:
        value = self._ring().decrypt(ciphertext)
        masking.register(value)
        return value

    def fingerprint(self, value: str) -> str:
        """The value's fingerprint (creates the service's fingerprint key on first use)."""
        masking.register(value)
        return fingerprint(self._fingerprint_key(), value)

    def _fingerprint_key(self) -> bytes:
        with self._lock:
            if self._fp_key is None:
                row = self._store.secrets.get(META, "", _FINGERPRINT_KEY)
                if row is None:
                    key = os.urandom(32).hex()
                    row = self._store.secrets.add(META, "", _FINGERPRINT_KEY,
                                                  ciphertext=self._ring().encrypt(key), fingerprint="")
                self._fp_key = bytes.fromhex(self._ring().decrypt(row.ciphertext))
            return self._fp_key

    # -- literal secrets of a deployment ----------------------------------------------------------

    def keep_literal(self, deployment: str, value: str) -> str:
        """Store ``value`` for ``deployment`` (idempotent); returns its fingerprint."""
        fp = self.fingerprint(value)
        if self._store.secrets.get(LITERAL, deployment, fp) is None:
            self._store.secrets.add(LITERAL, deployment, fp, ciphertext=self._ring().encrypt(value), fingerprint=fp)
        return fp

    def holds_literal(self, deployment: str, fp: str) -> bool:
        return self._store.secrets.get(LITERAL, deployment, fp) is not None

    def literal(self, deployment: str, fp: str) -> str:
        row = self._store.secrets.get(LITERAL, deployment, fp)
        if row is None:
            raise SecretUnavailable(f"{deployment}: no stored secret value has fingerprint {fp}")
        return self._decrypt(row.ciphertext)

    # -- service secrets ------------------------------------------------------------------------

    def set_service(self, name: str, value: str) -> tuple[SecretRow, bool]:
        """Create or replace the service secret ``name``; returns the row and whether it is new."""
        fp = self.fingerprint(value)
        return self._store.secrets.put(SERVICE, "", name, ciphertext=self._ring().encrypt(value), fingerprint=fp)

    def describe(self, name: str) -> SecretRow:
        row = self._store.secrets.get(SERVICE, "", name)
        if row is None:
            raise NotFound(f"service secret {name!r} not found")
        return row

    def exists(self, name: str) -> bool:
        return self._store.secrets.get(SERVICE, "", name) is not None

    def list_service(self) -> list[SecretRow]:
        return self._store.secrets.list(SERVICE)

    def service_value(self, name: str) -> str:
        row = self._store.secrets.get(SERVICE, "", name)
        if row is None:
            raise SecretUnavailable(f"service secret {name!r} does not exist")
        return self._decrypt(row.ciphertext)

    def delete_service(self, name: str) -> None:
        self.describe(name)
        users = self._store.secrets.referencing(name)
        if users:
            raise Conflict(f"service secret {name!r} is used by {len(users)} deployment(s); change their "
                           f"specs first", details={"deployments": users})
        self._store.secrets.delete(SERVICE, "", name)

    def rotate(self) -> int:
        """Re-encrypt every stored secret with the first key of ``SECRETS_KEY``; returns how many."""
        ring, count = self._ring(), 0
        for scope in (SERVICE, META):
            for row in self._store.secrets.list(scope):
                self._store.secrets.put(scope, row.owner, row.name, ciphertext=ring.rotate(row.ciphertext),
                                        fingerprint=row.fingerprint)
                count += 1
        for owner in self._store.secrets.owners(LITERAL):
            for row in self._store.secrets.list(LITERAL, owner):
                self._store.secrets.put(LITERAL, owner, row.name, ciphertext=ring.rotate(row.ciphertext),
                                        fingerprint=row.fingerprint)
                count += 1
        return count
