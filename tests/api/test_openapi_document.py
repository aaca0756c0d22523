"""The served OpenAPI document is a usable reference: every operation is grouped under a declared
tag, every 2xx answer has a typed schema (no bare ``object`` or empty ``{}``), the main operations
have examples and every example matches the schema it illustrates, and the service's real answers
match the documented schemas (a full sandbox lifecycle)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.support.api_server import running_api, wait_operation

METHODS = {"get", "put", "post", "delete", "patch"}
#: Answers that carry no body.
EMPTY = {"204", "205", "304"}

SPEC = {
    "name": "doc-demo",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "model_uri": "s3://b/m.tar.gz", "instance_type": "ml.m5.large"}],
    "tags": {"team": "t"},
}

#: (method, path) -> where examples must be: request body and/or these response statuses.
MAIN = {
    ("put", "/v1/deployments/{name}"): (True, ["200", "202"]),
    ("post", "/v1/plan"): (True, ["200"]),
    ("post", "/v1/deployments/{name}/checks"): (True, ["200"]),
    ("post", "/v1/deployments/{name}:reconcile"): (False, ["202"]),
    ("post", "/v1/deployments/{name}:accept-live"): (True, ["200", "202"]),
    ("get", "/v1/operations/{op_id}"): (False, ["200"]),
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory, sagemaker_emulator_session) -> Iterator[dict[str, Any]]:
    """The document as the running service serves it (``/openapi.json``, no API key)."""
    with running_api(tmp_path_factory.mktemp("openapi"), emulator_url=sagemaker_emulator_session.url) as api:
        response = httpx.get(f"{api.base_url}/openapi.json", timeout=30)
        assert response.status_code == 200
        yield response.json()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def untyped(document: dict[str, Any], schema: Any) -> str | None:
    """Why ``schema`` is not a typed answer (None: it is): an object must declare its properties,
    an array its items, a union every branch; an empty schema types nothing."""
    if not isinstance(schema, dict):
        return f"not a schema: {schema!r}"
    schema = resolve(document, schema)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            branches = [b for b in schema[union] if resolve(document, b).get("type") != "null"]
            reasons = [r for b in branches if (r := untyped(document, b))]
            return reasons[0] if reasons or not branches else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return None if schema.get("properties") else f"a bare object: {schema}"
    if kind == "array":
        return untyped(document, schema.get("items"))
    if kind in ("string", "integer", "number", "boolean"):
        return None
    return f"an untyped schema: {schema}"


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of ``schema`` whose ``#/components/...`` references resolve in ``document``."""
    return Draft202012Validator({"allOf": [schema], "components": document["components"]})


def examples_of(media: dict[str, Any]) -> list[Any]:
    found = [media["example"]] if "example" in media else []
    return found + [e["value"] for e in media.get("examples", {}).values()]


def test_every_operation_is_tagged_with_a_declared_tag(document: dict[str, Any]) -> None:
    declared = {t["name"]: t for t in document.get("tags", [])}
    assert all(t.get("description") for t in declared.values()), "every tag says what it groups"
    problems = [f"{m.upper()} {p}: {op.get('tags')}" for m, p, op in operations(document)
                if len(op.get("tags") or []) != 1 or op["tags"][0] not in declared]
    assert not problems, problems
    used = {op["tags"][0] for _, _, op in operations(document)}
    assert used == set(declared), "no declared tag without operations"
    assert {"deployments", "operations", "checks", "events", "secrets", "keys", "audit", "platforms",
            "meta"} <= used


def test_every_success_answer_has_a_typed_schema(document: dict[str, Any]) -> None:
    problems = []
    for method, path, op in operations(document):
        successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        if not successes:
            problems.append(f"{method.upper()} {path}: no 2xx answer documented")
        for status, response in successes.items():
            where = f"{method.upper()} {path} {status}"
            content = response.get("content") or {}
            if status in EMPTY:
                if content:
                    problems.append(f"{where}: documents a body it never has")
                continue
            if not content:
                problems.append(f"{where}: no content")
            for media_type, media in content.items():
                schema = media.get("schema")
                if media_type.endswith("json"):
                    reason = untyped(document, schema) if schema else "no schema"
                else:
                    reason = None if schema and schema.get("type") == "string" else f"{media_type}: no string schema"
                if reason:
                    problems.append(f"{where}: {reason}")
    assert not problems, "\n".join(problems)


def test_the_main_operations_have_examples(document: dict[str, Any]) -> None:
    for (method, path), (body, statuses) in MAIN.items():
        op = document["paths"][path][method]
        if body:
            assert examples_of(op["requestBody"]["content"]["application/json"]), f"{method} {path}: request"
        for status in statuses:
            assert examples_of(op["responses"][status]["content"]["application/json"]), f"{method} {path} {status}"


def test_every_example_matches_its_schema(document: dict[str, Any]) -> None:
    checked = 0
    for method, path, op in operations(document):
        media_types = [("request", m) for m in op.get("requestBody", {}).get("content", {}).values()]
        media_types += [(status, m) for status, r in op["responses"].items() for m in (r.get("content") or {}).values()]
        for where, media in media_types:
            for example in examples_of(media):
                errors = [e.message for e in validator(document, media["schema"]).iter_errors(example)]
                assert not errors, f"{method.upper()} {path} {where}: {errors[:3]}"
                checked += 1
    assert checked >= 15


def test_real_answers_match_the_documented_schemas(sagemaker_api: httpx.Client, sagemaker_emulator) -> None:
    document = sagemaker_api.get("/openapi.json").json()

    def call(method: str, template: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = sagemaker_api.request(method, url, **kwargs)
        op = document["paths"][template][method.lower()]
        assert str(response.status_code) in op["responses"], (url, response.status_code, response.text)
        schema = op["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
        errors = [f"{list(e.absolute_path)}: {e.message}"
                  for e in validator(document, schema).iter_errors(response.json())]
        assert not errors, f"{method} {url} {response.status_code}: {errors[:3]}"
        return response.json()

    def finish(op: dict[str, Any]) -> dict[str, Any]:
        done = wait_operation(sagemaker_api, op)
        return call("GET", "/v1/operations/{op_id}", f"/v1/operations/{done['id']}")

    name = "/v1/deployments/{name}"
    assert call("POST", "/v1/plan", "/v1/plan", json=SPEC)["calls"]
    applied = finish(call("PUT", name, "/v1/deployments/doc-demo", json=SPEC))
    assert applied["metadata"]["state"] == "succeeded" and applied["response"]["deployment"]["health"] == "serving"
    assert call("PUT", name, "/v1/deployments/doc-demo", json=SPEC)["sync"] == "in_sync"  # 200: unchanged
    call("GET", name, "/v1/deployments/doc-demo")
    call("GET", "/v1/deployments", "/v1/deployments")

    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker_emulator.url,
                          aws_access_key_id="t", aws_secret_access_key="t")
    arn = client.describe_endpoint(EndpointName="doc-demo")["EndpointArn"]
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "other"}])  # drift behind the service's back
    checks = "/v1/deployments/{name}/checks"
    assert call("POST", checks, "/v1/deployments/doc-demo/checks", json={"mode": "full"})["sync"] == "out_of_sync"
    call("GET", checks, "/v1/deployments/doc-demo/checks")
    call("GET", "/v1/deployments/{name}/live", "/v1/deployments/doc-demo/live")
    preview = call("POST", "/v1/deployments/{name}:accept-live", "/v1/deployments/doc-demo:accept-live",
                   json={"dry_run": True})
    assert [c["path"] for c in preview["adopted"]] == ["tags.team"]
    reconciled = finish(call("POST", "/v1/deployments/{name}:reconcile", "/v1/deployments/doc-demo:reconcile"))
    assert [c["path"] for c in reconciled["response"]["changed"]] == ["tags.team"]
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "other"}])
    call("POST", checks, "/v1/deployments/doc-demo/checks", json={"mode": "full"})
    adopted = call("POST", "/v1/deployments/{name}:accept-live", "/v1/deployments/doc-demo:accept-live", json={})
    assert [c["path"] for c in adopted["adopted"]] == ["tags.team"]
    if "metadata" in adopted:  # 202: an Operation applying the new revision
        finish(adopted)

    call("GET", "/v1/operations", "/v1/operations")
    call("GET", "/v1/checks/summary", "/v1/checks/summary")
    assert call("POST", "/v1/checks:run", "/v1/checks:run", json={"mode": "basic"})["checked"] == 1
    assert call("GET", "/v1/events", "/v1/events")["events"]
    call("GET", "/v1/platforms", "/v1/platforms")
    call("GET", "/v1/schema/spec", "/v1/schema/spec")
    call("GET", "/healthz", "/healthz")
    deleted = finish(call("DELETE", name, "/v1/deployments/doc-demo"))
    assert deleted["response"]["deleted"] is True
