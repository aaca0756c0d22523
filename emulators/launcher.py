"""Start the local emulators and describe them in a small JSON file.

The file is what ``deploy-anywhere serve --sandbox`` and users' own tools read to find each
platform's endpoint::

    {"platforms": {"sagemaker": {"url": "http://127.0.0.1:..."},
                   "vertex":    {"url": "http://127.0.0.1:..."},
                   "azureml":   {"url": "https://127.0.0.1:...", "ca_file": "/.../ca.pem"}}}

Azure ML's SDK only sends credentials over TLS, so its emulator serves HTTPS with a CA made at
start-up; clients trust ``ca_file`` (``MLClient(connection_verify=...)``).

The platforms and their emulator classes come from the service's platform registry
(:data:`core.targets.PLATFORMS`, pydantic only): this launcher is the one module of ``emulators/``
that reads it, so the emulators themselves stay independent of the service.
"""

from __future__ import annotations

import importlib
import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.targets import PLATFORMS as _REGISTRY

__all__ = ["Emulators", "PLATFORMS"]

PLATFORMS: tuple[str, ...] = tuple(_REGISTRY)
"""Every platform of the service's registry (:data:`core.targets.PLATFORMS`), each with an emulator."""


def _start(platform: str, host: str, port: int, progression: dict[str, Any] | None,
           state_dir: Path | None) -> Any:
    try:
        module, name = _REGISTRY[platform].emulator.split(":", 1)
    except KeyError:
        raise ValueError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}") from None
    emulator_class = getattr(importlib.import_module(module), name)
    options: dict[str, Any] = {"progression": progression}
    if "state_dir" in inspect.signature(emulator_class).parameters:
        options["state_dir"] = state_dir  # emulators that keep files (Azure ML's CA) put them there
    emulator = emulator_class(host, port, **options)
    emulator.start()
    return emulator


@dataclass
class Emulators:
    """The emulators of this build, on 127.0.0.1. ``ports``: platform -> port (0 or absent: a
    free port); ``platforms``: which to start; ``state_dir``: where files such as the Azure CA go
    (a temporary folder when None)."""

    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=dict)
    progression: dict[str, Any] | None = None
    platforms: tuple[str, ...] = PLATFORMS
    state_dir: Path | None = None
    _running: dict[str, Any] = field(default_factory=dict)

    def start(self) -> dict[str, Any]:
        try:
            for platform in self.platforms:
                emulator = _start(platform, self.host, self.ports.get(platform, 0), self.progression,
                                  self.state_dir)
                self._running[platform] = emulator
        except BaseException:
            self.stop()
            raise
        return self.info()

    def info(self) -> dict[str, Any]:
        """``{"platforms": {platform: {"url": ..., ["ca_file": ...]}}}`` of the running emulators."""
        platforms: dict[str, Any] = {}
        for platform, emulator in self._running.items():
            entry: dict[str, Any] = {"url": emulator.url}
            if getattr(emulator, "ca_file", None):
                entry["ca_file"] = str(emulator.ca_file)
            platforms[platform] = entry
        return {"platforms": platforms}

    def write(self, path: Path) -> Path:
        """Write :meth:`info` to ``path`` atomically (a reader never sees a partial file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.info(), indent=2) + "\n")
        partial.replace(path)
        return path

    def stop(self) -> None:
        while self._running:
            _, emulator = self._running.popitem()
            emulator.stop()
