"""Client of the Vertex AI emulator's control API (stdlib only).

The routes are listed in :mod:`emulators.vertex.control_api`. Every method raises
:class:`ControlAPIError` when the emulator refuses the request (HTTP 4xx with ``{"error": ...}``).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

__all__ = ["ControlAPIError", "VertexControl"]

_TIMEOUT_S = 10.0


class ControlAPIError(RuntimeError):
    """The control API refused a request; ``status`` is the HTTP status, ``message`` its error text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"control API answered {status}: {message}")
        self.status = status
        self.message = message


class VertexControl:
    """HTTP client of the control API of the emulator at ``url`` (e.g. ``http://127.0.0.1:54321``)."""

    def __init__(self, url: str) -> None:
        self._url = url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(
            f"{self._url}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                message = json.loads(raw).get("error", raw.decode("utf-8", "replace"))
            except (ValueError, AttributeError):
                message = raw.decode("utf-8", "replace")
            raise ControlAPIError(exc.code, str(message)) from None
        return json.loads(raw) if raw else None

    @staticmethod
    def _resource(kind: str, resource_id: str, what: str) -> str:
        return f"/_emulator/vertex/{kind}/{quote(resource_id, safe='')}/{what}"

    def set_progression(self, progression: str, *, times: int = 1, seconds: float = 0.0) -> None:
        """How operations started from now on complete: ``"immediate"``, ``"manual"`` (at the
        ``times``-th read of the operation or of the resource it changes) or ``"time"`` (once
        ``seconds`` have passed)."""
        spec: dict[str, Any] = {"progression": progression}
        if progression == "manual":
            spec["times"] = times
        elif progression == "time":
            spec["seconds"] = seconds
        self._call("POST", "/_emulator/vertex/progression", spec)

    def progression(self) -> dict[str, Any]:
        """The current progression, e.g. ``{"progression": "manual", "times": 1}``."""
        return dict(self._call("GET", "/_emulator/vertex/progression")["progression"])

    def fail_endpoint(self, endpoint_id: str, *, on: str, reason: str, code: int = 9) -> None:
        """Make the next DeployModel on endpoint ``endpoint_id`` end with ``error{code, reason}``.

        ``on="create"``: the next DeployModel while the endpoint has no deployed model;
        ``on="update"``: the next one while it has some. ``code`` is a ``google.rpc.Code`` number
        (3, 8, 9 FAILED_PRECONDITION, 13 INTERNAL or 14). Used once.
        """
        body = {"on": on, "reason": reason, "code": code}
        self._call("PUT", self._resource("endpoints", endpoint_id, "failure"), body)

    def clear_failure(self, endpoint_id: str) -> None:
        """Forget the failures configured for endpoint ``endpoint_id``."""
        self._call("DELETE", self._resource("endpoints", endpoint_id, "failure"))

    def fail_model_upload(self, model_id: str, *, reason: str, code: int = 9) -> None:
        """Make the next UploadModel with ``modelId == model_id`` end with ``error{code, reason}`` (used once)."""
        self._call("PUT", self._resource("models", model_id, "failure"), {"reason": reason, "code": code})

    def clear_model_failure(self, model_id: str) -> None:
        """Forget the upload failure configured for ``model_id``."""
        self._call("DELETE", self._resource("models", model_id, "failure"))

    def set_prediction_response(
        self,
        endpoint_id: str,
        *,
        status: int = 200,
        body: bytes | str | dict[str, Any] | list[Any],
        content_type: str = "application/json",
    ) -> None:
        """What the model container of ``endpoint_id`` answers (``:predict`` and ``:rawPredict``) until cleared.

        ``body``: bytes are sent as they are, a str as UTF-8, a dict/list JSON-encoded. For
        ``:predict`` a 200 body must be ``{"predictions": [...]}``; another status becomes an API
        error with that HTTP status and the body as message. ``:rawPredict`` returns it verbatim.
        """
        spec: dict[str, Any] = {"status": status, "content_type": content_type}
        if isinstance(body, bytes):
            spec["body_base64"] = base64.b64encode(body).decode("ascii")
        elif isinstance(body, str):
            spec["body"] = body
        else:
            spec["body"] = json.dumps(body)
        self._call("PUT", self._resource("endpoints", endpoint_id, "prediction"), spec)

    def clear_prediction_response(self, endpoint_id: str) -> None:
        """Back to the default (echo) predictions for ``endpoint_id``."""
        self._call("DELETE", self._resource("endpoints", endpoint_id, "prediction"))

    def inject_fault(
        self,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        status: int = 429,
        count: int = 1,
        retry_after: float | None = None,
        delay: float = 0.0,
        drop: bool = False,
    ) -> None:
        """Answer the next ``count`` requests matching ``method`` / ``path_contains`` with a Google
        error of HTTP ``status`` (429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE, ...) after
        ``delay`` seconds. ``status=0`` only adds the delay; ``drop=True`` closes the connection."""
        self._call(
            "POST",
            "/_emulator/vertex/faults",
            {
                "method": method,
                "path_contains": path_contains,
                "status": status,
                "count": count,
                "retry_after": retry_after,
                "delay": delay,
                "drop": drop,
            },
        )

    def faults(self) -> list[dict[str, Any]]:
        """The active faults, each with its ``remaining`` count."""
        return list(self._call("GET", "/_emulator/vertex/faults")["faults"])

    def clear_faults(self) -> None:
        """Drop every active fault."""
        self._call("DELETE", "/_emulator/vertex/faults")

    def reset(self) -> None:
        """Drop all state, faults, failures and prediction responses; progression back to the server's default."""
        self._call("POST", "/_emulator/reset")

    def project_number(self, project_id: str) -> str:
        """The project number the emulator uses in names for ``project_id`` (deterministic)."""
        return str(self._call("GET", f"/_emulator/vertex/projects/{quote(project_id, safe='')}/number")["number"])

    def drift(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        """Replace top-level fields of model/endpoint ``name`` with ``patch`` (proto JSON) behind the
        API's back, to simulate out-of-band changes; returns the resource as proto JSON."""
        return dict(self._call("POST", "/_emulator/vertex/drift", {"name": name, "patch": patch})["resource"])
