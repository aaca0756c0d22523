"""WSGI middleware in front of moto: control API, fault injection, emulator request scope.

For each request:

1. ``/_emulator/...`` goes to the :class:`~emulators.sagemaker.control_api.ControlAPI`;
2. a SageMaker / sagemaker-runtime / Application Auto Scaling operation matching an injected fault is
   delayed, answered with the fault's error, or dropped (:mod:`emulators.sagemaker.faults`);
3. everything else is forwarded to moto inside :func:`~emulators.sagemaker.scope.emulator_request`,
   which turns on the emulator's moto extension for that request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..common.wsgi import WSGIApp, drop_connection, status_line
from .control_api import CONTROL_PREFIX, ControlAPI
from .faults import DROP_CONNECTION, PASS_THROUGH, FaultInjector, error_response, identify
from .scope import emulator_request

__all__ = ["EmulatorMiddleware"]

_log = logging.getLogger(__name__)


class EmulatorMiddleware:
    """Wrap moto's WSGI app ``app``; ``faults`` are this emulator's injected faults."""

    def __init__(self, app: WSGIApp, faults: FaultInjector) -> None:
        self._app = app
        self._faults = faults
        self._control = ControlAPI(faults)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self._control(environ, start_response)
        request = identify(environ)
        if request is not None:
            fault = self._faults.take(*request)
            if fault is not None:
                _log.info("injecting %s into %s %s", fault.code or "latency", *request)
                if fault.latency_ms:
                    time.sleep(fault.latency_ms / 1000.0)
                if fault.code == DROP_CONNECTION:
                    return drop_connection(environ, start_response)
                if fault.code != PASS_THROUGH:
                    status, headers, body = error_response(fault, request[0])
                    start_response(status_line(status), headers)
                    return [body]
        with emulator_request():
            return self._app(environ, start_response)
