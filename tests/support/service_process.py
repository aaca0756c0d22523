"""The real service (``deploy-anywhere serve``) as a subprocess on 127.0.0.1, for durability tests
and benchmarks: start it, talk to it over HTTP, SIGKILL it, start it again on the same state.

Contract:

* :class:`ServiceConfig` is what survives a restart: data dir, database URL, executor id, the
  emulators file, the admin key and extra ``DEPLOY_ANYWHERE_*`` settings. Polling is fast
  (0.05 s, at most 0.2 s) unless overridden.
* :class:`ServiceProcess` runs one process in its own process group (``start_new_session``) on
  a free port; :meth:`~ServiceProcess.start` returns once ``GET /healthz`` answers 200 (or raises
  with the log tail); :meth:`~ServiceProcess.kill` SIGKILLs the whole group and reaps it;
  :meth:`~ServiceProcess.stop` is SIGTERM then SIGKILL. Both are idempotent. Output goes to a log
  file next to the data dir (one per start). Every request carries ``Authorization: Bearer <key>``.
* :func:`running_service` starts one, :func:`running_services` several at once (replicas); they
  are always killed on exit.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

__all__ = [
    "ServiceConfig", "ServiceProcess", "accepted", "new_admin_key", "poll_until", "running_service",
    "running_services", "wait_done", "write_emulators_file",
]

REPO = Path(__file__).resolve().parents[2]
FAST_POLLING = {"POLL_INTERVAL_SECONDS": "0.05", "POLL_MAX_INTERVAL_SECONDS": "0.2",
                "TRANSIENT_BACKOFF_SECONDS": "0.01"}
T = TypeVar("T")


def new_admin_key() -> str:
    """A random API key in the service's format, ``da_<key id>_<secret>`` (see core.auth)."""
    return f"da_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"


def write_emulators_file(path: Path, platforms: Mapping[str, Mapping[str, Any]]) -> Path:
    """Write ``{"platforms": {...}}`` (as ``deploy-anywhere emulate`` does) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"platforms": {k: dict(v) for k, v in platforms.items()}}))
    return path


@dataclass(frozen=True)
class ServiceConfig:
    """Everything one replica keeps across restarts; ``settings`` are extra ``DEPLOY_ANYWHERE_*``
    variables without the prefix (e.g. ``{"PROVISION_TIMEOUT_SECONDS": "30"}``)."""

    data_dir: Path
    emulators_file: Path
    executor_id: str
    database_url: str | None = None
    admin_key: str = field(default_factory=new_admin_key)
    settings: Mapping[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """The process environment: this one without any ``DEPLOY_ANYWHERE_*``, plus the config."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOY_ANYWHERE_")}
        values = {
            "SANDBOX": "true", "EMULATORS_FILE": str(self.emulators_file), "DATA_DIR": str(self.data_dir),
            "EXECUTOR_ID": self.executor_id, "BOOTSTRAP_ADMIN_KEY": self.admin_key, "LOG_LEVEL": "WARNING",
            **FAST_POLLING, **self.settings,
        }
        if self.database_url:
            values["DATABASE_URL"] = self.database_url
        env.update({f"DEPLOY_ANYWHERE_{k}": v for k, v in values.items()})
        env["PYTHONUNBUFFERED"] = "1"
        # the same source tree as the tests, whatever the installed distribution points at
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
        return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("deploy-anywhere")
    if script.exists():
        return [str(script), "serve", "--sandbox", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning"]


class ServiceProcess:
    """One service subprocess for ``config`` (see the module docstring)."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._client: httpx.Client | None = None
        self._starts = 0
        self.log_file: Path | None = None

    # -- lifecycle
    def start(self, timeout: float = 60.0) -> ServiceProcess:
        """Start the process and wait until ``/healthz`` answers; RuntimeError with the log tail
        if it exits or does not answer in ``timeout`` s. Starting a running process is an error."""
        if self.running:
            raise RuntimeError("the service is already running")
        for attempt in range(3):  # the free port may be taken between probe and bind
            port = _free_port()
            self._spawn(port)
            if self._wait_healthy(timeout):
                self._port = port
                return self
            in_use = "address already in use" in self.log_tail().lower()
            self.kill()
            if not in_use or attempt == 2:
                raise RuntimeError(f"the service did not start:\n{self.log_tail()}")
        raise AssertionError("unreachable")

    def _spawn(self, port: int) -> None:
        self._starts += 1
        self.log_file = self.config.data_dir.parent / f"{self.config.executor_id}-{self._starts}.log"
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            self._proc = subprocess.Popen(_command(port), cwd=REPO, env=self.config.environment(),
                                          stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        self._port = port

    def _wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            try:  # uvicorn binds after the lifespan start-up: alive afterwards = it is ours answering
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self._proc.poll() is None
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def kill(self) -> None:
        """SIGKILL the process group (no shutdown code runs) and reap it. Idempotent."""
        if not self._signal(signal.SIGKILL, wait=10):
            raise RuntimeError(f"process {self._proc.pid if self._proc else '?'} survived SIGKILL")

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (graceful shutdown), then SIGKILL if still alive after ``timeout`` s. Idempotent."""
        if not self._signal(signal.SIGTERM, wait=timeout):
            self.kill()

    def _signal(self, sig: signal.Signals, *, wait: float) -> bool:
        """Send ``sig`` to the process group; True once the process is reaped (or was never started)."""
        proc = self._proc
        if proc is None:
            return True
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return False
        self._close()
        return True

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        self._proc = None
        self._port = None

    # -- access
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int:
        """The process id (the process group id too) of the running process."""
        if self._proc is None:
            raise RuntimeError("the service is not started")
        return self._proc.pid

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the service is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.admin_key}"}

    @property
    def client(self) -> httpx.Client:
        """An HTTP client of the running process (with the admin key); closed by kill/stop."""
        if self._client is None:
            self._client = httpx.Client(base_url=self.url, headers=self.headers, timeout=30)
        return self._client

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the current log file."""
        if self.log_file is None or not self.log_file.exists():
            return "(no log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:]) or "(empty log)"


@contextmanager
def running_service(config: ServiceConfig) -> Iterator[ServiceProcess]:
    """A started :class:`ServiceProcess`, SIGKILLed (with its process group) on exit."""
    service = ServiceProcess(config)
    try:
        service.start()
        yield service
    finally:
        service.kill()


@contextmanager
def running_services(configs: Sequence[ServiceConfig]) -> Iterator[list[ServiceProcess]]:
    """Several services (replicas), started concurrently (their start-up migrations race, as in a
    rollout), in ``configs`` order; every one is SIGKILLed on exit, also if another failed to start."""
    services = [ServiceProcess(config) for config in configs]
    with ExitStack() as stack:
        for service in services:
            stack.callback(service.kill)
        with ThreadPoolExecutor(max(1, len(services))) as pool:
            for started in [pool.submit(service.start) for service in services]:
                started.result()
        yield services


def poll_until(probe: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.05) -> T:
    """Call ``probe`` until it returns something other than None/False; that value. AssertionError
    naming ``what`` (and the last value) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last is not None and last is not False:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def wait_done(client: httpx.Client, op_name: str, *, timeout: float = 60.0) -> dict[str, Any]:
    """``GET /v1/{op_name}`` until the Operation is done; the Operation."""

    def probe() -> dict[str, Any] | None:
        response = client.get(f"/v1/{op_name}")
        response.raise_for_status()
        op: dict[str, Any] = response.json()
        return op if op["done"] else None

    return poll_until(probe, timeout=timeout, what=f"{op_name} to be done")


def accepted(response: httpx.Response) -> dict[str, Any]:
    """The Operation of a 202 answer (AssertionError with the body otherwise)."""
    assert response.status_code == 202, f"{response.status_code}: {response.text}"
    op: dict[str, Any] = response.json()
    return op
