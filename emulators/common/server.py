"""A WSGI app served by a threaded werkzeug server on a loopback address, in a daemon thread.

:class:`LoopbackServer` does the start / stop / url / context-manager part every emulator shares;
an emulator says how to make its server (:meth:`LoopbackServer._make_server`) and, if it needs to,
how to reach it (HTTPS for Azure ML). :class:`LoggingRequestHandler` logs requests through
:mod:`logging` instead of printing them and keeps connections alive.

Keep-alive: werkzeug's dev server answers every request with ``Connection: close`` (it cannot drain a
request body it did not read before the next request line), so every SDK call would pay a TCP connect
(and for Azure ML a TLS handshake) that the real clouds, which keep connections alive, do not charge.
:class:`LoggingRequestHandler` reads each request body whole before the app runs, so the stream is
always at the next request, and leaves the connection open (HTTP/1.1) unless the client or an
error closes it. An idle connection is closed after :data:`IDLE_TIMEOUT_S`; :meth:`LoopbackServer.stop`
shuts down the open ones, so a stopped emulator answers nothing, as before.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import ipaddress
import logging
import socket
import ssl
import threading
import time
from typing import Any, ClassVar, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

__all__ = ["LoggingRequestHandler", "LoopbackServer", "loopback_host"]

START_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.05  # how often serve_forever checks for shutdown: stop() waits up to this
IDLE_TIMEOUT_S = 30.0  # a kept-alive connection idle this long is closed (its thread ends)
HEALTH_PATH = "/_emulator/health"


def loopback_host(host: str) -> str:
    """``host`` if it is a loopback address (``"localhost"`` becomes ``127.0.0.1``), else ``ValueError``."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host must be a loopback address, got {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"the emulator only listens on loopback addresses, got {host!r}")
    return host


class _Drained(io.RawIOBase):
    """An exhausted request stream: what werkzeug's post-request drain reads once the body was taken."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return 0


class LoggingRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, logging to :attr:`logger` (requests at DEBUG) instead of printing,
    with keep-alive connections (see the module docs) and ``TCP_NODELAY`` (werkzeug writes headers
    and body separately; with Nagle's algorithm a kept-alive connection would wait for the delayed
    ACK between them).

    Subclasses set :attr:`logger` to their emulator's logger; as a mixin it goes before the handler
    class it changes (e.g. moto's).
    """

    logger: ClassVar[logging.Logger] = logging.getLogger(__name__)
    timeout = IDLE_TIMEOUT_S

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connections = getattr(self.server, "open_connections", None)
        if connections is not None:
            connections.add(self.connection)

    def finish(self) -> None:
        connections = getattr(self.server, "open_connections", None)
        if connections is not None:
            connections.discard(self.connection)
        super().finish()

    def make_environ(self) -> dict[str, Any]:
        """werkzeug's environ, with the request body already read whole (``wsgi.input`` is a
        buffer): the connection's stream is then at the next request whatever the app reads.
        Until :meth:`run_wsgi` ends, ``rfile`` is an exhausted stream: werkzeug's drain after the
        answer (meant for a connection about to be closed) would swallow the client's next request."""
        environ = super().make_environ()
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's de-chunking reader, read to its end
            body = environ["wsgi.input"].read()
        else:
            length = environ.get("CONTENT_LENGTH", "")
            body = self.rfile.read(int(length)) if length.isdigit() and int(length) > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        self._connection_stream, self.rfile = self.rfile, io.BufferedReader(_Drained())
        return environ

    def run_wsgi(self) -> None:
        """werkzeug's, then the connection's stream back in ``rfile`` for the next request."""
        try:
            super().run_wsgi()
        finally:
            stream = self.__dict__.pop("_connection_stream", None)
            if stream is not None:
                self.rfile = stream

    def send_header(self, keyword: str, value: str) -> None:
        """werkzeug closes every connection; keep it open (the client's ``Connection: close``, an
        HTTP/1.0 client or an error still close it)."""
        if keyword.lower() == "connection" and value.lower() == "close" and not self.close_connection:
            return
        super().send_header(keyword, value)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.logger.debug('"%s" %s %s', getattr(self, "requestline", ""), code, size)

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
        idle = message.startswith("Request timed out")  # a kept-alive connection left idle: not an error
        self.logger.log(logging.ERROR if type == "error" and not idle else logging.DEBUG, message, *args)


class LoopbackServer:
    """Start / stop a werkzeug server in a daemon thread; :attr:`url` once started; a context manager.

    Subclasses set :attr:`label` (``"Vertex AI emulator"``, for logs and errors), :attr:`thread_name`
    (prefix of the serving thread's name) and :attr:`logger`, and implement :meth:`_make_server`.
    Optional hooks: :meth:`_base_url`, :meth:`_probe_context` (TLS), :meth:`_started_detail`,
    :meth:`_after_stop`.
    """

    label: ClassVar[str] = "emulator"
    thread_name: ClassVar[str] = "emulator"
    logger: ClassVar[logging.Logger] = logging.getLogger(__name__)

    def __init__(self, host: str, port: int) -> None:
        self._host = loopback_host(host)
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    # hooks ------------------------------------------------------------------------------------

    def _make_server(self) -> BaseWSGIServer:
        """A bound (threaded) werkzeug server for ``self._host``/``self._port``; called by :meth:`start`."""
        raise NotImplementedError

    def _base_url(self, server: BaseWSGIServer) -> str:
        """The URL clients use to reach ``server``."""
        host, port = server.server_address[:2]
        return f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"

    def _probe_context(self) -> ssl.SSLContext | None:
        """TLS context to check that the server answers (None: plain HTTP)."""
        return None

    def _started_detail(self) -> str:
        """Text appended to the "listening on" log line."""
        return ""

    def _after_stop(self) -> None:
        """Called at the end of every :meth:`stop` (also when :meth:`start` fails)."""

    # lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind, serve in a daemon thread, and return once the server answers. No-op if running."""
        if self._server is not None:
            return
        try:
            server = self._make_server()
        except BaseException:
            self.stop()
            raise
        server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer
        server.open_connections = set()  # type: ignore[attr-defined]  # kept-alive, shut down by stop()
        port = server.server_address[1]
        self._server = server
        self._url = self._base_url(server)
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name=f"{self.thread_name}-{port}",
            daemon=True,
        )
        self._thread.start()
        try:
            self._wait_until_answering(str(server.server_address[0]), int(port))
        except BaseException:
            self.stop()
            raise
        self.logger.info("%s listening on %s%s", self.label, self._url, self._started_detail())

    def _wait_until_answering(self, host: str, port: int) -> None:
        context = self._probe_context()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if context is None:
                    connection = http.client.HTTPConnection(host, port, timeout=1.0)
                else:
                    connection = http.client.HTTPSConnection(host, port, timeout=1.0, context=context)
                try:
                    connection.request("GET", HEALTH_PATH)
                    if connection.getresponse().status == 200:
                        return
                finally:
                    connection.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.label} on {host}:{port} did not answer within {START_TIMEOUT_S} s")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and release the port. No-op if not running."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
            for connection in list(getattr(server, "open_connections", ())):
                with contextlib.suppress(OSError):  # wakes the handler thread waiting on it: EOF
                    socket.socket.shutdown(connection, socket.SHUT_RDWR)
            if thread is not None:
                thread.join(timeout=5.0)
            self.logger.info("%s on %s stopped", self.label, self._url)
        self._after_stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``; only after :meth:`start`."""
        if self._url is None:
            raise RuntimeError("the emulator has not been started")
        return self._url

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
