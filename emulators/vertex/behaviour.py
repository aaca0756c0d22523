"""Configured behaviour of one emulator: failures to inject into operations, canned predictions.

Contracts
---------
- :meth:`Behaviour.fail_endpoint` with ``on="create"`` makes the NEXT DeployModel on that endpoint
  that starts while the endpoint has no deployed models end with ``error{code, reason}`` and no
  effect; ``on="update"`` does the same for the next DeployModel while it already has deployed
  models. Each failure is used once (taken when the DeployModel starts).
- :meth:`Behaviour.fail_model_upload` makes the next UploadModel with that ``modelId`` fail the same
  way (used once).
- :meth:`Behaviour.set_prediction` replaces what the "model container" answers on ``:predict`` and
  ``:rawPredict`` of that endpoint until cleared (see :mod:`emulators.vertex.prediction`).

Endpoints and models are keyed by their id (the last segment of the name), in every project and
location. Thread-safe.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["FAILURE_CODES", "FAILURE_PHASES", "Behaviour", "Failure", "PredictionResponse"]

FAILURE_PHASES: tuple[str, ...] = ("create", "update")
FAILURE_CODES: dict[int, str] = {
    3: "INVALID_ARGUMENT",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    13: "INTERNAL",
    14: "UNAVAILABLE",
}


@dataclass(frozen=True)
class Failure:
    """An operation error to inject: ``google.rpc.Code`` number and message."""

    code: int
    reason: str

    @property
    def status(self) -> str:
        """The code's name (``FAILED_PRECONDITION`` ...)."""
        return FAILURE_CODES[self.code]


@dataclass(frozen=True)
class PredictionResponse:
    """What the model container answers: HTTP ``status``, raw ``body`` and its ``content_type``."""

    status: int
    body: bytes
    content_type: str


class Behaviour:
    """Failures and prediction responses of one emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._endpoint_failures: dict[tuple[str, str], Failure] = {}
        self._model_failures: dict[str, Failure] = {}
        self._predictions: dict[str, PredictionResponse] = {}

    def reset(self) -> None:
        """Forget every failure and prediction response."""
        with self._lock:
            self._endpoint_failures.clear()
            self._model_failures.clear()
            self._predictions.clear()

    def fail_endpoint(self, endpoint_id: str, on: str, failure: Failure) -> None:
        """Fail the next DeployModel of phase ``on`` (``create`` / ``update``) on ``endpoint_id``."""
        if on not in FAILURE_PHASES:
            raise ValueError(f"'on' must be one of {list(FAILURE_PHASES)}, got {on!r}")
        with self._lock:
            self._endpoint_failures[(endpoint_id, on)] = failure

    def clear_endpoint_failure(self, endpoint_id: str) -> None:
        """Forget both failures configured for ``endpoint_id``."""
        with self._lock:
            for on in FAILURE_PHASES:
                self._endpoint_failures.pop((endpoint_id, on), None)

    def take_endpoint_failure(self, endpoint_id: str, on: str) -> Failure | None:
        """Use up the failure configured for ``endpoint_id`` / ``on``, if any."""
        with self._lock:
            return self._endpoint_failures.pop((endpoint_id, on), None)

    def fail_model_upload(self, model_id: str, failure: Failure) -> None:
        """Fail the next UploadModel of ``model_id``."""
        with self._lock:
            self._model_failures[model_id] = failure

    def clear_model_failure(self, model_id: str) -> None:
        """Forget the upload failure configured for ``model_id``."""
        with self._lock:
            self._model_failures.pop(model_id, None)

    def take_model_failure(self, model_id: str) -> Failure | None:
        """Use up the upload failure configured for ``model_id``, if any."""
        with self._lock:
            return self._model_failures.pop(model_id, None)

    def set_prediction(self, endpoint_id: str, response: PredictionResponse) -> None:
        """Answer predictions of ``endpoint_id`` with ``response`` until cleared."""
        with self._lock:
            self._predictions[endpoint_id] = response

    def clear_prediction(self, endpoint_id: str) -> None:
        """Back to the default (echo) predictions for ``endpoint_id``."""
        with self._lock:
            self._predictions.pop(endpoint_id, None)

    def prediction(self, endpoint_id: str) -> PredictionResponse | None:
        """The configured response for ``endpoint_id``, if any."""
        with self._lock:
            return self._predictions.get(endpoint_id)

    def describe(self) -> dict[str, object]:
        """JSON-able summary (control API ``GET /_emulator/vertex/behaviour``)."""
        with self._lock:
            return {
                "endpoint_failures": [
                    {"endpoint": key[0], "on": key[1], "code": f.code, "reason": f.reason}
                    for key, f in self._endpoint_failures.items()
                ],
                "model_failures": [
                    {"model": key, "code": f.code, "reason": f.reason} for key, f in self._model_failures.items()
                ],
                "predictions": sorted(self._predictions),
            }
