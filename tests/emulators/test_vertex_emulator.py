"""Vertex AI emulator, exercised with the real GAPIC REST clients (and httpx for raw requests).

One emulator for the module (default progression: manual, one read); every test starts from a reset
emulator. Refusal tests assert the HTTP status, Google's rpc status and the message.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.api_core import operation as lro
from google.api_core.retry import Retry, if_exception_type
from google.cloud import aiplatform_v1 as v1
from google.protobuf import duration_pb2, field_mask_pb2

from emulators.vertex import ControlAPIError, VertexEmulator
from tests.emulators.vertex_support import (
    PARENT,
    TIMEOUT,
    Clients,
    create_endpoint,
    deploy,
    deployed,
    endpoint_name,
    make_clients,
    model_body,
    model_name,
    raw_refused,
    refused,
    serving,
    start_deploy,
    start_upload,
    upload,
)

T4 = v1.AcceleratorType.NVIDIA_TESLA_T4
CPU = "aiplatform.googleapis.com/prediction/online/cpu/utilization"


@pytest.fixture(scope="module")
def emulator() -> Iterator[VertexEmulator]:
    with VertexEmulator(progression={"progression": "manual", "times": 1}) as running:
        yield running


@pytest.fixture(autouse=True)
def _reset(emulator: VertexEmulator) -> Iterator[None]:
    emulator.control.reset()
    yield
    emulator.control.reset()


@pytest.fixture(scope="module")
def c(emulator: VertexEmulator) -> Iterator[Clients]:
    clients = make_clients(emulator.url)
    yield clients
    clients.http.close()


def _mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


# ------------------------------------------------------------------------------ lifecycle


def test_full_lifecycle_through_gapic_clients(emulator: VertexEmulator, c: Clients) -> None:
    number = emulator.control.project_number("my-proj")
    assert number.isdigit() and len(number) == 12

    model = upload(c, "churn-1")
    assert model == f"projects/{number}/locations/us-central1/models/churn-1"
    stored = c.models.get_model(name=model_name("churn-1"), timeout=TIMEOUT)
    assert stored.version_id == "1" and "default" in stored.version_aliases and stored.etag
    assert stored.container_spec.image_uri.endswith("model:1") and stored.create_time

    endpoint = create_endpoint(c, "ep1", labels={"rev": "r1"})
    assert endpoint.name == f"projects/{number}/locations/us-central1/endpoints/ep1" and endpoint.create_time

    operation = start_deploy(c, endpoint.name, deployed(model_name("churn-1"), "1001"), {"0": 100})
    assert operation.operation.name.startswith(f"{endpoint.name}/operations/")
    assert operation.metadata.deployment_stage == v1.DeploymentStage.STARTING_DEPLOYMENT
    resumed = lro.from_gapic(
        c.endpoints.transport.operations_client.get_operation(operation.operation.name),
        c.endpoints.transport.operations_client,
        v1.DeployModelResponse,
        metadata_type=v1.DeployModelOperationMetadata,
    )
    result = resumed.result(timeout=TIMEOUT)
    assert result.deployed_model.id == "1001" and result.deployed_model.model == model
    assert operation.result(timeout=TIMEOUT).deployed_model.id == "1001"
    assert resumed.metadata.deployment_stage == v1.DeploymentStage.SUCCESSFULLY_DEPLOYED

    live = c.endpoints.get_endpoint(name=endpoint.name, timeout=TIMEOUT)
    assert dict(live.traffic_split) == {"1001": 100}
    dm = live.deployed_models[0]
    assert dm.display_name == "churn" and dm.model_version_id == "1" and dm.create_time
    assert dm.dedicated_resources.max_replica_count == 1  # defaulted to min
    refs = c.models.get_model(name=model, timeout=TIMEOUT).deployed_models
    assert [(r.endpoint, r.deployed_model_id) for r in refs] == [(endpoint.name, "1001")]

    answer = c.prediction.predict(endpoint=endpoint.name, instances=[{"x": 1}, {"x": 2}], timeout=TIMEOUT)
    assert answer.deployed_model_id == "1001" and answer.model == model and answer.model_display_name == "churn"
    assert [dict(p)["echo"]["x"] for p in answer.predictions] == [1, 2]
    raw = c.http.post(f"/v1/{endpoint.name}:rawPredict", content=b"\x00\x01raw", headers={"Content-Type": "image/png"})
    assert (raw.status_code, raw.content, raw.headers["content-type"]) == (200, b"\x00\x01raw", "image/png")
    assert raw.headers["X-Vertex-AI-Deployed-Model-Id"] == "1001" and raw.headers["X-Vertex-AI-Endpoint-Id"] == "ep1"

    deploy(c, endpoint.name, deployed(model, "1002", machine_type="n1-standard-4"))
    updated = c.endpoints.update_endpoint(
        endpoint=v1.Endpoint(name=endpoint.name, labels={"rev": "r2"}, traffic_split={"1001": 40, "1002": 60}),
        update_mask=_mask("labels", "traffic_split"),
        timeout=TIMEOUT,
    )
    assert dict(updated.labels) == {"rev": "r2"} and dict(updated.traffic_split) == {"1001": 40, "1002": 60}
    assert updated.etag != live.etag and updated.display_name == "serving"

    mutated = c.endpoints.mutate_deployed_model(
        endpoint=endpoint.name,
        deployed_model=v1.DeployedModel(id="1002", dedicated_resources=v1.DedicatedResources(
            min_replica_count=2, max_replica_count=4,
            autoscaling_metric_specs=[v1.AutoscalingMetricSpec(metric_name=CPU, target=70)])),
        update_mask=_mask("dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count",
                          "dedicated_resources.autoscaling_metric_specs"),
        timeout=TIMEOUT,
    ).result(timeout=TIMEOUT)
    assert mutated.deployed_model.dedicated_resources.max_replica_count == 4
    assert mutated.deployed_model.dedicated_resources.machine_spec.machine_type == "n1-standard-4"

    c.endpoints.undeploy_model(
        endpoint=endpoint.name, deployed_model_id="1001", traffic_split={"1002": 100}, timeout=TIMEOUT
    ).result(timeout=TIMEOUT)
    last = c.endpoints.undeploy_model(endpoint=endpoint.name, deployed_model_id="1002", timeout=TIMEOUT)
    last.result(timeout=TIMEOUT)
    empty = c.endpoints.get_endpoint(name=endpoint.name, timeout=TIMEOUT)
    assert not empty.deployed_models and not empty.traffic_split

    deletion = c.endpoints.delete_endpoint(name=endpoint.name, timeout=TIMEOUT)
    assert deletion.operation.name.startswith(f"projects/{number}/locations/us-central1/operations/")
    deletion.result(timeout=TIMEOUT)
    c.models.delete_model(name=model, timeout=TIMEOUT).result(timeout=TIMEOUT)
    refused(lambda: c.endpoints.get_endpoint(name=endpoint.name, timeout=TIMEOUT), 404, "NOT_FOUND", "does not exist")
    refused(lambda: c.models.get_model(name=model, timeout=TIMEOUT), 404, "NOT_FOUND", "does not exist")


def test_project_id_and_number_name_the_same_resources(emulator: VertexEmulator, c: Clients) -> None:
    number = emulator.control.project_number("my-proj")
    assert emulator.control.project_number("my-proj") == number
    assert emulator.control.project_number("424242") == "424242"
    upload(c, "m")
    by_number = c.models.get_model(name=model_name("m", project=number), timeout=TIMEOUT)
    assert by_number.name == model_name("m", project=number)
    create_endpoint(c, "ep1")
    dm = deploy(c, endpoint_name("ep1", project=number), deployed(model_name("m")), {"0": 100})
    assert dm.model == model_name("m", project=number)
    assert c.models.get_model(name=model_name("m") + "@1", timeout=TIMEOUT).name == by_number.name
    assert c.models.get_model(name=model_name("m") + "@default", timeout=TIMEOUT).name == by_number.name


def test_generated_ids_are_numeric(c: Clients) -> None:
    request = v1.UploadModelRequest(parent=PARENT, model=model_body())
    model = c.models.upload_model(request=request, timeout=TIMEOUT).result(timeout=TIMEOUT).model
    model_id = model.rsplit("/", 1)[1]
    assert model_id.isdigit() and len(model_id) == 19
    endpoint = c.endpoints.create_endpoint(parent=PARENT, endpoint=v1.Endpoint(display_name="e"), timeout=TIMEOUT)
    endpoint_id = endpoint.result(timeout=TIMEOUT).name.rsplit("/", 1)[1]
    assert endpoint_id.isdigit()
    dm = deploy(c, endpoint_name(endpoint_id), deployed(model))
    assert dm.id.isdigit() and dm.id != model_id


# ---------------------------------------------------------------------- progression and LROs


def test_manual_progression_applies_the_effect_only_when_done(emulator: VertexEmulator, c: Clients) -> None:
    emulator.control.set_progression("manual", times=2)
    operation = start_upload(c, "slow")
    assert not operation.operation.done
    refused(lambda: c.models.get_model(name=model_name("slow"), timeout=TIMEOUT), 404, "NOT_FOUND", "slow")  # read 1
    assert operation.done()  # read 2 completes it
    assert c.models.get_model(name=model_name("slow"), timeout=TIMEOUT).display_name == "churn"


def test_manual_progression_counts_reads_of_the_operation(emulator: VertexEmulator, c: Clients) -> None:
    emulator.control.set_progression("manual", times=3)
    operation = c.endpoints.create_endpoint(parent=PARENT, endpoint=v1.Endpoint(display_name="e"), endpoint_id="ep1",
                                            timeout=TIMEOUT)
    getter = c.endpoints.transport.operations_client.get_operation
    assert [getter(operation.operation.name).done for _ in range(3)] == [False, False, True]
    assert c.endpoints.get_endpoint(name=endpoint_name("ep1"), timeout=TIMEOUT).display_name == "e"


def test_time_progression(emulator: VertexEmulator, c: Clients) -> None:
    emulator.control.set_progression("time", seconds=0.2)
    operation = c.endpoints.create_endpoint(parent=PARENT, endpoint=v1.Endpoint(display_name="e"), endpoint_id="ep1",
                                            timeout=TIMEOUT)
    assert not operation.done()
    waited = c.endpoints.wait_operation({"name": operation.operation.name, "timeout": {"seconds": 2}})
    assert waited.done
    assert operation.done() and operation.result(timeout=TIMEOUT).name.endswith("/endpoints/ep1")


def test_immediate_progression_answers_done(emulator: VertexEmulator, c: Clients) -> None:
    emulator.control.set_progression("immediate")
    assert start_upload(c, "fast").operation.done
    assert emulator.control.progression() == {"progression": "immediate"}


def test_operations_are_served_under_ui_and_v1_and_listed(emulator: VertexEmulator, c: Clients) -> None:
    emulator.control.set_progression("manual", times=5)
    upload_op = start_upload(c, "m")
    create_op = c.endpoints.create_endpoint(parent=PARENT, endpoint=v1.Endpoint(display_name="e"), endpoint_id="ep1",
                                            timeout=TIMEOUT)
    for prefix in ("ui", "v1"):
        answer = c.http.get(f"/{prefix}/{create_op.operation.name}")
        assert answer.status_code == 200
        metadata_type = answer.json()["metadata"]["@type"]
        assert metadata_type == "type.googleapis.com/google.cloud.aiplatform.v1.CreateEndpointOperationMetadata"
    listed = c.endpoints.list_operations({"name": endpoint_name("ep1"), "filter": "done=false"})
    assert [op.name for op in listed.operations] == [create_op.operation.name]
    by_id = c.http.get("/v1/projects/my-proj/locations/us-central1/models/m/operations").json()
    assert [op["name"] for op in by_id["operations"]] == [upload_op.operation.name]


def test_cancel_and_delete_operations(emulator: VertexEmulator, c: Clients) -> None:
    emulator.control.set_progression("manual", times=10)
    operation = c.endpoints.create_endpoint(parent=PARENT, endpoint=v1.Endpoint(display_name="e"), endpoint_id="ep1",
                                            timeout=TIMEOUT)
    name = operation.operation.name
    c.endpoints.cancel_operation({"name": name})
    with pytest.raises(gexc.GoogleAPICallError) as caught:
        operation.result(timeout=TIMEOUT)
    assert caught.value.grpc_status_code is not None and caught.value.grpc_status_code.value[0] == 1  # CANCELLED
    refused(lambda: c.endpoints.get_endpoint(name=endpoint_name("ep1"), timeout=TIMEOUT), 404, "NOT_FOUND", "ep1")
    c.endpoints.delete_operation({"name": name})
    refused(lambda: c.endpoints.get_operation({"name": name}), 404, "NOT_FOUND", "not found")


def test_configured_failures_surface_as_operation_errors(emulator: VertexEmulator, c: Clients) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    emulator.control.fail_endpoint("ep1", on="create", reason="Model server never became ready.", once=True)
    emulator.control.fail_endpoint("ep1", on="update", reason="Out of capacity in zone.", once=True)
    failed = start_deploy(c, endpoint_name("ep1"), deployed(model, "1"), {"0": 100})
    with pytest.raises(gexc.GoogleAPICallError, match="Model server never became ready"):
        failed.result(timeout=TIMEOUT)
    raw = c.endpoints.get_operation({"name": failed.operation.name})
    assert raw.done and raw.error.code == 9 and raw.error.message == "Model server never became ready."
    assert not c.endpoints.get_endpoint(name=endpoint_name("ep1"), timeout=TIMEOUT).deployed_models
    deploy(c, endpoint_name("ep1"), deployed(model, "1"), {"0": 100})  # the failure was used once
    with pytest.raises(gexc.GoogleAPICallError, match="Out of capacity in zone"):
        deploy(c, endpoint_name("ep1"), deployed(model, "2"), {"1": 50, "0": 50})
    live = c.endpoints.get_endpoint(name=endpoint_name("ep1"), timeout=TIMEOUT)
    assert [d.id for d in live.deployed_models] == ["1"] and dict(live.traffic_split) == {"1": 100}

    emulator.control.fail_model_upload("bad", reason="Image not found.", code=13, once=True)
    with pytest.raises(gexc.GoogleAPICallError, match="Image not found"):
        upload(c, "bad")
    refused(lambda: c.models.get_model(name=model_name("bad"), timeout=TIMEOUT), 404, "NOT_FOUND", "bad")
    assert upload(c, "bad").endswith("/models/bad")


def test_a_failure_is_sticky_by_default(emulator: VertexEmulator, c: Clients) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    emulator.control.fail_endpoint("ep1", on="create", reason="Model server never became ready.")
    for deployed_id in ("1", "2"):
        with pytest.raises(gexc.GoogleAPICallError, match="Model server never became ready"):
            deploy(c, endpoint_name("ep1"), deployed(model, deployed_id), {"0": 100})
    emulator.control.fail_model_upload("bad", reason="Image not found.")
    for _ in range(2):
        with pytest.raises(gexc.GoogleAPICallError, match="Image not found"):
            upload(c, "bad")


def test_clear_failure(emulator: VertexEmulator, c: Clients) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    emulator.control.fail_endpoint("ep1", on="create", reason="nope")
    emulator.control.clear_failure("ep1")
    assert deploy(c, endpoint_name("ep1"), deployed(model, "1"), {"0": 100}).id == "1"
    with pytest.raises(ControlAPIError) as caught:
        emulator.control.fail_endpoint("ep1", on="later", reason="x")
    assert caught.value.status == 400 and "'on'" in caught.value.message


def test_reset_drops_everything_and_restores_the_default_progression(emulator: VertexEmulator, c: Clients) -> None:
    serving(c)
    emulator.control.set_progression("time", seconds=30)
    emulator.control.inject_fault(path_contains="/nothing", status=500, count=3)
    emulator.control.set_prediction("ep1", body={"predictions": [1]})
    emulator.control.reset()
    assert emulator.control.progression() == {"progression": "manual", "times": 1}
    assert emulator.control.faults() == []
    assert list(c.endpoints.list_endpoints(parent=PARENT, timeout=TIMEOUT)) == []
    assert list(c.models.list_models(parent=PARENT, timeout=TIMEOUT)) == []
    serving(c)
    answer = c.prediction.predict(endpoint=endpoint_name("ep1"), instances=[{"a": 1}], timeout=TIMEOUT)
    assert dict(answer.predictions[0])["echo"] == {"a": 1}


def test_emulators_keep_separate_state(c: Clients) -> None:
    upload(c, "only-here")
    with VertexEmulator(progression=None) as other:
        other_clients = make_clients(other.url)
        try:
            assert list(other_clients.models.list_models(parent=PARENT, timeout=TIMEOUT)) == []
        finally:
            other_clients.http.close()
    assert len(list(c.models.list_models(parent=PARENT, timeout=TIMEOUT))) == 1


def test_drift_changes_a_resource_behind_the_api(emulator: VertexEmulator, c: Clients) -> None:
    before = serving(c)
    changed = emulator.control.drift(endpoint_name("ep1"), {"labels": {"changed": "yes"}})
    assert changed["labels"] == {"changed": "yes"}
    after = c.endpoints.get_endpoint(name=endpoint_name("ep1"), timeout=TIMEOUT)
    assert dict(after.labels) == {"changed": "yes"} and after.etag != before.etag
    with pytest.raises(ControlAPIError):
        emulator.control.drift(endpoint_name("ep1"), {"labelz": {}})


# --------------------------------------------------------------------------------- listing


def test_list_filters_on_labels_and_pages(c: Clients) -> None:
    for index in range(5):
        upload(c, f"m{index}", labels={"team": "a" if index % 2 else "b", "n": str(index)})
    found = c.models.list_models(request=v1.ListModelsRequest(parent=PARENT, filter="labels.team=a"), timeout=TIMEOUT)
    assert sorted(m.name.rsplit("/", 1)[1] for m in found) == ["m1", "m3"]
    both = v1.ListModelsRequest(parent=PARENT, filter='labels.team=b AND labels.n="4"')
    assert [m.labels["n"] for m in c.models.list_models(request=both, timeout=TIMEOUT)] == ["4"]
    first = c.models.list_models(request=v1.ListModelsRequest(parent=PARENT, page_size=2), timeout=TIMEOUT)
    assert len(first.models) == 2 and first.next_page_token
    assert len(list(first)) == 5  # the pager follows next_page_token
    create_endpoint(c, "ep1", labels={"env": "prod"})
    create_endpoint(c, "ep2")
    listed = c.endpoints.list_endpoints(request=v1.ListEndpointsRequest(parent=PARENT, filter="labels.env:*"),
                                        timeout=TIMEOUT)
    assert [e.name.rsplit("/", 1)[1] for e in listed] == ["ep1"]


def test_list_refuses_bad_filters_and_tokens(c: Clients) -> None:
    refused(lambda: list(c.models.list_models(request=v1.ListModelsRequest(parent=PARENT, filter="labels.a=b OR x"),
                                              timeout=TIMEOUT)), 400, "INVALID_ARGUMENT", "not valid or not supported")
    refused(lambda: list(c.endpoints.list_endpoints(request=v1.ListEndpointsRequest(parent=PARENT, page_token="zzz"),
                                                    timeout=TIMEOUT)), 400, "INVALID_ARGUMENT", "Invalid page_token")


# ------------------------------------------------------------------------------ data plane


def test_predict_follows_the_traffic_split(c: Clients) -> None:
    serving(c)
    deploy(c, endpoint_name("ep1"), deployed(model_name("churn-1"), "2002"), {"1001": 70, "0": 30})
    served = collections.Counter(
        c.prediction.predict(endpoint=endpoint_name("ep1"), instances=[1], timeout=TIMEOUT).deployed_model_id
        for _ in range(10)
    )
    assert served == {"1001": 7, "2002": 3}


def test_configured_prediction_responses(emulator: VertexEmulator, c: Clients) -> None:
    serving(c)
    emulator.control.set_prediction("ep1", body={"predictions": [{"score": 0.9}]})
    answer = c.prediction.predict(endpoint=endpoint_name("ep1"), instances=[{"a": 1}], timeout=TIMEOUT)
    assert [dict(p) for p in answer.predictions] == [{"score": 0.9}] and answer.deployed_model_id == "1001"
    emulator.control.set_prediction("ep1", status=500, body="model crashed")
    refused(lambda: c.prediction.predict(endpoint=endpoint_name("ep1"), instances=[1], timeout=TIMEOUT),
            500, "INTERNAL", "model crashed")
    emulator.control.set_prediction("ep1", body={"not": "predictions"})
    refused(lambda: c.prediction.predict(endpoint=endpoint_name("ep1"), instances=[1], timeout=TIMEOUT),
            500, "INTERNAL", "invalid prediction response")
    emulator.control.set_prediction("ep1", status=200, body=b"\x89PNG", content_type="image/png")
    raw = c.http.post(f"/v1/{endpoint_name('ep1')}:rawPredict", json={})
    assert (raw.status_code, raw.content, raw.headers["content-type"]) == (200, b"\x89PNG", "image/png")
    emulator.control.set_prediction("ep1", status=422, body="bad input", content_type="text/plain")
    raw = c.http.post(f"/v1/{endpoint_name('ep1')}:rawPredict", content=b"x")
    assert (raw.status_code, raw.content) == (422, b"bad input")


def test_predict_needs_a_model_with_traffic(c: Clients) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    call = lambda: c.prediction.predict(endpoint=endpoint_name("ep1"), instances=[1], timeout=TIMEOUT)  # noqa: E731
    refused(call, 400, "FAILED_PRECONDITION", "does not have any deployed model")
    deploy(c, endpoint_name("ep1"), deployed(model, "1"))  # no traffic_split: no traffic
    refused(call, 400, "FAILED_PRECONDITION", "no DeployedModel receiving traffic")
    refused(lambda: c.prediction.predict(endpoint=endpoint_name("nope"), instances=[1], timeout=TIMEOUT),
            404, "NOT_FOUND", "nope")


def test_payload_limit(c: Clients) -> None:
    serving(c)
    answer = c.http.post(f"/v1/{endpoint_name('ep1')}:rawPredict", content=b"x" * 1_600_000)
    raw_refused(answer, 400, "INVALID_ARGUMENT", "Request payload size exceeds the limit: 1572864 bytes.")


# ---------------------------------------------------------------------------------- faults


def test_throttling_then_success(emulator: VertexEmulator, c: Clients) -> None:
    create_endpoint(c, "ep1")
    emulator.control.inject_fault(method="GET", path_contains="/endpoints/ep1", status=429, count=2, retry_after=1)
    assert emulator.control.faults()[0]["remaining"] == 2
    raw = c.http.get(f"/v1/{endpoint_name('ep1')}")
    raw_refused(raw, 429, "RESOURCE_EXHAUSTED", "Quota exceeded")
    assert raw.headers["Retry-After"] == "1"
    retry = Retry(predicate=if_exception_type(gexc.TooManyRequests), initial=0.01, maximum=0.02, timeout=5)
    assert c.endpoints.get_endpoint(name=endpoint_name("ep1"), retry=retry, timeout=TIMEOUT).display_name == "serving"
    assert emulator.control.faults() == []


def test_errors_on_operation_polls(emulator: VertexEmulator, c: Clients) -> None:
    emulator.control.set_progression("manual", times=2)
    operation = start_upload(c, "m")
    emulator.control.inject_fault(path_contains="/operations/", status=500)
    with pytest.raises(gexc.InternalServerError, match="Internal error encountered"):
        operation.result(timeout=TIMEOUT)  # api-core's polling does not retry a 500 by itself
    emulator.control.inject_fault(path_contains="/operations/", status=503)
    assert not operation.done()  # the operations client retries UNAVAILABLE on its own (0.5 s backoff)
    assert emulator.control.faults() == []
    emulator.control.inject_fault(path_contains="/operations/", status=429, count=2)
    retry = Retry(predicate=if_exception_type(gexc.TooManyRequests), initial=0.01, maximum=0.02, timeout=5)
    assert operation.result(timeout=TIMEOUT, retry=retry).model.endswith("/models/m")


def test_internal_error_latency_and_dropped_connections(emulator: VertexEmulator, c: Clients) -> None:
    emulator.control.inject_fault(method="POST", path_contains=":deployModel", status=500)
    raw_refused(c.http.post(f"/v1/{endpoint_name('ep1')}:deployModel", json={}), 500, "INTERNAL", "Internal error")
    emulator.control.inject_fault(path_contains="/endpoints", status=0, delay=0.2)
    started = time.monotonic()
    assert c.http.get(f"/v1/{PARENT}/endpoints").status_code == 200
    assert time.monotonic() - started >= 0.2
    emulator.control.inject_fault(path_contains="/models", drop=True)
    with pytest.raises(Exception) as caught:
        c.http.get(f"/v1/{PARENT}/models")
    assert "httpx" in type(caught.value).__module__
    emulator.control.inject_fault(path_contains="/never", count=5)
    emulator.control.clear_faults()
    assert emulator.control.faults() == []
    with pytest.raises(ControlAPIError) as bad:
        emulator.control.inject_fault(status=200)
    assert bad.value.status == 400 and "'status'" in bad.value.message


# ------------------------------------------------------------------------- wire strictness


def test_unknown_fields_in_bodies_are_refused(c: Clients) -> None:
    answer = c.http.post(f"/v1/{PARENT}/endpoints", params={"endpointId": "ep1"},
                         json={"displayName": "e", "displayNme": "typo"})
    raw_refused(answer, 400, "INVALID_ARGUMENT", 'Unknown name "displayNme"')
    upload(c, "m")
    create_endpoint(c, "ep1")
    body = {"deployedModel": {"model": model_name("m"), "dedicatedResources": {
        "machineSpec": {"machineType": "n1-standard-2", "gpu": 1}, "minReplicaCount": 1}}}
    raw_refused(c.http.post(f"/v1/{endpoint_name('ep1')}:deployModel", json=body), 400, "INVALID_ARGUMENT",
                'Unknown name "gpu"')
    raw_refused(c.http.post(f"/v1/{endpoint_name('ep1')}:predict", json={"instances": [1], "params": {}}),
                400, "INVALID_ARGUMENT", 'Unknown name "params"')


def test_bad_values_query_parameters_and_json_are_refused(c: Clients) -> None:
    upload(c, "m")
    create_endpoint(c, "ep1")
    bad_enum = {"deployedModel": {"model": model_name("m"), "dedicatedResources": {
        "machineSpec": {"machineType": "n1-standard-2", "acceleratorType": 999, "acceleratorCount": 1},
        "minReplicaCount": 1}}}
    raw_refused(c.http.post(f"/v1/{endpoint_name('ep1')}:deployModel", json=bad_enum), 400, "INVALID_ARGUMENT",
                "Invalid value at 'deployed_model.dedicated_resources.machine_spec.accelerator_type'")
    both = {"deployedModel": {"model": model_name("m"), "dedicatedResources": {"minReplicaCount": 1},
                              "automaticResources": {}}}
    raw_refused(c.http.post(f"/v1/{endpoint_name('ep1')}:deployModel", json=both), 400, "INVALID_ARGUMENT",
                "multiple")
    raw_refused(c.http.get(f"/v1/{endpoint_name('ep1')}", params={"view": "FULL"}), 400, "INVALID_ARGUMENT",
                'Unknown name "view": Cannot bind query parameter')
    raw_refused(c.http.post(f"/v1/{endpoint_name('ep1')}:predict", content=b"{not json"), 400, "INVALID_ARGUMENT",
                "Invalid JSON payload received")
    raw_refused(c.http.get(f"/v1/{PARENT}/endpoints/ep1/deployedModels"), 404, "NOT_FOUND", "not found")
    raw_refused(c.http.post(f"/v1/{endpoint_name('ep1')}:explain", json={}), 501, "UNIMPLEMENTED", "not emulated")
    assert c.http.get(f"/v1/{endpoint_name('ep1')}", headers={"Authorization": "Bearer anything"}).status_code == 200
    refused(lambda: c.endpoints.get_endpoint(name="projects/my-proj/locations/mars-central1/endpoints/ep1",
                                             timeout=TIMEOUT), 400, "INVALID_ARGUMENT", '"mars-central1"')


# ------------------------------------------------------------------------------ refusals: models

@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"display_name": ""}, "model.display_name is required."),
        ({"display_name": "x" * 129}, "at most 128 characters"),
        ({"container_spec": v1.ModelContainerSpec()}, "model.container_spec.image_uri is required."),
        ({"artifact_uri": "s3://bucket/model"}, "must be a Cloud Storage URI"),
        ({"container_spec": v1.ModelContainerSpec(image_uri="i", ports=[v1.Port(container_port=70000)])},
         "port 70000 is not between 1 and 65535"),
        ({"container_spec": v1.ModelContainerSpec(image_uri="i", predict_route="predict")},
         'predict_route "predict" must start with "/"'),
        ({"container_spec": v1.ModelContainerSpec(image_uri="i", health_route="health")},
         'health_route "health" must start with "/"'),
        ({"labels": {"Team": "ml"}}, 'invalid label key "Team"'),
        ({"labels": {"1team": "ml"}}, 'invalid label key "1team"'),
        ({"labels": {"team": "ML"}}, 'invalid value "ML" for label "team"'),
        ({"labels": {"team": "x" * 64}}, 'for label "team"'),
        ({"labels": {f"k{i}": "v" for i in range(65)}}, "at most 64 labels"),
        ({"encryption_spec": v1.EncryptionSpec(kms_key_name="my-key")}, "is not a Cloud KMS key name"),
        ({"container_spec": v1.ModelContainerSpec(image_uri="i", env=[v1.EnvVar(name="1X", value="v")])},
         'invalid variable name "1X"'),
        ({"container_spec": v1.ModelContainerSpec(image_uri="i", env=[v1.EnvVar(name="X"), v1.EnvVar(name="X")])},
         'variable "X" is set twice'),
    ],
)
def test_upload_refusals(c: Clients, overrides: dict[str, Any], message: str) -> None:
    refused(lambda: start_upload(c, "m", **overrides), 400, "INVALID_ARGUMENT", message)


@pytest.mark.parametrize("model_id", ["1model", "-model", "Model", "my.model", "a" * 64])
def test_model_id_rules(c: Clients, model_id: str) -> None:
    refused(lambda: start_upload(c, model_id), 400, "INVALID_ARGUMENT", f'Invalid model_id "{model_id}"')


def test_model_ids_accepted_and_duplicates_refused(c: Clients) -> None:
    assert upload(c, "_m-1").endswith("/models/_m-1")
    assert upload(c, "a" * 63).endswith("a" * 63)
    refused(lambda: start_upload(c, "_m-1"), 409, "ALREADY_EXISTS", "already exists")
    with pytest.raises(gexc.Conflict):
        start_upload(c, "_m-1")
    request = v1.UploadModelRequest(parent=PARENT, parent_model=model_name("_m-1"), model=model_body())
    refused(lambda: c.models.upload_model(request=request, timeout=TIMEOUT), 501, "UNIMPLEMENTED", "parent_model")


def test_update_and_delete_model_rules(c: Clients) -> None:
    model = upload(c, "m")
    updated = c.models.update_model(model=v1.Model(name=model_name("m"), labels={"stage": "prod"}),
                                    update_mask=_mask("labels"), timeout=TIMEOUT)
    assert dict(updated.labels) == {"stage": "prod"} and updated.container_spec.image_uri
    refused(lambda: c.models.update_model(model=v1.Model(name=model_name("m"), container_spec=v1.ModelContainerSpec(
        image_uri="other")), update_mask=_mask("container_spec"), timeout=TIMEOUT), 400, "INVALID_ARGUMENT",
        'Field "container_spec" of a Model cannot be updated')
    create_endpoint(c, "ep1")
    deploy(c, endpoint_name("ep1"), deployed(model, "1"), {"0": 100})
    refused(lambda: c.models.delete_model(name=model, timeout=TIMEOUT), 400, "FAILED_PRECONDITION",
            "is deployed or being deployed at the following Endpoint(s)")


# --------------------------------------------------------------------------- refusals: endpoints


@pytest.mark.parametrize("endpoint_id", ["Ep1", "ep1-", "ep_1", "0123", "1234567890", "a" * 64, "1a"])
def test_endpoint_id_rules(c: Clients, endpoint_id: str) -> None:
    refused(lambda: c.endpoints.create_endpoint(parent=PARENT, endpoint=v1.Endpoint(display_name="e"),
                                                endpoint_id=endpoint_id, timeout=TIMEOUT),
            400, "INVALID_ARGUMENT", f'Invalid endpoint_id "{endpoint_id}"')


def test_endpoint_ids_accepted_and_duplicates_refused(c: Clients) -> None:
    for endpoint_id in ("123456789", "a" * 63, "e-1"):
        assert create_endpoint(c, endpoint_id).name.endswith(f"/endpoints/{endpoint_id}")
    refused(lambda: c.endpoints.create_endpoint(parent=PARENT, endpoint=v1.Endpoint(display_name="e"),
                                                endpoint_id="e-1", timeout=TIMEOUT), 409, "ALREADY_EXISTS", "e-1")


_LOGGING = v1.PredictRequestResponseLoggingConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"display_name": ""}, "endpoint.display_name is required."),
        ({"traffic_split": {"1": 100}}, 'traffic_split refers to DeployedModel "1"'),
        ({"network": "default"}, "must look like projects/{project_number}/global/networks/{network}"),
        ({"network": "projects/123/global/networks/vpc", "enable_private_service_connect": True},
         "cannot be used together"),
        ({"labels": {"env": "x" * 64}}, 'for label "env"'),
        ({"predict_request_response_logging_config": _LOGGING(enabled=True, sampling_rate=1.5)},
         "sampling_rate must be in [0, 1], got 1.5"),
        ({"predict_request_response_logging_config": _LOGGING(
            enabled=True, sampling_rate=0.5, bigquery_destination=v1.BigQueryDestination(output_uri="bigquery://p"))},
         'output_uri "bigquery://p" must look like bq://project'),
        ({"encryption_spec": v1.EncryptionSpec(kms_key_name="projects/p/keys/k")}, "is not a Cloud KMS key name"),
        ({"client_connection_config": v1.ClientConnectionConfig(inference_timeout=duration_pb2.Duration(seconds=-1))},
         "inference_timeout must be positive"),
    ],
)
def test_create_endpoint_refusals(c: Clients, fields: dict[str, Any], message: str) -> None:
    body = v1.Endpoint(**({"display_name": "e"} | fields))
    refused(lambda: c.endpoints.create_endpoint(parent=PARENT, endpoint=body, endpoint_id="ep1", timeout=TIMEOUT),
            400, "INVALID_ARGUMENT", message)


def test_update_endpoint_refusals(c: Clients) -> None:
    current = serving(c)
    name = endpoint_name("ep1")

    def update(mask: field_mask_pb2.FieldMask, **fields: Any) -> Any:
        return lambda: c.endpoints.update_endpoint(endpoint=v1.Endpoint(name=name, **fields), update_mask=mask,
                                                   timeout=TIMEOUT)

    refused(update(_mask("network"), network="projects/1/global/networks/n"), 400, "INVALID_ARGUMENT",
            'Field "network" of an Endpoint is immutable')
    refused(update(_mask("encryption_spec")), 400, "INVALID_ARGUMENT", 'Field "encryption_spec"')
    refused(update(_mask("deployed_models")), 400, "INVALID_ARGUMENT", 'Field "deployed_models"')
    refused(update(_mask()), 400, "INVALID_ARGUMENT", "update_mask is required.")
    refused(update(_mask("traffic_split"), traffic_split={"1001": 50}), 400, "INVALID_ARGUMENT",
            "must add up to 100, got 50")
    refused(update(_mask("traffic_split"), traffic_split={"0": 100}), 400, "INVALID_ARGUMENT",
            'traffic_split refers to DeployedModel "0"')
    refused(update(_mask("labels"), labels={"a": "b"}, etag="stale"), 409, "ABORTED", "etag")
    ok = c.endpoints.update_endpoint(endpoint=v1.Endpoint(name=name, labels={"a": "b"}, etag=current.etag),
                                     update_mask=_mask("labels"), timeout=TIMEOUT)
    assert dict(ok.labels) == {"a": "b"}
    logging = c.endpoints.update_endpoint(
        endpoint=v1.Endpoint(name=name, predict_request_response_logging_config=_LOGGING(
            enabled=True, sampling_rate=0.1, bigquery_destination=v1.BigQueryDestination(output_uri="bq://p.d.t"))),
        update_mask=_mask("predict_request_response_logging_config"), timeout=TIMEOUT)
    assert logging.predict_request_response_logging_config.sampling_rate == pytest.approx(0.1)


def test_delete_endpoint_with_deployed_models_is_refused(c: Clients) -> None:
    serving(c)
    refused(lambda: c.endpoints.delete_endpoint(name=endpoint_name("ep1"), timeout=TIMEOUT), 400,
            "FAILED_PRECONDITION", "has deployed or being deployed DeployedModel(s): 1001")


def test_changes_are_refused_while_an_operation_runs(emulator: VertexEmulator, c: Clients) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    emulator.control.set_progression("manual", times=5)
    running = start_deploy(c, endpoint_name("ep1"), deployed(model, "1"), {"0": 100})
    refused(lambda: start_deploy(c, endpoint_name("ep1"), deployed(model, "2")), 400, "FAILED_PRECONDITION",
            f"has an operation in progress: {running.operation.name}")
    refused(lambda: c.models.delete_model(name=model, timeout=TIMEOUT), 400, "FAILED_PRECONDITION",
            "being deployed")


# ------------------------------------------------------------------- refusals: deployed models

_A100 = v1.AcceleratorType.NVIDIA_TESLA_A100


@pytest.mark.parametrize(
    ("resource_fields", "message"),
    [
        ({"machine_type": "ml.nonexistent.huge"}, 'Machine type "ml.nonexistent.huge" is not supported.'),
        ({"machine_type": "n1-standard-1"}, 'Machine type "n1-standard-1" is not supported.'),
        ({"machine_type": "e2-standard-4", "machine": {"accelerator_type": T4, "accelerator_count": 1}},
         'Machine type "e2-standard-4" does not support accelerators'),
        ({"machine": {"accelerator_type": _A100, "accelerator_count": 1}},
         'Accelerator "NVIDIA_TESLA_A100" is not supported with machine type "n1-standard-2"'),
        ({"machine": {"accelerator_type": T4, "accelerator_count": 3}}, "Accelerator count 3 is not valid"),
        ({"machine": {"accelerator_count": 1}}, "accelerator_count is set but accelerator_type is not"),
        ({"machine_type": "a2-highgpu-1g"}, "requires accelerator_type NVIDIA_TESLA_A100 with accelerator_count 1"),
        ({"machine_type": "ct5lp-hightpu-4t", "machine": {
            "accelerator_type": v1.AcceleratorType.TPU_V5_LITEPOD, "accelerator_count": 4, "tpu_topology": "2x4"}},
         'tpu_topology "2x4" does not match machine type "ct5lp-hightpu-4t"'),
        ({"min_replica_count": 0}, "min_replica_count must be greater than or equal to 1, got 0"),
        ({"min_replica_count": 3, "max_replica_count": 2},
         "max_replica_count (2) must be greater than or equal to min_replica_count (3)"),
        ({"autoscaling_metric_specs": [v1.AutoscalingMetricSpec(metric_name="cpu", target=60)]},
         'Autoscaling metric "cpu" is not supported'),
        ({"autoscaling_metric_specs": [v1.AutoscalingMetricSpec(metric_name=CPU, target=150)]},
         "must be between 1 and 100, got 150"),
        ({"autoscaling_metric_specs": [v1.AutoscalingMetricSpec(
            metric_name="aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle", target=60)]},
         "requires a machine with accelerators"),
    ],
)
def test_deploy_resource_refusals(c: Clients, resource_fields: dict[str, Any], message: str) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    refused(lambda: start_deploy(c, endpoint_name("ep1"), deployed(model, "1", **resource_fields), {"0": 100}),
            400, "INVALID_ARGUMENT", message)


def test_deploy_accepts_accelerated_machines(c: Clients) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    l4 = {"accelerator_type": v1.AcceleratorType.NVIDIA_L4, "accelerator_count": 1}
    duty = v1.AutoscalingMetricSpec(metric_name="aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle",
                                    target=70)
    requests = v1.AutoscalingMetricSpec(metric_name="aiplatform.googleapis.com/prediction/online/request_count",
                                        target=500)
    g2 = deploy(c, endpoint_name("ep1"), deployed(model, "1", machine_type="g2-standard-12", machine=l4,
                                                     max_replica_count=3, autoscaling_metric_specs=[duty, requests]))
    assert g2.dedicated_resources.machine_spec.accelerator_type == v1.AcceleratorType.NVIDIA_L4
    t4 = deploy(c, endpoint_name("ep1"), deployed(model, "2", machine={"accelerator_type": T4, "accelerator_count": 2}))
    assert t4.dedicated_resources.machine_spec.accelerator_count == 2
    default_machine = v1.DeployedModel(model=model, id="3", dedicated_resources=v1.DedicatedResources(
        machine_spec=v1.MachineSpec(), min_replica_count=1))
    defaulted = deploy(c, endpoint_name("ep1"), default_machine)
    assert defaulted.dedicated_resources.machine_spec.machine_type == "n1-standard-2"


def test_deploy_refusals(c: Clients) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    name = endpoint_name("ep1")
    refused(lambda: start_deploy(c, name, deployed(model, "abc")), 400, "INVALID_ARGUMENT", 'DeployedModel id "abc"')
    refused(lambda: start_deploy(c, name, deployed(model, "12345678901")), 400, "INVALID_ARGUMENT", "1-10 characters")
    refused(lambda: start_deploy(c, name, deployed(model_name("ghost"), "1")), 404, "NOT_FOUND", "ghost")
    refused(lambda: start_deploy(c, name, deployed(model + "@2", "1")), 404, "NOT_FOUND", "@2")
    refused(lambda: start_deploy(c, endpoint_name("nope"), deployed(model, "1")), 404, "NOT_FOUND", "nope")
    automatic = v1.DeployedModel(model=model, automatic_resources=v1.AutomaticResources(min_replica_count=1))
    refused(lambda: start_deploy(c, name, automatic), 400, "INVALID_ARGUMENT", "supports only dedicated resources")
    refused(lambda: start_deploy(c, name, deployed(model, "1"), {"0": 90}), 400, "INVALID_ARGUMENT",
            "must add up to 100, got 90")
    refused(lambda: start_deploy(c, name, deployed(model, "1"), {"0": 50, "7": 50}), 400, "INVALID_ARGUMENT",
            'traffic_split refers to DeployedModel "7"')
    deploy(c, name, deployed(model, "1"), {"0": 100})
    refused(lambda: start_deploy(c, name, deployed(model, "1")), 409, "ALREADY_EXISTS", 'DeployedModel "1"')


def test_mutate_refusals(c: Clients) -> None:
    serving(c)

    def mutate(dm: v1.DeployedModel, *paths: str) -> Any:
        return lambda: c.endpoints.mutate_deployed_model(endpoint=endpoint_name("ep1"), deployed_model=dm,
                                                         update_mask=_mask(*paths), timeout=TIMEOUT)

    bigger = v1.DeployedModel(id="1001", dedicated_resources=v1.DedicatedResources(
        machine_spec=v1.MachineSpec(machine_type="n1-standard-8")))
    refused(mutate(bigger, "dedicated_resources.machine_spec"), 400, "INVALID_ARGUMENT",
            'Field "dedicated_resources.machine_spec" of a DeployedModel cannot be mutated')
    refused(mutate(v1.DeployedModel(id="1001", model=model_name("x")), "model"), 400, "INVALID_ARGUMENT",
            'Field "model"')
    refused(mutate(v1.DeployedModel(id="1001"),), 400, "INVALID_ARGUMENT", "update_mask is required.")
    scale = v1.DeployedModel(id="9", dedicated_resources=v1.DedicatedResources(min_replica_count=2))
    refused(mutate(scale, "dedicated_resources.min_replica_count"), 404, "NOT_FOUND", 'DeployedModel "9"')
    too_many = v1.DeployedModel(id="1001", dedicated_resources=v1.DedicatedResources(min_replica_count=5))
    refused(mutate(too_many, "dedicated_resources.min_replica_count"), 400, "INVALID_ARGUMENT",
            "max_replica_count (1) must be greater than or equal to min_replica_count (5)")
    quiet = v1.DeployedModel(id="1001", disable_container_logging=True)
    done = mutate(quiet, "disable_container_logging")().result(timeout=TIMEOUT)
    assert done.deployed_model.disable_container_logging


def test_undeploy_rules(c: Clients) -> None:
    serving(c)
    name = endpoint_name("ep1")
    deploy(c, name, deployed(model_name("churn-1"), "2002"), {"1001": 50, "0": 50})
    refused(lambda: c.endpoints.undeploy_model(endpoint=name, deployed_model_id="1001", timeout=TIMEOUT), 400,
            "FAILED_PRECONDITION", 'DeployedModel "1001" still receives 50%')
    refused(lambda: c.endpoints.undeploy_model(endpoint=name, deployed_model_id="1001",
                                               traffic_split={"1001": 10, "2002": 90}, timeout=TIMEOUT),
            400, "FAILED_PRECONDITION", "still sends 10%")
    refused(lambda: c.endpoints.undeploy_model(endpoint=name, deployed_model_id="42", timeout=TIMEOUT), 404,
            "NOT_FOUND", 'DeployedModel "42"')
    c.endpoints.undeploy_model(endpoint=name, deployed_model_id="1001", traffic_split={"2002": 100},
                               timeout=TIMEOUT).result(timeout=TIMEOUT)
    assert dict(c.endpoints.get_endpoint(name=name, timeout=TIMEOUT).traffic_split) == {"2002": 100}
    c.endpoints.undeploy_model(endpoint=name, deployed_model_id="2002", timeout=TIMEOUT).result(timeout=TIMEOUT)
    assert not c.models.get_model(name=model_name("churn-1"), timeout=TIMEOUT).deployed_models


def test_required_fields_and_names(c: Clients) -> None:
    model = upload(c, "m")
    create_endpoint(c, "ep1")
    name = endpoint_name("ep1")
    raw_refused(c.http.post(f"/v1/{name}:deployModel", json={}), 400, "INVALID_ARGUMENT", "deployed_model is required.")
    raw_refused(c.http.post(f"/v1/{name}:deployModel", json={"deployedModel": {"dedicatedResources": {}}}),
                400, "INVALID_ARGUMENT", "deployed_model.model is required.")
    no_machine = {"deployedModel": {"model": model, "dedicatedResources": {"minReplicaCount": 1}}}
    raw_refused(c.http.post(f"/v1/{name}:deployModel", json=no_machine), 400, "INVALID_ARGUMENT",
                "deployed_model.dedicated_resources.machine_spec is required.")
    raw_refused(c.http.post(f"/v1/{name}:undeployModel", json={}), 400, "INVALID_ARGUMENT",
                "deployed_model_id is required.")
    raw_refused(c.http.post(f"/v1/{name}:mutateDeployedModel", json={"updateMask": "disableContainerLogging"}),
                400, "INVALID_ARGUMENT", "deployed_model.id is required.")
    raw_refused(c.http.delete(f"/v1/{model_name('m')}@1"), 400, "INVALID_ARGUMENT", "without a version")
    raw_refused(c.http.get("/v1/projects/My_Proj/locations/us-central1/endpoints"), 400, "INVALID_ARGUMENT",
                'Invalid project "My_Proj"')
    raw_refused(c.http.get(f"/v1/{PARENT}/models", params={"pageSize": "-1"}), 400, "INVALID_ARGUMENT",
                "page_size must not be negative")
