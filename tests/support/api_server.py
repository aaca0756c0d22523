"""Run the real API (uvicorn + FastAPI + DBOS + store) in a thread on 127.0.0.1, for tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from core.auth import new_token
from core.settings import Settings

__all__ = ["running_api", "emulator_entry", "wait_operation", "bearer"]


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for an API key."""
    return {"Authorization": f"Bearer {token}"}


def emulator_entry(emulator: Any) -> dict[str, Any]:
    """A running emulator's entry in the emulators file: its URL and, for TLS, its CA file."""
    entry: dict[str, Any] = {"url": emulator.url}
    if getattr(emulator, "ca_file", None):
        entry["ca_file"] = str(emulator.ca_file)
    return entry


@contextmanager
def running_api(tmp: Path, *, emulator_url: str | None = None,
                platforms: dict[str, dict[str, Any]] | None = None, database_url: str | None = None,
                **overrides: Any) -> Iterator[httpx.Client]:
    """Start the service in sandbox mode against the given emulators; yield a client.

    ``emulator_url``: the SageMaker emulator; ``platforms``: more entries of the emulators file
    (platform -> ``{"url": ..., "ca_file": ...}``), as ``deploy-anywhere emulate`` writes it.
    A fresh admin key is bootstrapped (``bootstrap_admin_key``, unless given in ``overrides``) and
    the client sends it: ``client.headers["Authorization"]`` is ``Bearer <admin key>``.
    """
    overrides.setdefault("bootstrap_admin_key", new_token().token)
    entries = dict(platforms or {})
    if emulator_url is not None:
        entries["sagemaker"] = {"url": emulator_url}
    emulators = tmp / "emulators.json"
    emulators.write_text(json.dumps({"platforms": entries}))
    fast = {"executor_id": "test-executor", "poll_interval_seconds": 0.05, "poll_max_interval_seconds": 0.2,
            "transient_backoff_seconds": 0.01, "queue_polling_seconds": 0.05, "webhook_dispatch_seconds": 0.1,
            "checks_enabled": False}  # scheduled checks only where a test turns them on
    settings = Settings(data_dir=tmp / "data", sandbox=True, emulators_file=emulators, database_url=database_url,
                        **(fast | overrides))
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    key = settings.bootstrap_admin_key
    headers = bearer(key.get_secret_value()) if key is not None else None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, headers=headers) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def wait_operation(client: httpx.Client, op: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
    """Poll an Operation until done; return it."""
    deadline = time.monotonic() + timeout
    while not op["done"]:
        if time.monotonic() > deadline:
            raise AssertionError(f"operation not done in {timeout}s: {op}")
        time.sleep(0.05)
        op = client.get(f"/v1/{op['name']}").json()
    return op
