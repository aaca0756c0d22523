"""SageMakerEmulator: moto's server + the emulator's extension, on a loopback address.

One URL serves the ``sagemaker``, ``sagemaker-runtime`` and ``application-autoscaling`` APIs (point
boto3 clients at :attr:`SageMakerEmulator.url` with any credentials and region), moto's
``/moto-api/...`` and the emulator's control API ``/_emulator/...``
(:class:`~emulators.sagemaker.control.SageMakerControl`).

Shared state: moto keeps its backends in process-global dicts and the emulator's lifecycle settings
(progression, configured failures, invocation responses) are process-global too. Two emulators in
one process therefore see the same SageMaker resources and settings; only injected faults belong to
one emulator. Tests should call ``control.reset()`` between cases.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import threading
import time
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from . import patches
from .control import SageMakerControl
from .faults import FaultInjector
from .lifecycle import parse_progression, set_progression, use_default_progression
from .middleware import EmulatorMiddleware

__all__ = ["SageMakerEmulator"]

_log = logging.getLogger(__name__)

_START_TIMEOUT_S = 10.0
_POLL_INTERVAL_S = 0.05  # how often serve_forever checks for shutdown: stop() waits up to this


class _RequestHandler(MotoRequestHandler):
    """moto's request handler, logging through :mod:`logging` instead of printing each request."""

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


class SageMakerEmulator:
    """moto server + lifecycle extension + control API + fault injection, on 127.0.0.1 only.

    ``port=0`` picks a free port. ``progression`` sets how endpoint lifecycles advance when
    :meth:`start` runs (``{"progression": "manual", "times": 1}`` — the default —,
    ``{"progression": "time", "seconds": 2}``, ``{"progression": "immediate"}``); it is validated
    here (``ValueError``). Usable as a context manager (start on enter, stop on exit).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, progression: dict | None = None) -> None:
        self._host = _loopback(host)
        self._port = port
        self._progression = parse_progression(progression) if progression is not None else None
        self._faults = FaultInjector()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    def start(self) -> None:
        """Bind, serve in a daemon thread, and return once the server answers. No-op if running."""
        if self._server is not None:
            return
        patches.apply()
        if self._progression is not None:
            set_progression(self._progression)
        else:
            use_default_progression()
        app = EmulatorMiddleware(DomainDispatcherApplication(create_backend_app), self._faults)
        server = make_server(self._host, self._port, app, threaded=True, request_handler=_RequestHandler)
        server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer
        host, port = server.server_address[:2]
        self._server = server
        self._url = f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": _POLL_INTERVAL_S},
            name=f"sagemaker-emulator-{port}", daemon=True,
        )
        self._thread.start()
        try:
            self._wait_until_answering(str(host), int(port))
        except BaseException:
            self.stop()
            raise
        _log.info("SageMaker emulator listening on %s", self._url)

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
                raise RuntimeError(f"SageMaker emulator on {host}:{port} did not answer within {_START_TIMEOUT_S} s")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and release the port. No-op if not running."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5.0)
        _log.info("SageMaker emulator on %s stopped", self._url)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (for every emulated API); only after :meth:`start`."""
        if self._url is None:
            raise RuntimeError("the emulator has not been started")
        return self._url

    @property
    def control(self) -> SageMakerControl:
        """Client of this emulator's control API."""
        return SageMakerControl(self.url)

    def __enter__(self) -> SageMakerEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
