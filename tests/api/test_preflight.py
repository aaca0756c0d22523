"""Refuse before sending: an instance/machine type the target platform does not offer is a 422
naming the field, from ``POST /v1/plan`` and ``PUT /v1/deployments/{name}``, and the emulator
receives no call at all. Through the real HTTP API against each emulator."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SAGEMAKER = {
    "name": "preflight-sm",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "model_uri": "s3://b/m.tar.gz", "instance_type": "ml.m5.large"}],
}
VERTEX = {
    "name": "preflight-vx",
    "target": {"platform": "vertex", "project": "preflight-proj", "location": "us-central1"},
    "variants": [{"name": "main", "image": "us-docker.pkg.dev/preflight-proj/serving/m:1",
                  "instance_type": "n1-standard-4"}],
}
AZUREML = {
    "name": "preflight-az",
    "target": {"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-0000000000f1",
               "resource_group": "rg-preflight", "workspace": "ws-preflight"},
    "auth_mode": "key",
    "variants": [{"name": "main", "image": "myregistry.azurecr.io/m:1", "model_uri": "azureml:m:1",
                  "instance_type": "Standard_DS3_v2"}],
}


def _variant(spec: dict[str, Any], **change: Any) -> dict[str, Any]:
    return {**spec, "variants": [{**spec["variants"][0], **change}]}


def _refused(api: Any, spec: dict[str, Any]) -> list[dict[str, str]]:
    """Both plan and PUT answer 422 ``unsupported_feature``; the gaps, which both report alike."""
    planned = api.post("/v1/plan", json=spec)
    put = api.put(f"/v1/deployments/{spec['name']}", json=spec)
    for response in (planned, put):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "unsupported_feature"
    assert planned.json()["error"]["details"] == put.json()["error"]["details"]
    assert api.get(f"/v1/deployments/{spec['name']}").status_code == 404, "no deployment record either"
    return list(put.json()["error"]["details"])


def test_sagemaker_instance_type_outside_botocores_enum_is_refused_before_any_call(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.clear_calls()
    gaps = _refused(sagemaker_api, _variant(SAGEMAKER, instance_type="ml.m5.huge"))
    assert [(g["path"], g["feature"]) for g in gaps] == [("variants[0].instance_type", "instance_type")]
    assert "ml.m5.large" in gaps[0]["reason"], "the closest offered types are suggested"
    assert sagemaker_emulator.control.calls() == {}, "nothing reached the emulator"


def test_sagemaker_types_newer_than_motos_list_pass_the_preflight(sagemaker_api, sagemaker_emulator):
    plan = sagemaker_api.post("/v1/plan", json=_variant(SAGEMAKER, instance_type="ml.g5.xlarge"))
    assert plan.status_code == 200, plan.text
    assert [c["operation"] for c in plan.json()["calls"]][:2] == ["CreateModel", "CreateEndpointConfig"]


def test_vertex_machine_and_accelerator_outside_the_catalog_are_refused_before_any_call(vertex_api, vertex_emulator):
    vertex_emulator.control.clear_calls()
    gaps = _refused(vertex_api, _variant(VERTEX, instance_type="n1-standard-5"))
    assert [g["path"] for g in gaps] == ["variants[0].instance_type"]
    gaps = _refused(vertex_api, _variant(VERTEX, accelerator={"type": "NVIDIA_L4", "count": 1}))
    assert [g["path"] for g in gaps] == ["variants[0].accelerator.type"]
    assert "NVIDIA_TESLA_T4" in gaps[0]["reason"], "the GPUs an n1 machine takes are named"
    gaps = _refused(vertex_api, _variant(VERTEX, instance_type="a2-highgpu-1g"))
    assert [g["path"] for g in gaps] == ["variants[0].accelerator"]
    assert "NVIDIA_TESLA_A100, count: 1" in gaps[0]["reason"]
    assert vertex_emulator.control.calls() == {}, "nothing reached the emulator"


def test_azureml_sku_outside_the_sku_list_is_refused_before_any_call(azureml_api, azureml_emulator):
    azureml_emulator.control.clear_requests()
    gaps = _refused(azureml_api, _variant(AZUREML, instance_type="Standard_DS9_v2"))
    assert [(g["path"], g["feature"]) for g in gaps] == [("variants[0].instance_type", "instance_type")]
    gaps = _refused(azureml_api, _variant(AZUREML, instance_type="STANDARD_DS3_V2"))
    assert "'Standard_DS3_v2'" in gaps[0]["reason"], "the canonical spelling is asked for"
    assert azureml_emulator.control.requests() == [], "nothing reached the emulator"
