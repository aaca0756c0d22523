"""SageMakerEmulator: moto's server + the emulator's extension, on a loopback address.

One URL serves the ``sagemaker``, ``sagemaker-runtime``, ``application-autoscaling`` and
``secretsmanager`` APIs (point boto3 clients at :attr:`SageMakerEmulator.url` with any credentials
and region; Secrets Manager is moto's own, there for the secrets the service reads at deploy time),
moto's ``/moto-api/...`` and the emulator's control API ``/_emulator/...``
(:class:`~emulators.sagemaker.control.SageMakerControl`).

Shared state: moto keeps its backends in process-global dicts and the emulator's lifecycle settings
(progression, configured failures, canned predictions) are process-global too. Two emulators in
one process therefore see the same SageMaker resources and settings; only injected faults belong to
one emulator. Tests should call ``control.reset()`` between cases.
"""

from __future__ import annotations

import logging

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from ..common.server import LoggingRequestHandler, LoopbackServer
from . import patches
from .control import SageMakerControl
from .faults import FaultInjector
from .lifecycle import parse_progression, set_progression, use_default_progression
from .routes import SageMakerApp

__all__ = ["SageMakerEmulator"]

_log = logging.getLogger(__name__)


class _RequestHandler(LoggingRequestHandler, MotoRequestHandler):
    """moto's request handler, logging through :mod:`logging` instead of printing each request."""

    logger = _log


class SageMakerEmulator(LoopbackServer):
    """moto server + lifecycle extension + control API + fault injection, on 127.0.0.1 only.

    ``port=0`` picks a free port. ``progression`` sets how endpoint lifecycles advance when
    :meth:`start` runs (``{"progression": "manual", "times": 1}`` — the default —,
    ``{"progression": "time", "seconds": 2}``, ``{"progression": "immediate"}``); it is validated
    here (``ValueError``). Usable as a context manager (start on enter, stop on exit). :attr:`url`
    serves every emulated API.
    """

    label = "SageMaker emulator"
    thread_name = "sagemaker-emulator"
    logger = _log

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, progression: dict | None = None) -> None:
        super().__init__(host, port)
        self._progression = parse_progression(progression) if progression is not None else None
        self._faults = FaultInjector()

    def _make_server(self) -> BaseWSGIServer:
        patches.apply()
        if self._progression is not None:
            set_progression(self._progression)
        else:
            use_default_progression()
        app = SageMakerApp(DomainDispatcherApplication(create_backend_app), self._faults)
        return make_server(self._host, self._port, app, threaded=True, request_handler=_RequestHandler)

    @property
    def control(self) -> SageMakerControl:
        """Client of this emulator's control API."""
        return SageMakerControl(self.url)
