"""ETags and the If-Match / If-None-Match rules (strong comparison, RFC 9110)."""

import pytest

from core.errors import PreconditionFailed
from core.preconditions import Preconditions, etag, parse_etags


def test_preconditions_strong_comparison():
    tag = etag(3, "abc123abc123")
    assert parse_etags(f'{tag}, "x"') == (tag, '"x"') and parse_etags(" ") is None
    Preconditions(if_match=(tag,)).check("d", tag)
    Preconditions(if_match=("*",)).check("d", tag)
    Preconditions(if_none_match=("*",)).check("d", None)
    for bad, current in (((f"W/{tag}",), tag), (("*",), None)):
        with pytest.raises(PreconditionFailed):
            Preconditions(if_match=bad).check("d", current)
    with pytest.raises(PreconditionFailed):
        Preconditions(if_none_match=(tag,)).check("d", tag)
