"""The spec's request timeout and logging are endpoint-level; Azure ML keeps them on each
deployment. A change on any deployment, not only the first, is drift (named with its variant),
basic and full checks alike, and re-applying the spec puts every deployment back."""

from __future__ import annotations

import pytest

from core.checks.judge import judge
from core.checks.read import observe
from core.live import Sync
from tests.contract.envs import make_env
from tests.support.stepping import rollout

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _changes(adapter, spec, *, full: bool) -> list[tuple[str, object, str | None]]:
    outcome = judge(spec, observe(adapter, spec.name, full=full), adapter.capabilities)
    return [(c.path, c.actual, c.provider_field) for c in outcome.drift.changes]


def test_a_second_deployments_timeout_and_logging_are_compared(azureml_emulator):
    azureml_emulator.control.set_progression("immediate")
    env = make_env("azureml", azureml_emulator)
    adapter = env.adapter()
    spec = env.spec("per-deployment")
    rollout(adapter, spec)
    assert _changes(adapter, spec, full=True) == []

    env._edit_deployment(spec.name, "b", lambda d: setattr(d.request_settings, "request_timeout_ms", 30000))
    for full in (False, True):
        ((path, actual, field),) = _changes(adapter, spec, full=full)
        assert (path, actual) == ("request_timeout_seconds", 30) and field.endswith("(variant b)")

    env._edit_deployment(spec.name, "b", lambda d: setattr(d.data_collector, "sampling_rate", 0.5))
    assert sorted((p, a) for p, a, _ in _changes(adapter, spec, full=True)) == [
        ("logging.sample_percent", 50), ("request_timeout_seconds", 30)]

    env._edit_deployment(spec.name, "a", lambda d: setattr(d.request_settings, "request_timeout_ms", 45000))
    changed = {(p, a) for p, a, _ in _changes(adapter, spec, full=True)}
    assert {("request_timeout_seconds", 45), ("request_timeout_seconds", 30)} <= changed  # both reported

    rollout(adapter, spec)  # a reconcile: every deployment gets the spec's values back
    outcome = judge(spec, observe(adapter, spec.name, full=True), adapter.capabilities)
    assert outcome.sync is Sync.IN_SYNC, outcome.drift.changes
