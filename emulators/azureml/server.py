"""AzureMLEmulator: an HTTPS fake of Azure Resource Manager for Azure ML online endpoints.

One URL serves the ARM paths azure-ai-ml's ``MLClient`` calls for managed online endpoints and
deployments (and the asset versions it registers on the way), the data plane (``/score/{endpoint}``,
the endpoints' ``scoringUri``) and the control API ``/_emulator/...``
(:class:`~emulators.azureml.control.AzureMLControl`). State is per instance.

Point the real SDK at it with public arguments only::

    with AzureMLEmulator() as emu:
        client = MLClient(credential, "<subscription>", "<resource group>", "<workspace>",
                          cloud="<a name unique per emulator in this process>",
                          cloud_metadata=emu.cloud_metadata(), connection_verify=emu.ca_file,
                          enable_telemetry=False)

``credential`` is any object with ``get_token(*scopes, **kwargs) -> AccessToken``. MLClient
registers the cloud name process-wide and sets ``AZUREML_CURRENT_CLOUD`` in ``os.environ``.
"""

from __future__ import annotations

import logging
import shutil
import socket
import ssl
import tempfile
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from ..common.calls import CallCounter
from ..common.server import LoggingRequestHandler, LoopbackServer
from . import schema
from .backend import AzureMLBackend
from .control import AzureMLControl
from .control_api import ControlAPI
from .faults import FaultInjector
from .lifecycle import parse_progression
from .routes import AzureMLApp, RequestLog
from .tls import make_tls

__all__ = ["AzureMLEmulator"]

_log = logging.getLogger(__name__)

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _RequestHandler(LoggingRequestHandler):
    """The common handler (keep-alive, ``TCP_NODELAY``), logging through this emulator's logger."""

    logger = _log


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``OSError``, e.g. EADDRINUSE, if it cannot bind)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)
    except BaseException:
        listener.close()
        raise
    return listener


class AzureMLEmulator(LoopbackServer):
    """Azure ML ARM + data plane + control API over HTTPS on a loopback address.

    ``port=0`` picks a free port. ``progression`` (``None`` = immediate, or
    ``{"progression": "manual", "times": n}`` / ``{"progression": "time", "seconds": s}``) is the
    default way operations complete (``ValueError`` if invalid). The CA certificate is written in
    ``state_dir`` if given (kept), else in a temporary directory removed by :meth:`stop`.
    ``location`` is the region of every workspace. ``retry_after_ms`` is the poll interval
    long-running operations advertise (``retry-after-ms``; ``Retry-After`` too when >= 1000, which
    azure-core would otherwise prefer). Usable as a context manager; :attr:`url` is ``https://...``.
    """

    label = "Azure ML emulator"
    thread_name = "azureml-emulator"
    logger = _log

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        progression: dict[str, Any] | None = None,
        state_dir: str | Path | None = None,
        *,
        location: str = "westeurope",
        retry_after_ms: int = 50,
    ) -> None:
        if host not in _LOOPBACK:  # the TLS certificate names these only
            raise ValueError(f"the emulator only listens on loopback addresses, got {host!r}")
        super().__init__(host, port)
        self._backend = AzureMLBackend(
            location=location, progression=parse_progression(progression), retry_after_ms=retry_after_ms
        )
        self._faults = FaultInjector()
        self._state_dir = Path(state_dir) if state_dir is not None else None
        self._temp_dir: Path | None = None
        self._ca_file: Path | None = None

    def _make_server(self) -> BaseWSGIServer:
        """Make the TLS material (in ``state_dir`` or a temporary directory) and bind the HTTPS server."""
        schema.load()  # import azure-ai-ml's REST models now, not during the first request
        if self._state_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="azureml-emulator-"))
        tls = make_tls(self._state_dir or self._temp_dir)  # type: ignore[arg-type]
        log, calls = RequestLog(), CallCounter()
        app = AzureMLApp(self._backend, self._faults, ControlAPI(self._backend, self._faults, log, calls), log, calls)
        listener = _listen(self._host, self._port)  # werkzeug would print and sys.exit() on a busy port
        try:
            server = make_server(
                self._host,
                self._port,
                app,
                threaded=True,
                request_handler=_RequestHandler,
                ssl_context=tls.context,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # the server works on a duplicate of the descriptor
        self._ca_file = tls.ca_file
        return server

    def _base_url(self, server: BaseWSGIServer) -> str:
        """``https://<host>:<port>``; the backend renders it in ``scoringUri`` and operation URLs."""
        port = server.server_address[1]
        url = f"https://{self._host}:{port}" if ":" not in self._host else f"https://[{self._host}]:{port}"
        self._backend.base_url = url
        return url

    def _probe_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self._ca_file))

    def _started_detail(self) -> str:
        return f" (CA {self._ca_file})"

    def _after_stop(self) -> None:
        """Remove the temporary CA directory, if any."""
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    @property
    def ca_file(self) -> str:
        """Path of the PEM of the emulator's CA (trust it to talk to :attr:`url`); only after :meth:`start`."""
        if self._ca_file is None or self._server is None:
            raise RuntimeError("the emulator has not been started")
        return str(self._ca_file)

    @property
    def backend(self) -> AzureMLBackend:
        """The in-process backend (state + rules), for embedding; prefer :attr:`control`."""
        return self._backend

    def cloud_metadata(self) -> dict[str, str]:
        """``MLClient(cloud_metadata=...)``: every endpoint of the cloud points at this emulator."""
        base = f"{self.url}/"
        keys = (
            "azure_portal",
            "resource_manager",
            "active_directory",
            "aml_resource_id",
            "storage_endpoint",
            "registry_discovery_endpoint",
        )
        return {key: base for key in keys}

    @property
    def control(self) -> AzureMLControl:
        """Client of this emulator's control API."""
        return AzureMLControl(self.url, self.ca_file)
