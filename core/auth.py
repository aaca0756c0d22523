"""API keys: token format, hashing, roles and scope. Pure (stdlib only: the CLI imports it too).

Token format: ``da_<key id>_<secret>``

- ``key id``: 4-32 lowercase letters and digits (generated: 16 hex); not secret, shown in key lists
  and in the audit log, and used to find the key's row.
- ``secret``: 32-128 URL-safe characters (generated: 32 random bytes, 256 bits, base64url).

Only ``HMAC-SHA256(key=salt, msg=secret)`` is stored, with a random 128-bit salt per key. A fast
keyed hash is the right tool here, not a password KDF (bcrypt, scrypt, argon2): those exist to make
guessing *low-entropy* human passwords expensive, while our secrets are 256-bit random values that
cannot be guessed at any hashing speed; a KDF would only add ~100 ms of CPU to every API request.
The salt makes equal secrets hash differently and rules out precomputed tables. Hashes are compared
with :func:`hmac.compare_digest` (constant time).

Roles are ordered ``reader < deployer < admin``; a key can do what its role and every lower role can.
A :class:`Scope` restricts a key to some platforms and/or deployment-name prefixes (``None``: any).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Role",
    "Scope",
    "Principal",
    "ParsedToken",
    "TOKEN_PREFIX",
    "new_token",
    "parse_token",
    "new_salt",
    "hash_secret",
    "verify_secret",
    "read_token_file",
    "sandbox_admin_key",
    "SANDBOX_KEY_FILE",
]

TOKEN_PREFIX = "da"
_TOKEN = re.compile(r"^da_([a-z0-9]{4,32})_([A-Za-z0-9_-]{32,128})$")
SANDBOX_KEY_FILE = "sandbox-admin-key"


class Role(enum.StrEnum):
    """What a key may do: read, deploy (apply/delete/checks/cancel), or everything."""

    READER = "reader"
    DEPLOYER = "deployer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: Role) -> bool:
        """True when this role includes ``needed``."""
        return self.rank >= needed.rank


_RANK = {Role.READER: 0, Role.DEPLOYER: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Scope:
    """Platforms and deployment-name prefixes a key is limited to (``None``: unrestricted)."""

    platforms: tuple[str, ...] | None = None
    name_prefixes: tuple[str, ...] | None = None

    @property
    def restricted(self) -> bool:
        return self.platforms is not None or self.name_prefixes is not None

    def allows_name(self, name: str) -> bool:
        return self.name_prefixes is None or name.startswith(self.name_prefixes)

    def allows_platform(self, platform: str) -> bool:
        return self.platforms is None or platform in self.platforms

    def allows(self, name: str, platform: str | None) -> bool:
        """``name`` within the prefixes and ``platform`` (when known) within the platforms."""
        return self.allows_name(name) and (platform is None or self.allows_platform(platform))

    def to_dict(self) -> dict[str, list[str] | None]:
        return {"platforms": list(self.platforms) if self.platforms is not None else None,
                "name_prefixes": list(self.name_prefixes) if self.name_prefixes is not None else None}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who sent a request: an authenticated API key (never carries the secret or its hash)."""

    key_id: str
    role: Role
    scope: Scope = Scope()

    def has(self, needed: Role) -> bool:
        return self.role.allows(needed)


@dataclass(frozen=True, slots=True)
class ParsedToken:
    key_id: str
    secret: str

    @property
    def token(self) -> str:
        """The full bearer token (secret inside: show once, never log)."""
        return f"{TOKEN_PREFIX}_{self.key_id}_{self.secret}"

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"ParsedToken(key_id={self.key_id!r}, secret=***)"


def new_token() -> ParsedToken:
    """A fresh key id and 256-bit secret."""
    return ParsedToken(secrets.token_hex(8), secrets.token_urlsafe(32))


def parse_token(token: str) -> ParsedToken | None:
    """Split ``da_<id>_<secret>``; ``None`` when the text is not a token of this format."""
    match = _TOKEN.fullmatch(token)
    return ParsedToken(match.group(1), match.group(2)) if match else None


def new_salt() -> str:
    """128 random bits, hex."""
    return secrets.token_hex(16)


def hash_secret(secret: str, salt: str) -> str:
    """``HMAC-SHA256(salt, secret)``, hex (64 characters); see the module docstring for why."""
    return hmac.new(salt.encode(), secret.encode(), hashlib.sha256).hexdigest()


def verify_secret(secret: str, salt: str, expected_hash: str) -> bool:
    """Constant-time comparison of ``secret``'s hash with the stored one."""
    return hmac.compare_digest(hash_secret(secret, salt), expected_hash)


def read_token_file(path: Path) -> str:
    """The token in ``path`` (surrounding whitespace ignored); ``ValueError`` if it is no token."""
    token = path.read_text().strip()
    if parse_token(token) is None:
        raise ValueError(f"{path}: not an API key of the form da_<id>_<secret>")
    return token


def sandbox_admin_key(data_dir: Path) -> Path:
    """The sandbox's local admin key file under ``data_dir`` (created, mode 0600, if missing), so
    the key is the same across restarts of the sandbox. Returns the file's path."""
    path = data_dir / SANDBOX_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(new_token().token + "\n")
    read_token_file(path)
    return path
