"""Base of the emulators' control API clients (stdlib only): JSON over HTTP(S), errors, one vocabulary.

Every emulator serves ``GET /_emulator/health``, ``POST /_emulator/reset`` and, under its own
prefix (``/_emulator/<provider>``), the routes of :mod:`emulators.common.control_api`. So every
client has, with the same meaning on each emulator:

- :meth:`ControlClient.set_progression` / :meth:`~ControlClient.progression`: how changes complete;
- :meth:`~ControlClient.fail_endpoint` / :meth:`~ControlClient.clear_failure`: make an endpoint's
  creates or updates fail (sticky by default; ``once=True``: the next one only);
- :meth:`~ControlClient.set_prediction` / :meth:`~ControlClient.clear_prediction`: a canned
  data-plane answer (one body shape: bytes, text or JSON);
- :meth:`~ControlClient.inject_fault` (:mod:`emulators.common.faults`), :meth:`~ControlClient.faults`,
  :meth:`~ControlClient.injections`, :meth:`~ControlClient.clear_faults`;
- :meth:`~ControlClient.drift`: change live config behind the API's back (Vertex AI, Azure ML;
  SageMaker's endpoint configs are immutable: change them through the API);
- :meth:`~ControlClient.calls` / :meth:`~ControlClient.clear_calls`: requests answered per API
  operation;
- :meth:`~ControlClient.reset`.

A refused request (HTTP 4xx with ``{"error": ...}``) raises :class:`ControlAPIError`.
"""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from typing import Any, ClassVar
from urllib.parse import quote

__all__ = ["ControlAPIError", "ControlClient"]

_TIMEOUT_S = 10.0


class ControlAPIError(RuntimeError):
    """The control API refused a request; ``status`` is the HTTP status, ``message`` its error text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"control API answered {status}: {message}")
        self.status = status
        self.message = message


class ControlClient:
    """HTTP client of the control API of the emulator at ``url`` (e.g. ``http://127.0.0.1:54321``).

    Subclasses set :attr:`prefix` (``/_emulator/<provider>``) and add their provider's calls;
    ``context`` is the TLS context for an HTTPS emulator.
    """

    prefix: ClassVar[str] = "/_emulator"

    def __init__(self, url: str, *, context: ssl.SSLContext | None = None) -> None:
        self._url = url.rstrip("/")
        self._context = context

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send ``body`` as JSON to ``path``; the decoded JSON answer (None if empty), or :class:`ControlAPIError`."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(
            f"{self._url}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S, context=self._context) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                message = json.loads(raw).get("error", raw.decode("utf-8", "replace"))
            except (ValueError, AttributeError):
                message = raw.decode("utf-8", "replace")
            raise ControlAPIError(exc.code, str(message)) from None
        return json.loads(raw) if raw else None

    def set_progression(self, progression: str, *, times: int = 1, seconds: float = 0.0) -> None:
        """How the emulator's operations complete: ``"immediate"``, ``"manual"`` (after ``times``
        reads) or ``"time"`` (after ``seconds``); see each emulator for what a read is."""
        spec: dict[str, Any] = {"progression": progression}
        if progression == "manual":
            spec["times"] = times
        elif progression == "time":
            spec["seconds"] = seconds
        self._call("POST", f"{self.prefix}/progression", spec)

    def progression(self) -> dict[str, Any]:
        """The current progression, e.g. ``{"progression": "manual", "times": 1}``."""
        return dict(self._call("GET", f"{self.prefix}/progression")["progression"])

    def health(self) -> bool:
        """True when the emulator answers."""
        return self._call("GET", "/_emulator/health") == {"status": "ok"}

    def _endpoint(self, name: str, what: str) -> str:
        return f"{self.prefix}/endpoints/{quote(name, safe='')}/{what}"

    def fail_endpoint(self, name: str, *, on: str, reason: str, once: bool = False, code: Any = None) -> None:
        """Make the creates (``on="create"``) or updates (``on="update"``) of endpoint ``name`` fail
        with ``reason`` until :meth:`clear_failure` (``once=True``: the next one only).

        ``code`` is the provider's error code where the emulator reports one (Vertex AI: a
        ``google.rpc.Code`` number, default 9; Azure ML: an ARM error code); SageMaker takes none.
        What "fail" looks like is each emulator's (SageMaker: ``Failed`` or a rolled-back update;
        Vertex AI: the DeployModel operation's error; Azure ML: ``Failed`` operations).
        """
        body: dict[str, Any] = {"on": on, "reason": reason, "once": once}
        if code is not None:
            body["code"] = code
        self._call("PUT", self._endpoint(name, "failure"), body)

    def clear_failure(self, name: str) -> None:
        """Forget the failures configured for endpoint ``name`` (and its sub-resources')."""
        self._call("DELETE", self._endpoint(name, "failure"))

    def set_prediction(
        self,
        name: str,
        *,
        body: bytes | str | Any,
        status: int = 200,
        content_type: str = "application/json",
        deployment: str | None = None,
    ) -> None:
        """Answer the data plane of endpoint ``name`` with ``status`` and ``body`` until
        :meth:`clear_prediction`: bytes are sent as they are, a str as UTF-8, anything else
        JSON-encoded. A status other than 200 is the provider's model error (SageMaker
        ``ModelError``, Vertex AI an API error, Azure ML that status). ``deployment`` (Azure ML):
        only the requests routed to that deployment."""
        spec: dict[str, Any] = {"status": status, "content_type": content_type, **_encoded(body)}
        if deployment is not None:
            spec["deployment"] = deployment
        self._call("PUT", self._endpoint(name, "prediction"), spec)

    def clear_prediction(self, name: str) -> None:
        """Back to the default data-plane answers of endpoint ``name``."""
        self._call("DELETE", self._endpoint(name, "prediction"))

    def drift(self, name: str, patch: dict[str, Any], *, deployment: str | None = None) -> dict[str, Any]:
        """Change resource ``name`` (or its ``deployment``) behind the API's back, as someone editing
        in the console would, to test drift detection; returns the changed resource as the API
        shows it. What ``patch`` may change is each emulator's (Vertex AI: proto JSON fields of a
        model or endpoint; Azure ML: ``tags``/``traffic`` of an endpoint, ``tags``/``instance_count``
        /``environment_variables`` of a deployment)."""
        body: dict[str, Any] = {"name": name, "patch": patch}
        if deployment is not None:
            body["deployment"] = deployment
        return dict(self._call("POST", f"{self.prefix}/drift", body)["resource"])

    def _add_fault(self, spec: dict[str, Any]) -> None:
        """POST ``spec`` to the emulator's ``faults`` route."""
        self._call("POST", f"{self.prefix}/faults", spec)

    def inject_fault(
        self,
        *,
        operation: str | None = None,
        method: str | None = None,
        path_contains: str | None = None,
        status: int | None = None,
        code: str | None = None,
        delay: float = 0.0,
        drop: bool = False,
        retry_after: float | None = None,
        after: bool = False,
        count: int | None = 1,
        probability: float = 1.0,
        seed: int | None = None,
        **provider_fields: Any,
    ) -> None:
        """Fault the next ``count`` matching requests (None: until cleared); see
        :mod:`emulators.common.faults` for the vocabulary every emulator shares.

        Matching (None: any): ``operation`` (the API method, as :meth:`calls` names it),
        ``method`` (HTTP), ``path_contains`` (a substring of the path). Effect: wait ``delay``
        seconds, then ``drop`` the connection, or answer the provider's error for ``status``
        (None: the emulator's throttling answer; 0: no error, latency only) with ``code`` (None:
        the provider's code for that status) and ``retry_after`` (seconds) in its retry-after
        headers; ``after=True`` processes the request before its answer is replaced. With
        ``probability`` < 1 each matching request is faulted with that chance (draws seeded by
        ``seed``). ``provider_fields``: what only one emulator has (SageMaker ``service``, Azure
        ML ``retry_after_ms``); another emulator refuses them (:class:`ControlAPIError`).
        """
        self._add_fault(
            {
                "operation": operation,
                "method": method,
                "path_contains": path_contains,
                "status": status,
                "code": code,
                "delay": delay,
                "drop": drop,
                "retry_after": retry_after,
                "after": after,
                "count": count,
                "probability": probability,
                "seed": seed,
                **provider_fields,
            }
        )

    def faults(self) -> list[dict[str, Any]]:
        """The active faults, each with its ``id``, ``remaining``, ``matched`` and ``injected`` counts."""
        return list(self._call("GET", f"{self.prefix}/faults")["faults"])

    def injections(self) -> list[dict[str, Any]]:
        """The faults fired since the last :meth:`clear_faults` or reset, oldest first:
        ``{"at": epoch seconds, "fault": id, "request": [...]}`` (spent faults' too)."""
        return list(self._call("GET", f"{self.prefix}/faults").get("injected", []))

    def clear_faults(self) -> None:
        """Drop every active fault and forget the firings."""
        self._call("DELETE", f"{self.prefix}/faults")

    def calls(self) -> dict[str, int]:
        """API method name -> requests the emulator answered since the last reset or
        :meth:`clear_calls` (those answered by an injected fault are not counted)."""
        return {str(k): int(v) for k, v in self._call("GET", f"{self.prefix}/calls")["calls"].items()}

    def clear_calls(self) -> None:
        """Forget the request counts."""
        self._call("DELETE", f"{self.prefix}/calls")

    def reset(self) -> None:
        """Drop the emulator's state and faults (see each emulator for what is kept)."""
        self._call("POST", "/_emulator/reset")


def _encoded(body: bytes | str | Any) -> dict[str, Any]:
    """A prediction body as the control API takes it: ``base64`` (bytes), ``text`` (str) or ``json``."""
    if isinstance(body, bytes):
        return {"base64": base64.b64encode(body).decode("ascii")}
    if isinstance(body, str):
        return {"text": body}
    return {"json": body}
