"""The use cases every front end calls: plan, apply, status, check, delete (and reads).

Front ends (REST API, CLI through the API, Terraform through the API) never talk to adapters or the
store directly: they call :class:`Service` (the deployments' use cases) and the use-case objects
it exposes, ``checks`` (:class:`core.checks.monitor.Monitor`), ``secrets``
(:class:`core.secrets.vault.Vault`), ``keys`` (:class:`core.store.keys.ApiKeys`), ``audit``
(:class:`core.store.audit.AuditLog`) and ``idempotency``
(:class:`core.store.idempotency.IdempotencyKeys`); the last three are the repositories whose
methods are the use cases themselves (create/revoke a key, record/list audit events, claim/complete
an idempotent request). ``tests/api/test_layers.py`` enforces it for ``api/``. Long work is handed
to the durable jobs (:class:`JobStarter`) after an Operation row is stored, so a 202 always names an
operation that will run.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any, Protocol

from core.adapter import Adapter, find_gaps
from core.auth import Scope
from core.checks.judge import judge
from core.checks.monitor import Monitor
from core.checks.read import read
from core.diff import replacements
from core.errors import (
    Conflict,
    DeployError,
    NotFound,
    ProviderError,
    RequiresReplacement,
    SpecError,
    UnsupportedFeature,
)
from core.live import Health, Sync
from core.ownership import Ownership, not_owned
from core.preconditions import Preconditions
from core.registry import AdapterFactory, adapter_class
from core.secrets.keyring import Keyring
from core.secrets.sealing import keep_literals, preview, seal
from core.secrets.vault import Vault
from core.spec import EndpointSpec, revision
from core.spec_io import parse_spec
from core.store import CheckResultRecord, DeploymentRecord, OperationRecord, Store

__all__ = ["JobStarter", "Service", "ApplyResult"]


class JobStarter(Protocol):
    """Starts durable workflows; the operation id is the workflow id (so a start is idempotent).
    ``account`` (``target.account``) is the partition of the per-account concurrency/rate limits."""

    def start_deploy(self, op_id: str, name: str, revision: str, *, account: str,
                     verify: bool = False) -> None: ...
    def start_delete(self, op_id: str, name: str, *, account: str) -> None: ...
    def cancel(self, op_id: str) -> None: ...


@dataclass(frozen=True)
class ApplyResult:
    """``operation`` is None when nothing had to change (HTTP 200 instead of 202)."""

    deployment: DeploymentRecord
    operation: OperationRecord | None


class Service:
    """Use cases over one store, one adapter factory and one job starter."""

    def __init__(self, store: Store, adapters: AdapterFactory, jobs: JobStarter, *, check_concurrency: int = 16,
                 provider_requests_per_second: float | None = None, keyring: Keyring | None = None) -> None:
        self._store = store
        self.adapters = adapters
        self.jobs = jobs
        self.secrets = Vault(store, keyring)
        """Service secrets, literal secret values, fingerprints."""
        self.checks = Monitor(store, self._adapter, jobs, concurrency=check_concurrency,
                              requests_per_second=provider_requests_per_second, vault=self.secrets)
        """Checks, drift handling, history, events and the fleet summary."""
        self.keys = store.keys
        """API keys: create, list, revoke, authenticate, register the bootstrap key."""
        self.audit = store.audit
        """The audit log: record and list events."""
        self.idempotency = store.idempotency
        """First responses of requests sent with an ``Idempotency-Key``."""

    # ------------------------------------------------------------------------------ validation

    def validate(self, data: Any, *, name: str | None = None) -> EndpointSpec:
        """Parse and check a spec: SpecError (paths) or UnsupportedFeature (every gap at once)."""
        if isinstance(data, dict) and name is not None and "name" not in data:
            data = {**data, "name": name}
        spec = data if isinstance(data, EndpointSpec) else parse_spec(data)
        if name is not None and spec.name != name:
            raise SpecError("the spec's name differs from the deployment name in the URL",
                            details=[{"path": "name", "message": f"expected {name!r}, got {spec.name!r}"}])
        gaps = find_gaps(adapter_class(spec.platform), spec)
        if gaps:
            raise UnsupportedFeature(
                f"{spec.platform} cannot deploy this spec: {len(gaps)} gap(s)",
                details=[g.to_dict() for g in gaps])
        return spec

    def sealed(self, spec: EndpointSpec) -> EndpointSpec:
        """``spec`` with its literal secret values replaced by their fingerprints (nothing stored);
        :class:`SecretUnavailable` with paths for secrets that cannot be used."""
        return seal(spec, self.secrets, adapter_class(spec.platform), deployment=spec.name)

    def spec_of(self, dep: DeploymentRecord) -> EndpointSpec:
        return parse_spec(dep.spec)

    def _adapter(self, spec: EndpointSpec) -> Adapter[Any, Any]:
        return self.adapters.for_target(spec.target)

    # ---------------------------------------------------------------------------------- reads

    def get(self, name: str) -> DeploymentRecord:
        dep = self.find(name)
        if dep is None:
            raise NotFound(f"deployment {name!r} not found")
        return dep

    def find(self, name: str) -> DeploymentRecord | None:
        """The deployment called ``name``, None when there is none."""
        return self._store.deployments.get(name)

    def find_operation(self, op_id: str) -> OperationRecord | None:
        """The operation ``op_id``, None when there is none."""
        return self._store.deployments.get_operation(op_id)

    def list(self, *, platform: str | None = None, limit: int = 100, offset: int = 0,
             scope: Scope | None = None) -> list[DeploymentRecord]:
        """Deployments by name; only those within ``scope`` (an API key's) when given."""
        return self._store.deployments.list(platform=platform, limit=limit, offset=offset, scope=scope)

    def operations(self, *, deployment: str | None = None, state: str | None = None,
                   limit: int = 100, scope: Scope | None = None) -> builtins.list[OperationRecord]:
        """Operations, newest first, optionally of one deployment and/or in one state, within ``scope``."""
        return self._store.deployments.list_operations(deployment=deployment, state=state, limit=limit, scope=scope)

    def operation(self, op_id: str) -> OperationRecord:
        op = self.find_operation(op_id)
        if op is None:
            raise NotFound(f"operation {op_id!r} not found")
        return op

    @staticmethod
    def _replacements(spec: EndpointSpec, adapter: Adapter[Any, Any],
                      existing: DeploymentRecord | None) -> builtins.list[dict[str, Any]]:
        """Changes from the stored spec (``existing``) that the platform cannot make in place."""
        if existing is None or existing.spec is None:
            return []
        previous = parse_spec(existing.spec)
        if previous.platform != spec.platform:
            return [{"path": "target.platform", "from": previous.platform, "to": spec.platform,
                     "reason": "a deployment cannot move between platforms"}]
        return replacements(previous.config, spec.config, adapter.capabilities.replacement)

    # ----------------------------------------------------------------------------------- plan

    def _owned(self, adapter: Adapter[Any, Any], spec: EndpointSpec) -> Ownership | None:
        """The deployment's ownership (None: not stored yet); :class:`NotOwned` (409) when an
        endpoint called ``spec.name`` exists that is not this deployment's (one provider read;
        :mod:`core.ownership`). Checked before anything is written."""
        ownership = self._store.deployments.ownership(spec.name)
        stamps = adapter.stamps(spec.name)
        if stamps is not None and (ownership is None or not ownership.owns(stamps)):
            raise not_owned(spec.platform, spec.name, stamps)
        return ownership

    def plan(self, data: Any) -> dict[str, Any]:
        """Dry run: the provider-native calls apply would send, and the diff against live.
        NotOwned (409) when an endpoint of that name exists that this deployment did not create."""
        spec = self.sealed(self.validate(data))
        adapter = self._adapter(spec)
        existing = self._store.deployments.get(spec.name)
        ownership = self._owned(adapter, spec)
        live = read(adapter, spec, full=True, vault=self.secrets,
                       seen=existing.secret_fingerprints if existing is not None else None,
                       owner=ownership.uid if ownership is not None else None)
        outcome = judge(spec, live, adapter.capabilities)
        request = adapter.to_request(preview(spec, type(adapter)), owner=ownership)
        in_sync = live is not None and outcome.sync is Sync.IN_SYNC and live.health is Health.SERVING
        replace = self._replacements(spec, adapter, existing)
        return {
            "name": spec.name, "platform": spec.platform, "revision": revision(spec),
            "exists": live is not None,
            "live": None if live is None else {"health": live.health.value, "revision": live.revision},
            "calls": [] if in_sync or replace else adapter.request_calls(request, exists=live is not None),
            "changes": [c.model_dump(mode="json") for c in outcome.drift.changes],
            "requires_replacement": replace,
            "in_sync": in_sync,
        }

    # ---------------------------------------------------------------------------------- apply

    def apply(self, name: str, data: Any, *, preconditions: Preconditions | None = None) -> ApplyResult:
        """Store the desired spec and start a deploy, unless live already serves it in sync.

        Raises Conflict (409) when an operation on ``name`` is still running,
        RequiresReplacement (409) when the change cannot be made in place (nothing is sent),
        NotOwned (409) when an endpoint called ``name`` exists that this deployment did not create
        (nothing is written; :mod:`core.ownership`; when the provider cannot be read at that moment,
        the operation's submit refuses it instead, before any write), and PreconditionFailed (412) when
        ``preconditions`` (If-Match / If-None-Match) do not hold.
        """
        raw = self.validate(data, name=name)
        existing = self._store.deployments.get(name)
        replace = self._replacements(raw, self._adapter(raw), existing)
        if replace:
            raise RequiresReplacement(
                f"{name}: {len(replace)} change(s) cannot be made in place on {raw.platform}; "
                f"delete the deployment and apply the spec again", details=replace)
        try:
            self._owned(self._adapter(raw), raw)
        except ProviderError:
            pass  # the provider cannot be read now: the rollout's submit checks ownership before any write
        spec = self.sealed(raw)
        rev = revision(spec)
        last = self._last_successful_apply(name) if existing is not None else None
        if existing is not None and existing.revision == rev and existing.current_operation_id is None and last:
            if preconditions:
                preconditions.check(name, existing.etag)
            data = spec.model_dump(mode="json")
            if data != existing.spec:  # test queries or the sync policy changed: store them, judge with them
                self._store.deployments.update_spec(name, data)
                preconditions = None  # held above; the ETag moved because of this very request
            # "unchanged" only when EVERY field was compared since the last write: a basic check
            # does not read some (SageMaker tags and autoscaling...); drift it cannot see is
            # carried in the merged sync, so an out-of-sync answer below re-applies it
            full = existing.full_checked_at is None or existing.full_checked_at < last.updated_at
            result = self.checks.check(name, mode="full" if full else "basic")[1]
            if result.health == Health.SERVING.value and result.sync == Sync.IN_SYNC.value:
                return ApplyResult(self.get(name), None)
        op = self._store.deployments.begin_operation(name, kind="apply", platform=spec.platform,
                                        spec=spec.model_dump(mode="json"), revision=rev,
                                        preconditions=preconditions)
        keep_literals(raw, self.secrets, deployment=name)
        self.jobs.start_deploy(op.id, name, rev, account=spec.target.account)
        return ApplyResult(self.get(name), op)

    def _last_successful_apply(self, name: str) -> OperationRecord | None:
        """The last operation on ``name`` when it is an apply that succeeded, else None: a revision
        whose last operation was cancelled, failed or timed out may not have been finalized
        (autoscaling, pruning): applying it again runs the rollout, which converges."""
        last = self._store.deployments.list_operations(deployment=name, limit=1)
        return last[0] if last and last[0].kind == "apply" and last[0].state == "succeeded" else None

    def delete(self, name: str, *, preconditions: Preconditions | None = None) -> OperationRecord:
        """Start deleting ``name`` and every cloud resource made for it; Conflict while busy,
        PreconditionFailed when ``preconditions`` do not hold."""
        dep = self.get(name)
        op = self._store.deployments.begin_operation(name, kind="delete", platform=dep.platform,
                                        spec=None, revision=None, preconditions=preconditions)
        self.jobs.start_delete(op.id, name, account=self.spec_of(dep).target.account)
        return op

    def cancel(self, op_id: str) -> OperationRecord:
        """Stop an operation: its workflow stops polling at the next step and is never resumed.

        Nothing is rolled back on the provider (a half-finished rollout keeps what it made and the
        previous revision's resources stay until the next apply or delete, which converge from
        there); the operation ends ``cancelled`` with an error that says what it left: the live
        health and revision from a fresh basic check. Conflict (409) when it is already done.
        """
        op = self.operation(op_id)
        if op.done:
            raise Conflict(f"operation {op_id} is already done ({op.state})", details={"operation": op_id})
        self.jobs.cancel(op_id)
        left: dict[str, Any] = {"phase": op.phase}
        dep = self._store.deployments.get(op.deployment_name)
        if dep is not None:
            spec = self.spec_of(dep)
            try:  # one read serves the report and, unless it is being deleted, the recorded check
                live = (read(self._adapter(spec), spec, full=False, vault=self.secrets,
                                seen=dep.secret_fingerprints, owner=dep.owner) if dep.deleting
                        else self.checks.check(dep.name, mode="basic")[0].live)
            except DeployError as exc:
                left["observe_error"] = exc.message
            else:
                left |= {"health": Health.MISSING.value if live is None else live.health.value,
                         "live_revision": None if live is None else live.revision,
                         "pending_revision": None if live is None else live.pending_revision,
                         "provider_status": None if live is None else live.provider_status}
        message = (f"cancelled during {op.phase}; nothing was rolled back: the next apply or delete "
                   f"continues from what is live")
        return self._store.deployments.finish_operation(op_id, state="cancelled", error={
            "code": "cancelled", "message": message, "details": {"left": left}})

    # --------------------------------------------------------------------------------- checks

    def check(self, name: str, *, mode: str = "basic") -> CheckResultRecord:
        """Observe the live endpoint now (basic: fewest reads; full: every field) and record it."""
        return self.checks.check(name, mode=mode)[1]

    def status(self, name: str) -> DeploymentRecord:
        """A fresh basic check (unless the deployment is being deleted), then the deployment."""
        dep = self.get(name)
        if not dep.deleting:
            self.checks.check(name, mode="basic")
        return self.get(name)
