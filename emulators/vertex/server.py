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

import logging
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from ..common.server import LoggingRequestHandler, LoopbackServer
from .backend import VertexBackend
from .control import VertexControl
from .faults import FaultInjector
from .lifecycle import Progression
from .routes import VertexApp

__all__ = ["VertexEmulator"]

_log = logging.getLogger(__name__)


class _RequestHandler(LoggingRequestHandler):
    """werkzeug's request handler, logging through :mod:`logging` (never printing)."""

    logger = _log


class VertexEmulator(LoopbackServer):
    """Vertex AI v1 REST emulator + control API + fault injection, on a loopback address only.

    ``port=0`` picks a free port. ``progression`` is how long-running operations complete by default
    (and after ``control.reset()``): None or ``{"progression": "immediate"}``,
    ``{"progression": "manual", "times": n}`` (done at the n-th read), ``{"progression": "time",
    "seconds": s}``; it is validated here (``ValueError``). Usable as a context manager. State is
    kept across :meth:`stop` / :meth:`start`.
    """

    label = "Vertex AI emulator"
    thread_name = "vertex-emulator"
    logger = _log

    def __init__(self, host: str = "127.0.0.1", port: int = 0, progression: dict[str, Any] | None = None) -> None:
        super().__init__(host, port)
        self._backend = VertexBackend(Progression.parse(progression))
        self._faults = FaultInjector()

    def _make_server(self) -> BaseWSGIServer:
        app = VertexApp(self._backend, self._faults)
        return make_server(self._host, self._port, app, threaded=True, request_handler=_RequestHandler)

    @property
    def control(self) -> VertexControl:
        """Client of this emulator's control API."""
        return VertexControl(self.url)
