"""Reading one endpoint as the service sees it: the adapter's describe, normalised, secrets redacted."""

from __future__ import annotations

from typing import Any

from core.adapter import Adapter
from core.live import LiveEndpoint
from core.secrets.sealing import redact_live
from core.secrets.vault import Vault
from core.spec import EndpointSpec

__all__ = ["observe"]


def observe(adapter: Adapter[Any, Any], spec: EndpointSpec, *, full: bool, vault: Vault,
            seen: dict[str, list[str]] | None = None) -> LiveEndpoint | None:
    """Read ``spec``'s endpoint; secret env values redacted (:func:`core.secrets.sealing.redact_live`,
    ``seen``: the deployment's recorded fingerprints)."""
    described = adapter.describe(spec.name, full=full)
    live = None if described is None else adapter.to_live(described)
    return redact_live(spec, live, type(adapter), fingerprint=vault.fingerprint if vault.configured else None,
                       seen=seen or {})
