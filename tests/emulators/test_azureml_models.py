"""The Azure ML emulator's model registry, driven by the REAL ``MLClient.models`` (and raw ARM
requests where the SDK cannot send what must be refused or inspected).

The standard flow users run must work as on Azure: ``models.create_or_update(Model(...))`` with a
datastore path, ``models.get(name, version)`` / ``get(name, label="latest")``, ``models.list()``
(containers) and ``models.list(name=...)`` (versions), ARM-paged; versions are immutable content.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from emulators.azureml import AzureMLEmulator
from tests.emulators.azureml_support import (
    ArmClient,
    drop_current_cloud,
    make_ml_client,
    quiet,
    raw_client,
    silence_azure_logging,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

SDK_API = "2023-08-01-preview"  # what azure-ai-ml 1.35 sends for models
DATASTORE = "azureml://datastores/workspaceblobstore/paths"


@pytest.fixture(scope="module")
def emulator() -> Iterator[AzureMLEmulator]:
    silence_azure_logging()
    with AzureMLEmulator("127.0.0.1", 0) as running:
        yield running
    drop_current_cloud()


@pytest.fixture(scope="module")
def ml(emulator: AzureMLEmulator) -> Iterator[Any]:
    client = make_ml_client(emulator)
    yield client
    drop_current_cloud()


@pytest.fixture(scope="module")
def arm(emulator: AzureMLEmulator) -> Iterator[ArmClient]:
    with raw_client(emulator) as client:
        yield client


@pytest.fixture(autouse=True)
def _reset(emulator: AzureMLEmulator) -> Iterator[None]:
    emulator.control.reset()
    yield


def _model(**fields: Any) -> Any:
    from azure.ai.ml.entities import Model

    return Model(**fields)


def _register(arm: ArmClient, name: str, version: str, **properties: Any) -> dict[str, Any]:
    body = {"properties": {"modelUri": f"{DATASTORE}/{name}/{version}/", "modelType": "custom_model", **properties}}
    response = arm.request("PUT", f"/models/{name}/versions/{version}", body, api_version=SDK_API)
    assert response.status_code == 201, response.text
    return response.json()


def _versions(arm: ArmClient, name: str, **query: str) -> list[str]:
    """Every version a raw (paged) list answers, following nextLink."""
    url = f"{arm.prefix}/models/{name}/versions?" + urllib.parse.urlencode({"api-version": SDK_API, **query})
    found: list[str] = []
    while url:
        page = arm.request("GET", url, api_version=None)
        assert page.status_code == 200, page.text
        found += [v["name"] for v in page.json()["value"]]
        url = page.json().get("nextLink")
    return found


def _error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


# --------------------------------------------------------------------------------- the SDK flow


def test_register_get_latest_and_list_through_mlclient(ml: Any, arm: ArmClient, emulator: AzureMLEmulator) -> None:
    first = ml.models.create_or_update(_model(
        name="churn", version="1", path=f"{DATASTORE}/churn/1/", type="custom_model",
        description="first", tags={"team": "ml"}, properties={"framework": "sklearn"},
    ))
    assert (first.name, first.version, first.type, first.description) == ("churn", "1", "custom_model", "first")
    assert first.tags == {"team": "ml"} and first.properties == {"framework": "sklearn"}
    assert first.path.endswith("/datastores/workspaceblobstore/paths/churn/1/")
    assert first.path.startswith("azureml://subscriptions/")  # the SDK sends the long datastore form
    assert first.id.endswith("/workspaces/ws-emulator/models/churn/versions/1")
    ml.models.create_or_update(_model(name="churn", version="2", path=f"{DATASTORE}/churn/2/", type="mlflow_model"))
    auto = ml.models.create_or_update(_model(name="churn", path=f"{DATASTORE}/churn/3/"))  # nextVersion
    assert auto.version == "3"
    fetched = ml.models.get("churn", "1")
    assert (fetched.version, fetched.path, fetched.tags) == ("1", first.path, {"team": "ml"})
    assert fetched.creation_context.created_by and fetched.creation_context.created_at
    assert ml.models.get("churn", label="latest").version == "3"
    ml.models.create_or_update(_model(name="fraud", version="7", path="https://acct.blob.core.windows.net/c/fraud/"))
    assert [(m.name, m.latest_version) for m in ml.models.list()] == [("churn", "3"), ("fraud", "7")]
    assert [(m.version, m.type) for m in ml.models.list(name="churn")] == [
        ("1", "custom_model"), ("2", "mlflow_model"), ("3", "custom_model")
    ]
    raw = arm.request("GET", "/models/churn/versions/2", api_version=SDK_API).json()
    assert raw["id"].endswith("/models/churn/versions/2") and raw["name"] == "2"
    assert raw["type"] == "Microsoft.MachineLearningServices/workspaces/models/versions"
    assert {k: raw["properties"][k] for k in ("flavors", "tags", "properties", "isArchived", "isAnonymous",
                                              "provisioningState")} == {
        "flavors": {}, "tags": {}, "properties": {}, "isArchived": False, "isAnonymous": False,
        "provisioningState": "Succeeded",
    }
    assert set(raw["systemData"]) >= {"createdAt", "createdBy", "lastModifiedAt"}
    container = arm.request("GET", "/models/churn", api_version=SDK_API).json()
    assert container["type"] == "Microsoft.MachineLearningServices/workspaces/models"
    assert (container["name"], container["properties"]["latestVersion"], container["properties"]["nextVersion"]) == (
        "churn", "3", "4"
    )
    sent = [(r["method"], r["path"].split("/workspaces/ws-emulator")[1], r["api_version"])
            for r in emulator.control.requests()[:2]]
    assert sent == [("GET", "/models/churn/versions", SDK_API), ("PUT", "/models/churn/versions/1", SDK_API)]


def test_unknown_models(ml: Any, arm: ArmClient) -> None:
    from azure.ai.ml.exceptions import ValidationException
    from azure.core.exceptions import ResourceNotFoundError

    with pytest.raises(ResourceNotFoundError):
        ml.models.get("ghost", "1")
    with pytest.raises(ValidationException, match="does not exist"):
        ml.models.get("ghost", label="latest")
    assert list(ml.models.list(name="ghost")) == [] and list(ml.models.list()) == []
    missing = arm.request("GET", "/models/ghost", api_version=SDK_API)
    assert missing.status_code == 404 and _error(missing)["code"] == "ResourceNotFound"


def test_flavors_sent_are_returned(ml: Any, arm: ArmClient) -> None:
    flavors = {"python_function": {"data": {"loader_module": "mlflow.sklearn"}}}
    _register(arm, "flavoured", "1", modelType="mlflow_model", flavors=flavors)
    assert ml.models.get("flavoured", "1").flavors == {"python_function": {"loader_module": "mlflow.sklearn"}}


# --------------------------------------------------------------------------------------- paging


def test_lists_are_arm_paged_and_next_links_keep_the_query(ml: Any, arm: ArmClient) -> None:
    for version in range(1, 24):
        _register(arm, "big", str(version), tags={"parity": "even" if version % 2 == 0 else "odd"})
    for index in range(11):
        _register(arm, f"model-{index:02d}", "1")
    first = arm.request("GET", "/models/big/versions", api_version=SDK_API).json()
    assert len(first["value"]) == 10 and first["nextLink"].startswith(arm.url)
    assert [v.version for v in ml.models.list(name="big")] == [str(v) for v in range(1, 24)]
    assert len(list(ml.models.list())) == 12  # containers: 10 + 2 over two pages
    containers = arm.request("GET", "/models", api_version=SDK_API).json()
    assert len(containers["value"]) == 10 and "nextLink" in containers
    link = arm.request("GET", "/models/big/versions", api_version=SDK_API).json()["nextLink"]
    assert "$skip=10" in link and "count=10" in link and f"api-version={SDK_API}" in link
    filtered = _versions(arm, "big", **{"$orderBy": "createdtime desc", "tags": "parity=odd"})
    assert filtered == [str(v) for v in range(23, 0, -2)]  # 12 over two pages, filter and order kept


def test_version_list_query_parameters(arm: ArmClient) -> None:
    _register(arm, "q", "1", tags={"env": "dev"}, properties={"owner": "a"}, stage="Development",
              description="one")
    _register(arm, "q", "2", tags={"env": "prod", "gold": "yes"}, properties={"owner": "b"}, stage="Production")
    _register(arm, "q", "3", tags={"env": "prod"}, isArchived=True)
    assert _versions(arm, "q") == ["1", "2"]  # ActiveOnly by default
    assert _versions(arm, "q", listViewType="All") == ["1", "2", "3"]
    assert _versions(arm, "q", listViewType="ArchivedOnly") == ["3"]
    assert _versions(arm, "q", **{"$orderBy": "createdtime desc", "$top": "1", "listViewType": "All"}) == ["3"]
    assert _versions(arm, "q", **{"$orderBy": "CreatedTime asc"}) == ["1", "2"]
    assert _versions(arm, "q", tags="env=prod") == ["2"]
    assert _versions(arm, "q", tags="gold", listViewType="All") == ["2"]
    assert _versions(arm, "q", tags="env,gold=no") == []
    assert _versions(arm, "q", properties="owner=a") == ["1"]
    assert _versions(arm, "q", stage="Production") == ["2"]
    assert _versions(arm, "q", description="one") == ["1"]
    assert _versions(arm, "q", version="2") == ["2"]
    assert _versions(arm, "q", offset="1", listViewType="All") == ["2", "3"]
    for query, target in [
        ({"$orderBy": "name"}, "$orderBy"),
        ({"$top": "0"}, "$top"),
        ({"offset": "-1"}, "offset"),
        ({"listViewType": "Everything"}, "listViewType"),
        ({"feed": "azureml"}, "feed"),
        ({"tags": "=x"}, "tags"),
    ]:
        url = f"{arm.prefix}/models/q/versions?" + urllib.parse.urlencode({"api-version": SDK_API, **query})
        refused = arm.request("GET", url, api_version=None)
        assert refused.status_code == 400 and _error(refused)["target"] == target, refused.text


# --------------------------------------------------------------------------------- immutability


def test_versions_are_immutable_content(ml: Any, arm: ArmClient) -> None:
    from azure.core.exceptions import HttpResponseError

    path = f"{DATASTORE}/imm/1/"
    ml.models.create_or_update(_model(name="imm", version="1", path=path, type="custom_model", tags={"a": "1"}))
    again = ml.models.create_or_update(_model(name="imm", version="1", path=path, type="custom_model",
                                              tags={"a": "1"}))
    assert again.version == "1"  # the same content again: accepted
    fetched = ml.models.get("imm", "1")
    fetched.tags, fetched.description = {"a": "2"}, "described"
    updated = ml.models.create_or_update(fetched)  # get-modify-put of the mutable fields
    assert (updated.tags, updated.description) == ({"a": "2"}, "described")
    with pytest.raises(HttpResponseError) as moved:
        ml.models.create_or_update(_model(name="imm", version="1", path=f"{DATASTORE}/imm/other/"))
    assert moved.value.status_code == 400 and moved.value.error.code == "UserError"
    assert moved.value.error.message == "Asset paths cannot be updated."
    with pytest.raises(HttpResponseError) as retyped:
        ml.models.create_or_update(_model(name="imm", version="1", path=path, type="mlflow_model"))
    assert retyped.value.status_code == 400 and "properties.modelType cannot change" in retyped.value.message
    body = {"properties": {"modelUri": ml.models.get("imm", "1").path, "modelType": "custom_model",
                           "jobName": "train-42", "flavors": {"x": {"data": {}}}}}
    changed = arm.request("PUT", "/models/imm/versions/1", body, api_version=SDK_API)
    assert changed.status_code == 400
    assert "properties.flavors, properties.jobName cannot change" in _error(changed)["message"]
    after = ml.models.get("imm", "1")
    assert (after.path, after.type, after.tags, after.job_name) == (updated.path, "custom_model", {"a": "2"}, None)


def test_archive_and_restore(ml: Any) -> None:
    from azure.ai.ml.constants import ListViewType

    for version in ("1", "2"):
        ml.models.create_or_update(_model(name="arc", version=version, path=f"{DATASTORE}/arc/{version}/"))
    ml.models.create_or_update(_model(name="kept", version="1", path=f"{DATASTORE}/kept/1/"))
    quiet(lambda: ml.models.archive("arc", "1"))
    assert [m.version for m in ml.models.list(name="arc")] == ["2"]
    assert [m.version for m in ml.models.list(name="arc", list_view_type=ListViewType.ALL)] == ["1", "2"]
    quiet(lambda: ml.models.restore("arc", "1"))
    assert [m.version for m in ml.models.list(name="arc")] == ["1", "2"]
    quiet(lambda: ml.models.archive("arc"))
    assert [m.name for m in ml.models.list()] == ["kept"]
    assert [m.name for m in ml.models.list(list_view_type=ListViewType.ARCHIVED_ONLY)] == ["arc"]


# ----------------------------------------------------------------------------------- refusals


def test_model_version_bodies_refused(arm: ArmClient) -> None:
    typo = arm.request("PUT", "/models/r/versions/1", {"properties": {"modelUrl": f"{DATASTORE}/r/"}},
                       api_version=SDK_API)
    assert typo.status_code == 400 and _error(typo)["code"] == "ValidationError"
    assert "Did you mean 'modelUri'?" in _error(typo)["message"]
    missing = arm.request("PUT", "/models/r/versions/1", {}, api_version=SDK_API)
    assert missing.status_code == 400 and _error(missing)["target"] == "properties"
    for uri in ("s3://bucket/model", "./local/model", "gs://bucket/model"):
        bad = arm.request("PUT", "/models/r/versions/1", {"properties": {"modelUri": uri}}, api_version=SDK_API)
        assert bad.status_code == 400 and _error(bad)["code"] == "UserError", uri
        assert _error(bad)["target"] == "properties.modelUri"
    assert arm.request("GET", "/models/r/versions/1", api_version=SDK_API).status_code == 404
    bad_container = arm.request("PUT", "/models/r", {"properties": {"latestVersion": "9", "colour": "red"}},
                                api_version=SDK_API)
    assert bad_container.status_code == 400 and "colour" in _error(bad_container)["message"]


def test_deployments_reference_registered_versions(ml: Any, arm: ArmClient) -> None:
    from azure.ai.ml.entities import ManagedOnlineDeployment, ManagedOnlineEndpoint

    registered = ml.models.create_or_update(_model(name="served", version="4", path=f"{DATASTORE}/served/4/"))
    quiet(lambda: ml.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(name="models-ep")).result())
    deployment = ManagedOnlineDeployment(
        name="blue", endpoint_name="models-ep", model="azureml:served:4", environment="azureml:env:1",
        instance_type="Standard_DS3_v2", instance_count=1,
    )
    quiet(lambda: ml.online_deployments.begin_create_or_update(deployment).result())
    stored = arm.request("GET", "/onlineEndpoints/models-ep/deployments/blue").json()["properties"]["model"]
    assert stored.lower() == registered.id.lower()
    assert arm.request("GET", stored, api_version=SDK_API).json()["properties"]["modelUri"] == registered.path
