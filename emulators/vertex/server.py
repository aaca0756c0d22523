"""VertexEmulator: the Vertex AI v1 REST API (models, endpoints, operations, predictions) on loopback.

Point the real GAPIC clients at :attr:`VertexEmulator.url`::

    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform_v1

    with VertexEmulator() as emulator:
        endpoints = aiplatform_v1.EndpointServiceClient(
            transport="rest",
            client_options=ClientOptions(api_endpoint=emulator.url),
            credentials=AnonymousCredentials(),
        )

State (resources, operations, failures, faults) belongs to one emulator instance; two emulators in
one process are independent. The control API is under ``/_emulator/``
(:class:`~emulators.vertex.control.VertexControl`, :attr:`VertexEmulator.control`).
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import threading
import time
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .backend import VertexBackend
from .control import VertexControl
from .faults import FaultInjector
from .operations import Progression
from .routes import VertexApp

__all__ = ["VertexEmulator"]

_log = logging.getLogger(__name__)

_START_TIMEOUT_S = 10.0
_POLL_INTERVAL_S = 0.05  # how often serve_forever checks for shutdown: stop() waits up to this


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, logging through :mod:`logging` (never printing)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        _log.debug('"%s" %s %s', getattr(self, "requestline", ""), code, size)

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
        level = logging.ERROR if type == "error" else logging.DEBUG
        _log.log(level, message, *args)


def _loopback(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host must be a loopback address, got {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"the emulator only listens on loopback addresses, got {host!r}")
    return host


class VertexEmulator:
    """Vertex AI v1 REST emulator + control API + fault injection, on a loopback address only.

    ``port=0`` picks a free port. ``progression`` is how long-running operations complete by default
    (and after ``control.reset()``): None or ``{"progression": "immediate"}``,
    ``{"progression": "manual", "times": n}`` (done at the n-th read), ``{"progression": "time",
    "seconds": s}``; it is validated here (``ValueError``). Usable as a context manager.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, progression: dict[str, Any] | None = None) -> None:
        self._host = _loopback(host)
        self._port = port
        self._backend = VertexBackend(Progression.parse(progression))
        self._faults = FaultInjector()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    def start(self) -> None:
        """Bind, serve in a daemon thread, and return once the server answers. No-op if running."""
        if self._server is not None:
            return
        app = VertexApp(self._backend, self._faults)
        server = make_server(self._host, self._port, app, threaded=True, request_handler=_RequestHandler)
        server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer
        host, port = server.server_address[:2]
        self._server = server
        self._url = f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": _POLL_INTERVAL_S},
            name=f"vertex-emulator-{port}", daemon=True,
        )
        self._thread.start()
        try:
            self._wait_until_answering(str(host), int(port))
        except BaseException:
            self.stop()
            raise
        _log.info("Vertex AI emulator listening on %s", self._url)

    def _wait_until_answering(self, host: str, port: int) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while True:
            try:
                connection = http.client.HTTPConnection(host, port, timeout=1.0)
                try:
                    connection.request("GET", "/_emulator/health")
                    if connection.getresponse().status == 200:
                        return
                finally:
                    connection.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Vertex AI emulator on {host}:{port} did not answer within {_START_TIMEOUT_S} s")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and release the port. No-op if not running. State is kept for a restart."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5.0)
        _log.info("Vertex AI emulator on %s stopped", self._url)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``; only after :meth:`start`."""
        if self._url is None:
            raise RuntimeError("the emulator has not been started")
        return self._url

    @property
    def control(self) -> VertexControl:
        """Client of this emulator's control API."""
        return VertexControl(self.url)

    def __enter__(self) -> VertexEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
