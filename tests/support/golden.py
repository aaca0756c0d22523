"""Golden files: expected provider requests, checked in, compared byte for byte.

``UPDATE_GOLDEN=1`` rewrites them after an intended change; a missing file is written locally but
fails under CI (``CI`` set), so CI never passes by creating its own expectations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

__all__ = ["assert_golden"]


def assert_golden(path: Path, data: Any) -> None:
    """``data`` as sorted, indented JSON must equal the file at ``path``."""
    got = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"golden file {path.name} missing in CI")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert got == path.read_text(), f"request for {path.stem} changed; rerun with UPDATE_GOLDEN=1 if intended"
