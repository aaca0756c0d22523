"""Start the local emulators and describe them in a small JSON file.

The file (``{"platforms": {"sagemaker": {"url": ...}}}``) is what ``deploy-anywhere serve
--sandbox`` and users' own tools read to find each platform's URL; Vertex AI and Azure ML add their
entries when their emulators exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Emulators"]


@dataclass
class Emulators:
    """All emulators of this build, on 127.0.0.1 (``port`` 0: free ports)."""

    host: str = "127.0.0.1"
    sagemaker_port: int = 0
    progression: dict[str, Any] | None = None
    _running: list[Any] = field(default_factory=list)

    def start(self) -> dict[str, Any]:
        from emulators.sagemaker.server import SageMakerEmulator

        sagemaker = SageMakerEmulator(self.host, self.sagemaker_port, progression=self.progression)
        sagemaker.start()
        self._running.append(sagemaker)
        return self.info()

    def info(self) -> dict[str, Any]:
        return {"platforms": {"sagemaker": {"url": self._running[0].url}}} if self._running else {"platforms": {}}

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.info(), indent=2) + "\n")
        return path

    def stop(self) -> None:
        while self._running:
            self._running.pop().stop()
