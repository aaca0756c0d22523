"""Server side of the emulator's control API (served under ``/_emulator/`` by :mod:`emulators.sagemaker.routes`).

Routes (JSON bodies and answers; a bad body is HTTP 400 ``{"error": "<message>"}``, an unknown route
404, a wrong method 405). The client and the full route list are in
:mod:`emulators.sagemaker.control`.
"""

from __future__ import annotations

from typing import Any

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.core.base_backend import BackendDict
from moto.sagemaker.models import sagemaker_backends
from moto.sagemakerruntime.models import sagemakerruntime_backends
from moto.secretsmanager.models import secretsmanager_backends

from ..common.calls import CallCounter
from ..common.control_api import CONTROL_PREFIX, ControlAPIBase
from .faults import FaultInjector, parse_fault
from .lifecycle import LOCK, current_progression, set_progression
from .state import BEHAVIOUR

__all__ = ["CONTROL_PREFIX", "ControlAPI", "reset_emulated_state"]


def reset_emulated_state(faults: FaultInjector) -> None:
    """Clear SageMaker, sagemaker-runtime, Application Auto Scaling and Secrets Manager state (all
    accounts and regions), configured failures and canned predictions, and ``faults``. The
    progression stays."""
    with LOCK:
        backend_dicts: tuple[BackendDict[Any], ...] = (
            sagemaker_backends, sagemakerruntime_backends, applicationautoscaling_backends, secretsmanager_backends)
        for backend_dict in backend_dicts:
            for account_backends in list(backend_dict.values()):
                account_backends.reset()
        BEHAVIOUR.reset()
        faults.clear()


class ControlAPI(ControlAPIBase):
    """WSGI app answering ``/_emulator/...`` for one emulator (its faults; global lifecycle state)."""

    prefix = "/_emulator/sagemaker"

    def __init__(self, faults: FaultInjector, calls: CallCounter) -> None:
        super().__init__(faults, parse_fault, calls, BEHAVIOUR)
        self._faults: FaultInjector = faults

    def _reset_state(self) -> None:
        reset_emulated_state(self._faults)

    def _current_progression(self) -> dict[str, Any]:
        return current_progression()

    def _apply_progression(self, body: dict[str, Any]) -> dict[str, Any]:
        return set_progression(body)
