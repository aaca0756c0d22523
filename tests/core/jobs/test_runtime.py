import threading

import pytest

from core.jobs import runtime as rt


def fake_runtime():
    return rt.Runtime(settings=None, store=None, adapters=None, checks=None, secrets=None, jobs=None)  # type: ignore[arg-type]


def test_a_thread_of_an_ended_runtime_is_stopped_even_after_a_new_install():
    rt.install(fake_runtime())
    rt.bind()
    assert rt.runtime() is not None
    outcome = {}

    def old_workflow_thread():
        rt.bind()
        started.set()
        proceed.wait()
        try:
            rt.runtime()
            outcome["ran"] = True
        except rt.RuntimeStopped:
            outcome["stopped"] = True

    started, proceed = threading.Event(), threading.Event()
    thread = threading.Thread(target=old_workflow_thread)
    thread.start()
    started.wait()
    rt.uninstall()
    rt.install(fake_runtime())  # a relaunch in the same process
    proceed.set()
    thread.join()
    assert outcome == {"stopped": True}
    rt.bind()  # a new execution binds to the new epoch and runs
    assert rt.runtime() is not None
    rt.uninstall()
    with pytest.raises(rt.RuntimeStopped):
        rt.runtime()
