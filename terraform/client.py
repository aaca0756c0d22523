"""The service's REST API as the provider uses it, and waiting for operations.

Contracts:

- Every error the service returns (``{"error": {code, message, details}}``) becomes :class:`ApiError`
  with the HTTP status; a service that cannot be reached becomes :class:`ApiError` with code
  ``unreachable``. Messages never contain the token.
- Connection errors, 502/503/504 and 429 are retried a few times with backoff on reads and on
  DELETE; a PUT is retried only when the connection was refused (nothing was sent).
- :meth:`Client.wait` polls an Operation until ``done`` or the deadline; past the deadline it
  raises :class:`WaitTimeout` carrying the last Operation (the service keeps working on it).
- httpx is imported when the first client is built, not when the provider starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

__all__ = ["ApiError", "WaitTimeout", "Client", "USER_AGENT"]

USER_AGENT = "terraform-provider-deployanywhere"
_RETRY_STATUS = frozenset({429, 502, 503, 504})


class ApiError(Exception):
    """An error answer of the service (or ``unreachable``)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class WaitTimeout(Exception):
    """The operation was not done by the deadline; ``operation`` is the last one read."""

    def __init__(self, operation: dict[str, Any], seconds: float) -> None:
        super().__init__(f"operation {operation.get('id')} not done after {seconds:g}s")
        self.operation = operation
        self.seconds = seconds


class Client:
    """A REST client of one deploy-anywhere service."""

    def __init__(self, endpoint: str, token: str | None = None, *, timeout: float = 60.0,
                 attempts: int = 4, sleep: Callable[[float], None] = time.sleep) -> None:
        import httpx

        self.endpoint = endpoint.rstrip("/")
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=self.endpoint, headers=headers, timeout=timeout)
        self._httpx = httpx
        self._attempts = attempts
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------------------ transport

    def request(self, method: str, path: str, *, body: Any = None, idempotent: bool = True) -> tuple[int, Any]:
        """One call; (status, decoded JSON) for 2xx, :class:`ApiError` otherwise."""
        httpx = self._httpx
        delay = 0.2
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                response = self._http.request(method, path, json=body)
            except httpx.ConnectError as exc:
                if last:
                    raise ApiError(0, "unreachable", f"cannot reach the deploy-anywhere service at "
                                   f"{self.endpoint}: {exc}") from None
            except httpx.TransportError as exc:
                if last or not idempotent:
                    raise ApiError(0, "unreachable", f"{method} {path} to {self.endpoint} failed: "
                                   f"{type(exc).__name__}: {exc}") from None
            else:
                if response.status_code < 400:
                    return response.status_code, (response.json() if response.content else None)
                if last or response.status_code not in _RETRY_STATUS or not idempotent:
                    raise _error(response)
            self._sleep(delay)
            delay = min(delay * 2, 3.0)
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------------------ resources

    @staticmethod
    def _deployment(name: str) -> str:
        return f"/v1/deployments/{quote(name, safe='')}"

    def put_deployment(self, name: str, spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """202 -> an Operation; 200 -> the deployment (nothing to change)."""
        return self.request("PUT", self._deployment(name), body=spec, idempotent=False)

    def get_deployment(self, name: str) -> dict[str, Any] | None:
        try:
            return self.request("GET", self._deployment(name))[1]
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def live(self, name: str) -> dict[str, Any] | None:
        """The full live read (``/live``); None when the service has no such deployment.

        A service without the ``/live`` route (its 404 is not in the error format) is answered
        from the stored deployment: the desired spec stands for live, so no drift can show.
        """
        try:
            return self.request("GET", self._deployment(name) + "/live")[1]
        except ApiError as exc:
            if exc.status == 404 and exc.code == "not_found":
                return None
            if exc.status != 404:
                raise
        dep = self.get_deployment(name)
        if dep is None:
            return None
        return {**dep, "exists": dep.get("health") != "missing", "expected_revision": dep.get("revision"),
                "changes": [], "invoke_url": None}

    def delete_deployment(self, name: str) -> dict[str, Any] | None:
        """The delete Operation; None when there is no such deployment."""
        try:
            return self.request("DELETE", self._deployment(name))[1]
        except ApiError as exc:
            if exc.status == 404 and exc.code == "not_found":
                return None
            raise

    def operation(self, op_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/operations/{quote(op_id, safe='')}")[1]

    def platforms(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/v1/platforms")[1]["platforms"])

    # ------------------------------------------------------------------------------ waiting

    def wait(self, operation: dict[str, Any], *, timeout: float, interval: float = 0.1,
             max_interval: float = 2.0) -> dict[str, Any]:
        """Poll ``operation`` until done (returned); :class:`WaitTimeout` after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while not operation.get("done"):
            if time.monotonic() >= deadline:
                raise WaitTimeout(operation, timeout)
            self._sleep(min(interval, max(0.0, deadline - time.monotonic())))
            interval = min(interval * 1.5, max_interval)
            operation = self.operation(str(operation["id"]))
        return operation

    def wait_idle(self, name: str, *, timeout: float) -> None:
        """Wait for the operation running on deployment ``name``, if any (a 409 ``conflict``)."""
        deployment = self.get_deployment(name)
        current = deployment and deployment.get("current_operation")
        if current:
            self.wait(self.operation(str(current)), timeout=timeout)


def _error(response: Any) -> ApiError:
    try:
        error = response.json()["error"]
        return ApiError(response.status_code, str(error.get("code", "error")), str(error.get("message", "")),
                        error.get("details"))
    except (ValueError, KeyError, TypeError, AttributeError):
        text = response.text[:300]
        return ApiError(response.status_code, f"http_{response.status_code}",
                        f"{response.request.method} {response.request.url.path}: {text}")
