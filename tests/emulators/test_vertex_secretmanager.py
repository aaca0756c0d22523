"""Secret Manager on the Vertex AI emulator, exercised with the real SecretManagerServiceClient
(REST) and httpx for raw requests: names with the project number, Google's error shapes and codes,
payload checksums, version states, faults and reset."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import google_crc32c
import httpx
import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import secretmanager_v1 as sm

from emulators.vertex import VertexEmulator
from emulators.vertex.names import project_number
from tests.emulators.vertex_support import PROJECT, TIMEOUT, raw_refused, refused

NUMBER = project_number(PROJECT)


@pytest.fixture(scope="module")
def emulator() -> Iterator[VertexEmulator]:
    with VertexEmulator() as running:
        yield running


@pytest.fixture(autouse=True)
def _reset(emulator: VertexEmulator) -> Iterator[None]:
    emulator.control.reset()
    yield
    emulator.control.reset()


@pytest.fixture(scope="module")
def client(emulator: VertexEmulator) -> sm.SecretManagerServiceClient:
    return sm.SecretManagerServiceClient(transport="rest", credentials=AnonymousCredentials(),
                                         client_options=ClientOptions(api_endpoint=emulator.url))


@pytest.fixture
def raw(emulator: VertexEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.url, timeout=TIMEOUT) as http:
        yield http


def _create(client, secret_id: str = "db-pass", **fields) -> sm.Secret:
    return client.create_secret(parent=f"projects/{PROJECT}", secret_id=secret_id,
                                secret={"replication": {"automatic": {}}, **fields}, timeout=TIMEOUT)


def _add(client, data: bytes, secret_id: str = "db-pass", **payload) -> sm.SecretVersion:
    return client.add_secret_version(parent=f"projects/{PROJECT}/secrets/{secret_id}",
                                     payload={"data": data, **payload}, timeout=TIMEOUT)


def _access(client, version: str = "latest", secret_id: str = "db-pass") -> sm.AccessSecretVersionResponse:
    return client.access_secret_version(name=f"projects/{PROJECT}/secrets/{secret_id}/versions/{version}",
                                        timeout=TIMEOUT)


def test_create_add_and_access_answer_with_the_project_number(client):
    secret = _create(client, labels={"team": "ml"})
    assert secret.name == f"projects/{NUMBER}/secrets/db-pass"
    assert secret.labels == {"team": "ml"} and secret.create_time
    first = _add(client, b"one")
    second = _add(client, b"two", data_crc32c=google_crc32c.value(b"two"))
    assert (first.name, second.name) == (f"{secret.name}/versions/1", f"{secret.name}/versions/2")
    assert first.state == sm.SecretVersion.State.ENABLED
    assert (first.client_specified_payload_checksum, second.client_specified_payload_checksum) == (False, True)
    latest = _access(client)
    assert latest.name == f"{secret.name}/versions/2"  # the version latest stands for
    assert latest.payload.data == b"two" and latest.payload.data_crc32c == google_crc32c.value(b"two")
    assert _access(client, "1").payload.data == b"one"
    by_number = client.access_secret_version(name=f"projects/{NUMBER}/secrets/db-pass/versions/1", timeout=TIMEOUT)
    assert by_number.payload.data == b"one"


def test_version_aliases_name_versions(client):
    _create(client, version_aliases={"stable": 1})
    _add(client, b"one")
    _add(client, b"two")
    assert _access(client, "stable").payload.data == b"one"
    refused(lambda: _access(client, "canary"), 404, "NOT_FOUND",
            f"Secret Version [projects/{NUMBER}/secrets/db-pass/versions/canary] not found.")


def test_duplicate_secret_is_already_exists(client):
    _create(client)
    refused(lambda: _create(client), 409, "ALREADY_EXISTS",
            f"Secret [projects/{NUMBER}/secrets/db-pass] already exists.")


@pytest.mark.parametrize("secret_id", ["has.dot", "x" * 256, "spa ce"])
def test_malformed_secret_id_is_invalid_argument(client, secret_id):
    refused(lambda: _create(client, secret_id), 400, "INVALID_ARGUMENT", "is not in a valid format.")


def test_unknown_secret_and_version_are_not_found(client):
    refused(lambda: _access(client, secret_id="nope"), 404, "NOT_FOUND",
            f"Secret [projects/{NUMBER}/secrets/nope] not found or has no versions.")
    refused(lambda: _add(client, b"x", secret_id="nope"), 404, "NOT_FOUND", "not found")
    _create(client)
    refused(lambda: _access(client), 404, "NOT_FOUND", "not found or has no versions.")
    _add(client, b"x")
    refused(lambda: _access(client, "2"), 404, "NOT_FOUND",
            f"Secret Version [projects/{NUMBER}/secrets/db-pass/versions/2] not found.")


@pytest.mark.parametrize("version", ["0", "01", "-1", "bad.alias"])
def test_malformed_version_is_invalid_argument(client, version):
    _create(client)
    _add(client, b"x")
    refused(lambda: _access(client, version), 400, "INVALID_ARGUMENT",
            f"Resource ID [projects/{NUMBER}/secrets/db-pass/versions/{version}] is not in a valid format.")


def test_disabled_and_destroyed_versions_are_failed_precondition(client):
    _create(client)
    _add(client, b"one")
    _add(client, b"two")
    name = f"projects/{PROJECT}/secrets/db-pass/versions"
    disabled = client.disable_secret_version(name=f"{name}/2", timeout=TIMEOUT)
    assert disabled.state == sm.SecretVersion.State.DISABLED
    refused(lambda: _access(client), 400, "FAILED_PRECONDITION",
            f"Secret Version [projects/{NUMBER}/secrets/db-pass/versions/2] is in DISABLED state.")
    client.enable_secret_version(name=f"{name}/2", timeout=TIMEOUT)
    assert _access(client).payload.data == b"two"
    destroyed = client.destroy_secret_version(name=f"{name}/1", timeout=TIMEOUT)
    assert destroyed.state == sm.SecretVersion.State.DESTROYED and destroyed.destroy_time
    refused(lambda: _access(client, "1"), 400, "FAILED_PRECONDITION", "is in DESTROYED state.")
    refused(lambda: client.enable_secret_version(name=f"{name}/1", timeout=TIMEOUT), 400, "FAILED_PRECONDITION",
            "DESTROYED")


def test_checksum_mismatch_and_oversized_payloads_are_refused(client):
    _create(client)
    refused(lambda: _add(client, b"data", data_crc32c=12345), 400, "INVALID_ARGUMENT", "Checksum mismatch")
    refused(lambda: _add(client, b"x" * 65537), 400, "INVALID_ARGUMENT", "at most 65536 bytes")
    _add(client, b"x" * 65536)


def test_raw_requests_get_googles_error_shape(raw):
    parent = f"/v1/projects/{PROJECT}/secrets"
    raw_refused(raw.post(parent, params={"secretId": "s"}, json={"replication": {"automatic": {}}, "typo": 1}),
                400, "INVALID_ARGUMENT", 'Unknown name "typo"')
    raw_refused(raw.post(parent, params={"secretId": "s", "bogus": "1"}, json={}),
                400, "INVALID_ARGUMENT", 'Unknown name "bogus"')
    assert raw.post(parent, params={"secretId": "s"}, json={}).status_code == 200  # replication defaults
    raw_refused(raw.post(f"{parent}/s:addVersion", json={"payload": {"data": "not base64!"}}),
                400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
    ok = raw.post(f"{parent}/s:addVersion", json={"payload": {"data": base64.b64encode(b"v").decode()}})
    assert ok.status_code == 200 and ok.json()["name"] == f"projects/{NUMBER}/secrets/s/versions/1"
    answer = raw.get(f"{parent}/s/versions/latest:access").json()
    assert base64.b64decode(answer["payload"]["data"]) == b"v"
    assert answer["payload"]["dataCrc32c"] == str(google_crc32c.value(b"v"))  # int64 as a JSON string
    raw_refused(raw.get(f"{parent}/s/versions/9:access"), 404, "NOT_FOUND", "not found.")
    raw_refused(raw.get(f"{parent}/s"), 501, "UNIMPLEMENTED", "is not emulated")
    raw_refused(raw.post(f"/v1/projects/{PROJECT}/locations/us-central1/secrets", params={"secretId": "r"}, json={}),
                501, "UNIMPLEMENTED", "is not emulated")


def test_faults_calls_and_reset(emulator, client):
    _create(client)
    _add(client, b"x")
    emulator.control.inject_fault(path_contains=":access", status=429, count=1, retry_after=None)
    refused(lambda: client.access_secret_version(
        name=f"projects/{PROJECT}/secrets/db-pass/versions/latest", timeout=TIMEOUT, retry=None),
        429, "RESOURCE_EXHAUSTED", "")
    assert _access(client).payload.data == b"x"
    calls = emulator.control.calls()
    assert (calls["CreateSecret"], calls["AddSecretVersion"], calls["AccessSecretVersion"]) == (1, 1, 1)
    emulator.control.reset()
    refused(lambda: _access(client), 404, "NOT_FOUND", "not found or has no versions.")
