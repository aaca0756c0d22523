"""The round-trip property (DESIGN section 4) over GENERATED specs, on every platform: a valid spec
(no gaps on its platform), deployed through the adapter to the emulator, is read back by a full
check as in sync with no changes. Normalisation must be symmetric: whatever the provider stores
normalised (a trailing ``/``, map key order ...) the spec model normalises too.

Strategies: tests/contract/spec_strategies.py. Examples are bounded (``EXAMPLES`` per platform,
no deadline: each one is a real rollout against the emulator), not stored between runs and not
shrunk (a shrink would redeploy hundreds of times): a failure shows the whole generated spec.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, Phase, given, note, settings

from core.adapter import find_gaps
from core.checks.judge import judge
from core.checks.read import observe
from core.live import Health, Sync
from core.spec import revision
from core.spec_io import parse_spec
from tests.contract.spec_strategies import SPECS
from tests.support.stepping import rollout

EXAMPLES = 25


def test_a_deployed_valid_spec_reads_back_in_sync_with_no_changes(env):
    adapter = env.adapter()
    target = env.spec("any").model_dump(mode="json")["target"]  # the adapter is bound to it
    names = (f"prop-{n}" for n in itertools.count())

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=SPECS[env.platform])
    def deployed_is_in_sync(data: dict) -> None:
        spec = parse_spec({**data, "target": target, "name": next(names)})
        note(f"spec: {spec.model_dump_json()}")
        assert find_gaps(type(adapter), spec) == [], "the strategy draws only specs the platform supports"
        rollout(adapter, spec)
        live = observe(adapter, spec.name, full=True)
        assert live is not None and live.health is Health.SERVING and live.revision == revision(spec)
        outcome = judge(spec, live, adapter.capabilities)
        assert outcome.drift.changes == [], [c.model_dump(mode="json") for c in outcome.drift.changes]
        assert outcome.sync is Sync.IN_SYNC

    deployed_is_in_sync()
