"""Step 1 of a check, read: one endpoint as the service sees it (describe, normalised, redacted).

:func:`observe` is the adapter's raw view (secret values NOT redacted: adapter-level code and tests
only). :func:`read` is what the service uses: the same read with secret env values redacted.
:func:`read_deployment` is the read of a check: it never raises :class:`DeployError` (a provider
error is returned in the :class:`Reading`, and the check records it), binds the fleet pass's shared
readings (:mod:`core.checks.read_shared`) and says when the reading began.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from core.adapter import Adapter
from core.checks import read_shared
from core.errors import DeployError
from core.live import LiveEndpoint
from core.secrets.sealing import redact_live
from core.secrets.vault import Vault
from core.spec import EndpointSpec
from core.store.db import utcnow
from core.store.records import DeploymentRecord

__all__ = ["observe", "read", "Reading", "read_deployment"]


def observe(adapter: Adapter[Any, Any], name: str, *, full: bool, owner: str | None = None) -> LiveEndpoint | None:
    """The adapter's raw view of endpoint ``name`` (None: missing). Secret values are NOT redacted:
    only adapter-level code and tests use it; the service uses :func:`read`. ``owner``: the
    deployment's owner uid (sub-resources without its stamp are reported as unmanaged)."""
    described = adapter.describe(name, full=full)
    return None if described is None else adapter.to_live(described, owner=owner)


def read(adapter: Adapter[Any, Any], spec: EndpointSpec, *, full: bool, vault: Vault | None = None,
         seen: dict[str, list[str]] | None = None, owner: str | None = None) -> LiveEndpoint | None:
    """Read ``spec``'s endpoint with its secret env values redacted
    (:func:`core.secrets.sealing.redact_live`; ``seen``: the deployment's recorded fingerprints;
    without a configured ``vault`` a secret shows as ``**redacted**``, never as its value;
    ``owner``: the deployment's owner uid, see :func:`observe`)."""
    live = observe(adapter, spec.name, full=full, owner=owner)
    fingerprint = vault.fingerprint if vault is not None and vault.configured else None
    return redact_live(spec, live, type(adapter), fingerprint=fingerprint, seen=seen or {})


@dataclass(frozen=True)
class Reading:
    """One check's read: ``live`` (redacted; None: missing or ``error`` set), the provider
    ``error`` if the read failed, ``started`` (a ``perf_counter`` stamp from before the read, for
    the check's duration) and ``read_at`` (when the reading began; None: now)."""

    live: LiveEndpoint | None
    error: DeployError | None
    started: float
    read_at: dt.datetime | None = None

    @classmethod
    def of(cls, live: LiveEndpoint | None) -> Reading:
        """An observation already made, taken now (no provider read)."""
        return cls(live, None, time.perf_counter())


def read_deployment(adapter: Adapter[Any, Any], dep: DeploymentRecord, spec: EndpointSpec, *, full: bool,
                    vault: Vault, shared: read_shared.SharedReads | None = None) -> Reading:
    """Read ``dep``'s endpoint for a check (never raises :class:`DeployError`: it is returned);
    secret env values are redacted. ``shared``: the pass's shared readings; the reading then began
    when its oldest shared part was read."""
    started, read_at = time.perf_counter(), utcnow()
    live: LiveEndpoint | None = None
    error: DeployError | None = None
    with read_shared.using(shared) as used:
        try:
            live = read(adapter, spec, full=full, vault=vault, seen=dep.secret_fingerprints, owner=dep.owner)
        except DeployError as exc:
            error = exc
    return Reading(live, error, started, used.began(read_at))
