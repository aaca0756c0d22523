"""core.checks.read_shared: one reading per key per pass (while fresh), bound per thread, its age kept."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from core.checks import read_shared
from core.checks.read_shared import SharedReads, Used, shared, using


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_outside_a_pass_every_call_reads() -> None:
    calls = []
    assert shared("k", lambda: calls.append(1) or len(calls)) == 1
    assert shared("k", lambda: calls.append(1) or len(calls)) == 2


def test_within_a_pass_a_key_is_read_once_while_fresh() -> None:
    clock = Clock()
    reads = SharedReads(max_age=5.0, clock=clock)
    calls: list[str] = []

    def read(tag: str):  # noqa: ANN202
        return lambda: calls.append(tag) or f"{tag}{len(calls)}"

    with using(reads):
        assert shared("a", read("a")) == "a1"
        assert shared("a", read("a")) == "a1"
        assert shared("b", read("b")) == "b2"  # another key reads
        clock.now += 5.0
        assert shared("a", read("a")) == "a1"  # still fresh at exactly max_age
        clock.now += 0.1
        assert shared("a", read("a")) == "a3"  # too old: read again
    assert calls == ["a", "b", "a"] and reads.reads == 3
    with using(None):
        assert shared("a", read("a")) == "a4"  # a thread bound to nothing shares nothing


def test_a_failed_read_is_not_shared() -> None:
    reads = SharedReads()
    attempts = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("throttled")
        return "ok"

    with using(reads):
        with pytest.raises(RuntimeError):
            shared("k", flaky)
        assert shared("k", flaky) == "ok"
        assert shared("k", flaky) == "ok"
    assert len(attempts) == 2


def test_concurrent_checks_wait_for_the_one_reading() -> None:
    reads = SharedReads()
    started = threading.Event()
    calls = []

    def slow() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return "listing"

    results: list[str] = []

    def check() -> None:
        with using(reads):
            results.append(shared("k", slow))

    threads = [threading.Thread(target=check) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results == ["listing"] * 8 and len(calls) == 1


def test_a_check_is_as_old_as_its_oldest_shared_part() -> None:
    reads = SharedReads()
    with using(reads) as first:
        shared("k", lambda: "listing")
    listing_read_at = first.oldest
    assert listing_read_at is not None
    time.sleep(0.01)
    later = dt.datetime.now(dt.UTC)
    with using(reads) as second:
        shared("k", lambda: pytest.fail("read again"))  # type: ignore[func-returns-value]
    assert second.oldest == listing_read_at
    assert second.began(later) == listing_read_at  # the check began when the listing was read
    assert Used().began(later) == later  # nothing shared: the check's own start
    assert read_shared.MAX_AGE_S > 0


def test_bindings_nest_and_are_restored() -> None:
    outer, inner = SharedReads(), SharedReads()
    with using(outer):
        shared("k", lambda: "outer")
        with using(inner):
            assert shared("k", lambda: "inner") == "inner"
        assert shared("k", lambda: "again") == "outer"
    assert shared("k", lambda: "unbound") == "unbound"
