"""Peer SDK flows on the Vertex AI emulator: what users run with the high-level
``google.cloud.aiplatform`` SDK and the GAPIC clients must work as on Vertex AI.

- ``aiplatform.Model.list(filter=..., order_by=...)`` with every documented ordering
  (``display_name``, ``create_time``, ``update_time``, ``desc``, several keys) and filter terms;
  ``ListEndpoints`` orderings through the GAPIC client (``aiplatform.Endpoint.list`` sorts locally);
- a model with several container ports: stored, returned and served (the first port serves);
- methods Vertex AI has but the emulator does not serve answer 501 ``UNIMPLEMENTED`` in Google's
  error shape (``listVersions`` included), unknown paths stay 404.

The high-level SDK is initialised against the emulator with ``aiplatform.init(api_endpoint=url,
api_transport="rest", credentials=AnonymousCredentials())``; its global configuration is reset after
each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform_v1 as v1
from google.protobuf import field_mask_pb2

from emulators.vertex import VertexEmulator
from emulators.vertex.known_methods import known_methods
from tests.emulators.vertex_support import (
    IMAGE,
    LOCATION,
    PARENT,
    PROJECT,
    TIMEOUT,
    Clients,
    create_endpoint,
    deploy,
    deployed,
    endpoint_name,
    make_clients,
    model_name,
    raw_refused,
    refused,
    upload,
)

pytestmark = [pytest.mark.filterwarnings("ignore::FutureWarning")]


@pytest.fixture
def c(vertex_emulator: VertexEmulator) -> Iterator[Clients]:
    clients = make_clients(vertex_emulator.url)
    yield clients
    clients.http.close()


@pytest.fixture
def aiplatform(vertex_emulator: VertexEmulator) -> Iterator[Any]:
    """The high-level SDK, initialised against the emulator (global state reset afterwards)."""
    from google.cloud import aiplatform as sdk
    from google.cloud.aiplatform import initializer

    sdk.init(
        project=PROJECT, location=LOCATION, api_endpoint=vertex_emulator.url, api_transport="rest",
        credentials=AnonymousCredentials(),
    )
    yield sdk
    initializer.global_config.__init__()  # type: ignore[misc]


def _names(listed: list[Any]) -> list[str]:
    return [m.resource_name.rsplit("/", 1)[1] for m in listed]


def _four_models(c: Clients) -> None:
    """m-b "bravo", m-a "alpha", m-c "charlie", m-a2 "alpha" in that creation order; then m-b is
    updated last (latest update_time)."""
    upload(c, "m-b", display_name="bravo", labels={"team": "x"})
    upload(c, "m-a", display_name="alpha", labels={"team": "y"})
    upload(c, "m-c", display_name="charlie", labels={"team": "x", "tier": "gold"})
    upload(c, "m-a2", display_name="alpha", labels={"team": "x"})
    patch = v1.Model(name=model_name("m-b"), labels={"team": "x", "touched": "yes"})
    c.models.update_model(model=patch, update_mask=field_mask_pb2.FieldMask(paths=["labels"]), timeout=TIMEOUT)


# ------------------------------------------------------------------------- ordering and filters


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (None, ["m-b", "m-a", "m-c", "m-a2"]),  # creation order
        ("create_time", ["m-b", "m-a", "m-c", "m-a2"]),
        ("create_time desc", ["m-a2", "m-c", "m-a", "m-b"]),
        ("createTime asc", ["m-b", "m-a", "m-c", "m-a2"]),
        ("update_time desc", ["m-b", "m-a2", "m-c", "m-a"]),
        ("update_time", ["m-a", "m-c", "m-a2", "m-b"]),
        ("display_name", ["m-a", "m-a2", "m-b", "m-c"]),  # ties keep creation order
        ("display_name desc", ["m-c", "m-b", "m-a", "m-a2"]),
        ("display_name, create_time desc", ["m-a2", "m-a", "m-b", "m-c"]),
        ("display_name desc,update_time desc", ["m-c", "m-b", "m-a2", "m-a"]),
    ],
)
def test_model_list_orderings_through_the_high_level_sdk(
    c: Clients, aiplatform: Any, order_by: str | None, expected: list[str]
) -> None:
    _four_models(c)
    assert _names(aiplatform.Model.list(order_by=order_by)) == expected


def test_model_list_filters_through_the_high_level_sdk(c: Clients, aiplatform: Any) -> None:
    _four_models(c)
    assert _names(aiplatform.Model.list(filter='display_name="alpha"')) == ["m-a", "m-a2"]
    assert _names(aiplatform.Model.list(filter='displayName="alpha"', order_by="create_time desc")) == ["m-a2", "m-a"]
    assert _names(aiplatform.Model.list(filter="labels.team=x", order_by="display_name desc")) == [
        "m-c", "m-b", "m-a2"
    ]
    assert _names(aiplatform.Model.list(filter='labels.team="x" AND labels.tier:*')) == ["m-c"]
    assert _names(aiplatform.Model.list(filter='labels."tier"=gold')) == ["m-c"]
    assert _names(aiplatform.Model.list(filter="display_name!=alpha AND labels.team!=y")) == ["m-b", "m-c"]
    assert _names(aiplatform.Model.list(filter="model!=m-b AND labels.team=x")) == ["m-c", "m-a2"]
    assert aiplatform.Model.list(filter='base_model_name="text-bison"') == []


def test_invalid_orderings_are_refused(c: Clients, aiplatform: Any) -> None:
    upload(c, "m")
    for order_by, message in [
        ("size", 'Unsupported order_by "size"'),
        ("labels desc", "Unsupported order_by"),
        ("create_time sideways", 'must be "asc" or "desc"'),
        ("create_time, create_time desc", '"create_time" is given twice'),
        ("display_name,", "Unsupported order_by"),
    ]:
        refused(lambda order_by=order_by: aiplatform.Model.list(order_by=order_by), 400, "INVALID_ARGUMENT", message)
    refused(lambda: list(c.endpoints.list_endpoints(request=v1.ListEndpointsRequest(parent=PARENT, order_by="name"),
                                                    timeout=TIMEOUT)), 400, "INVALID_ARGUMENT", 'order_by "name"')


def test_endpoint_list_orderings_and_pages_through_gapic(c: Clients, aiplatform: Any) -> None:
    for endpoint_id, display in [("ep-2", "beta"), ("ep-1", "alpha"), ("ep-3", "gamma"), ("ep-4", "alpha")]:
        create_endpoint(c, endpoint_id, display_name=display, labels={"env": "prod" if display != "gamma" else "dev"})

    def listed(order_by: str, page_size: int = 0, filter_text: str = "") -> list[str]:
        request = v1.ListEndpointsRequest(parent=PARENT, order_by=order_by, page_size=page_size, filter=filter_text)
        return [e.name.rsplit("/", 1)[1] for e in c.endpoints.list_endpoints(request=request, timeout=TIMEOUT)]

    assert listed("create_time desc") == ["ep-4", "ep-3", "ep-1", "ep-2"]
    assert listed("display_name desc, create_time") == ["ep-3", "ep-2", "ep-1", "ep-4"]
    assert listed("display_name, create_time desc", page_size=1) == ["ep-4", "ep-1", "ep-2", "ep-3"]
    assert listed("update_time desc", filter_text="labels.env=prod") == ["ep-4", "ep-1", "ep-2"]
    first = c.endpoints.list_endpoints(
        request=v1.ListEndpointsRequest(parent=PARENT, order_by="display_name", page_size=2), timeout=TIMEOUT
    )
    reordered = v1.ListEndpointsRequest(
        parent=PARENT, order_by="create_time", page_size=2, page_token=first.next_page_token
    )
    refused(lambda: c.endpoints.list_endpoints(request=reordered, timeout=TIMEOUT), 400, "INVALID_ARGUMENT",
            "issued for a different request")
    # the high-level Endpoint.list asks without order_by and sorts on the client: same answer
    assert [e.display_name for e in aiplatform.Endpoint.list(order_by="display_name desc")] == [
        "gamma", "beta", "alpha", "alpha"
    ]


# ------------------------------------------------------------------------------ container ports


def test_several_container_ports_are_stored_returned_and_served(c: Clients, aiplatform: Any) -> None:
    model = aiplatform.Model.upload(
        model_id="multi-port",
        display_name="multi-port",
        serving_container_image_uri=IMAGE,
        serving_container_ports=[8080, 8081, 9000],
        serving_container_predict_route="/predict",
        serving_container_health_route="/health",
        sync=True,
    )
    assert [p.container_port for p in model.gca_resource.container_spec.ports] == [8080, 8081, 9000]
    assert [p.container_port for p in aiplatform.Model("multi-port").container_spec.ports] == [8080, 8081, 9000]
    fetched = c.models.get_model(name=model_name("multi-port"), timeout=TIMEOUT)
    assert [p.container_port for p in fetched.container_spec.ports] == [8080, 8081, 9000]
    listed = c.http.get(f"/v1/{PARENT}/models").json()["models"]
    assert listed[0]["containerSpec"]["ports"] == [
        {"containerPort": 8080}, {"containerPort": 8081}, {"containerPort": 9000}
    ]
    grpc = upload(c, "grpc-ports", container_spec=v1.ModelContainerSpec(
        image_uri=IMAGE, grpc_ports=[v1.Port(container_port=8500), v1.Port(container_port=8501)]))
    assert [p.container_port for p in c.models.get_model(name=grpc, timeout=TIMEOUT).container_spec.grpc_ports] == [
        8500, 8501
    ]
    endpoint = create_endpoint(c, "ports-ep")
    deploy(c, endpoint.name, deployed(model_name("multi-port"), "3003"), {"0": 100})
    answer = c.prediction.predict(endpoint=endpoint_name("ports-ep"), instances=[{"x": 1}], timeout=TIMEOUT)
    assert answer.deployed_model_id == "3003" and answer.model.endswith("/models/multi-port")
    refused(lambda: upload(c, "bad-port", container_spec=v1.ModelContainerSpec(
        image_uri=IMAGE, ports=[v1.Port(container_port=8080), v1.Port(container_port=0)])),
        400, "INVALID_ARGUMENT", "port 0 is not between 1 and 65535")


# ------------------------------------------------------------------------- not emulated: 501


def test_list_versions_and_other_unimplemented_methods_answer_501(
    vertex_emulator: VertexEmulator, c: Clients, aiplatform: Any
) -> None:
    name = upload(c, "churn")
    create_endpoint(c, "ep1")
    with pytest.raises(gexc.MethodNotImplemented) as versions:
        aiplatform.models.ModelRegistry("churn").list_versions()
    assert "ModelService.ListModelVersions" in versions.value.message
    assert versions.value.response.json()["error"]["status"] == "UNIMPLEMENTED"
    refused(lambda: list(c.models.list_model_versions(name=name, timeout=TIMEOUT)), 501, "UNIMPLEMENTED",
            "ModelService.ListModelVersions")
    refused(lambda: c.models.merge_version_aliases(name=name, version_aliases=["prod"], timeout=TIMEOUT),
            501, "UNIMPLEMENTED", "ModelService.MergeVersionAliases")
    refused(lambda: c.models.export_model(name=name, output_config={"export_format_id": "custom-trained"},
                                          timeout=TIMEOUT), 501, "UNIMPLEMENTED", "ModelService.ExportModel")
    refused(lambda: list(c.models.list_model_evaluations(parent=name, timeout=TIMEOUT)), 501, "UNIMPLEMENTED",
            "ModelService.ListModelEvaluations")
    refused(lambda: c.endpoints.update_endpoint_long_running(endpoint=v1.Endpoint(name=endpoint_name("ep1")),
                                                             timeout=TIMEOUT),
            501, "UNIMPLEMENTED", "EndpointService.UpdateEndpointLongRunning")
    refused(lambda: c.models.get_iam_policy(request={"resource": name}, timeout=TIMEOUT), 501, "UNIMPLEMENTED",
            "google.iam.v1.IAMPolicy.GetIamPolicy")
    raw_refused(c.http.request("DELETE", f"/v1/{name}:deleteVersion"), 501, "UNIMPLEMENTED",
                "ModelService.DeleteModelVersion")
    raw_refused(c.http.get(f"/v1/projects/{PROJECT}/locations"), 501, "UNIMPLEMENTED", "Locations.ListLocations")
    assert vertex_emulator.control.calls()["ListModelVersions"] == 2
    # unknown verbs and paths, and a known path with a verb it does not have, stay 404
    raw_refused(c.http.get(f"/v1/{name}:frobnicate"), 404, "NOT_FOUND", "was not found on this server")
    raw_refused(c.http.post(f"/v1/{name}:frobnicate", json={}), 404, "NOT_FOUND", "was not found on this server")
    raw_refused(c.http.post(f"/v1/{PARENT}/models:frobnicate", json={}), 404, "NOT_FOUND", "not found")
    raw_refused(c.http.get(f"/v1/{PARENT}/widgets"), 404, "NOT_FOUND", "was not found on this server")
    raw_refused(c.http.post(f"/v1/{name}:listVersions", json={}), 404, "NOT_FOUND", "not found")


def test_every_known_rest_method_is_emulated_or_answers_501(c: Clients) -> None:
    """Each HTTP rule of the ModelService/EndpointService/PredictionService REST transports reaches
    the emulator's routes: emulated (any answer but "unknown path"), or 501 in Google's shape."""
    unimplemented = 0
    for method in known_methods():
        path = method.template
        while "{" in path:
            start = path.index("{")
            end = path.index("}", start)
            variable = path[start + 1:end]
            pattern = variable.split("=", 1)[1] if "=" in variable else "x"
            path = path[:start] + pattern.replace("**", "x").replace("*", "x1") + path[end + 1:]
        response = c.http.request(method.verb, path, json={} if method.verb in ("POST", "PATCH") else None)
        body = response.json()
        assert "was not found on this server" not in body.get("error", {}).get("message", ""), (method, body)
        assert "is not supported on" not in body.get("error", {}).get("message", ""), (method, body)
        if response.status_code == 501:
            unimplemented += 1
            raw_refused(response, 501, "UNIMPLEMENTED", f"{method.full_name} ({method.verb} {path}) is not emulated")
    assert unimplemented > 20
