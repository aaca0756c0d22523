"""The spec corpus: every spec here must round-trip on its platform (DESIGN section 4)."""

from __future__ import annotations

from pathlib import Path

from core.spec import EndpointSpec
from core.spec_io import load_spec

HERE = Path(__file__).parent


def corpus(platform: str) -> dict[str, EndpointSpec]:
    """File stem -> spec, for one platform's folder."""
    return {p.stem: load_spec(p.read_text()) for p in sorted((HERE / platform).glob("*.yaml"))}
