"""Durable deploy and delete workflows on DBOS Transact.

Every provider call is a DBOS step; waits use ``DBOS.sleep``; deadlines are computed from times
recorded as steps. A restart (same executor id) resumes a workflow at the step where it stopped
without repeating finished ones; the adapters' idempotent edges cover the one step that may run
twice (the one in flight at the crash). The workflow id is the operation id.

Deploy: submit (stepped: repeated with its pending provider operations until done, like every
adapter write) -> provision (poll until serving with the revision gate) -> test queries -> finalize
(autoscaling, prune the previous revision) -> record the serving read as a basic check (health and
sync, no provider call) -> done. The new revision's full check is the scheduler's: storing a revision
clears the deployment's full-check clock, so the next sweep tick checks it fully, within the
provider request budget, instead of adding ~7 reads to every deploy's latency. A failure discards what the
rollout left (no orphans) and records the provider's reason; running out of the provision budget
is ``timed_out`` (the provider may still finish; a later check picks it up).

Ownership (:mod:`core.ownership`): every request carries the deployment's owner, so submit refuses
(``not_owned``) an endpoint under the name that is not this deployment's before writing anything,
and the failure's rollback then leaves it alone; a delete never removes such an endpoint (its
result lists it under ``left``). A reconcile (``verify``) runs a full check before and after the
rollout: it succeeds only when the closing one is serving and in sync (else it fails naming what is
left), and its result lists what it changed (``changed``: the drift items that are gone).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from dbos import DBOS

from core import metrics
from core.adapter import Progress
from core.checks.read import read
from core.errors import DeployError, DeploymentFailed, NotOwned, ServingTimeout
from core.jobs.runtime import bind, ensure_current, runtime
from core.live import LiveEndpoint
from core.queries import evaluate
from core.secrets.sealing import has_secrets, materialize
from core.spec import EndpointSpec
from core.spec_io import parse_spec
from core.wait import ServingGate, call_with_retry, poll_until_serving

__all__ = ["deploy_workflow", "delete_workflow"]


def _spec(spec_json: dict[str, Any]) -> EndpointSpec:
    return parse_spec(spec_json)


def _live(data: dict[str, Any] | None) -> LiveEndpoint | None:
    return None if data is None else LiveEndpoint.model_validate(data)


def _retry(fn: Any) -> Any:
    return call_with_retry(fn, runtime().settings.wait_policy(), sleep=time.sleep)


# ------------------------------------------------------------------------------------- steps

F = TypeVar("F", bound=Callable[..., Any])


def guarded(fn: F) -> F:
    """Check the runtime epoch BEFORE entering DBOS (see core.jobs.runtime): a thread left over
    from a shut-down runtime must not record steps into the current DBOS instance."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ensure_current()
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


_sleep = guarded(DBOS.sleep)


@guarded
@DBOS.step()
def _now() -> float:
    return time.time()


@guarded
@DBOS.step()
def _load_spec(name: str, rev: str) -> dict[str, Any]:
    for revision, spec, _ in runtime().store.deployments.revisions(name)[::-1]:  # newest first
        if revision == rev:
            return spec
    raise DeploymentFailed(f"revision {rev} of {name!r} is not stored")


@guarded
@DBOS.step()
def _deployment_spec(name: str) -> dict[str, Any] | None:
    dep = runtime().store.deployments.get(name)
    return None if dep is None else dep.spec


@guarded
@DBOS.step()
def _progress(op_id: str, **fields: Any) -> None:
    runtime().store.deployments.update_operation(op_id, **fields)


@guarded
@DBOS.step()
def _finish(op_id: str, state: str, error: dict[str, Any] | None = None,
            result: dict[str, Any] | None = None) -> None:
    op = runtime().store.deployments.finish_operation(op_id, state=state, error=error, result=result)
    metrics.operation_finished(op.kind, op.state)


def _request(spec: EndpointSpec, adapter: Any, *, record: bool = False) -> Any:
    """The provider request for ``spec`` with its secrets materialized (in memory only: a step's
    output never holds a value). ``record``: keep the fingerprints of values read from secret
    stores on the deployment, so checks can tell them from a change behind the service's back."""
    materialized, seen = materialize(spec, runtime().secrets, adapter, deployment=spec.name)
    if record:
        runtime().store.secrets.record_fingerprints(spec.name, seen)
    return adapter.to_request(materialized, owner=runtime().store.deployments.ownership(spec.name))


def _bound(spec_json: dict[str, Any]) -> tuple[EndpointSpec, Any]:
    """The spec and the adapter bound to its target."""
    spec = _spec(spec_json)
    return spec, runtime().adapters.for_target(spec.target)


@guarded
@DBOS.step()
def _submit(spec_json: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    """One step of the rollout; the returned Progress (pending provider operations) is stored by
    DBOS as the step's output, so a restarted workflow resumes polling the same operations."""
    spec, adapter = _bound(spec_json)
    progress: Progress = _retry(lambda: adapter.submit(_request(spec, adapter, record=True), pending))
    return progress.to_dict()


@guarded
@DBOS.step()
def _observe(spec_json: dict[str, Any]) -> dict[str, Any] | None:
    spec, adapter = _bound(spec_json)
    dep = runtime().store.deployments.get(spec.name)
    live = read(adapter, spec, full=False, vault=runtime().secrets,
                   seen=dep.secret_fingerprints if dep is not None and has_secrets(spec) else None,
                   owner=dep.owner if dep is not None else None)
    return None if live is None else live.model_dump(mode="json")


@guarded
@DBOS.step()
def _run_query(spec_json: dict[str, Any], index: int) -> dict[str, Any]:
    """One test query (a step each, so a restart does not send the ones already answered)."""
    spec, adapter = _bound(spec_json)
    query = spec.test_queries[index]
    answer = _retry(lambda: adapter.invoke(spec.name, query, timeout=spec.request_timeout_seconds))
    return evaluate(query, answer).to_dict()


def _run_queries(spec_json: dict[str, Any], *, deadline: float) -> list[dict[str, Any]]:
    results = []
    count = len(_spec(spec_json).test_queries)
    for index in range(count):
        if _now() > deadline:
            raise ServingTimeout(f"test queries did not finish in time ({index} of {count} answered)",
                                 details={"phase": "test_queries"})
        results.append(_run_query(spec_json, index))
    return results


@guarded
@DBOS.step()
def _finalize(spec_json: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    spec, adapter = _bound(spec_json)
    progress: Progress = _retry(lambda: adapter.finalize(_request(spec, adapter), pending))
    return progress.to_dict()


@guarded
@DBOS.step()
def _discard(spec_json: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    """One step of undoing a failed rollout (stepped like ``_submit``: its Progress is the step's
    stored output)."""
    spec, adapter = _bound(spec_json)
    progress: Progress = _retry(lambda: adapter.discard(_request(spec, adapter), pending))
    return progress.to_dict()


@guarded
@DBOS.step()
def _delete(spec_json: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    """One step of deleting (stepped like ``_submit``); done once nothing of ours is left (an
    endpoint under the name that is not this deployment's is never touched: :mod:`core.ownership`)."""
    spec, adapter = _bound(spec_json)
    owner = runtime().store.deployments.ownership(spec.name)
    progress: Progress = _retry(lambda: adapter.delete(spec.name, pending, owner=owner))
    return progress.to_dict()


@guarded
@DBOS.step()
def _foreign(spec_json: dict[str, Any]) -> dict[str, Any] | None:
    """What a delete leaves because it is not this deployment's: the endpoint under its name when
    that carries no stamp of ours (``{endpoint, reason, owner_stamp, revision_stamp}``), else None."""
    spec, adapter = _bound(spec_json)
    owner = runtime().store.deployments.ownership(spec.name)
    stamps = _retry(lambda: adapter.stamps(spec.name))
    if stamps is None or (owner is not None and owner.owns(stamps)):
        return None
    return {"endpoint": spec.name, "reason": "not_owned: it was not created by this deployment and is left "
            "untouched", "owner_stamp": stamps.owner, "revision_stamp": stamps.revision}


@guarded
@DBOS.step()
def _full_check(name: str) -> dict[str, Any]:
    """A full check of ``name``, recorded: ``{health, sync, changes}``, or ``{error}`` when the
    provider could not be read."""
    try:
        _, result = runtime().checks.check(name, mode="full", trigger="operation", remediate=False)
    except DeployError as exc:
        return {"error": exc.to_dict()}
    return {"health": result.health, "sync": result.sync, "changes": result.drift}


def _repaired(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What a reconcile changed: every drift item of the check before it that the check after it
    no longer reports (``{path, was, now}``: ``now`` is the spec's value, None for a removed
    foreign sub-resource)."""
    left = {c["path"] for c in after.get("changes") or []}
    return [{"path": c["path"], "was": c.get("actual"), "now": c.get("expected")}
            for c in before.get("changes") or [] if c["path"] not in left]


def _unconverged(after: dict[str, Any], changed: list[dict[str, Any]]) -> DeploymentFailed | None:
    """The failure of a reconcile whose closing full check is not serving and in sync, else None."""
    if "error" in after:
        return DeploymentFailed(f"reconcile could not verify the result: the closing full check failed: "
                                f"{after['error'].get('message')}", details={"changed": changed, "left": None})
    if after["health"] == "serving" and after["sync"] == "in_sync":
        return None
    left = after.get("changes") or []
    paths = ", ".join(c["path"] for c in left) or "none"
    return DeploymentFailed(
        f"reconcile did not converge: the closing full check is {after['health']} and {after['sync']} "
        f"({len(left)} drift item(s) left: {paths})", details={"changed": changed, "left": left})


@guarded
@DBOS.step()
def _check(name: str, mode: str) -> None:
    try:
        runtime().checks.check(name, mode=mode, trigger="operation", remediate=False)
    except DeployError:
        pass  # a check is best effort at the end of an operation; the next check retries


@guarded
@DBOS.step()
def _record(name: str, live: dict[str, Any]) -> None:
    """Record the serving observation as the deployment's basic check (no provider call)."""
    try:
        runtime().checks.record_observed(name, LiveEndpoint.model_validate(live))
    except DeployError:
        pass  # best effort, like _check: the closing full check and the next check record it


@guarded
@DBOS.step()
def _first_rollout(name: str, op_id: str) -> bool:
    """Whether no apply of this deployment ``name`` (since its record was created: an earlier
    deployment of the same name does not count) other than ``op_id`` ever succeeded."""
    store = runtime().store
    dep = store.deployments.get(name)
    if dep is None:
        return False
    done = store.deployments.list_operations(deployment=name, state="succeeded", limit=50)
    return not any(op.kind == "apply" and op.id != op_id and op.created_at >= dep.created_at for op in done)


@guarded
@DBOS.step()
def _not_deployed(name: str, reason: str) -> None:
    """Mark a deployment whose first rollout failed and was fully rolled back (not down)."""
    runtime().store.checks.mark_not_deployed(name, message=(
        f"not deployed: the first rollout failed and was rolled back, nothing is live ({reason}). "
        f"Fix the spec and apply it again to retry, or delete the deployment."))


@guarded
@DBOS.step()
def _deployment_data(name: str) -> dict[str, Any] | None:
    """The deployment's record as JSON data (the API shows it as the operation's response)."""
    dep = runtime().store.deployments.get(name)
    return None if dep is None else dep.to_dict()


@guarded
@DBOS.step()
def _remove(name: str) -> None:
    runtime().store.deployments.remove(name)


# --------------------------------------------------------------------------------- workflows


def _stepped(step: Any, spec_json: dict[str, Any], *, op_id: str, deadline: float, what: str) -> None:
    """Call a stepped adapter call (``submit``, ``finalize``, ``discard``, ``delete``) until its
    Progress is done, passing back the pending provider operations, with durable sleeps in
    between. Each call is a DBOS step whose output is the Progress, so a restarted workflow replays
    the recorded steps and continues with the last stored ``pending``."""
    interval = runtime().settings.poll_interval_seconds
    pending: list[str] = []
    while True:
        progress = step(spec_json, pending)
        if progress["done"]:
            return
        pending = list(progress["pending"])
        if progress.get("message"):
            _progress(op_id, status_message=progress["message"])
        if _now() > deadline:
            raise ServingTimeout(f"{what} did not finish in time (waiting for: {', '.join(pending) or 'the provider'})",
                                 details={"phase": what, "pending": pending})
        _sleep(interval)
        interval = min(interval * 2, runtime().settings.poll_max_interval_seconds)


@DBOS.workflow()
def deploy_workflow(op_id: str, name: str, rev: str, verify: bool = False) -> None:
    """``verify`` (a reconcile): a full check before the rollout and one after it; the operation
    succeeds only when the closing one is serving and in sync, and its result lists what changed."""
    bind()
    settings = runtime().settings
    spec_json: dict[str, Any] | None = None
    try:
        spec_json = _load_spec(name, rev)
        before = _full_check(name) if verify else None
        _progress(op_id, state="running", phase="submit", progress=10,
                  status_message="sending the requests to the provider")
        _stepped(_submit, spec_json, op_id=op_id, deadline=_now() + settings.submit_timeout_seconds,
                 what="submit")
        _progress(op_id, phase="provision", progress=30, status_message="waiting for the endpoint to serve")
        policy = settings.wait_policy()
        served = poll_until_serving(lambda: _live(_observe(spec_json)), ServingGate(rev), policy,
                                    sleep=_sleep, clock=_now, deadline=_now() + policy.timeout)
        queries = []
        if _spec(spec_json).test_queries:
            _progress(op_id, phase="test_queries", progress=70, status_message="running test queries")
            queries = _run_queries(spec_json, deadline=_now() + settings.test_queries_timeout_seconds)
            failed = [q for q in queries if not q["passed"]]
            if failed:
                raise DeploymentFailed(
                    f"{len(failed)} of {len(queries)} test quer{'y' if len(queries) == 1 else 'ies'} failed: "
                    + "; ".join(f"{q['name']}: {', '.join(q['problems'])}" for q in failed),
                    details={"test_queries": queries})
        _progress(op_id, phase="finalize", progress=85, status_message="autoscaling and cleanup")
        _stepped(_finalize, spec_json, op_id=op_id, deadline=_now() + settings.delete_timeout_seconds,
                 what="finalize")
        _record(name, served.model_dump(mode="json"))  # health and sync, from the read that saw it serve
        result: dict[str, Any] = {"test_queries": queries}
        if before is not None:  # a reconcile: converged only if a full check now finds no drift
            after = _full_check(name)
            result["changed"] = _repaired(before, after)
            failure = _unconverged(after, result["changed"])
            if failure is not None:
                _finish(op_id, "failed", error=failure.to_dict())
                return
        _finish(op_id, "succeeded", result={"deployment": _deployment_data(name), **result})
    except ServingTimeout as exc:
        _check(name, "basic")
        _finish(op_id, "timed_out", error=exc.to_dict())
    except DeployError as exc:
        rolled_back = False
        if (spec_json is not None and not isinstance(exc, NotOwned)  # nothing was written to a foreign endpoint
                and not (isinstance(exc, DeploymentFailed) and "test_queries" in (exc.details or {}))):
            _progress(op_id, phase="rollback", status_message="removing what the failed rollout left")
            try:
                _stepped(_discard, spec_json, op_id=op_id, deadline=_now() + settings.delete_timeout_seconds,
                         what="cleanup")
                rolled_back = True
            except DeployError:
                pass  # reported through the operation's error below; the next apply sweeps again
        if rolled_back and _first_rollout(name, op_id):
            _not_deployed(name, exc.message)
        else:
            _check(name, "basic")
        _finish(op_id, "failed", error=exc.to_dict())
    except Exception as exc:  # a bug must not leave the operation running forever (RuntimeStopped,
        # a BaseException, passes through: a shut-down execution is resumed, not failed)
        _finish(op_id, "failed", error={"code": "internal", "message": f"{type(exc).__name__}: {exc}"})
        raise


@DBOS.workflow()
def delete_workflow(op_id: str, name: str) -> None:
    bind()
    settings = runtime().settings
    try:
        spec_json = _deployment_spec(name)
        _progress(op_id, state="running", phase="delete", progress=10,
                  status_message="deleting the endpoint and everything the service created")
        left = None
        if spec_json is not None:
            left = _foreign(spec_json)
            _stepped(_delete, spec_json, op_id=op_id, deadline=_now() + settings.delete_timeout_seconds,
                     what="delete")
        _remove(name)
        _finish(op_id, "succeeded", result={"name": name, "deleted": True,
                                            **({"left": [left]} if left is not None else {})})
    except ServingTimeout as exc:
        _finish(op_id, "timed_out", error=exc.to_dict())
    except DeployError as exc:
        _finish(op_id, "failed", error=exc.to_dict())
    except Exception as exc:  # a bug must not leave the operation running forever (RuntimeStopped,
        # a BaseException, passes through: a shut-down execution is resumed, not failed)
        _finish(op_id, "failed", error={"code": "internal", "message": f"{type(exc).__name__}: {exc}"})
        raise
