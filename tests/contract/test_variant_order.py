"""The order variants are listed in is not configuration: a spec whose variants
are listed in another order (e.g. after a Terraform import) has the same revision, a deployment of
either order is in sync with the other, and re-applying it changes nothing on the provider."""

from core.checks.judge import judge
from core.checks.read import observe
from core.live import Sync
from core.spec import EndpointSpec, revision
from core.spec_io import parse_spec
from tests.support.stepping import finalize_all, rollout, submit_all


def reordered(spec: EndpointSpec) -> EndpointSpec:
    data = spec.model_dump(mode="json")
    data["variants"] = list(reversed(data["variants"]))
    data["tags"] = dict(reversed(list(data["tags"].items())))
    return parse_spec(data)


def test_listing_variants_in_another_order_is_the_same_revision_in_sync_and_writes_nothing(env):
    adapter, spec = env.adapter(), env.spec("order-a")
    other = reordered(spec)
    assert [v.name for v in other.variants] != [v.name for v in spec.variants]
    assert revision(other) == revision(spec)
    rollout(adapter, spec)
    live = observe(adapter, spec.name, full=True)
    outcome = judge(other, live, adapter.capabilities)
    assert (outcome.sync, outcome.drift.changes) == (Sync.IN_SYNC, [])
    before = len(env.writes())
    submit_all(adapter, adapter.to_request(other))
    finalize_all(adapter, adapter.to_request(other))
    assert env.writes()[before:] == [], "the other order is the same configuration: nothing to change"
