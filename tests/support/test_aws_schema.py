"""Tests of the offline botocore request validator."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.aws_schema import (
    SchemaViolation,
    operation_names,
    service_model,
    validate_request,
)
from tests.support.java_regex import compile_java

ROLE = "arn:aws:iam::123456789012:role/deploy-anywhere-sagemaker"
RESOURCE = "endpoint/churn-prod/variant/primary"


def create_model() -> dict[str, Any]:
    return {
        "ModelName": "churn-v3",
        "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {
            "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:3",
            "ModelDataUrl": "s3://models/churn/v3/model.tar.gz",
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py", "LOG_LEVEL": "info"},
        },
        "EnableNetworkIsolation": True,
        "Tags": [{"Key": "managed-by", "Value": "deploy-anywhere"}],
    }


def create_endpoint_config() -> dict[str, Any]:
    return {
        "EndpointConfigName": "churn-prod-cfg-7f3a",
        "ProductionVariants": [
            {
                "VariantName": "primary",
                "ModelName": "churn-v3",
                "InstanceType": "ml.g5.xlarge",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1.0,
            }
        ],
        "DataCaptureConfig": {
            "EnableCapture": True,
            "InitialSamplingPercentage": 20,
            "DestinationS3Uri": "s3://captures/churn",
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        },
        "Tags": [{"Key": "managed-by", "Value": "deploy-anywhere"}],
    }


VALID_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("sagemaker", "CreateModel", create_model()),
    ("sagemaker", "CreateEndpointConfig", create_endpoint_config()),
    (
        "sagemaker",
        "CreateEndpoint",
        {"EndpointName": "churn-prod", "EndpointConfigName": "churn-prod-cfg-7f3a", "Tags": []},
    ),
    (
        "sagemaker",
        "UpdateEndpoint",
        {
            "EndpointName": "churn-prod",
            "EndpointConfigName": "churn-prod-cfg-8b1c",
            "RetainAllVariantProperties": False,
            "DeploymentConfig": {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "WaitIntervalInSeconds": 300,
                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                    },
                    "TerminationWaitInSeconds": 600,
                },
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-prod-5xx"}]},
            },
        },
    ),
    (
        "application-autoscaling",
        "RegisterScalableTarget",
        {
            "ServiceNamespace": "sagemaker",
            "ResourceId": RESOURCE,
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity": 1,
            "MaxCapacity": 4,
        },
    ),
    (
        "application-autoscaling",
        "PutScalingPolicy",
        {
            "PolicyName": "churn-prod-invocations",
            "ServiceNamespace": "sagemaker",
            "ResourceId": RESOURCE,
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        },
    ),
]


@pytest.mark.parametrize(("service", "operation", "params"), VALID_REQUESTS, ids=lambda v: str(v)[:30])
def test_valid_requests_pass(service: str, operation: str, params: dict[str, Any]) -> None:
    validate_request(service, operation, params)


def problems_of(operation: str, params: dict[str, Any], service: str = "sagemaker") -> list[str]:
    with pytest.raises(SchemaViolation) as info:
        validate_request(service, operation, params)
    assert info.value.problems, "a violation must list its problems"
    return info.value.problems


def paths(problems: list[str]) -> list[str]:
    return [p.split(": ", 1)[0] for p in problems]


def endpoint_config_with(**variant: Any) -> dict[str, Any]:
    params = create_endpoint_config()
    params["ProductionVariants"][0].update(variant)
    return params


def test_unknown_key() -> None:
    params = {"EndpointNam": "churn-prod", "EndpointName": "x", "EndpointConfigName": "c"}
    problems = problems_of("CreateEndpoint", params)
    assert paths(problems) == ["EndpointNam"]
    assert "unknown parameter" in problems[0]


def test_wrong_type() -> None:
    problems = problems_of("CreateEndpointConfig", endpoint_config_with(InitialInstanceCount="2"))
    assert paths(problems) == ["ProductionVariants[0].InitialInstanceCount"]
    assert "invalid type str" in problems[0]


def test_bool_is_not_a_number() -> None:
    problems = problems_of("CreateEndpointConfig", endpoint_config_with(InitialInstanceCount=True))
    assert paths(problems) == ["ProductionVariants[0].InitialInstanceCount"]


def test_missing_required() -> None:
    params = create_endpoint_config()
    del params["ProductionVariants"][0]["VariantName"]
    problems = problems_of("CreateEndpointConfig", params)
    assert paths(problems) == ["ProductionVariants[0].VariantName"]
    assert "missing required" in problems[0]


def test_bad_enum() -> None:
    problems = problems_of("CreateEndpointConfig", endpoint_config_with(InstanceType="ml.bogus"))
    assert paths(problems) == ["ProductionVariants[0].InstanceType"]
    assert "'ml.bogus' is not one of" in problems[0]


def test_pattern_violation() -> None:
    problems = problems_of("CreateEndpoint", {"EndpointName": "bad_name!", "EndpointConfigName": "c"})
    assert paths(problems) == ["EndpointName"]
    assert "does not match pattern" in problems[0]


def test_too_long() -> None:
    params = {"EndpointName": "e" * 64, "EndpointConfigName": "c"}
    problems = problems_of("CreateEndpoint", params)
    assert "EndpointName: length 64 is above the maximum 63" in problems
    validate_request("sagemaker", "CreateEndpoint", {**params, "EndpointName": "e" * 63})


def test_list_too_long() -> None:
    params = create_model()
    params["Tags"] = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert problems_of("CreateModel", params) == ["Tags: length 51 is above the maximum 50"]


def test_number_over_max() -> None:
    params = create_endpoint_config()
    params["DataCaptureConfig"]["InitialSamplingPercentage"] = 101
    problems = problems_of("CreateEndpointConfig", params)
    assert problems == ["DataCaptureConfig.InitialSamplingPercentage: value 101 is above the maximum 100"]


def test_number_below_min() -> None:
    params = create_endpoint_config()
    params["DataCaptureConfig"]["InitialSamplingPercentage"] = -1
    assert paths(problems_of("CreateEndpointConfig", params)) == [
        "DataCaptureConfig.InitialSamplingPercentage"
    ]


def test_map_keys_and_values_are_checked() -> None:
    params = create_model()
    params["PrimaryContainer"]["Environment"] = {"1BAD": "x", "GOOD": "v" * 1025}
    assert sorted(paths(problems_of("CreateModel", params))) == [
        "PrimaryContainer.Environment (key 1BAD)",
        "PrimaryContainer.Environment.GOOD",
    ]


def test_unicode_pattern_with_surrogate_pairs() -> None:
    request = copy.deepcopy(VALID_REQUESTS[4][2])
    request["ResourceId"] = "endpoint/é-😀/variant/v"
    validate_request("application-autoscaling", "RegisterScalableTarget", request)
    request["ResourceId"] = "endpoint/\x01"
    problems = problems_of("RegisterScalableTarget", request, service="application-autoscaling")
    assert paths(problems) == ["ResourceId"]


def test_several_problems_reported_at_once() -> None:
    params = endpoint_config_with(InstanceType="ml.bogus", InitialInstanceCount="two", Colour="red")
    params["EndpointConfigName"] = "bad_name!"
    params["DataCaptureConfig"]["InitialSamplingPercentage"] = 101
    del params["ProductionVariants"][0]["VariantName"]
    with pytest.raises(SchemaViolation) as info:
        validate_request("sagemaker", "CreateEndpointConfig", params)
    assert sorted(paths(info.value.problems)) == [
        "DataCaptureConfig.InitialSamplingPercentage",
        "EndpointConfigName",
        "ProductionVariants[0].Colour",
        "ProductionVariants[0].InitialInstanceCount",
        "ProductionVariants[0].InstanceType",
        "ProductionVariants[0].VariantName",
    ]
    message = str(info.value)
    assert message.startswith("sagemaker.CreateEndpointConfig: 6 schema problem(s)")
    assert isinstance(info.value, AssertionError)


def test_snake_case_operation_and_unknown_operation() -> None:
    validate_request("sagemaker", "create_endpoint", {"EndpointName": "e", "EndpointConfigName": "c"})
    with pytest.raises(ValueError, match="no operation"):
        validate_request("sagemaker", "CreateBogus", {})
    assert "InvokeEndpoint" in operation_names("sagemaker-runtime")


@pytest.mark.parametrize("service", ["sagemaker", "sagemaker-runtime", "application-autoscaling"])
def test_every_pattern_of_the_service_model_compiles(service: str) -> None:
    model = service_model(service)
    patterns = {
        shape.metadata["pattern"]
        for shape in map(model.shape_for, model.shape_names)
        if "pattern" in shape.metadata
    }
    assert patterns, f"{service} has no patterns?"
    for pattern in sorted(patterns):
        compile_java(pattern)  # raises JavaRegexError with the pattern on failure
