"""A restarted service meets the Vertex AI operations its killed predecessor started. The stored
``pending`` carries them into the next step; a step whose Progress was never stored (the process
died between starting an operation and recording it) meets Vertex's refusal of a second change
on the endpoint while one runs (FAILED_PRECONDITION) and must wait for the running one (found with
ListOperations), not fail. Two adapter instances stand for the two processes."""

from core.adapter import Progress
from core.spec import revision
from tests.contract.env_vertex import VertexEnv
from tests.support.stepping import drive, finalize_all, rollout, submit_all


def test_delete_after_a_restart_continues_from_the_stored_pending(vertex_emulator):
    env = VertexEnv(vertex_emulator)
    spec = env.spec("stored-delete")
    rollout(env.adapter(), spec)
    vertex_emulator.control.set_progression("manual", times=4)
    started = env.adapter().delete(spec.name)  # UndeployModel started, its Progress stored
    assert not started.done and started.pending
    restarted = env.adapter()
    env.sent.clear()
    resumed = restarted.delete(spec.name, started.pending)
    assert resumed.pending == started.pending and set(env.sent) == {"GetOperation"}, env.sent
    vertex_emulator.control.set_progression("manual", times=1)
    drive(restarted.delete, spec.name, attempts=50)
    assert restarted.describe(spec.name) is None


def test_delete_after_a_restart_waits_for_the_running_undeploy(vertex_emulator):
    env = VertexEnv(vertex_emulator)
    spec = env.spec("adopt-delete")
    rollout(env.adapter(), spec)
    vertex_emulator.control.set_progression("manual", times=4)
    assert env.adapter().delete(spec.name).done is False  # UndeployModel started, then the process dies
    restarted = env.adapter()
    env.sent.clear()
    assert restarted.delete(spec.name).done is False  # refused by Vertex: adopts the running operation
    assert env.sent[-1] == "ListOperations" and "DeleteEndpoint" not in env.sent
    vertex_emulator.control.set_progression("manual", times=1)
    drive(restarted.delete, spec.name, attempts=50)
    assert restarted.describe(spec.name) is None


def test_submit_step_repeated_after_a_restart_waits_for_the_running_deploy(vertex_emulator):
    env = VertexEnv(vertex_emulator)
    spec = env.spec("adopt-submit")
    adapter = env.adapter()
    request = adapter.to_request(spec)
    vertex_emulator.control.set_progression("manual", times=4)
    progress = Progress(False, (), "")
    for _ in range(50):  # until the first DeployModel runs
        progress = adapter.submit(request, progress.pending)
        assert not progress.done
        if (progress.message or "").startswith("deploying"):
            break
    assert (progress.message or "").startswith("deploying"), progress
    restarted = env.adapter()  # the step's output (the DeployModel's name) was never recorded
    env.sent.clear()
    resumed = restarted.submit(request, ())
    assert "ListOperations" in env.sent and resumed.pending == progress.pending
    drive(restarted.submit, request, attempts=100)
    finalize_all(restarted, request)
    live = restarted.describe(spec.name)
    assert live is not None
    assert len(live.endpoint["deployedModels"]) == len(spec.variants)
    assert restarted.to_live(live).revision == revision(spec)
    submit_all(restarted, request)  # converged: nothing left to do
