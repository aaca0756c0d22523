"""The emulators keep HTTP/1.1 connections alive, as the real clouds do (emulators/common/server.py):
several requests on one connection, bodies the app reads or not (fixed length and chunked), the
client's ``Connection: close`` honoured, and a stopped emulator closes the connections it kept."""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Callable, Iterator

import pytest

from emulators.vertex.server import VertexEmulator
from tests.platforms import NAMES, emulator_fixture

Connect = Callable[[], http.client.HTTPConnection]


def _connect_to(emulator) -> Connect:  # noqa: ANN001 - any of the three emulators
    host, port = emulator.url.split("//", 1)[1].rsplit(":", 1)
    if emulator.url.startswith("https://"):
        context = ssl.create_default_context(cafile=str(emulator.ca_file))
        return lambda: http.client.HTTPSConnection(host, int(port), timeout=10, context=context)
    return lambda: http.client.HTTPConnection(host, int(port), timeout=10)


@pytest.fixture(params=NAMES)
def connect(request: pytest.FixtureRequest) -> Connect:
    return _connect_to(request.getfixturevalue(emulator_fixture(request.param)))


def _exchange(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, bytes, str | None]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read(), response.getheader("Connection")


def test_several_requests_share_one_connection(connect: Connect) -> None:
    conn = connect()
    try:
        status, body, header = _exchange(conn, "GET", "/_emulator/health")
        assert status == 200 and header != "close"
        sock = conn.sock
        # a body the app never reads (an unknown path), then requests on the same socket
        status, _, _ = _exchange(conn, "POST", "/no/such/path", body=b'{"x": 1}' * 2000,
                                 headers={"Content-Type": "application/json"})
        assert status >= 400
        for _ in range(3):
            assert _exchange(conn, "GET", "/_emulator/health")[0] == 200
        assert conn.sock is sock, "the connection was not kept alive"
    finally:
        conn.close()


def test_a_chunked_body_is_read_whole(vertex_emulator: VertexEmulator) -> None:
    conn = _connect_to(vertex_emulator)()
    try:
        vertex_emulator.control.set_progression("immediate")
        parent = "/v1/projects/keep-alive/locations/us-central1"
        body = json.dumps({"displayName": "chunked"}).encode()
        conn.request("POST", f"{parent}/endpoints", body=iter([body[:5], body[5:]]),
                     headers={"Content-Type": "application/json"}, encode_chunked=True)
        response = conn.getresponse()
        assert response.status == 200, response.read()
        response.read()
        sock = conn.sock
        status, listing, _ = _exchange(conn, "GET", f"{parent}/endpoints")
        assert status == 200 and conn.sock is sock
        assert [e["displayName"] for e in json.loads(listing)["endpoints"]] == ["chunked"]
    finally:
        conn.close()


def test_the_clients_connection_close_is_honoured(vertex_emulator: VertexEmulator) -> None:
    conn = _connect_to(vertex_emulator)()
    try:
        status, _, header = _exchange(conn, "GET", "/_emulator/health", headers={"Connection": "close"})
        assert (status, header) == (200, "close")
        assert conn.sock is None  # http.client closed it, as the server said it would
    finally:
        conn.close()


@pytest.fixture
def own_emulator() -> Iterator[VertexEmulator]:
    emulator = VertexEmulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def test_stop_closes_kept_alive_connections(own_emulator: VertexEmulator) -> None:
    conn = _connect_to(own_emulator)()
    try:
        assert _exchange(conn, "GET", "/_emulator/health")[0] == 200
        own_emulator.stop()
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            _exchange(conn, "GET", "/_emulator/health")
    finally:
        conn.close()
