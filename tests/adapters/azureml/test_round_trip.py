"""The round-trip property against the emulator, for the whole corpus:
to_live(describe(after submit(to_request(spec)))).config == spec.config (minus unobservable),
with every request body validated against azure-ai-ml's REST models."""

import pytest

from core.checks.judge import judge
from core.checks.read import observe
from tests.adapters.azureml.support import adapter_for
from tests.corpus import corpus
from tests.support.stepping import assert_round_trip, submit_all

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CORPUS = corpus("azureml")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_round_trip(name, az, capsys):
    spec = CORPUS[name]
    adapter = adapter_for(az, spec.target)
    assert_round_trip(adapter, spec)
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
