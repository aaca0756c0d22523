"""The spec corpus: every spec here must round-trip on its platform (DESIGN section 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.spec import EndpointSpec
from core.spec_io import load_spec
from tests.platforms import NAMES

__all__ = ["corpus", "CORPORA", "cases"]

HERE = Path(__file__).parent


def corpus(platform: str) -> dict[str, EndpointSpec]:
    """File stem -> spec, for one platform's folder."""
    return {p.stem: load_spec(p.read_text()) for p in sorted((HERE / platform).glob("*.yaml"))}


CORPORA: dict[str, dict[str, EndpointSpec]] = {platform: corpus(platform) for platform in NAMES}
"""Every platform's corpus (tests/platforms.py order)."""


def cases() -> list[Any]:
    """``pytest.param(platform, name)`` for every spec of every corpus, with id ``platform-name``:
    a parametrisation of ``("env", "name")`` with ``indirect=["env"]`` (tests/contract/conftest.py)."""
    return [pytest.param(platform, name, id=f"{platform}-{name}")
            for platform, specs in CORPORA.items() for name in sorted(specs)]
