"""How many requests of each API method an emulator answered (``GET /_emulator/<provider>/calls``).

Tests and benchmarks use the counts to show what a client really sent, e.g. "exactly one
CreateEndpoint per deployment" across several service replicas. Counted: requests that reached the
emulated API (not those answered by an injected fault, nor control API requests), by the
provider's method name (``CreateEndpoint``, ``DescribeEndpoint``, ``UploadModel`` ...).
"""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["CallCounter"]


class CallCounter:
    """Thread-safe count of answered API requests by method name; cleared by the emulator's reset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, method: str) -> None:
        """Count one request of ``method``."""
        with self._lock:
            self._counts[method] += 1

    def counts(self) -> dict[str, int]:
        """Method name -> requests answered so far (a copy, sorted by name)."""
        with self._lock:
            return dict(sorted(self._counts.items()))

    def clear(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()
