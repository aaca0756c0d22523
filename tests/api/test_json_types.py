"""JSON request bodies keep their JSON types (api.security.json_types): a value whose JSON type the
published document does not allow is a 422 naming its path, never coerced ("3" is not 3, 0 is not
false); integral numbers stay valid integers, as in JSON Schema."""

from __future__ import annotations

import copy
from typing import Any

import pytest

SPEC: dict[str, Any] = {
    "name": "types-demo",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "instance_type": "ml.m5.large"}],
}


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    node: Any = spec
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
    node[path[-1]] = value
    return spec


@pytest.mark.parametrize(("path", "value", "where"), [
    (["sync_policy", "auto_remediate"], 0, "sync_policy.auto_remediate"),
    (["sync_policy", "auto_remediate"], "no", "sync_policy.auto_remediate"),
    (["variants", 0, "min_replicas"], "2", "variants[0].min_replicas"),
    (["variants", 0, "weight"], True, "variants[0].weight"),
    (["logging", "enabled"], 1, "logging.enabled"),
    (["variants", 0, "env", "TOKEN"], {"secret": 1, "value": "x"}, "variants[0].env.TOKEN.secret"),
    (["target", "region"], 5, "target.region"),
])
def test_a_value_of_the_wrong_json_type_is_refused_with_its_path(sagemaker_api, path, value, where) -> None:
    for response in (sagemaker_api.post("/v1/plan", json=_with(path, value)),
                     sagemaker_api.put("/v1/deployments/types-demo", json=_with(path, value))):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "spec_invalid"
        assert [d["path"] for d in error["details"]] == [where], error
    assert sagemaker_api.get("/v1/deployments/types-demo").status_code == 404, "nothing stored"


def test_other_bodies_keep_their_types_too_and_integral_numbers_are_integers(sagemaker_api) -> None:
    assert sagemaker_api.post("/v1/plan", json=_with(["variants", 0, "weight"], 100.0)).status_code == 200
    refused = sagemaker_api.post("/v1/keys", json={"role": "reader", "expires_in_days": "30"})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["path"] == "expires_in_days"
    assert sagemaker_api.post("/v1/checks:run", json={"mode": "full", "platform": 1}).status_code == 422
    assert sagemaker_api.post("/v1/keys", json={"role": "reader", "expires_in_days": 30.0}).status_code == 201
