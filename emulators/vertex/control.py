"""Client of the Vertex AI emulator's control API (stdlib only).

The routes are listed in :mod:`emulators.vertex.control_api`. Every method raises
:class:`ControlAPIError` when the emulator refuses the request (HTTP 4xx with ``{"error": ...}``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..common.control import ControlAPIError, ControlClient

__all__ = ["ControlAPIError", "VertexControl"]


class VertexControl(ControlClient):
    """HTTP client of the control API of the emulator at ``url`` (e.g. ``http://127.0.0.1:54321``).

    The shared vocabulary (:mod:`emulators.common.control`), keyed by endpoint *id*; failures fail
    DeployModel operations. :meth:`set_progression` applies to operations started from then on
    (``"manual"``: done at the ``times``-th read of the operation or of the resource it changes).
    :meth:`reset` drops all state, faults, failures and predictions; the progression goes back to
    the server's default.
    """

    prefix = "/_emulator/vertex"

    def __init__(self, url: str) -> None:
        super().__init__(url)

    def fail_model_upload(self, model_id: str, *, reason: str, once: bool = False, code: int | None = None) -> None:
        """Make UploadModel with ``modelId == model_id`` end with ``error{code, reason}`` until
        :meth:`clear_model_failure` (``once=True``: the next one only); ``code`` as in
        :meth:`fail_endpoint` (default 9)."""
        body: dict[str, Any] = {"reason": reason, "once": once}
        if code is not None:
            body["code"] = code
        self._call("PUT", f"{self.prefix}/models/{quote(model_id, safe='')}/failure", body)

    def clear_model_failure(self, model_id: str) -> None:
        """Forget the upload failure configured for ``model_id``."""
        self._call("DELETE", f"{self.prefix}/models/{quote(model_id, safe='')}/failure")

    def project_number(self, project_id: str) -> str:
        """The project number the emulator uses in names for ``project_id`` (deterministic)."""
        return str(self._call("GET", f"{self.prefix}/projects/{quote(project_id, safe='')}/number")["number"])
