"""Examples shown in the OpenAPI document (``/docs``, ``/redoc``) for the main operations.

:data:`OPERATION_EXAMPLES` maps ``(method, path)`` to where each example goes: ``"request"`` (the
request body) or a response status, as ``{"example": value}`` or ``{"examples": {name: {summary,
value}}}``. :func:`api.docs.install_examples` puts them into the document after FastAPI has built it
(FastAPI would drop every ``null`` from examples declared on the routes) and fails at start-up if one
names an operation or response the document does not have.

The values are from a sandbox run (ids and times shortened). ``tests/api/test_openapi_document.py``
checks that every example in the document validates against the schema it illustrates, so an
example that stops matching its shape fails the tests instead of misleading a reader.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OPERATION_EXAMPLES"]


def _one(value: Any) -> dict[str, Any]:
    return {"example": value}


def _named(**named: tuple[str, Any]) -> dict[str, Any]:
    """Several named examples: ``name=(summary, value)``."""
    return {"examples": {k: {"summary": summary, "value": value} for k, (summary, value) in named.items()}}


_TARGET = {"platform": "sagemaker", "region": "us-east-1",
           "execution_role_arn": "arn:aws:iam::123456789012:role/SageMakerExecution"}

_SPEC = {
    "name": "churn-model",
    "target": _TARGET,
    "variants": [{"name": "main", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.2",
                  "model_uri": "s3://models/churn/1.4.2/model.tar.gz", "env": {"LOG_LEVEL": "info"},
                  "instance_type": "ml.m5.large", "min_replicas": 1, "max_replicas": 3}],
    "tags": {"team": "growth"},
}

_CANARY = {
    "name": "fraud-scorer",
    "target": _TARGET,
    "variants": [
        {"name": "stable", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:2.0.0",
         "instance_type": "ml.c5.xlarge", "min_replicas": 2, "max_replicas": 6, "weight": 90},
        {"name": "canary", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:2.1.0-rc1",
         "instance_type": "ml.c5.xlarge", "weight": 10},
    ],
    "logging": {"enabled": True, "sample_percent": 20, "destination": "s3://captures/fraud-scorer/"},
    "tags": {"team": "risk"},
    "test_queries": [{"name": "scores", "payload": {"transaction": {"amount": 12.5}},
                      "expect_fields": ["/predictions"]}],
}

_SPECS = _named(sagemaker=("One variant on SageMaker, autoscaling 1-3", _SPEC),
                canary=("A 90/10 canary with prediction logging and a test query", _CANARY))

_STORED_SPEC = {
    "name": "churn-model", "target": _TARGET,
    "variants": [{"name": "main", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.2",
                  "model_uri": "s3://models/churn/1.4.2/model.tar.gz", "env": {"LOG_LEVEL": "info"},
                  "port": 8080, "predict_route": "/invocations", "health_route": "/ping",
                  "instance_type": "ml.m5.large", "min_replicas": 1, "max_replicas": 3, "weight": 100,
                  "accelerator": None, "autoscaling": {"metric": "cpu_utilization", "target": 70},
                  "max_concurrency": None}],
    "logging": {"enabled": False, "sample_percent": 100, "destination": None},
    "auth_mode": "iam", "request_timeout_seconds": 60, "tags": {"team": "growth"}, "test_queries": [],
    "sync_policy": {"ignore": [], "auto_remediate": False, "remediate_after": 3},
}

_DEPLOYMENT = {
    "name": "churn-model", "platform": "sagemaker", "revision": "847a470b9c48", "generation": 1,
    "etag": '"1-847a470b9c48"', "health": "serving", "sync": "in_sync", "status_message": None,
    "observed_at": "2026-05-04T10:15:24+00:00", "checked_at": "2026-05-04T10:15:24+00:00",
    "full_checked_at": None, "drift_streak": 0, "drift": [],
    "provider_ids": {"endpoint_arn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-model",
                     "endpoint_config_name": "churn-model-847a470b9c48",
                     "model_names": ["churn-model-main-75f5fe85"]},
    "current_operation": None, "deleting": False, "spec": _STORED_SPEC,
    "create_time": "2026-05-04T10:14:02+00:00", "update_time": "2026-05-04T10:15:24+00:00",
}

_OP_ID = "5f77f6d4794348f381bb50b234187fde"


def _operation(state: str, phase: str, progress: int, message: str | None, **extra: Any) -> dict[str, Any]:
    return {"name": f"operations/{_OP_ID}", "id": _OP_ID, "done": state not in ("pending", "running"),
            "metadata": {"deployment": "churn-model", "kind": "apply", "revision": "847a470b9c48",
                         "state": state, "phase": phase, "progress": progress, "status_message": message,
                         "create_time": "2026-05-04T10:14:02+00:00",
                         "update_time": "2026-05-04T10:14:02+00:00"}} | extra


_OPERATION_PENDING = _operation("pending", "queued", 0, None)
_OPERATION_SUCCEEDED = _operation("succeeded", "done", 100, None,
                                 response={"deployment": _DEPLOYMENT, "test_queries": []})
_OPERATION_RECONCILED = _operation("succeeded", "done", 100, None, response={
    "deployment": _DEPLOYMENT, "test_queries": [], "changed": [{"path": "tags.team", "was": "other", "now": "growth"}]})
_OPERATION_FAILED = _operation("failed", "wait", 40, "Failed: the container did not pass the ping health check",
                              error={"code": "deployment_failed", "message": "churn-model: endpoint Failed: "
                                     "the container did not pass the ping health check"})

_DRIFT = {"path": "tags.team", "expected": "growth", "actual": "other", "severity": "cosmetic",
          "provider_field": "Endpoint Tags", "unreadable": None}

_PLAN = {
    "name": "churn-model", "platform": "sagemaker", "revision": "5faf30c717b6", "exists": True,
    "live": {"health": "serving", "revision": "847a470b9c48"},
    "calls": [
        {"operation": "CreateEndpointConfig", "params": {
            "EndpointConfigName": "churn-model-5faf30c717b6",
            "ProductionVariants": [{"VariantName": "main", "ModelName": "churn-model-main-75f5fe85",
                                    "InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
                                    "InitialVariantWeight": 100.0}]}},
        {"operation": "UpdateEndpoint", "params": {"EndpointName": "churn-model",
                                                   "EndpointConfigName": "churn-model-5faf30c717b6"}},
        {"operation": "RegisterScalableTarget", "params": {
            "ServiceNamespace": "sagemaker", "ResourceId": "endpoint/churn-model/variant/main",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "MinCapacity": 1, "MaxCapacity": 3}},
    ],
    "changes": [{"path": "variants[main].max_replicas", "expected": 3, "actual": 1, "severity": "material",
                 "provider_field": "ScalableTarget.MaxCapacity / DesiredInstanceCount", "unreadable": None}],
    "requires_replacement": [],
    "in_sync": False,
}

_CHECK_REQUEST = _named(full=("Compare every field", {"mode": "full"}),
                        basic=("Status, revision and a few key fields", {"mode": "basic"}))

_RECORDED = _DRIFT | {"observed_at": "2026-05-04T11:02:10+00:00", "check_id": 3, "mode": "full",
                      "carried": False, "revision": "847a470b9c48"}

_CHECK = {
    "id": 3, "deployment": "churn-model", "mode": "full", "trigger": "manual", "health": "serving",
    "sync": "out_of_sync", "revision_expected": "847a470b9c48", "revision_live": "847a470b9c48",
    "changes": [_RECORDED], "unobserved": ["request_timeout_seconds"],
    "patch": [{"op": "replace", "path": "/tags/team", "value": "other"}], "error": None,
    "duration_ms": 57.63, "checked_at": "2026-05-04T11:02:10+00:00",
}

_ACCEPT_LIVE_REQUEST = _named(preview=("Show the spec live would make, change nothing", {"dry_run": True}),
                              tags=("Adopt only the drifted tags", {"paths": ["tags.*"]}))

_ACCEPT_LIVE_PREVIEW = {"spec": _STORED_SPEC | {"tags": {"team": "other"}}, "adopted": [_RECORDED],
                       "applied": False}

_ACCEPT_LIVE_OPERATION = _operation("pending", "queued", 0, None) | {"adopted": [_RECORDED]}

OPERATION_EXAMPLES: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("put", "/v1/deployments/{name}"): {"request": _SPECS, "200": _one(_DEPLOYMENT),
                                        "202": _one(_OPERATION_PENDING)},
    ("get", "/v1/deployments/{name}"): {"200": _one(_DEPLOYMENT)},
    ("post", "/v1/plan"): {"request": _SPECS, "200": _one(_PLAN)},
    ("post", "/v1/deployments/{name}/checks"): {"request": _CHECK_REQUEST, "200": _one(_CHECK)},
    ("post", "/v1/deployments/{name}:reconcile"): {"202": _one(_OPERATION_PENDING)},
    ("post", "/v1/deployments/{name}:accept-live"): {"request": _ACCEPT_LIVE_REQUEST,
                                                     "200": _one(_ACCEPT_LIVE_PREVIEW),
                                                     "202": _one(_ACCEPT_LIVE_OPERATION)},
    ("get", "/v1/operations/{op_id}"): {"200": _named(
        running=("Queued", _OPERATION_PENDING),
        succeeded=("A finished apply", _OPERATION_SUCCEEDED),
        reconciled=("A finished reconcile: what it put back", _OPERATION_RECONCILED),
        failed=("A failed apply", _OPERATION_FAILED))},
}
