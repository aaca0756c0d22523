"""Sync checks: the drift matrix, on every platform with an emulator.

Each platform's contract environment (tests/contract/env*.py) declares, as data, the changes an
operator can make behind the service's back (``drifts()``: spec path -> a change made with the
platform's real SDK), how its autoscaler changes an instance count (``scale_live``), how the
endpoint is deleted (``delete_behind``) and how it ends up failed (``fail_live``). The tests below
never name a platform or a field: a platform joins by adding that data.

Cost: every test deploys the environment's spec under a name of its own, with one environment and
one adapter per platform for the module, on the platform's session emulator (reset at the start
and the end of the module, operations immediate). A deploy then costs a few tenths of a second,
while new SDK clients per test cost more than the test itself. Each drift is also undone by
re-applying the spec (what a reconcile does). The benches and ``deployed`` are tests/checks/conftest.py's.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.checks.judge import CheckOutcome
from core.diff import Severity
from core.live import DOWN, Health, Sync
from core.spec import revision
from tests.checks.conftest import Deployed
from tests.contract.envs import ENVS, drift_paths
from tests.support.stepping import rollout

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning:google.*")]

_COSMETIC = re.compile(r"tags(\..+|\[.+\])|(variants\[[^\]]+\]\.)?description")
"""Cosmetic paths: tags, and descriptions where a platform has them."""
_STEP = re.compile(r"(?P<key>[A-Za-z0-9_-]+)(\[(?P<name>[^\]]+)\])?")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One case per platform, or per platform and drift path (read from the environments' data)."""
    if "drift_path" in metafunc.fixturenames:
        cases = [(platform, path) for platform in ENVS for path in drift_paths(platform)]
        metafunc.parametrize(("platform", "drift_path"), cases, ids=[f"{p}:{path}" for p, path in cases])
    elif "platform" in metafunc.fixturenames:
        metafunc.parametrize("platform", ENVS)


def spec_value(config: dict[str, Any], path: str) -> Any:
    """The value at a diff path (``variants[a].env.K``, ``tags.team``) of a spec config; None if absent."""
    value: Any = config
    for part in path.split("."):
        step = _STEP.fullmatch(part)
        assert step, f"unsupported path step {part!r} in {path!r}"
        value = value.get(step["key"]) if isinstance(value, dict) else None
        if step["name"] is not None:
            value = next((v for v in value or [] if v["name"] == step["name"]), None)
    return value


def assert_in_sync(outcome: CheckOutcome) -> None:
    assert outcome.health is Health.SERVING, outcome
    assert (outcome.sync, outcome.drift.changes) == (Sync.IN_SYNC, []), outcome.drift.changes


def test_fresh_endpoint_has_no_false_drift(deployed: Deployed) -> None:
    for full in (True, False):
        outcome = deployed.check(full=full)
        assert_in_sync(outcome)
        assert outcome.revision_live == revision(deployed.spec)


def test_full_check_names_exactly_the_drifted_field(deployed: Deployed, drift_path: str) -> None:
    assert_in_sync(deployed.check())
    applied = deployed.env.drifts()[drift_path](deployed.name)
    assert drift_path in applied, f"the drift of {drift_path} reports {sorted(applied)}"

    outcome = deployed.check()
    assert outcome.health is Health.SERVING, outcome
    assert outcome.sync is Sync.OUT_OF_SYNC
    assert outcome.revision_live == revision(deployed.spec), "the drift kept the revision stamp"
    changes = {c.path: c for c in outcome.drift.changes}
    assert sorted(changes) == sorted(applied), outcome.drift.changes
    for path, change in changes.items():
        severity = Severity.COSMETIC if _COSMETIC.fullmatch(path) else Severity.MATERIAL
        assert (change.expected, change.actual, change.severity) == (
            spec_value(deployed.spec.config, path), applied[path], severity), change
        assert change.provider_field, f"{path}: no provider field named"


def test_reapplying_the_spec_restores_the_drifted_field(deployed: Deployed, drift_path: str) -> None:
    """What a reconcile does (a rollout of the stored spec, same revision) undoes every drift,
    immutable SageMaker models and configs re-created behind the back under their own names included."""
    deployed.env.drifts()[drift_path](deployed.name)
    assert deployed.check().sync is Sync.OUT_OF_SYNC
    rollout(deployed.adapter, deployed.spec)
    assert_in_sync(deployed.check())
    assert_in_sync(deployed.check(full=False))


def test_autoscaled_instance_count_is_not_drift(deployed: Deployed) -> None:
    deployed.env.scale_live(deployed.name, 3)
    for full in (True, False):
        assert_in_sync(deployed.check(full=full))


def test_endpoint_deleted_behind_the_back_is_missing(deployed: Deployed) -> None:
    deployed.env.delete_behind(deployed.name)
    assert deployed.observe(full=True) is None and deployed.observe(full=False) is None
    outcome = deployed.check()
    assert (outcome.health, outcome.sync) == (Health.MISSING, Sync.OUT_OF_SYNC)
    assert outcome.health in DOWN


def test_failed_endpoint_is_down(deployed: Deployed) -> None:
    deployed.env.fail_live(deployed.name)
    for full in (True, False):
        outcome = deployed.check(full=full)
        assert outcome.health in DOWN, outcome
