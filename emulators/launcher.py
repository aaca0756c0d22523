"""Start the local emulators and describe them in a small JSON file.

The file is what ``deploy-anywhere serve --sandbox`` and users' own tools read to find each
platform's endpoint::

    {"platforms": {"sagemaker": {"url": "http://127.0.0.1:..."},
                   "vertex":    {"url": "http://127.0.0.1:..."},
                   "azureml":   {"url": "https://127.0.0.1:...", "ca_file": "/.../ca.pem"}}}

Azure ML's SDK only sends credentials over TLS, so its emulator serves HTTPS with a CA made at
start-up; clients trust ``ca_file`` (``MLClient(connection_verify=...)``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Emulators", "PLATFORMS"]

PLATFORMS = ("sagemaker", "vertex", "azureml")


def _start(platform: str, host: str, port: int, progression: dict[str, Any] | None,
           state_dir: Path | None) -> Any:
    if platform == "sagemaker":
        from emulators.sagemaker.server import SageMakerEmulator

        emulator: Any = SageMakerEmulator(host, port, progression=progression)
    elif platform == "vertex":
        from emulators.vertex.server import VertexEmulator

        emulator = VertexEmulator(host, port, progression=progression)
    elif platform == "azureml":
        from emulators.azureml.server import AzureMLEmulator

        emulator = AzureMLEmulator(host, port, progression=progression, state_dir=state_dir)
    else:
        raise ValueError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
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
