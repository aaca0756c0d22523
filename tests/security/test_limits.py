"""Input limits: body size, strict JSON, NUL-free URLs, name rules, spec bounds, strict YAML, and
no caller-chosen host for test queries (SSRF)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.security.limits import strict_json
from core.adapter import Adapter
from core.errors import SpecError
from core.spec import MAX_TAGS
from core.spec_env import MAX_ENV_VARS
from core.spec_io import load_spec, parse_spec
from core.spec_policy import TestQuery

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SPEC: dict[str, Any] = {
    "name": "limits-demo",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "instance_type": "ml.m5.large"}],
}


def raw_put(api: httpx.Client, body: bytes, name: str = "limits-demo", **headers: str) -> httpx.Response:
    return api.put(f"/v1/deployments/{name}", content=body,
                   headers={"Content-Type": "application/json", **headers})


def problem(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "spec_invalid"
    return " ".join(d["message"] for d in error["details"])


@SQLITE
def test_body_size_limit(sagemaker_api: httpx.Client) -> None:
    big = json.dumps({**SPEC, "tags": {"t": "x" * (1024 * 1024)}}).encode()
    r = raw_put(sagemaker_api, big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        for _ in range(300):
            yield b" " * 4096

    r = sagemaker_api.put("/v1/deployments/limits-demo", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert sagemaker_api.get("/v1/deployments").status_code == 200  # the service is fine


@SQLITE
@pytest.mark.parametrize(("body", "message"), [
    (b'{"name": "limits-demo", "name": "other"}', "duplicate key"),
    (b'{"name": NaN}', "NaN is not JSON"),
    (b'{"port": 1e999}', "out of range"),
    (b'[' * 100_000 + b']' * 100_000, "nested deeper"),
    (b'[' * 40 + b']' * 40, "nested deeper"),
    (b'{"name": "a\\u0000b"}', "NUL"),
    (b'{"name": "\\ud800"}', "surrogate"),
    (b'\xff\xfe{}', "not UTF-8"),
    (b'{"n": 1' + b'1' * 5000 + b'}', "digits"),
    (b'{"name": ', "Expecting value"),
])
def test_strict_json(sagemaker_api: httpx.Client, body: bytes, message: str) -> None:
    assert message in problem(raw_put(sagemaker_api, body))


@SQLITE
def test_nul_in_url_and_invalid_names(sagemaker_api: httpx.Client) -> None:
    assert "NUL" in problem(sagemaker_api.get("/v1/operations", params={"deployment": "a\x00b"}))
    assert "NUL" in problem(sagemaker_api.get("/v1/deployments/abc%00def"))
    for name in ("UPPER", "a", "x" * 33, "has_underscore", "-lead", "a.b", "a%20b"):
        assert "must match" in problem(sagemaker_api.get(f"/v1/deployments/{name}")), name
    assert "must match" in problem(sagemaker_api.delete("/v1/deployments/Bad.Name"))
    assert sagemaker_api.get("/v1/deployments/fine-name").status_code == 404


def test_spec_bounds() -> None:
    variant = SPEC["variants"][0]
    cases: dict[str, dict[str, Any]] = {
        "variants[0].env": {"variants": [{**variant, "env": {f"K{i}": "v" for i in range(MAX_ENV_VARS + 1)}}]},
        "tags": {"tags": {f"t{i}": "v" for i in range(MAX_TAGS + 1)}},
        "variants[0].instance_type": {"variants": [{**variant, "instance_type": "ml.m5.large; rm -rf /"}]},
        "variants[0].model_uri": {"variants": [{**variant, "model_uri": "s3://b/m x"}]},
        "variants": {"variants": [{**variant, "name": f"v{i}", "weight": 0} for i in range(11)]},
        "test_queries": {"test_queries": [{"payload": {}}] * 21},
        "test_queries[0].content_type": {"test_queries": [{"payload": {}, "content_type": "text/plain\r\nX-Evil: 1"}]},
        "test_queries[0].expect_fields": {"test_queries": [{"payload": {}, "expect_fields": ["/a"] * 51}]},
    }
    for path, change in cases.items():
        with pytest.raises(SpecError) as info:
            parse_spec({**SPEC, **change})
        assert path in {d["path"] for d in info.value.details}, (path, info.value.details)
    ok = parse_spec({**SPEC, "variants": [{**variant, "env": {"A": "x" * 1024}}], "tags": {"t": "v"}})
    assert ok.variants[0].env["A"] == "x" * 1024


def test_live_configs_are_not_bound_by_input_limits() -> None:
    """A hand-edited live endpoint may exceed what a caller may send; reading it must not fail."""
    from core.spec import DeployedConfig

    data = {k: v for k, v in SPEC.items() if k != "name"}
    live = DeployedConfig.model_validate({**data, "tags": {f"t{i}": "v" for i in range(60)}},
                                         context={"live": True})
    assert len(live.tags) == 60


@pytest.mark.parametrize(("text", "message"), [
    ("!!python/object/apply:os.system ['echo pwned']", "could not determine a constructor"),
    ("!!python/object:core.spec.EndpointSpec {}", "could not determine a constructor"),
    ("name: &n limits-demo\nother: *n", "anchors and aliases"),
    ("name: a\nname: b", "duplicate key"),
])
def test_yaml_is_strict(text: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(text)
    assert info.value.http_status == 422 and message in info.value.details[0]["message"]


def test_strict_json_accepts_ordinary_json() -> None:
    assert strict_json(json.dumps(SPEC).encode(), max_depth=32) == SPEC


@SQLITE
def test_test_queries_cannot_name_a_host(sagemaker_api: httpx.Client) -> None:
    """SSRF: a test query has no URL, host or endpoint field (unknown fields are refused), and the
    adapters send it to the deployment's own endpoint, found by the deployment's name."""
    fields = set(TestQuery.model_fields)
    assert fields == {"name", "payload", "content_type", "expect_status", "expect_fields", "expect_values"}
    assert inspect.signature(Adapter.invoke).parameters.keys() == {"self", "name", "query", "timeout"}
    for field in ("url", "host", "endpoint", "target_url"):
        body = {**SPEC, "test_queries": [{"payload": {}, field: "http://169.254.169.254/latest/meta-data"}]}
        r = sagemaker_api.put("/v1/deployments/limits-demo", json=body)
        assert r.status_code == 422 and f"test_queries[0].{field}" in r.text


@SQLITE
def test_unknown_query_parameters_and_wrong_methods(sagemaker_api: httpx.Client) -> None:
    assert "not a parameter of this route" in problem(sagemaker_api.get("/v1/deployments", params={"plat": "vertex"}))
    assert sagemaker_api.get("/v1/deployments", params={"platform": "vertex"}).status_code == 200
    r = sagemaker_api.request("OPTIONS", "/v1/keys")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, POST"
    assert r.json()["error"]["code"] == "method_not_allowed"
    r = sagemaker_api.put("/v1/deployments/limits-demo:reconcile", json={})  # not PUT /v1/deployments/{name}
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
