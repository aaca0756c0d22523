"""A basic check never clears drift it cannot see, on every platform.

For every drift of every platform's drift matrix (tests/contract/env*.py: each made with the
platform's real SDK behind the service's back), full and basic checks alternate over the drifted
endpoint and are recorded in a real store, as the scheduler records them. The deployment's sync,
current drift, drift streak and events must be those of the merged state: drift a basic check did
not read is carried (``carried: true``, naming the check that observed it), never cleared, until
a check that reads it finds it gone or a rollout re-applies the spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.checks.judge import judge_deployment
from core.checks.read import Reading
from core.checks.record import finding
from core.checks.record_coverage import merge
from core.diff import matches
from core.spec import revision
from core.store import Store
from core.store.checks import Recorded
from tests.checks.conftest import Deployed
from tests.checks.test_drift_matrix import pytest_generate_tests  # noqa: F401 - the drift matrix's parametrisation
from tests.support.stepping import rollout

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning:google.*")]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'coverage.db'}")
    s.migrate()
    yield s
    s.dispose()


def _stored(store: Store, d: Deployed) -> None:
    """The deployment record of ``d`` as a successful apply leaves it."""
    spec = d.spec.model_dump(mode="json")
    op = store.deployments.begin_operation(d.name, kind="apply", platform=d.spec.platform, spec=spec,
                               revision=revision(d.spec))
    store.deployments.finish_operation(op.id, state="succeeded")


def _record(store: Store, d: Deployed, *, full: bool, reapplied: bool = False) -> Recorded:
    """One check of ``d`` as the service runs and records it."""
    dep = store.deployments.get(d.name)
    assert dep is not None
    live = d.observe(full=full)
    outcome = judge_deployment(dep, d.spec, live, d.adapter.capabilities)
    found = finding(dep, d.spec, Reading.of(live), outcome, mode="full" if full else "basic",
                    trigger="scheduled", reapplied=reapplied)
    (recorded,) = store.checks.record([found.write])
    assert recorded is not None
    return recorded


def _sync_events(store: Store, name: str) -> list[tuple[str | None, str]]:
    return [(e.previous, e.current) for e in reversed(store.checks.events(deployment=name)) if e.type == "sync"]


def test_basic_checks_carry_drift_they_cannot_see(store: Store, deployed: Deployed, drift_path: str) -> None:
    _stored(store, deployed)
    assert _record(store, deployed, full=True).result.sync == "in_sync"
    applied = deployed.env.drifts()[drift_path](deployed.name)
    material = not drift_path.startswith("tags")

    first = _record(store, deployed, full=True)
    assert first.result.sync == "out_of_sync"
    assert {c["path"] for c in first.result.drift} == set(applied)
    basic_sees = _record(store, deployed, full=False)  # what a basic read alone concludes
    seen_by_basic = {c["path"] for c in basic_sees.result.drift if not c["carried"]}
    unobserved = basic_sees.result.unobserved or []
    for path in applied:
        change = next(c for c in basic_sees.result.drift if c["path"] == path)
        # observed again by the basic read, or carried from the full check that observed it
        assert change["carried"] == (path not in seen_by_basic), change
        if change["carried"]:
            assert change["check_id"] == first.result.id and change["mode"] == "full", change
            assert any(p == "*" or _covers(p, path) for p in unobserved), (path, unobserved)
    for streak, full in enumerate((False, True, False, False), start=3):
        recorded = _record(store, deployed, full=full)
        assert recorded.result.sync == "out_of_sync", recorded.result
        assert {c["path"] for c in recorded.result.drift} == set(applied)
        assert recorded.drift_streak == (streak if material else 0)
        dep = store.deployments.get(deployed.name)
        assert dep is not None and dep.sync == "out_of_sync"
        assert {c["path"] for c in dep.drift} == set(applied)
    assert _sync_events(store, deployed.name) == [("in_sync", "out_of_sync")], "no flapping"

    rollout(deployed.adapter, deployed.spec)  # what a reconcile does
    closing = _record(store, deployed, full=False, reapplied=True)
    assert closing.result.sync == "in_sync" and closing.result.drift == [] and closing.drift_streak == 0
    assert _record(store, deployed, full=True).result.sync == "in_sync"
    assert _sync_events(store, deployed.name) == [("in_sync", "out_of_sync"), ("out_of_sync", "in_sync")]


def _covers(glob: str, path: str) -> bool:
    return matches(path, [glob])


def test_a_fixed_size_variants_count_is_seen_by_a_basic_check(store: Store, deployed: Deployed) -> None:
    """Every platform's basic read returns a fixed-size variant's instance count (SageMaker
    DescribeEndpoint's DesiredInstanceCount, Azure ML sku.capacity, Vertex AI's deployed model):
    replica drift there is observed by the basic check itself, not only carried."""
    drifts = deployed.env.drifts()
    fixed = [p for p in drifts if p.endswith(("min_replicas", "max_replicas"))
             and _fixed(deployed, p.split("]")[0].split("[")[1])]
    assert fixed, f"{deployed.env.platform}: the drift matrix has no fixed-size count drift"
    _stored(store, deployed)
    applied = drifts[fixed[0]](deployed.name)
    recorded = _record(store, deployed, full=False)
    assert {c["path"] for c in recorded.result.drift if not c["carried"]} == set(applied)


def _fixed(d: Deployed, variant: str) -> bool:
    v = next(v for v in d.spec.variants if v.name == variant)
    return v.min_replicas == v.max_replicas


def test_merge_rules() -> None:
    """The pure merge: carried only where unobserved, for the same revision, unless ignored now
    or re-applied; what the check reported replaces what was there."""
    old = [{"path": "tags.team", "severity": "cosmetic", "revision": "r1", "check_id": 1},
           {"path": "variants[a].weight", "severity": "material", "revision": "r1", "check_id": 1}]
    m = merge(old, [], unobserved=["tags", "tags.*"], revision="r1")
    assert [(c["path"], c["carried"]) for c in m.changes] == [("tags.team", True)] and m.carried == 1
    assert merge(old, [], unobserved=["tags.*"], revision="r2").changes == [], "another revision: stale"
    assert merge(old, [], unobserved=["tags.*"], ignore=["tags.*"], revision="r1").changes == []
    assert merge(old, [], unobserved=["*"], revision="r1", reapplied=True).changes == []
    new = {"path": "tags.team", "severity": "cosmetic", "revision": "r1", "check_id": 2, "carried": False}
    assert merge(old, [new], unobserved=["tags.*"], revision="r1").changes == [new]
