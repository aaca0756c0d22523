"""The ownership rules (pure), ``unmanaged[...]`` drift items, and that they never
become spec fields (patch, accept-live)."""

from __future__ import annotations

from typing import Any

import pytest

from core.checks.judge import judge
from core.checks.record_patch import in_spec, to_patch
from core.diff import Change, Severity
from core.errors import Conflict, NotOwned
from core.jobs.workflows import _repaired, _unconverged
from core.live import Health, LiveEndpoint, Sync
from core.ownership import Ownership, Stamps, new_owner, not_owned, stamped_by, unmanaged_changes
from core.registry import adapter_class
from core.spec import revision
from core.spec_io import parse_spec

SPEC = parse_spec({
    "name": "own-unit", "target": {"platform": "sagemaker", "region": "us-east-1",
                                   "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "a", "image": "r/m:1", "instance_type": "ml.m5.large"}],
})


def test_owner_uids_are_fresh_and_valid_everywhere() -> None:
    uids = {new_owner() for _ in range(100)}
    assert len(uids) == 100
    assert all(len(u) == 32 and u == u.lower() and u.isalnum() for u in uids)  # AWS tag, GCP label, Azure tag


def test_an_endpoint_is_ours_by_owner_stamp_or_else_by_one_of_our_revisions() -> None:
    me = Ownership("a" * 32, frozenset({"111111111111", "222222222222"}))
    assert me.owns(Stamps(owner="a" * 32, revision=None))
    assert not me.owns(Stamps(owner="b" * 32, revision="111111111111")), "another owner, whatever its revision"
    assert me.owns(Stamps(owner=None, revision="222222222222")), "made before owner stamps: one of our revisions"
    assert not me.owns(Stamps(owner=None, revision="333333333333"))
    assert not me.owns(Stamps(owner=None, revision=None))


def test_a_sub_resource_is_ours_by_owner_stamp_never_by_name_when_stamped() -> None:
    assert stamped_by("u1", "dep", owner="u1", name="dep")
    assert not stamped_by("u2", "dep", owner="u1", name="dep"), "the name stamp does not save another owner's"
    assert stamped_by(None, "dep", owner="u1", name="dep"), "made before owner stamps: the name stamp"
    assert not stamped_by(None, None, owner="u1", name="dep"), "no stamp at all: foreign"
    assert not stamped_by(None, "other", owner=None, name="dep")


def test_not_owned_is_a_409_conflict_naming_the_endpoint_and_the_way_out() -> None:
    error = not_owned("vertex", "churn", Stamps(owner=None, revision=None))
    assert isinstance(error, NotOwned) and isinstance(error, Conflict)
    assert (error.code, error.http_status) == ("not_owned", 409)
    assert error.details["endpoint"] == "churn" and "churn" in error.message
    assert "import" in error.message.lower() and "delete or rename" in error.message


def test_unmanaged_items_are_material_with_traffic_or_instances() -> None:
    changes = unmanaged_changes({
        "busy": {"kind": "deployment", "traffic_percent": 10, "instances": 1},
        "idle": {"kind": "deployment", "traffic_percent": 0, "instances": 2},
        "empty": {"kind": "deployed_model", "traffic_percent": 0, "instances": 0},
        "quiet": {"kind": "deployment", "traffic_percent": 0, "instances": 0},
    }, ignore=["unmanaged[quiet]"])
    assert {c.path: c.severity for c in changes} == {
        "unmanaged[busy]": Severity.MATERIAL, "unmanaged[idle]": Severity.MATERIAL,
        "unmanaged[empty]": Severity.COSMETIC}
    assert all(c.expected is None and c.actual["kind"] for c in changes)


def _live(**fields: Any) -> LiveEndpoint:
    config = None if fields.pop("unreadable", False) else SPEC.config
    return LiveEndpoint(name="own-unit", health=Health.SERVING, revision=revision(SPEC), config=config, **fields)


def test_judge_reports_each_foreign_sub_resource_on_its_own_path() -> None:
    caps = adapter_class("sagemaker").capabilities
    assert judge(SPEC, _live(), caps).sync is Sync.IN_SYNC
    foreign = {"x": {"kind": "production_variant", "traffic_percent": 25, "instances": 1, "image": "r/else:1"}}
    outcome = judge(SPEC, _live(unmanaged=foreign), caps)
    assert outcome.sync is Sync.OUT_OF_SYNC
    assert [(c.path, c.expected, c.actual, c.severity) for c in outcome.drift.changes] == [
        ("unmanaged[x]", None, foreign["x"], Severity.MATERIAL)]
    unread = judge(SPEC, _live(unmanaged=foreign, unreadable=True), caps)
    assert unread.sync is Sync.OUT_OF_SYNC and [c.path for c in unread.drift.changes] == ["unmanaged[x]"]
    assert judge(SPEC, _live(unmanaged=foreign), caps, ignore=["unmanaged[*]"]).sync is Sync.IN_SYNC
    tolerant = parse_spec(SPEC.model_dump(mode="json") | {"sync_policy": {"ignore": ["unmanaged[x]"]}})
    assert judge(tolerant, _live(unmanaged=foreign), caps).sync is Sync.IN_SYNC, "the policy may ignore one"


def test_unmanaged_paths_are_never_spec_fields() -> None:
    assert not in_spec("unmanaged[1234567890]") and not in_spec("revision") and in_spec("variants[a].weight")
    change = Change(path="unmanaged[extra]", expected=None, actual={"kind": "deployment"}, severity=Severity.MATERIAL)
    weight = Change(path="variants[a].weight", expected=100, actual=90, severity=Severity.MATERIAL)
    assert to_patch(SPEC.model_dump(mode="json"), [change, weight]) == [
        {"op": "replace", "path": "/variants/0/weight", "value": 90}]


def test_a_reconcile_lists_what_it_changed_and_fails_naming_what_is_left() -> None:
    before = {"health": "serving", "sync": "out_of_sync", "changes": [
        {"path": "unmanaged[extra]", "expected": None, "actual": {"kind": "deployment"}},
        {"path": "variants[a].weight", "expected": 80, "actual": 70},
        {"path": "tags.team", "expected": "t", "actual": "x"}]}
    converged = {"health": "serving", "sync": "in_sync", "changes": []}
    changed = _repaired(before, converged)
    assert changed == [{"path": "unmanaged[extra]", "was": {"kind": "deployment"}, "now": None},
                       {"path": "variants[a].weight", "was": 70, "now": 80},
                       {"path": "tags.team", "was": "x", "now": "t"}]
    assert _unconverged(converged, changed) is None

    left = {"health": "serving", "sync": "out_of_sync", "changes": [before["changes"][0]]}
    partial = _repaired(before, left)
    assert [c["path"] for c in partial] == ["variants[a].weight", "tags.team"]
    failure = _unconverged(left, partial)
    assert failure is not None and failure.code == "deployment_failed"
    assert "unmanaged[extra]" in failure.message and failure.details["left"] == left["changes"]
    assert failure.details["changed"] == partial

    unverified = _unconverged({"error": {"code": "provider_unavailable", "message": "throttled"}}, [])
    assert unverified is not None and "throttled" in unverified.message


@pytest.mark.parametrize("health", ["updating", "degraded"])
def test_a_reconcile_that_does_not_end_serving_fails(health: str) -> None:
    failure = _unconverged({"health": health, "sync": "in_sync", "changes": []}, [])
    assert failure is not None and health in failure.message
