"""Ownership at the adapter level on every platform: the real SDKs against the
emulators, every request the adapters send validated against the provider's schema (the contract
environments). The service's own view (409 ``not_owned``, delete, reconcile) is in
tests/e2e/test_ownership_e2e.py.

- every resource a rollout creates carries the deployment's owner stamp;
- an endpoint of that name that is not the deployment's is refused before any write, and neither
  the rollback nor a delete touches it; one made before owner stamps existed is the deployment's
  when it carries one of its revisions, and the next write stamps it;
- a foreign sub-resource (a SageMaker endpoint config written by hand, a Vertex AI deployed model
  of someone else's Model displayed as a variant, an extra Azure ML deployment) is its own drift
  item at ``unmanaged[<provider id>]``, material with traffic; nothing of it shows up as a
  variant's value or an endpoint-wide field; re-applying the spec removes it.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from core.checks.judge import judge
from core.checks.read import observe
from core.errors import NotOwned
from core.live import Health, Sync
from core.ownership import Ownership, new_owner
from core.spec import EndpointSpec, revision
from tests.contract.envs import EMULATOR_FIXTURES, ENVS, make_env
from tests.support.stepping import drive, rollout

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning:google.*")]

_NAMES = (f"own-{n:03d}" for n in itertools.count())


@pytest.fixture(params=ENVS)
def env(request: pytest.FixtureRequest) -> Any:
    emulator = request.getfixturevalue(EMULATOR_FIXTURES[request.param])
    emulator.control.set_progression("immediate")  # the conftest fixture resets it afterwards
    return make_env(request.param, emulator)


def check(adapter: Any, spec: EndpointSpec, owner: Ownership, *, full: bool = True) -> Any:
    return judge(spec, observe(adapter, spec.name, full=full, owner=owner.uid), adapter.capabilities)


def test_every_resource_a_rollout_creates_carries_the_owner_stamp(env: Any) -> None:
    adapter, spec, owner = env.adapter(), env.spec(next(_NAMES)), Ownership(new_owner())
    rollout(adapter, spec, owner=owner)
    assert env.unstamped(spec.name, owner.uid) == []
    assert adapter.stamps(spec.name).owner == owner.uid
    for full in (True, False):
        outcome = check(adapter, spec, owner, full=full)
        assert (outcome.health, outcome.sync, outcome.drift.changes) == (Health.SERVING, Sync.IN_SYNC, [])


def test_a_foreign_endpoint_is_refused_before_any_write_and_never_removed(env: Any) -> None:
    adapter, spec, owner = env.adapter(), env.spec(next(_NAMES)), Ownership(new_owner())
    env.create_foreign_endpoint(spec.name)
    env.forget_emulator_writes()
    request = adapter.to_request(spec, owner=owner)
    with pytest.raises(NotOwned) as refused:
        drive(adapter.submit, request)
    assert refused.value.details["endpoint"] == spec.name and "import" in refused.value.message.lower()
    assert adapter.discard(request).done is True, "the rollback has nothing of ours to undo there"
    assert adapter.delete(spec.name, owner=owner).done is True, "a delete leaves it alone"
    assert env.emulator_writes() == [] and env.writes() == [], "nothing was written to the provider"
    assert env.endpoint_exists(spec.name)
    other = Ownership(new_owner(), frozenset({revision(spec)}))
    assert not other.owns(adapter.stamps(spec.name)), "no revision stamp of ours either"


def test_an_endpoint_made_before_owner_stamps_is_ours_by_revision_and_gets_stamped(env: Any) -> None:
    adapter, spec = env.adapter(), env.spec(next(_NAMES))
    rollout(adapter, spec)  # as the service wrote it before owner stamps existed
    stamps = adapter.stamps(spec.name)
    assert stamps.owner is None and stamps.revision == revision(spec)
    stranger = Ownership(new_owner(), frozenset({"0123456789ab"}))
    assert not stranger.owns(stamps)
    with pytest.raises(NotOwned):
        drive(adapter.submit, adapter.to_request(spec, owner=stranger))

    owner = Ownership(new_owner(), frozenset({revision(spec)}))
    assert owner.owns(stamps)
    outcome = check(adapter, spec, owner)  # its unstamped sub-resources are matched by name stamp
    assert (outcome.sync, outcome.drift.changes) == (Sync.IN_SYNC, [])
    rollout(adapter, spec, owner=owner)  # the next write adds the owner stamp
    assert adapter.stamps(spec.name).owner == owner.uid
    assert check(adapter, spec, owner).drift.changes == []


def test_a_foreign_sub_resource_is_unmanaged_never_a_variant_or_endpoint_field(env: Any) -> None:
    adapter, spec, owner = env.adapter(), env.spec(next(_NAMES)), Ownership(new_owner())
    rollout(adapter, spec, owner=owner)
    env.add_foreign_sub_resource(spec.name)

    live = observe(adapter, spec.name, full=True, owner=owner.uid)
    outcome = judge(spec, live, adapter.capabilities)
    changes = {c.path: c for c in outcome.drift.changes}
    unmanaged = {p: c for p, c in changes.items() if p.startswith("unmanaged[")}
    assert outcome.sync is Sync.OUT_OF_SYNC and unmanaged, outcome.drift.changes
    assert set(unmanaged) == {f"unmanaged[{i}]" for i in live.unmanaged}
    for change in unmanaged.values():
        assert change.expected is None and change.actual["kind"]
        assert change.severity.value == ("material" if change.actual["traffic_percent"] or change.actual["instances"]
                                         else "cosmetic")
    assert any(c.actual["traffic_percent"] > 0 and c.severity.value == "material" for c in unmanaged.values())
    assert not {"request_timeout_seconds", "logging", "target.execution_role_arn"} & {
        p.split(".")[0] if p.startswith("logging") else p for p in changes}, "no endpoint-wide field from it"
    expected = {v["name"]: v for v in spec.config["variants"]}
    if env.variants_in_immutable_config:  # the endpoint runs a config we did not write: none of ours is live
        assert {"revision", "variants[a]", "variants[b]"} <= set(changes)
        assert set(live.unmanaged) == {"a", "x"} and live.config["variants"] == []
    else:  # ours are read as they are, the foreign one taking 10 % from a
        assert set(changes) - set(unmanaged) == {"variants[a].weight"}
        assert (changes["variants[a].weight"].expected, changes["variants[a].weight"].actual) == (80, 70)
        for variant in live.config["variants"]:
            assert {k: v for k, v in variant.items() if k != "weight"} == {
                k: v for k, v in expected[variant["name"]].items() if k != "weight"}, variant["name"]

    rollout(adapter, spec, owner=owner)  # what a reconcile re-applies: the foreign sub-resource goes
    after = observe(adapter, spec.name, full=True, owner=owner.uid)
    assert after.unmanaged == {}
    assert judge(spec, after, adapter.capabilities).drift.changes == []
