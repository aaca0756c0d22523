"""Google Secret Manager v1 (global secrets) on the Vertex AI emulator's server: the service (state + rules).

:class:`SecretStore` holds the secrets of one emulator and applies Secret Manager's rules; the HTTP
side (transcoding into ``secretmanager_v1`` requests) is in :mod:`emulators.vertex.handlers` and
the URL table in :mod:`emulators.vertex.routes`, like the Vertex AI services.

In sandbox mode the service reads ``gcp_secret_manager`` env values with the real
``SecretManagerServiceClient`` (REST transport) pointed at this emulator, like the
``aiplatform_v1`` clients. The paths do not overlap Vertex AI's (``/v1/projects/{p}/secrets...``
vs ``/v1/projects/{p}/locations/...``). Served (``{p}`` = project id or number):

=======  ==========================================================  =========================
Method   Path                                                        Method of the API
=======  ==========================================================  =========================
POST     ``/v1/projects/{p}/secrets?secretId=`` (body: Secret)        CreateSecret
POST     ``/v1/projects/{p}/secrets/{s}:addVersion``                  AddSecretVersion
GET      ``/v1/projects/{p}/secrets/{s}/versions/{v}:access``         AccessSecretVersion
POST     ``/v1/projects/{p}/secrets/{s}/versions/{v}:disable``        DisableSecretVersion
POST     ``/v1/projects/{p}/secrets/{s}/versions/{v}:enable``         EnableSecretVersion
POST     ``/v1/projects/{p}/secrets/{s}/versions/{v}:destroy``        DestroySecretVersion
=======  ==========================================================  =========================

Other Secret Manager paths (regional secrets, get/list/delete ...) answer 501 ``UNIMPLEMENTED``.

Requests are parsed into the real ``secretmanager_v1`` request types with unknown fields refused
(:mod:`emulators.vertex.wire`); names come back with the project NUMBER. What it refuses, with
Secret Manager's codes and wording:

- a malformed project, secret id (1-255 of ``[A-Za-z0-9_-]``) or version (a number >= 1,
  ``latest`` or an alias of the secret): 400 ``INVALID_ARGUMENT`` ``Resource ID [...] is not in a
  valid format.``; labels (<= 64, lowercase keys/values as Google's labels);
- a payload over 64 KiB, or whose ``dataCrc32c`` does not match its data: 400 ``INVALID_ARGUMENT``;
- an existing secret id: 409 ``ALREADY_EXISTS`` ``Secret [projects/N/secrets/s] already exists.``;
- an unknown secret, or ``latest`` of a secret without versions: 404 ``NOT_FOUND`` ``Secret
  [projects/N/secrets/s] not found or has no versions.``; an unknown version: 404 ``Secret Version
  [projects/N/secrets/s/versions/v] not found.``;
- accessing a version that is not enabled (``latest`` is the newest version, whatever its state):
  400 ``FAILED_PRECONDITION`` ``Secret Version [...] is in DISABLED state.`` (or ``DESTROYED``).

Access answers ``{name: <the version's own name>, payload: {data, dataCrc32c}}`` (the checksum is
always sent, as Secret Manager stores one for every version).
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from dataclasses import dataclass, field

import google_crc32c
from google.cloud import secretmanager_v1 as sm
from google.protobuf.message import Message

from .errors import ApiError, already_exists, failed_precondition, invalid_argument, not_found
from .names import project_number
from .wire import timestamp

__all__ = ["MAX_PAYLOAD_BYTES", "SecretStore"]

MAX_PAYLOAD_BYTES = 65536
_PROJECT = re.compile(r"^[a-z0-9][a-z0-9.:-]{0,99}$")
_SECRET_ID = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_VERSION = re.compile(r"^(?:[1-9][0-9]{0,18}|latest|[A-Za-z_][A-Za-z0-9_-]{0,62})$")
_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
_STATE = sm.SecretVersion.State


@dataclass
class _Secret:
    secret: Message
    versions: list[tuple[Message, bytes, int]] = field(default_factory=list)  # (version, data, crc32c)


def _resource_id(name: str) -> ApiError:
    return invalid_argument(f"Resource ID [{name}] is not in a valid format.")


class SecretStore:
    """The secrets of one emulator (its own lock; :meth:`reset` drops them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, _Secret] = {}

    def reset(self) -> None:
        """Drop every secret."""
        with self._lock:
            self._secrets.clear()

    @staticmethod
    def _secret_name(project: str, secret_id: str) -> str:
        """``projects/{number}/secrets/{id}``; ``INVALID_ARGUMENT`` if either part is malformed."""
        if not _PROJECT.match(project):
            raise _resource_id(f"projects/{project}")
        name = f"projects/{project_number(project)}/secrets/{secret_id}"
        if not _SECRET_ID.match(secret_id):
            raise _resource_id(name)
        return name

    def _get(self, name: str) -> _Secret:
        found = self._secrets.get(name)
        if found is None:
            raise not_found(f"Secret [{name}] not found or has no versions.")
        return found

    def create(self, project: str, secret_id: str, secret: Message) -> Message:
        """CreateSecret: the stored Secret (replication defaults to automatic)."""
        name = self._secret_name(project, secret_id)
        if len(secret.labels) > 64 or any(not _LABEL_KEY.match(k) or not _LABEL_VALUE.match(v)
                                          for k, v in secret.labels.items()):
            raise invalid_argument("Labels must be at most 64, with keys and values of at most 63 lowercase "
                                   "letters, digits, '_' or '-' (keys start with a letter).")
        with self._lock:
            if name in self._secrets:
                raise already_exists(f"Secret [{name}] already exists.")
            stored = type(secret)()
            stored.CopyFrom(secret)
            stored.name = name
            if not stored.HasField("replication"):
                stored.replication.automatic.SetInParent()
            stored.create_time.CopyFrom(timestamp())
            stored.etag = _etag(name)
            self._secrets[name] = _Secret(stored)
            return stored

    def add_version(self, project: str, secret_id: str, payload: Message) -> Message:
        """AddSecretVersion: the new ENABLED version (numbered from 1)."""
        name = self._secret_name(project, secret_id)
        data = bytes(payload.data)
        if len(data) > MAX_PAYLOAD_BYTES:
            raise invalid_argument(f"Secret payload data must be at most {MAX_PAYLOAD_BYTES} bytes, got {len(data)}.")
        crc = google_crc32c.value(data)
        given = payload.HasField("data_crc32c")
        if given and payload.data_crc32c != crc:
            raise invalid_argument("Checksum mismatch: payload.data_crc32c does not match the CRC32C of payload.data.")
        with self._lock:
            secret = self._get(name)
            version = sm.SecretVersion.pb()(
                name=f"{name}/versions/{len(secret.versions) + 1}", state=_STATE.ENABLED,
                client_specified_payload_checksum=given)
            version.create_time.CopyFrom(timestamp())
            version.replication_status.automatic.SetInParent()
            version.etag = _etag(version.name)
            secret.versions.append((version, data, crc))
            return version

    def _version(self, project: str, secret_id: str, version_id: str) -> tuple[_Secret, int]:
        """The secret and the index of the version ``version_id`` names (lock held)."""
        name = self._secret_name(project, secret_id)
        if not _VERSION.match(version_id):
            raise _resource_id(f"{name}/versions/{version_id}")
        secret = self._get(name)
        if version_id == "latest":
            if not secret.versions:
                raise not_found(f"Secret [{name}] not found or has no versions.")
            return secret, len(secret.versions) - 1
        number = int(version_id) if version_id.isdigit() else secret.secret.version_aliases.get(version_id, 0)
        if not 1 <= number <= len(secret.versions):
            raise not_found(f"Secret Version [{name}/versions/{version_id}] not found.")
        return secret, number - 1

    def access(self, project: str, secret_id: str, version_id: str) -> Message:
        """AccessSecretVersion: the payload of an ENABLED version."""
        with self._lock:
            secret, index = self._version(project, secret_id, version_id)
            version, data, crc = secret.versions[index]
            if version.state != _STATE.ENABLED:
                raise failed_precondition(
                    f"Secret Version [{version.name}] is in {_STATE(version.state).name} state.")
            answer = sm.AccessSecretVersionResponse.pb()(name=version.name)
            answer.payload.data = data
            answer.payload.data_crc32c = crc
            return answer

    def set_state(self, project: str, secret_id: str, version_id: str, state: int) -> Message:
        """Disable / enable / destroy a version (destroying drops its data for good)."""
        with self._lock:
            secret, index = self._version(project, secret_id, version_id)
            version, data, crc = secret.versions[index]
            if version.state == _STATE.DESTROYED and state != _STATE.DESTROYED:
                raise failed_precondition(f"Secret Version [{version.name}] is in DESTROYED state.")
            version.state = state
            if state == _STATE.DESTROYED:
                version.destroy_time.CopyFrom(timestamp())
                data, crc = b"", 0
            version.etag = _etag(version.name + str(state))
            secret.versions[index] = (version, data, crc)
            return version


def _etag(seed: str) -> str:
    return '"' + base64.b16encode(hashlib.sha256(seed.encode()).digest()[:7]).decode().lower() + '"'
