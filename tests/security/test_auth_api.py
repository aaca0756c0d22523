"""Authentication and roles through the real HTTP stack: every route of the live OpenAPI document x
every role (none, reader, deployer, admin) is allowed, 401 or 403 as api.security.policy says;
401 for every kind of bad credential; scoped keys see and touch only their deployments."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.security.policy import required_role
from core.auth import Role, new_token
from core.settings import Settings
from core.store import Store
from core.store.db import utcnow
from tests.security.conftest import Keys, make_key
from tests.support.api_server import bearer, wait_operation

#: The API over SQLite only (the store tests cover PostgreSQL).
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PUBLIC = set(Settings().public_paths)
FILL = {"name": "matrix-demo", "op_id": "0" * 32, "key_id": "abcd1234"}
ROLES: list[Role | None] = [None, Role.READER, Role.DEPLOYER, Role.ADMIN]

SPEC = {
    "name": "team-a-one",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "main", "image": "r/m:1", "instance_type": "ml.m5.large"}],
}
VERTEX = {"platform": "vertex", "project": "my-project-1", "location": "europe-west4"}


def spec(name: str, target: dict | None = None) -> dict:
    return {**SPEC, "name": name, **({"target": target} if target else {})}


def operations(api: httpx.Client) -> list[tuple[str, str]]:
    paths = api.get("/openapi.json").json()["paths"]
    return [(m.upper(), p) for p, item in paths.items() for m in item if m in {"get", "put", "post", "delete", "patch"}]


def url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: FILL.get(m.group(1), "x"), path)


@SQLITE
def test_every_route_by_every_role(sagemaker_api: httpx.Client, keys: Keys) -> None:
    ops = operations(sagemaker_api)
    assert ("PUT", "/v1/deployments/{name}") in ops and ("GET", "/v1/audit") in ops
    wrong = []
    for method, path in ops:
        for role in ROLES:
            body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
            r = keys.anonymous.request(method, url(path), headers=keys.headers(role), json=body)
            if path in PUBLIC:
                expected = "allowed"
            elif role is None:
                expected = "401"
            else:
                expected = "allowed" if role.allows(required_role(method, path)) else "403"
            assert r.status_code < 500, f"{method} {path} as {role}: {r.status_code} {r.text}"
            got = str(r.status_code) if r.status_code in (401, 403) else "allowed"
            if got != expected:
                wrong.append(f"{method} {path} as {role}: {r.status_code}, expected {expected}")
            if got == "401":
                assert r.headers["WWW-Authenticate"].startswith("Bearer")
                assert r.json()["error"]["code"] == "unauthenticated"
            if got == "403":
                assert r.json()["error"]["code"] == "forbidden"
    assert wrong == []


def test_public_paths_are_configurable(sagemaker_emulator, tmp_path: Path) -> None:
    from tests.support.api_server import running_api

    with running_api(tmp_path, emulator_url=sagemaker_emulator.url, public_paths=["/readyz"]) as api:
        anonymous = httpx.Client(base_url=api.base_url)
        assert anonymous.get("/readyz").status_code == 200
        assert anonymous.get("/healthz").status_code == 401
        assert api.get("/healthz").status_code == 200


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNz", "Bearer", "Bearer  x", "bearer not-a-key", f"Bearer {new_token().token}",
    "Token da_abcd1234_" + "a" * 43,
])
@SQLITE
def test_bad_credentials_are_401(sagemaker_api: httpx.Client, header: str) -> None:
    r = httpx.get(f"{sagemaker_api.base_url}/v1/deployments", headers={"Authorization": header})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json()["error"]["code"] == "unauthenticated"


@SQLITE
def test_wrong_secret_revoked_and_expired_keys_are_401(sagemaker_api: httpx.Client, tmp_path: Path) -> None:
    token = make_key(sagemaker_api, Role.READER)
    assert httpx.get(f"{sagemaker_api.base_url}/v1/deployments", headers=bearer(token)).status_code == 200
    wrong = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    assert httpx.get(f"{sagemaker_api.base_url}/v1/deployments", headers=bearer(wrong)).status_code == 401

    key_id = token.split("_")[1]
    revoked = sagemaker_api.delete(f"/v1/keys/{key_id}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] and not revoked.json()["active"]
    r = httpx.get(f"{sagemaker_api.base_url}/v1/deployments", headers=bearer(token))
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]

    store = Store(f"sqlite:///{tmp_path}/data/deploy-anywhere.db")  # the server's own database file
    try:
        _, expired = store.keys.create(role=Role.ADMIN, created_by="test",
                                       expires_at=utcnow() - dt.timedelta(seconds=1))
    finally:
        store.dispose()
    r = httpx.get(f"{sagemaker_api.base_url}/v1/deployments", headers=bearer(expired))
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]


@SQLITE
def test_key_management_api(sagemaker_api: httpx.Client) -> None:
    created = sagemaker_api.post("/v1/keys", json={"role": "deployer", "description": "ci", "platforms": ["vertex"],
                                         "name_prefixes": ["team-a-"], "expires_in_days": 30})
    assert created.status_code == 201
    key = created.json()
    assert key["token"].startswith(f"da_{key['id']}_") and key["expires_at"] and key["active"]
    secret = key["token"].split("_", 2)[2]
    listed = sagemaker_api.get("/v1/keys")
    assert listed.status_code == 200 and key["id"] in listed.text and secret not in listed.text
    one = sagemaker_api.get(f"/v1/keys/{key['id']}").json()
    assert "token" not in one and one["platforms"] == ["vertex"] and one["name_prefixes"] == ["team-a-"]
    bad = sagemaker_api.post("/v1/keys", json={"role": "admin", "platforms": ["vertex"]})
    assert bad.status_code == 422 and "admin keys cannot be scoped" in bad.text
    assert sagemaker_api.post("/v1/keys", json={"role": "root"}).status_code == 422
    assert sagemaker_api.get("/v1/keys/nosuch1").status_code == 404
    own_id = sagemaker_api.headers["Authorization"].split("_")[1]
    last = sagemaker_api.delete(f"/v1/keys/{own_id}")
    assert last.status_code == 409 and "last active admin" in last.json()["error"]["message"]


@SQLITE
def test_scoped_keys_only_reach_their_deployments(sagemaker_api: httpx.Client, keys: Keys, sagemaker_emulator) -> None:
    sagemaker_emulator.control.set_progression("immediate")
    scoped = bearer(make_key(sagemaker_api, Role.DEPLOYER, platforms=["sagemaker"], name_prefixes=["team-a-"]))
    other_op = sagemaker_api.put("/v1/deployments/team-b-one", json=spec("team-b-one")).json()
    wait_operation(sagemaker_api, other_op)

    for name, target in (("team-b-two", None), ("team-a-two", VERTEX)):
        r = keys.anonymous.put(f"/v1/deployments/{name}", json=spec(name, target), headers=scoped)
        assert r.status_code == 403 and r.json()["error"]["details"]["reason"] == "scope", r.text
        assert keys.anonymous.post("/v1/plan", json=spec(name, target), headers=scoped).status_code == 403

    r = keys.anonymous.put("/v1/deployments/team-a-one", json=spec("team-a-one"), headers=scoped)
    assert r.status_code == 202, r.text
    own_op = wait_operation(sagemaker_api, r.json())
    assert own_op["metadata"]["state"] == "succeeded"

    listed = keys.anonymous.get("/v1/deployments", headers=scoped).json()["deployments"]
    assert [d["name"] for d in listed] == ["team-a-one"]
    everything = sagemaker_api.get("/v1/deployments").json()["deployments"]
    assert [d["name"] for d in everything] == ["team-a-one", "team-b-one"]
    ops = keys.anonymous.get("/v1/operations", headers=scoped).json()["operations"]
    assert {o["metadata"]["deployment"] for o in ops} == {"team-a-one"}
    for forbidden in ("/v1/deployments/team-b-one", f"/v1/operations/{other_op['id']}",
                      "/v1/operations?deployment=team-b-one"):
        assert keys.anonymous.get(forbidden, headers=scoped).status_code == 403, forbidden
    assert keys.anonymous.delete("/v1/deployments/team-b-one", headers=scoped).status_code == 403
    assert keys.anonymous.get("/v1/deployments/team-a-one", headers=scoped).status_code == 200
    assert keys.anonymous.get(f"/v1/operations/{own_op['id']}", headers=scoped).status_code == 200
    # a key scoped to another platform, whose name prefix matches, asking by query parameter
    vertex_only = bearer(make_key(sagemaker_api, Role.READER, platforms=["vertex"], name_prefixes=["team-a-"]))
    for query in ("/v1/operations?deployment=team-a-one", "/v1/events?deployment=team-a-one"):
        r = keys.anonymous.get(query, headers=vertex_only)
        assert r.status_code == 403 and r.json()["error"]["details"]["reason"] == "scope", (query, r.text)
    assert keys.anonymous.get("/v1/events?deployment=team-a-one", headers=scoped).status_code == 200

    denied = sagemaker_api.get("/v1/audit", params={"action": "denied"}).json()["events"]
    assert {e["deployment"] for e in denied} >= {"team-b-one", "team-b-two", "team-a-two"}
