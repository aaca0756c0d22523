"""Secrets through the HTTP API on the SageMaker emulator (real boto3): literal secrets and service
secrets reach the provider, and their values appear in no response, event, audit entry, log record
or database file; a secret changed behind the service's back is reported *changed* (fingerprints)."""

from __future__ import annotations

import copy
import logging
import sqlite3
from pathlib import Path

import boto3
import pytest

from tests.contract.envs import make_env
from tests.support.api_server import running_api, wait_operation

pytestmark = pytest.mark.e2e

LITERAL = "lit-7b1e9c2f-token-value"
ROTATED = "lit-0f3a55aa-rotated-value"
BEHIND = "behind-our-back-9d8e7f"
SERVICE = "svc-4c1d2e3f-db-password"
SERVICE_NEXT = "svc-next-5e6f7a8b-password"
SECRETS = (LITERAL, ROTATED, BEHIND, SERVICE, SERVICE_NEXT)

SPEC = {
    "name": "sec-fraud",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "a", "image": "r/fraud:2.0", "instance_type": "ml.c5.xlarge",
                  "env": {"LOG_LEVEL": "info", "API_TOKEN": {"secret": True, "value": LITERAL}}}],
}


@pytest.fixture
def sagemaker_sqlite_api(sagemaker_emulator, tmp_path):
    """The API (SQLite only) in sandbox mode against the SageMaker emulator."""
    with running_api(tmp_path, emulator_url=sagemaker_emulator.url) as client:
        yield client


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)  # botocore logs every request's parameters at DEBUG
    return caplog


def _sagemaker(sm):
    return boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sm.url, aws_access_key_id="t",
                        aws_secret_access_key="t")


def _live_env(sm, name="sec-fraud"):
    client = _sagemaker(sm)
    config = client.describe_endpoint_config(
        EndpointConfigName=client.describe_endpoint(EndpointName=name)["EndpointConfigName"])
    model = client.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    return model["PrimaryContainer"].get("Environment", {})


def _drift_env(sm, key, value, name="sec-fraud"):
    """Roll the endpoint onto a hand-made config whose model has ``key`` changed, as someone with
    console access would (new names: the service's own config and model stay as they were). The
    test's own client must not log the value: the service has not seen it yet, so nothing masks it."""
    logging.disable(logging.INFO)
    try:
        _hand_made(sm, key, value, name)
    finally:
        logging.disable(logging.NOTSET)


def _hand_made(sm, key, value, name):
    client, env = _sagemaker(sm), make_env("sagemaker", sm)
    config = env._config(name)
    model = client.describe_model(ModelName=env._variant(config, "a")["ModelName"])
    container = dict(model["PrimaryContainer"])
    container["Environment"] = {**container.get("Environment", {}), key: value}
    client.create_model(ModelName=f"hand-made-{key.lower()}", ExecutionRoleArn=model["ExecutionRoleArn"],
                        PrimaryContainer=container)
    params = {k: v for k, v in config.items()
              if k not in ("EndpointConfigName", "EndpointConfigArn", "CreationTime", "ResponseMetadata")}
    env._variant(params, "a")["ModelName"] = f"hand-made-{key.lower()}"
    tags = client.list_tags(ResourceArn=config["EndpointConfigArn"])["Tags"]
    client.create_endpoint_config(EndpointConfigName=f"hand-made-{key.lower()}", Tags=tags, **params)
    client.update_endpoint(EndpointName=name, EndpointConfigName=f"hand-made-{key.lower()}")
    env._wait(name)


def _apply(api, spec, status=202):
    response = api.put(f"/v1/deployments/{spec['name']}", json=spec)
    assert response.status_code == status, response.text
    body = response.json()
    if status == 202:
        body = wait_operation(api, body)
        assert body["metadata"]["state"] == "succeeded", body
    return response, body


def _with_env(**env):
    spec = copy.deepcopy(SPEC)
    spec["variants"][0]["env"] = {"LOG_LEVEL": "info", **env}
    return spec


def _assert_nowhere(texts, *, logs=None, data_dir: Path | None = None):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
    if logs is not None:
        for record in logs.records:
            message = record.getMessage() + (record.exc_text or "")
            assert not [s for s in SECRETS if s in message], message[:300]
    if data_dir is not None:  # the store, DBOS's system database, the emulators' state files
        for path in data_dir.rglob("*"):
            if path.is_file():
                blob = path.read_bytes()
                assert not [s for s in SECRETS if s.encode() in blob], path


def test_literal_secret_reaches_the_provider_and_is_shown_only_as_a_fingerprint(sagemaker_sqlite_api,
                                                                                 sagemaker_emulator, tmp_path, logs):
    first, op = _apply(sagemaker_sqlite_api, SPEC)
    env = first.json()["spec"]["variants"][0]["env"] if "spec" in first.json() else \
        sagemaker_sqlite_api.get("/v1/deployments/sec-fraud").json()["spec"]["variants"][0]["env"]
    assert env["LOG_LEVEL"] == "info"
    assert set(env["API_TOKEN"]) == {"secret", "fingerprint"} and (
        env["API_TOKEN"]["fingerprint"].startswith("hmac-sha256:"))
    assert _live_env(sagemaker_emulator) == {"LOG_LEVEL": "info", "API_TOKEN": LITERAL}

    dep = sagemaker_sqlite_api.get("/v1/deployments/sec-fraud").json()
    check = sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks", json={"mode": "full"}).json()
    assert check["sync"] == "in_sync", check
    live = sagemaker_sqlite_api.get("/v1/deployments/sec-fraud/live").json()
    assert live["spec"]["variants"][0]["env"]["API_TOKEN"] == env["API_TOKEN"]

    # the spec as returned round-trips: same revision, nothing deployed
    again, _ = _apply(sagemaker_sqlite_api, {k: v for k, v in dep["spec"].items()}, status=200)
    assert again.json()["revision"] == dep["revision"]
    # the same value sent again is the same revision too
    assert _apply(sagemaker_sqlite_api, SPEC, status=200)[0].json()["revision"] == dep["revision"]

    # a new value: new fingerprint, new revision, rolled out
    _, op2 = _apply(sagemaker_sqlite_api, _with_env(API_TOKEN={"secret": True, "value": ROTATED}))
    dep2 = sagemaker_sqlite_api.get("/v1/deployments/sec-fraud").json()
    assert dep2["revision"] != dep["revision"]
    assert dep2["spec"]["variants"][0]["env"]["API_TOKEN"]["fingerprint"] != env["API_TOKEN"]["fingerprint"]
    assert _live_env(sagemaker_emulator)["API_TOKEN"] == ROTATED

    # changed behind the service's back: reported changed, as two fingerprints
    _drift_env(sagemaker_emulator, "API_TOKEN", BEHIND)
    drift = sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks", json={"mode": "full"}).json()
    assert drift["sync"] == "out_of_sync"
    change = next(c for c in drift["changes"] if c["path"].endswith("API_TOKEN"))
    assert change["path"] == "variants[a].env.API_TOKEN" and change["severity"] == "material"
    assert change["expected"] == dep2["spec"]["variants"][0]["env"]["API_TOKEN"]
    assert change["actual"]["secret"] is True and change["actual"]["fingerprint"] != change["expected"]["fingerprint"]
    # accept-live cannot adopt a value the service never saw
    refused = sagemaker_sqlite_api.post("/v1/deployments/sec-fraud:accept-live", json={})
    assert refused.status_code == 422, refused.text
    # reconcile puts the stored value back
    op3 = wait_operation(sagemaker_sqlite_api, sagemaker_sqlite_api.post("/v1/deployments/sec-fraud:reconcile").json())
    assert op3["metadata"]["state"] == "succeeded", op3
    assert _live_env(sagemaker_emulator)["API_TOKEN"] == ROTATED

    texts = [first.text, str(op), str(op2), str(op3), str(dep), str(dep2), str(check), str(live), str(drift),
             refused.text]
    for path in ("/v1/deployments/sec-fraud", "/v1/deployments/sec-fraud/checks", "/v1/events", "/v1/audit",
                 "/v1/operations", "/v1/deployments/sec-fraud/live", "/metrics"):
        texts.append(sagemaker_sqlite_api.get(path).text)
    plan = sagemaker_sqlite_api.post("/v1/plan", json=_with_env(API_TOKEN={"secret": True, "value": LITERAL}))
    assert plan.status_code == 200 and "**redacted**" in plan.text, plan.text
    texts.append(plan.text)
    _assert_nowhere(texts, logs=logs, data_dir=tmp_path)
    # nor are the service's own keys: the secrets key, the admin key
    service_keys = [(tmp_path / "data" / "secrets.key").read_text().strip(),
                    sagemaker_sqlite_api.headers["Authorization"].removeprefix("Bearer ")]
    for path in ("/v1/platforms", "/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/audit"):
        assert not [k for k in service_keys if k in sagemaker_sqlite_api.get(path).text], path


def test_unknown_fingerprint_and_missing_service_secret_are_refused_with_paths(sagemaker_sqlite_api, tmp_path):
    spec = _with_env(A={"secret": True, "fingerprint": "hmac-sha256:" + "0" * 32},
                     B={"value_from": {"service_secret": "nope"}})
    response = sagemaker_sqlite_api.put("/v1/deployments/sec-fraud", json=spec)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "secret_unavailable"
    assert {d["path"] for d in response.json()["error"]["details"]} == {"variants[0].env.A.fingerprint",
                                                                "variants[0].env.B.value_from.service_secret"}
    assert sagemaker_sqlite_api.get("/v1/deployments/sec-fraud").status_code == 404  # nothing stored
    refused = _with_env(A={"secret": True, "value": "refused-literal"}, B={"value_from": {"service_secret": "nope"}})
    assert sagemaker_sqlite_api.put("/v1/deployments/sec-fraud", json=refused).status_code == 422
    with sqlite3.connect(tmp_path / "data" / "deploy-anywhere.db") as db:
        assert db.execute("SELECT count(*) FROM secrets WHERE scope = 'literal'").fetchone() == (0,), \
            "a refused request leaves no secret value behind"

    foreign = _with_env(C={"value_from": {"gcp_secret_manager": "projects/p/secrets/s"}})
    response = sagemaker_sqlite_api.put("/v1/deployments/sec-fraud", json=foreign)
    assert response.status_code == 422 and response.json()["error"]["code"] == "unsupported_feature", response.text
    assert [d["path"] for d in response.json()["error"]["details"]] == ["variants[0].env.C.value_from"]

    placeholder = _with_env(D={"secret": True, "value": "**redacted**"})
    response = sagemaker_sqlite_api.put("/v1/deployments/sec-fraud", json=placeholder)
    assert response.status_code == 422 and response.json()["error"]["details"][0]["path"] == "variants[0].env.D.value"


def test_service_secret_is_referenced_deployed_rotated_and_protected(sagemaker_sqlite_api, sagemaker_emulator, tmp_path,
                                                                     logs):
    created = sagemaker_sqlite_api.put("/v1/secrets/db-password", json={"value": SERVICE})
    assert created.status_code == 201, created.text
    meta = created.json()
    assert set(meta) == {"name", "fingerprint", "created_at", "updated_at"}
    listed = sagemaker_sqlite_api.get("/v1/secrets").json()["secrets"]
    assert [s["name"] for s in listed] == ["db-password"]

    spec = _with_env(DB_PASSWORD={"value_from": {"service_secret": "db-password"}})
    first, op = _apply(sagemaker_sqlite_api, spec)
    assert _live_env(sagemaker_emulator)["DB_PASSWORD"] == SERVICE
    dep = sagemaker_sqlite_api.get("/v1/deployments/sec-fraud").json()
    assert dep["spec"]["variants"][0]["env"]["DB_PASSWORD"] == {"value_from": {"service_secret": "db-password"}}
    assert sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks",
                                     json={"mode": "full"}).json()["sync"] == "in_sync"

    # a new value of the secret: what is deployed is still what was deployed (in sync) until a rollout
    replaced = sagemaker_sqlite_api.put("/v1/secrets/db-password", json={"value": SERVICE_NEXT})
    assert replaced.status_code == 200 and replaced.json()["fingerprint"] != meta["fingerprint"]
    assert sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks",
                                     json={"mode": "full"}).json()["sync"] == "in_sync"
    op2 = wait_operation(sagemaker_sqlite_api, sagemaker_sqlite_api.post("/v1/deployments/sec-fraud:reconcile").json())
    assert op2["metadata"]["state"] == "succeeded", op2
    assert _live_env(sagemaker_emulator)["DB_PASSWORD"] == SERVICE_NEXT
    assert sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks",
                                     json={"mode": "full"}).json()["sync"] == "in_sync"

    # changed behind the service's back
    _drift_env(sagemaker_emulator, "DB_PASSWORD", BEHIND)
    drift = sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks", json={"mode": "full"}).json()
    [change] = [c for c in drift["changes"] if c["path"] != "revision"]
    assert change["path"] == "variants[a].env.DB_PASSWORD"
    assert change["expected"] == {"value_from": {"service_secret": "db-password"}}
    assert change["actual"]["secret"] is True

    busy = sagemaker_sqlite_api.delete("/v1/secrets/db-password")
    assert busy.status_code == 409 and busy.json()["error"]["details"]["deployments"] == ["sec-fraud"]
    audit = sagemaker_sqlite_api.get("/v1/audit", params={"action": "secret.set"}).json()["events"]
    assert [e["details"]["created"] for e in audit] == [False, True]

    texts = [created.text, replaced.text, first.text, str(op), str(op2), str(drift), busy.text, str(audit),
             sagemaker_sqlite_api.get("/v1/secrets/db-password").text, sagemaker_sqlite_api.get("/v1/events").text]
    _assert_nowhere(texts, logs=logs, data_dir=tmp_path)

    op3 = wait_operation(sagemaker_sqlite_api, sagemaker_sqlite_api.delete("/v1/deployments/sec-fraud").json())
    assert op3["metadata"]["state"] == "succeeded", op3
    assert sagemaker_sqlite_api.delete("/v1/secrets/db-password").status_code == 204
    assert sagemaker_sqlite_api.get("/v1/secrets/db-password").status_code == 404


def test_secret_writes_need_an_admin_key(sagemaker_sqlite_api):
    key = sagemaker_sqlite_api.post("/v1/keys", json={"role": "deployer"}).json()["token"]
    headers = {"Authorization": f"Bearer {key}"}
    assert sagemaker_sqlite_api.put("/v1/secrets/x1", json={"value": "abc"}, headers=headers).status_code == 403
    assert sagemaker_sqlite_api.get("/v1/secrets", headers=headers).status_code == 200
    created = sagemaker_sqlite_api.put("/v1/secrets/x1", json={"value": "abc"})
    assert created.status_code == 201, created.text
    assert sagemaker_sqlite_api.delete("/v1/secrets/x1", headers=headers).status_code == 403
    assert sagemaker_sqlite_api.post("/v1/secrets:rotate", headers=headers).status_code == 403
    rotated = sagemaker_sqlite_api.post("/v1/secrets:rotate")
    assert rotated.status_code == 200 and rotated.json()["rotated"] >= 1


ARN_VALUE = "sm-ref-8a7b6c5d-value"
ARN_ROTATED = "sm-ref-1f2e3d4c-rotated"


def test_aws_reference_is_read_at_rollout_and_rotation_rolls_out_on_reconcile(sagemaker_sqlite_api, sagemaker_emulator,
                                                                              tmp_path, logs):
    secrets = boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=sagemaker_emulator.url,
                           aws_access_key_id="t", aws_secret_access_key="t")
    logging.disable(logging.INFO)  # the test's own client: nothing masks the value yet
    try:
        arn = secrets.create_secret(Name="db-password", SecretString=ARN_VALUE)["ARN"]
    finally:
        logging.disable(logging.NOTSET)
    spec = _with_env(DB_PASSWORD={"value_from": {"aws_secrets_manager": arn}})
    first, op = _apply(sagemaker_sqlite_api, spec)
    assert _live_env(sagemaker_emulator)["DB_PASSWORD"] == ARN_VALUE
    dep = sagemaker_sqlite_api.get("/v1/deployments/sec-fraud").json()
    assert dep["spec"]["variants"][0]["env"]["DB_PASSWORD"] == {"value_from": {"aws_secrets_manager": arn}}
    assert sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks",
                                     json={"mode": "full"}).json()["sync"] == "in_sync"

    logging.disable(logging.INFO)
    try:
        secrets.put_secret_value(SecretId=arn, SecretString=ARN_ROTATED)
    finally:
        logging.disable(logging.NOTSET)
    assert sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks",
                                     json={"mode": "full"}).json()["sync"] == "in_sync"
    op2 = wait_operation(sagemaker_sqlite_api, sagemaker_sqlite_api.post("/v1/deployments/sec-fraud:reconcile").json())
    assert op2["metadata"]["state"] == "succeeded", op2
    assert _live_env(sagemaker_emulator)["DB_PASSWORD"] == ARN_ROTATED
    after = sagemaker_sqlite_api.get("/v1/deployments/sec-fraud").json()
    assert after["revision"] == dep["revision"], "a rotated value is the same revision"
    assert sagemaker_sqlite_api.post("/v1/deployments/sec-fraud/checks",
                                     json={"mode": "full"}).json()["sync"] == "in_sync"

    texts = [first.text, str(op), str(op2), str(after), sagemaker_sqlite_api.get("/v1/deployments/sec-fraud/live").text,
             sagemaker_sqlite_api.get("/v1/deployments/sec-fraud/checks").text]
    for text in texts:
        assert ARN_VALUE not in text and ARN_ROTATED not in text
    for record in logs.records:
        message = record.getMessage()
        assert ARN_VALUE not in message and ARN_ROTATED not in message, message[:300]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert ARN_VALUE.encode() not in blob and ARN_ROTATED.encode() not in blob, path
