"""The WSGI front of the emulator, in front of moto: control API, fault injection, call counts, request scope.

For each request:

1. ``/_emulator/...`` goes to the :class:`~emulators.sagemaker.control_api.ControlAPI`;
2. a SageMaker / sagemaker-runtime / Application Auto Scaling / Secrets Manager operation for which
   an injected fault fires is delayed, answered with the fault's error, or dropped, optionally after
   moto processed it (:mod:`emulators.sagemaker.faults`, served by
   :func:`emulators.common.faults.serve_fault`);
3. everything else is counted by operation name (``GET /_emulator/sagemaker/calls``) and forwarded
   to moto inside :func:`~emulators.sagemaker.scope.emulator_request`, which turns on the emulator's
   moto extension for that request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from ..common.calls import CallCounter
from ..common.faults import serve_fault
from ..common.wsgi import WSGIApp
from .control_api import CONTROL_PREFIX, ControlAPI
from .faults import FaultInjector, error_response, identify
from .scope import emulator_request

__all__ = ["SageMakerApp"]

_log = logging.getLogger(__name__)


class SageMakerApp:
    """Wrap moto's WSGI app ``app``; ``faults`` are this emulator's injected faults."""

    def __init__(self, app: WSGIApp, faults: FaultInjector) -> None:
        self._app = app
        self._faults = faults
        self._calls = CallCounter()
        self._control = ControlAPI(faults, self._calls)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self._control(environ, start_response)
        request = identify(environ)
        if request is None:
            return self._forward(environ, start_response)

        def answer(env: dict[str, Any], respond: Callable[..., Any]) -> Iterable[bytes]:
            self._calls.record(request[1])
            return self._forward(env, respond)

        service, operation = request
        fault = self._faults.take(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), operation, service)
        if fault is None:
            return answer(environ, start_response)
        _log.info("injecting %s into %s %s", "drop" if fault.drop else fault.status or "latency", *request)
        return serve_fault(
            environ, start_response, answer, delay=fault.delay, drop=fault.drop, after=fault.after,
            error=error_response(fault, service) if fault.answers_error else None,
        )

    def _forward(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with emulator_request():
            return self._app(environ, start_response)
