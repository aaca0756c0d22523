"""Shared helpers for the secret-reference tests of the three adapters: a vault on a throwaway
SQLite store, and a deploy of a spec whose env is materialized the way the deploy workflow does it
(:func:`core.secrets.sealing.seal`, then :func:`~core.secrets.sealing.materialize` right before the
provider calls)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.live import Health, LiveEndpoint
from core.secrets.keyring import Keyring, generate_key
from core.secrets.sealing import keep_literals, materialize, redact_live, seal
from core.secrets.vault import Vault
from core.spec import EndpointSpec, revision
from core.spec_io import parse_spec
from core.store import Store
from tests.support.stepping import finalize_all, submit_all

__all__ = ["temporary_vault", "with_env", "materialized", "redacted", "deploy", "live_of"]


@contextmanager
def temporary_vault(tmp_path: Path) -> Iterator[Vault]:
    """A configured :class:`Vault` on a fresh SQLite store (disposed afterwards)."""
    store = Store(f"sqlite:///{tmp_path / 'secrets.db'}")
    store.migrate()
    try:
        yield Vault(store, Keyring.parse(generate_key()))
    finally:
        store.dispose()


def with_env(spec: EndpointSpec, env: dict[str, Any], index: int = 0) -> EndpointSpec:
    """``spec`` with variant ``index``'s env replaced by ``env`` (validated like any spec)."""
    data = spec.model_dump(mode="json")
    data["variants"][index]["env"] = env
    return parse_spec(data)


def materialized(spec: EndpointSpec, vault: Vault, adapter: Any) -> tuple[EndpointSpec, dict[str, str]]:
    """Seal as apply does, then materialize as the deploy step does: the spec the provider gets."""
    sealed = seal(spec, vault, type(adapter), deployment=spec.name)
    keep_literals(spec, vault, deployment=spec.name)
    return materialize(sealed, vault, adapter, deployment=spec.name)


def redacted(spec: EndpointSpec, live: Any, vault: Vault, adapter: Any, seen: dict[str, str]) -> Any:
    """The live view a check judges (values a deploy read become their references again)."""
    return redact_live(spec, live, type(adapter), fingerprint=vault.fingerprint,
                       seen={path: [fp] for path, fp in seen.items()})


def live_of(adapter: Any, name: str, *, full: bool = True) -> LiveEndpoint | None:
    """The adapter's normalised view of endpoint ``name`` (no redaction)."""
    described = adapter.describe(name, full=full)
    return None if described is None else adapter.to_live(described)


def deploy(adapter: Any, spec: EndpointSpec, *, reads: int = 100) -> LiveEndpoint:
    """Submit ``spec`` (a materialized copy), read until it serves its revision, finalize."""
    request = adapter.to_request(spec)
    submit_all(adapter, request)
    for _ in range(reads):
        live = live_of(adapter, spec.name, full=False)
        if live is not None and live.health is Health.SERVING and live.revision == revision(spec):
            break
    else:
        raise AssertionError(f"{spec.name} does not serve revision {revision(spec)} after {reads} reads: {live}")
    finalize_all(adapter, request)
    return live
