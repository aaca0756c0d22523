"""Updates the way Vertex requires them, against the emulator: in place where Vertex can (mutate,
UpdateEndpoint), replace-then-shift otherwise, serving throughout; failures, retries, resume."""

import json

import pytest

from adapters.vertex.adapter import VertexAdapter
from core.checks.judge import judge
from core.checks.read import observe
from core.errors import DeploymentFailed
from core.live import Health
from core.spec import revision
from core.spec_io import parse_spec
from core.spec_policy import TestQuery
from tests.contract.env_vertex import fast_calls
from tests.corpus import corpus
from tests.support.stepping import delete_all, discard_all, finalize_all, submit_all
from tests.support.vertex_schema import validate_every_request

CORPUS = corpus("vertex")
WRITES = {"UploadModel", "CreateEndpoint", "DeployModel", "MutateDeployedModel", "UpdateEndpoint",
          "UndeployModel", "DeleteModel", "DeleteEndpoint"}


class Harness:
    """One adapter with every request validated and recorded."""

    def __init__(self, vx, spec):
        self.vx = vx
        self.sent: list[str] = []
        self.adapter = self.new_adapter(spec)

    def new_adapter(self, spec):
        adapter = VertexAdapter(spec.target, emulators={"vertex": {"url": self.vx.url}}, policy=fast_calls())
        validate_every_request(adapter.clients, self.sent)
        return adapter

    def writes(self):
        return [op for op in self.sent if op in WRITES]

    def deploy(self, spec):
        request = self.adapter.to_request(spec)
        submit_all(self.adapter, request)
        finalize_all(self.adapter, request)
        live = observe(self.adapter, spec.name, full=True)
        assert live.health is Health.SERVING and live.revision == revision(spec)
        assert judge(spec, live, self.adapter.capabilities).drift.changes == []
        return live

    def models(self, name):
        return {m["name"].rsplit("/", 1)[-1] for m in self.adapter._list_models(name)}


def changed(spec, index=0, **fields):
    data = spec.model_dump(mode="json")
    if index is None:
        data |= fields
    else:
        data["variants"][index] |= fields
    return parse_spec(data)


def test_replica_and_autoscaling_change_mutates_in_place(vertex_emulator):
    spec = CORPUS["canary"]
    h = Harness(vertex_emulator, spec)
    before = h.deploy(spec)
    h.sent.clear()
    new = changed(spec, min_replicas=3, max_replicas=10, autoscaling={"metric": "cpu_utilization", "target": 50})
    after = h.deploy(new)
    assert h.writes() == ["MutateDeployedModel", "UpdateEndpoint"]  # mutate; revision label
    assert after.provider_ids["deployed_models"] == before.provider_ids["deployed_models"]


def test_traffic_labels_logging_timeout_change_is_one_update_endpoint(vertex_emulator):
    spec = CORPUS["canary"]
    h = Harness(vertex_emulator, spec)
    h.deploy(spec)
    h.sent.clear()
    data = spec.model_dump(mode="json")
    data["variants"][0]["weight"], data["variants"][1]["weight"] = 50, 50
    data |= {"tags": {"team": "fraud"}, "request_timeout_seconds": 120,
             "logging": {"enabled": True, "sample_percent": 50, "destination": "bq://risk-prod.logs"}}
    h.deploy(parse_spec(data))
    assert h.writes() == ["UpdateEndpoint"]


def test_image_change_replaces_the_variant_and_serves_throughout(vertex_emulator):
    spec = CORPUS["canary"]
    h = Harness(vertex_emulator, spec)
    h.deploy(spec)
    old_models = h.models(spec.name)
    new = changed(spec, image="us-docker.pkg.dev/risk-prod/serving/fraud:2.0.1")
    request = h.adapter.to_request(new)
    query = TestQuery(payload={"instances": [{"amount": 1}]})
    raw = TestQuery(payload="1,2,3", content_type="text/csv")
    h.sent.clear()
    served = set()

    def serving():
        live = observe(h.adapter, spec.name, full=False)
        assert live.health is Health.SERVING
        answer = h.adapter.invoke(spec.name, query, timeout=10)
        assert answer.status == 200 and json.loads(answer.body)["predictions"]
        served.add(answer.variant)
        assert h.adapter.invoke(spec.name, raw, timeout=10).body == b"1,2,3"

    for stepped in (h.adapter.submit, h.adapter.finalize):
        pending: tuple[str, ...] = ()
        for _ in range(50):
            serving()
            progress = stepped(request, pending)
            if progress.done:
                break
            pending = progress.pending
        serving()
    assert h.writes() == ["UploadModel", "DeployModel", "UpdateEndpoint", "UndeployModel", "DeleteModel"]
    assert served <= {"stable", "canary"} and "stable" in served
    live = observe(h.adapter, spec.name, full=True)
    assert live.revision == revision(new) and judge(new, live, h.adapter.capabilities).drift.changes == []
    now = h.models(spec.name)
    assert len(now) == len(old_models) and len(now - old_models) == 1, "old model deleted, new one kept"


def test_machine_change_redeploys_the_same_model(vertex_emulator):
    spec = CORPUS["minimal"]
    h = Harness(vertex_emulator, spec)
    before = h.deploy(spec)
    h.sent.clear()
    after = h.deploy(changed(spec, instance_type="n1-standard-8"))
    assert h.writes() == ["DeployModel", "UpdateEndpoint", "UndeployModel"]
    assert after.provider_ids["models"] == before.provider_ids["models"]
    assert after.provider_ids["deployed_models"] != before.provider_ids["deployed_models"]


def test_failed_update_leaves_no_orphan_and_the_old_revision_serving(vertex_emulator):
    spec = CORPUS["canary"]
    h = Harness(vertex_emulator, spec)
    h.deploy(spec)
    before_models = h.models(spec.name)
    data = spec.model_dump(mode="json")
    data["variants"][0]["image"] = "us-docker.pkg.dev/risk-prod/serving/fraud:9"
    data["variants"][1]["image"] = "us-docker.pkg.dev/risk-prod/serving/fraud:9-rc"
    new = parse_spec(data)
    request = h.adapter.to_request(new)
    pending: tuple[str, ...] = ()
    with pytest.raises(DeploymentFailed, match="readiness probe failed"):
        for _ in range(50):
            progress = h.adapter.submit(request, pending)
            if progress.message == "deploying variant stable":
                # the first new deployment succeeds, the second one fails
                vertex_emulator.control.fail_endpoint(spec.name, on="update", reason="readiness probe failed")
            pending = progress.pending
    assert len(h.models(spec.name)) == 4, "both new models were uploaded"
    discard_all(h.adapter, request, attempts=50)
    assert h.models(spec.name) == before_models, "no orphaned uploaded model"
    assert "UndeployModel" in h.writes(), "the new deployment that succeeded was undeployed"
    live = observe(h.adapter, spec.name, full=True)
    assert live.health is Health.SERVING and live.revision == revision(spec)
    assert judge(spec, live, h.adapter.capabilities).drift.changes == []
    assert h.adapter.invoke(spec.name, TestQuery(payload={"instances": [1]}), timeout=10).status == 200


def test_discard_never_deletes_a_served_endpoint_whose_labels_drifted(vertex_emulator):
    spec = CORPUS["zero-weight"]
    h = Harness(vertex_emulator, spec)
    h.deploy(spec)
    number = vertex_emulator.control.project_number(spec.target.project)
    vertex_emulator.control.drift(f"projects/{number}/locations/{spec.target.location}/endpoints/{spec.name}",
                                  {"labels": {}})
    new = changed(spec, image="europe-docker.pkg.dev/my-project/serving/model:6")
    discard_all(h.adapter, h.adapter.to_request(new), attempts=50)
    live = observe(h.adapter, spec.name, full=True)
    assert live.health is Health.SERVING
    assert [v["name"] for v in live.config["variants"]] == ["live"], "only the unlabelled idle one went"
    assert h.adapter.invoke(spec.name, TestQuery(payload={"instances": [1]}), timeout=10).status == 200


def test_failed_upload_reaches_deployment_failed_and_discard_leaves_nothing(vertex_emulator):
    spec = CORPUS["custom-container"]
    h = Harness(vertex_emulator, spec)
    request = h.adapter.to_request(spec)
    vertex_emulator.control.fail_model_upload(request.variants[0].model_id,
                                              reason="artifact gs://my-models/custom/v7/ not readable")
    with pytest.raises(DeploymentFailed, match="not readable") as err:
        submit_all(h.adapter, request)
    assert "UploadModel" in err.value.message
    discard_all(h.adapter, request, attempts=50)
    assert h.adapter.describe(spec.name) is None and h.models(spec.name) == set()


def test_failed_create_leaves_nothing(vertex_emulator):
    spec = CORPUS["zero-weight"]
    h = Harness(vertex_emulator, spec)
    vertex_emulator.control.fail_endpoint(spec.name, on="create", reason="quota exceeded for n1-standard-2")
    request = h.adapter.to_request(spec)
    with pytest.raises(DeploymentFailed, match="quota exceeded"):
        submit_all(h.adapter, request)
    discard_all(h.adapter, request, attempts=50)
    assert h.adapter.describe(spec.name) is None and h.models(spec.name) == set()


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_unavailability_on_lro_polls_are_retried(vertex_emulator, status):
    spec = CORPUS["minimal"]
    h = Harness(vertex_emulator, spec)
    vertex_emulator.control.inject_fault(method="GET", path_contains="/operations/", status=status, count=3)
    h.deploy(spec)
    assert vertex_emulator.control.faults() == [], "every fault was hit and retried"
    assert h.sent.count("GetOperation") >= 3 + 3


def test_resume_with_stored_operation_names_in_a_new_adapter(vertex_emulator):
    spec = CORPUS["canary"]
    vertex_emulator.control.set_progression("manual", times=3)
    h = Harness(vertex_emulator, spec)
    request = h.adapter.to_request(spec)
    first = h.adapter.submit(request)
    assert not first.done and len(first.pending) == 3  # two uploads + create endpoint
    stored = json.loads(json.dumps(first.to_dict()))  # what the workflow keeps durably
    del h.adapter
    h.sent.clear()
    h.adapter = h.new_adapter(spec)
    pending = tuple(stored["pending"])
    for _ in range(50):
        progress = h.adapter.submit(request, pending)
        if progress.done:
            break
        pending = progress.pending
    assert h.sent[0] == "GetOperation"
    assert "UploadModel" not in h.sent and "CreateEndpoint" not in h.sent
    finalize_all(h.adapter, request)
    assert observe(h.adapter, spec.name, full=True).revision == revision(spec)


def test_lost_operation_names_converge_through_conflict(vertex_emulator):
    """A crash before the step's result was stored: the next try starts from nothing; the
    deterministic ids make Vertex answer Conflict and the rollout converges without duplicates."""
    spec = CORPUS["minimal"]
    vertex_emulator.control.set_progression("manual", times=3)
    h = Harness(vertex_emulator, spec)
    request = h.adapter.to_request(spec)
    assert not h.adapter.submit(request).done
    h.adapter = h.new_adapter(spec)
    submit_all(h.adapter, request)
    finalize_all(h.adapter, request)
    assert h.writes().count("CreateEndpoint") >= 1
    assert len(h.models(spec.name)) == 1
    assert observe(h.adapter, spec.name, full=True).revision == revision(spec)


def test_delete_removes_endpoint_deployed_models_and_models(vertex_emulator):
    spec = CORPUS["autoscaled"]
    h = Harness(vertex_emulator, spec)
    h.deploy(spec)
    delete_all(h.adapter, spec.name, attempts=50)
    assert h.adapter.describe(spec.name) is None and h.models(spec.name) == set()
    assert {"UndeployModel", "DeleteEndpoint", "DeleteModel"} <= set(h.writes())


def test_container_error_is_an_invoke_result(vertex_emulator):
    spec = CORPUS["minimal"]
    h = Harness(vertex_emulator, spec)
    h.deploy(spec)
    vertex_emulator.control.set_prediction(spec.name, status=400, body="bad instance shape")
    answer = h.adapter.invoke(spec.name, TestQuery(payload={"instances": [1]}), timeout=10)
    assert answer.status == 400 and b"bad instance shape" in answer.body
    answer = h.adapter.invoke(spec.name, TestQuery(payload="x", content_type="text/plain"), timeout=10)
    assert (answer.status, answer.body) == (400, b"bad instance shape")


def test_resubmitting_a_served_revision_sends_no_write(vertex_emulator):
    spec = CORPUS["autoscaled"]
    h = Harness(vertex_emulator, spec)
    request = h.adapter.to_request(spec)
    submit_all(h.adapter, request)
    finalize_all(h.adapter, request)
    h.sent.clear()
    submit_all(h.adapter, request)
    finalize_all(h.adapter, request)
    assert set(h.sent) <= {"GetEndpoint", "GetModel", "ListModels"}, h.sent
