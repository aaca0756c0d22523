"""The round-trip property (DESIGN section 4) for every spec of every platform's corpus
(``tests/corpus/<platform>``), through the real SDK against the emulator, every request validated
against the provider's schema:
``to_live(describe(after submit(to_request(spec)))).config == spec.config`` (minus unobservable),
both check depths find it serving its revision without drift, and the SDK prints nothing."""

import pytest

from tests.corpus import CORPORA, cases
from tests.support.stepping import assert_round_trip


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("env", "name"), cases(), indirect=["env"])
def test_corpus_spec_round_trips(env, name, capsys):
    spec = CORPORA[env.platform][name]
    adapter = env.adapter(target=spec.target)
    live = assert_round_trip(adapter, spec)
    env.check_round_trip(adapter, spec, live)
    assert capsys.readouterr().out == "", "the SDK must not print to stdout"
