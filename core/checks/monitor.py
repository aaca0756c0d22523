"""The monitoring use cases: checks (one, or the fleet), the live view, history, the fleet summary,
and acting on drift (reconcile, accept-live, auto-remediation).

Every check, whoever asks for it (API, CLI, scheduler, the end of an operation), goes through
:class:`core.checks.schedule.FleetPass` and is recorded with its transitions; :meth:`Monitor._after` counts
it (``core.metrics``). The auto-remediation policy is applied by the caller's context: API checks
start the reconcile at once; scheduled batches return the names due and their workflow starts them
(a durable step may not start workflows); the check closing an operation never remediates. Events
are delivered to webhooks by the jobs' outbox dispatcher, never inline: a check never waits on a
webhook.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from core import metrics
from core.auth import Scope
from core.checks.judge import judge_deployment
from core.checks.read import Reading
from core.checks.read_budget import RateLimiter
from core.checks.record import Finding, finding
from core.checks.record_patch import in_spec, live_document, to_patch
from core.checks.schedule import FleetPass
from core.diff import Change, matches
from core.errors import Conflict, DeployError, NotFound, SpecError
from core.live import Health, LiveEndpoint
from core.registry import adapter_class
from core.secrets.vault import Vault
from core.spec_io import parse_spec
from core.store import CheckResultRecord, DeploymentRecord, OperationRecord, Store
from core.store.checks import EventRecord, Recorded
from core.unreadable import covered

__all__ = ["Monitor", "DeployStarter", "CHECK_MODES"]

log = logging.getLogger(__name__)

CHECK_MODES = ("basic", "full")


def _mode(mode: str) -> None:
    if mode not in CHECK_MODES:
        raise SpecError("mode must be basic or full", details=[{"path": "mode", "message": repr(mode)}])


class DeployStarter(Protocol):
    def start_deploy(self, op_id: str, name: str, revision: str, *, account: str,
                     verify: bool = False) -> None: ...


class Monitor:
    """Checks and drift handling over one store; ``adapter_for(spec)`` gives a bound adapter."""

    def __init__(self, store: Store, adapter_for: Any, jobs: DeployStarter, *, concurrency: int = 16,
                 requests_per_second: float | None = None, vault: Vault) -> None:
        self._store = store
        self.jobs = jobs
        self._adapter_for = adapter_for
        self.fleet = FleetPass(store, adapter_for, after=self._after, concurrency=concurrency,
                                  limiter=RateLimiter(requests_per_second) if requests_per_second else None,
                                  vault=vault)

    def _get(self, name: str) -> DeploymentRecord:
        dep = self._store.deployments.get(name)
        if dep is None:
            raise NotFound(f"deployment {name!r} not found")
        return dep

    # ---------------------------------------------------------------------------------- checks

    def check(self, name: str, *, mode: str = "basic", trigger: str = "manual",
              remediate: bool = True) -> tuple[Finding, CheckResultRecord]:
        """Check ``name`` now and record it. A provider error is recorded (health/sync unknown),
        then raised. ``remediate``: apply the auto-remediation policy (starts an operation; never
        from inside a durable step, where starting workflows is not allowed)."""
        _mode(mode)
        (found, recorded), = self.fleet.run([(self._get(name), mode)], trigger=trigger, charged=False)
        if remediate and self._due(found, recorded):
            self._remediate(name)
        if found.error is not None:
            raise found.error
        if recorded is None:
            raise NotFound(f"deployment {name!r} was deleted during the check")
        return found, recorded.result

    def record_observed(self, name: str, live: LiveEndpoint, *, trigger: str = "operation") -> CheckResultRecord | None:
        """Record ``live`` (a redacted basic observation that closes a successful rollout: the one
        that saw the endpoint serve) as a basic check of ``name``, without reading the provider
        again; the rollout re-applied every field, so no earlier unobserved drift is carried past
        it. None when the deployment is gone."""
        dep = self._get(name)
        spec = parse_spec(dep.spec)
        reading = Reading.of(live)
        outcome = judge_deployment(dep, spec, live, adapter_class(spec.platform).capabilities)
        found = finding(dep, spec, reading, outcome, mode="basic", trigger=trigger, reapplied=True)
        (recorded,) = self._store.checks.record([found.write])
        self._after(found, recorded)
        return None if recorded is None else recorded.result

    def check_all(self, *, mode: str = "basic", platform: str | None = None, trigger: str = "manual",
                  scope: Scope | None = None) -> list[tuple[Finding, Recorded | None]]:
        """Check every deployment not being deleted (on ``platform``, within ``scope``); a caller
        waits: the budget is not charged."""
        _mode(mode)
        deps, offset = [], 0
        while page := self._store.deployments.list(platform=platform, limit=1000, offset=offset, scope=scope):
            deps += [d for d in page if not d.deleting]
            offset += len(page)
        done = self.fleet.run([(d, mode) for d in deps], trigger=trigger, charged=False)
        for found, recorded in done:
            if self._due(found, recorded):
                self._remediate(found.deployment.name)
        return done

    def check_batch(self, names: list[str], *, mode: str, trigger: str = "scheduled") -> list[str]:
        """A scheduled batch: the deployments still present, budget charged. Returns the names due
        for auto-remediation; the caller starts them (:meth:`begin_remediation`) outside any step."""
        deps = [d for d in (self._store.deployments.get(n) for n in names) if d is not None and not d.deleting]
        done = self.fleet.run([(d, mode) for d in deps], trigger=trigger, charged=True)
        return [a.deployment.name for a, rec in done if self._due(a, rec)]

    @staticmethod
    def _after(found: Finding, recorded: Recorded | None) -> None:
        metrics.observe_check(found.spec.platform, found.mode, found.seconds)
        for event in recorded.events if recorded is not None else ():
            metrics.event_emitted(event.type, event.current)

    @staticmethod
    def _due(found: Finding, recorded: Recorded | None) -> bool:
        policy = found.spec.sync_policy
        return (recorded is not None and policy.auto_remediate
                and recorded.drift_streak >= policy.remediate_after)

    def begin_remediation(self, name: str) -> OperationRecord | None:
        """Store a reconcile operation for ``name`` and its ``remediation`` event, without starting
        it; None when an operation runs already (it settles things) or the deployment is gone."""
        dep = self._store.deployments.get(name)
        if dep is None or dep.deleting:
            return None
        try:
            op = self._store.deployments.begin_operation(name, kind="apply", platform=dep.platform, spec=dep.spec,
                                            revision=dep.revision)
        except (Conflict, NotFound):
            return None
        last = self._store.checks.history(name, limit=1)
        self._store.checks.reset_streak(name)
        self._store.checks.add_event(name, type="remediation", current="started", data={
            "operation": op.id, "revision": op.revision, "after_checks": dep.drift_streak,
            "changes": [c for c in (last[0].drift if last else []) if c.get("severity") == "material"]})
        return op

    def _remediate(self, name: str) -> None:
        try:
            op = self.begin_remediation(name)
        except DeployError as exc:
            log.warning("auto-remediation of %s did not start: %s", name, exc.message)
            return
        if op is not None:
            self.jobs.start_deploy(op.id, name, op.revision or "", account=self._account(name), verify=True)

    def _account(self, name: str) -> str:
        return parse_spec(self._get(name).spec).target.account

    # ------------------------------------------------------------------------------ live view

    def live(self, name: str) -> dict[str, Any]:
        """A full check now; the live config in the spec's shape, the changes and their patch.
        ``unreadable``: the paths whose live value could not be read (-> why); ``spec`` keeps the
        expected value there, which is not a live value."""
        found, result = self.check(name, mode="full", remediate=False)
        dep = found.deployment
        live = found.live
        patch = result.patch or []
        return {
            "name": name, "platform": dep.platform, "exists": live is not None,
            "health": result.health, "sync": result.sync, "revision": result.revision_live,
            "expected_revision": result.revision_expected,
            "spec": None if live is None else live_document(dep.spec, patch),
            "changes": result.drift, "patch": patch,
            "unreadable": {} if live is None else dict(live.unreadable),
            "provider_ids": {} if live is None else live.provider_ids,
            "invoke_url": None if live is None else live.invoke_url,
            "checked_at": result.checked_at.isoformat(),
        }

    # --------------------------------------------------------------------------- acting on drift

    def reconcile(self, name: str) -> OperationRecord:
        """Re-apply the stored spec (a rollout even if the revision is unchanged): live is brought
        back to the expected setup, foreign sub-resources inside the endpoint removed (traffic moved
        off first). Verified: the operation succeeds only when a full check after the rollout is
        in sync, and its result lists what changed. Conflict while an operation runs."""
        dep = self._get(name)
        if dep.deleting:
            raise Conflict(f"deployment {name!r} is being deleted", details={"operation": dep.current_operation_id})
        op = self._store.deployments.begin_operation(name, kind="apply", platform=dep.platform, spec=dep.spec,
                                        revision=dep.revision)
        self.jobs.start_deploy(op.id, name, dep.revision, account=self._account(name), verify=True)
        return op

    def accept_live(self, name: str, *, paths: list[str] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The stored spec with the live values of the drifted fields (all, or those matching the
        glob ``paths``): ``(new spec document, adopted changes)``. Nothing is stored here: the caller
        applies the document (a new revision; the rollout only restamps what is already live).

        Conflict when the endpoint is missing (nothing to adopt); SpecError when a path to adopt
        (or one under it) has no live value to adopt, because the check could not read it
        (``Change.unreadable``: details name each path and why, dry run or not), or when the live
        values do not make a valid spec (paths say which).
        """
        dep = self._get(name)
        found, result = self.check(name, mode="full", remediate=False)
        if found.live is None:
            raise Conflict(f"{name}: the endpoint is missing on the provider; there is nothing to adopt",
                           details={"health": Health.MISSING.value})
        adopted = [c for c in result.drift if in_spec(c["path"])  # never revision, endpoint, unmanaged[...]
                   and (paths is None or matches(c["path"], paths))]
        unread = [c for c in result.drift if c.get("unreadable") is not None
                  and covered(c["path"], [a["path"] for a in adopted])]
        if unread:
            raise SpecError(
                f"{name}: {len(unread)} live value(s) could not be read and cannot be adopted; adopt "
                f"other paths, or reconcile to restore the spec",
                details=[{"path": c["path"], "message": f"unreadable: {c['unreadable']}"} for c in unread])
        document = live_document(dep.spec, to_patch(dep.spec, [Change.model_validate(c) for c in adopted]))
        try:
            parse_spec(document)
        except SpecError as exc:
            raise SpecError(f"{name}: the live values do not make a valid spec; adopt fewer paths or "
                            f"reconcile instead", details=exc.details) from None
        return document, adopted

    # ---------------------------------------------------------------------------------- reads

    def history(self, name: str, *, limit: int = 50, mode: str | None = None,
                before: int | None = None) -> list[CheckResultRecord]:
        """``name``'s recorded checks, newest first (``before``: ids below it); NotFound when
        neither the deployment nor any check of it exists."""
        if self._store.deployments.get(name) is None and not self._store.checks.history(name, limit=1):
            raise NotFound(f"deployment {name!r} not found")
        return self._store.checks.history(name, limit=limit, mode=mode, before=before)

    def summary(self, *, platform: str | None = None, worst: int = 20, scope: Scope | None = None) -> dict[str, Any]:
        """Fleet counts by health, sync and platform, and the ``worst`` deployments, worst first
        (:data:`core.live.HEALTH_ORDER`)."""
        return self._store.checks.summary(platform=platform, worst=worst, scope=scope)

    def counts(self) -> list[tuple[str, str, str, int]]:
        """``(platform, health, sync, count)`` over every deployment (the fleet metrics)."""
        return self._store.checks.counts()

    def events(self, *, deployment: str | None = None, after: int | None = None, limit: int = 100,
               scope: Scope | None = None) -> list[EventRecord]:
        """Transition and remediation events, newest first (``after``: only ids above it, oldest
        first, for tailing), within ``scope``."""
        return self._store.checks.events(deployment=deployment, after=after, limit=limit, scope=scope)
