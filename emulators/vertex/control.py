"""Client of the Vertex AI emulator's control API (stdlib only).

The routes are listed in :mod:`emulators.vertex.control_api`. Every method raises
:class:`ControlAPIError` when the emulator refuses the request (HTTP 4xx with ``{"error": ...}``).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from ..common.control import ControlAPIError, ControlClient

__all__ = ["ControlAPIError", "VertexControl"]


class VertexControl(ControlClient):
    """HTTP client of the control API of the emulator at ``url`` (e.g. ``http://127.0.0.1:54321``).

    :meth:`set_progression` applies to operations started from then on (``"manual"``: done at the
    ``times``-th read of the operation or of the resource it changes). :meth:`reset` drops all
    state, faults, failures and prediction responses; the progression goes back to the server's
    default.
    """

    prefix = "/_emulator/vertex"

    def __init__(self, url: str) -> None:
        super().__init__(url)

    @staticmethod
    def _resource(kind: str, resource_id: str, what: str) -> str:
        return f"/_emulator/vertex/{kind}/{quote(resource_id, safe='')}/{what}"

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


    def project_number(self, project_id: str) -> str:
        """The project number the emulator uses in names for ``project_id`` (deterministic)."""
        return str(self._call("GET", f"/_emulator/vertex/projects/{quote(project_id, safe='')}/number")["number"])

    def drift(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        """Replace top-level fields of model/endpoint ``name`` with ``patch`` (proto JSON) behind the
        API's back, to simulate out-of-band changes; returns the resource as proto JSON."""
        return dict(self._call("POST", "/_emulator/vertex/drift", {"name": name, "patch": patch})["resource"])
