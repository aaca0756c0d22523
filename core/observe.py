"""Reading one endpoint as the service sees it: the adapter's describe, normalised, secrets redacted."""

from __future__ import annotations

from typing import Any

from core.adapter import Adapter
from core.live import LiveEndpoint
from core.secrets.sealing import redact_live
from core.secrets.vault import Vault
from core.spec import EndpointSpec

__all__ = ["observe", "observe_redacted"]


def observe(adapter: Adapter[Any, Any], name: str, *, full: bool, owner: str | None = None) -> LiveEndpoint | None:
    """The adapter's raw view of endpoint ``name`` (None: missing). Secret values are NOT redacted:
    only adapter-level code and tests use it; the service uses :func:`observe_redacted`. ``owner``:
    the deployment's owner uid (sub-resources without its stamp are reported as unmanaged)."""
    described = adapter.describe(name, full=full)
    return None if described is None else adapter.to_live(described, owner=owner)


def observe_redacted(adapter: Adapter[Any, Any], spec: EndpointSpec, *, full: bool, vault: Vault | None = None,
                     seen: dict[str, list[str]] | None = None, owner: str | None = None) -> LiveEndpoint | None:
    """Read ``spec``'s endpoint with its secret env values redacted
    (:func:`core.secrets.sealing.redact_live`; ``seen``: the deployment's recorded fingerprints;
    without a configured ``vault`` a secret shows as ``**redacted**``, never as its value;
    ``owner``: the deployment's owner uid, see :func:`observe`)."""
    live = observe(adapter, spec.name, full=full, owner=owner)
    fingerprint = vault.fingerprint if vault is not None and vault.configured else None
    return redact_live(spec, live, type(adapter), fingerprint=fingerprint, seen=seen or {})
