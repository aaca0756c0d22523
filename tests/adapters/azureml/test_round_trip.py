"""The round-trip property against the emulator, for the whole corpus:
to_live(describe(after submit(to_request(spec)))).config == spec.config (minus unobservable),
with every request body validated against azure-ai-ml's REST models."""

import pytest

from core.check import judge
from core.live import Health
from core.service import observe
from core.spec import revision
from core.wait import ServingGate, poll_until_serving
from tests.adapters.azureml.support import FAST, adapter_for
from tests.corpus import corpus
from tests.support.stepping import finalize_all, submit_all

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CORPUS = corpus("azureml")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_round_trip(name, az, capsys):
    spec = CORPUS[name]
    adapter = adapter_for(az, spec.target)
    submit_all(adapter, adapter.to_request(spec))
    poll_until_serving(lambda: observe(adapter, spec.name, full=False), ServingGate(revision(spec)),
                       FAST, sleep=lambda s: None)
    finalize_all(adapter, adapter.to_request(spec))
    for full in (False, True):
        live = observe(adapter, spec.name, full=full)
        assert live.health is Health.SERVING
        assert judge(spec, live, adapter.capabilities).drift.changes == [], full
    unobservable = adapter.capabilities.unobservable
    strip = lambda c: {k: v for k, v in c.items() if k not in unobservable}  # noqa: E731
    assert strip(observe(adapter, spec.name, full=True).config) == strip(spec.config)
    assert adapter.validator.problems == []
    assert capsys.readouterr().out == "", "the SDK must not print to stdout"


def test_basic_check_is_two_reads(az):
    spec = CORPUS["logging"]
    adapter = adapter_for(az, spec.target)
    submit_all(adapter, adapter.to_request(spec))
    observe(adapter, spec.name, full=True)
    adapter.validator.sent.clear()
    for _ in range(3):
        assert judge(spec, observe(adapter, spec.name, full=False), adapter.capabilities).drift.changes == []
    assert [m for m, _ in adapter.validator.sent] == ["GET", "GET"] * 3, adapter.validator.sent


def test_invoke_with_each_auth_mode(az):
    from core.spec import TestQuery

    for name in ("minimal-key", "canary", "iam-custom-routes"):
        spec = CORPUS[name]
        adapter = adapter_for(az, spec.target)
        submit_all(adapter, adapter.to_request(spec))
        result = adapter.invoke(spec.name, TestQuery(payload={"x": [1]}), timeout=5)
        assert result.status == 200, (name, result)
        assert result.variant in {v.name for v in spec.variants}
