"""SageMaker emulator, exercised with real boto3 clients over HTTP.

One emulator for the module; every test starts from a reset emulator with the ``manual`` progression
(one read per lifecycle step), so no test needs to sleep more than 0.2 s.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulators.sagemaker import ControlAPIError, SageMakerEmulator

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"


@pytest.fixture(scope="module")
def emulator() -> Iterator[SageMakerEmulator]:
    with SageMakerEmulator() as running:
        yield running


@pytest.fixture(autouse=True)
def _reset(emulator: SageMakerEmulator) -> Iterator[None]:
    emulator.control.reset()
    emulator.control.set_progression("manual", times=1)
    yield
    emulator.control.reset()


def _client(emulator: SageMakerEmulator, service: str, **config: Any) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=emulator.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**config) if config else None,
    )


@pytest.fixture(scope="module")
def sagemaker_client(emulator: SageMakerEmulator) -> Any:
    return _client(emulator, "sagemaker", retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture(scope="module")
def runtime(emulator: SageMakerEmulator) -> Any:
    return _client(emulator, "sagemaker-runtime", retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture(scope="module")
def autoscaling(emulator: SageMakerEmulator) -> Any:
    return _client(emulator, "application-autoscaling", retries={"mode": "standard", "total_max_attempts": 1})


def _model(sm: Any, name: str = "model", image: str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1") -> None:
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": image})


def _config(sm: Any, name: str, *, instance_type: str = "ml.m5.large", count: int = 1, **extra: Any) -> None:
    variants = extra.pop(
        "variants",
        [
            {
                "VariantName": "primary",
                "ModelName": "model",
                "InstanceType": instance_type,
                "InitialInstanceCount": count,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants, **extra)


def _in_service_endpoint(sm: Any, name: str = "ep", config: str = "cfg-1") -> None:
    _model(sm)
    _config(sm, config)
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "Creating"
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


# --- lifecycle ------------------------------------------------------------------------------------


def test_create_goes_creating_then_in_service_by_reads(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    arn = sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")["EndpointArn"]

    first = sagemaker_client.describe_endpoint(EndpointName="ep")
    second = sagemaker_client.describe_endpoint(EndpointName="ep")

    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/ep"
    assert first["EndpointStatus"] == "Creating"
    assert second["EndpointStatus"] == "InService"
    assert "FailureReason" not in second
    assert sagemaker_client.list_endpoints(StatusEquals="InService")["Endpoints"][0]["EndpointName"] == "ep"


def test_list_endpoints_counts_as_a_read(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    assert [e["EndpointStatus"] for e in sagemaker_client.list_endpoints()["Endpoints"]] == ["Creating"]
    assert [e["EndpointStatus"] for e in sagemaker_client.list_endpoints()["Endpoints"]] == ["InService"]


def test_create_failure_ends_failed_with_reason(sagemaker_client: Any, emulator: SageMakerEmulator) -> None:
    emulator.control.fail_endpoint("ep", on="create", reason="No capacity for ml.m5.large")
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Creating"
    failed = sagemaker_client.describe_endpoint(EndpointName="ep")
    assert failed["EndpointStatus"] == "Failed"
    assert failed["FailureReason"] == "No capacity for ml.m5.large"
    with pytest.raises(ClientError) as exc:
        sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")
    assert _error(exc)[0] == "ValidationException"


def test_update_goes_updating_with_pending_summary_then_in_service_on_new_config(sagemaker_client: Any) -> None:
    _in_service_endpoint(sagemaker_client)
    _config(sagemaker_client, "cfg-2", instance_type="ml.g5.xlarge", count=2)

    sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2")
    updating = sagemaker_client.describe_endpoint(EndpointName="ep")
    done = sagemaker_client.describe_endpoint(EndpointName="ep")

    assert updating["EndpointStatus"] == "Updating"
    assert updating["EndpointConfigName"] == "cfg-1"
    pending = updating["PendingDeploymentSummary"]
    assert pending["EndpointConfigName"] == "cfg-2"
    assert "StartTime" in pending
    assert pending["ProductionVariants"][0]["VariantName"] == "primary"
    assert pending["ProductionVariants"][0]["InstanceType"] == "ml.g5.xlarge"
    assert pending["ProductionVariants"][0]["DesiredInstanceCount"] == 2
    assert done["EndpointStatus"] == "InService"
    assert done["EndpointConfigName"] == "cfg-2"
    assert done["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    assert "PendingDeploymentSummary" not in done
    assert "FailureReason" not in done


def test_a_once_failure_fails_only_the_next_create(sagemaker_client: Any, emulator: SageMakerEmulator) -> None:
    emulator.control.fail_endpoint("ep", on="create", reason="No capacity", once=True)
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")
    sagemaker_client.describe_endpoint(EndpointName="ep")
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Failed"
    sagemaker_client.delete_endpoint(EndpointName="ep")
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Deleting"
    assert sagemaker_client.list_endpoints()["Endpoints"] == []

    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")
    sagemaker_client.describe_endpoint(EndpointName="ep")

    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"


def test_failed_update_rolls_back_to_old_config_with_reason(sagemaker_client: Any, emulator: SageMakerEmulator) -> None:
    _in_service_endpoint(sagemaker_client)
    _config(sagemaker_client, "cfg-2", count=3)
    emulator.control.fail_endpoint("ep", on="update", reason="Health check failed")

    sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2")
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Updating"
    rolled_back = sagemaker_client.describe_endpoint(EndpointName="ep")

    assert rolled_back["EndpointStatus"] == "InService"
    assert rolled_back["EndpointConfigName"] == "cfg-1"
    assert rolled_back["FailureReason"] == "Health check failed"
    assert rolled_back["ProductionVariants"][0]["CurrentInstanceCount"] == 1

    emulator.control.clear_failure("ep")
    sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2")
    sagemaker_client.describe_endpoint(EndpointName="ep")
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "cfg-2"


def test_update_refused_while_creating_or_when_something_is_missing(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    with pytest.raises(ClientError) as in_progress:
        sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")
    with pytest.raises(ClientError) as no_endpoint:
        sagemaker_client.update_endpoint(EndpointName="nope", EndpointConfigName="cfg-1")
    with pytest.raises(ClientError) as no_config:
        sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="nope")

    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/ep"
    assert _error(in_progress) == ("ValidationException", f'Cannot update in-progress endpoint "{arn}".')
    assert _error(no_endpoint) == (
        "ValidationException",
        f'Could not find endpoint "arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/nope".',
    )
    assert _error(no_config)[1].startswith("Could not find endpoint configuration")


def test_update_retains_variant_properties_on_request(sagemaker_client: Any) -> None:
    _in_service_endpoint(sagemaker_client)
    sagemaker_client.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredInstanceCount": 4}]
    )
    sagemaker_client.describe_endpoint(EndpointName="ep")
    _config(sagemaker_client, "cfg-2", count=1)

    sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2", RetainAllVariantProperties=True)
    sagemaker_client.describe_endpoint(EndpointName="ep")

    assert sagemaker_client.describe_endpoint(EndpointName="ep")["ProductionVariants"][0]["CurrentInstanceCount"] == 4


def test_delete_goes_deleting_then_gone(sagemaker_client: Any) -> None:
    _in_service_endpoint(sagemaker_client)

    sagemaker_client.delete_endpoint(EndpointName="ep")
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Deleting"
    with pytest.raises(ClientError) as exc:
        sagemaker_client.describe_endpoint(EndpointName="ep")

    assert _error(exc) == (
        "ValidationException",
        f'Could not find endpoint "arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/ep".',
    )
    assert sagemaker_client.list_endpoints()["Endpoints"] == []
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")  # the name is free again
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Creating"


def test_delete_allowed_while_creating(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    sagemaker_client.delete_endpoint(EndpointName="ep")

    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Deleting"
    with pytest.raises(ClientError):
        sagemaker_client.describe_endpoint(EndpointName="ep")


def test_time_progression(sagemaker_client: Any, emulator: SageMakerEmulator) -> None:
    emulator.control.set_progression("time", seconds=0.1)
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Creating"
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Creating"
    time.sleep(0.15)
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"


def test_moto_state_manager_api_drives_the_lifecycle(sagemaker_client: Any, emulator: SageMakerEmulator) -> None:
    body = {"model_name": "sagemaker::endpoint", "transition": {"progression": "immediate"}}
    request = urllib.request.Request(
        f"{emulator.url}/moto-api/state-manager/set-transition", data=json.dumps(body).encode(), method="POST"
    )
    urllib.request.urlopen(request).close()
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"


def test_reset_clears_state_but_keeps_progression(sagemaker_client: Any, emulator: SageMakerEmulator) -> None:
    emulator.control.set_progression("manual", times=2)
    _model(sagemaker_client)
    emulator.control.reset()

    assert sagemaker_client.list_models()["Models"] == []
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")
    statuses = [sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] for _ in range(3)]
    assert statuses == ["Creating", "Creating", "InService"]


# --- fidelity fixes -------------------------------------------------------------------------------


def test_duplicate_creates_refused(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")
    base = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"

    with pytest.raises(ClientError) as model:
        _model(sagemaker_client, image="other:2")
    with pytest.raises(ClientError) as config:
        _config(sagemaker_client, "cfg-1", count=5)
    with pytest.raises(ClientError) as endpoint:
        sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    assert _error(model) == ("ValidationException", f'Cannot create already existing model "{base}:model/model".')
    assert _error(config) == (
        "ValidationException",
        f'Cannot create already existing endpoint configuration "{base}:endpoint-config/cfg-1".',
    )
    assert _error(endpoint) == ("ValidationException", f'Cannot create already existing endpoint "{base}:endpoint/ep".')
    assert sagemaker_client.describe_model(ModelName="model")["PrimaryContainer"]["Image"].endswith("/m:1")
    kept = sagemaker_client.describe_endpoint_config(EndpointConfigName="cfg-1")
    assert kept["ProductionVariants"][0]["InitialInstanceCount"] == 1


def test_add_tags_replaces_existing_key(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    arn = sagemaker_client.describe_model(ModelName="model")["ModelArn"]

    sagemaker_client.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "a"}, {"Key": "team", "Value": "ml"}])
    sagemaker_client.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "b"}])

    assert sagemaker_client.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "owner", "Value": "b"},
                                                                   {"Key": "team", "Value": "ml"}]


def test_zero_weight_is_returned(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    variants = [
        {"VariantName": "blue", "ModelName": "model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
         "InitialVariantWeight": 1.0},
        {"VariantName": "green", "ModelName": "model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
         "InitialVariantWeight": 0.0},
    ]
    _config(sagemaker_client, "cfg-1", variants=variants)
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    green = sagemaker_client.describe_endpoint(EndpointName="ep")["ProductionVariants"][1]

    assert green["VariantName"] == "green"
    assert green["CurrentWeight"] == 0.0
    assert green["DesiredWeight"] == 0.0


def test_data_capture_config_shape(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    _config(
        sagemaker_client,
        "cfg-capture",
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 20,
            "DestinationS3Uri": "s3://bucket/capture",
            "KmsKeyId": "alias/capture",
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        },
    )
    _config(sagemaker_client, "cfg-plain")
    sagemaker_client.create_endpoint(EndpointName="captured", EndpointConfigName="cfg-capture")
    sagemaker_client.create_endpoint(EndpointName="plain", EndpointConfigName="cfg-plain")

    captured = sagemaker_client.describe_endpoint(EndpointName="captured")
    plain = sagemaker_client.describe_endpoint(EndpointName="plain")

    assert captured["DataCaptureConfig"] == {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 20,
        "DestinationS3Uri": "s3://bucket/capture",
        "KmsKeyId": "alias/capture",
    }
    assert "DataCaptureConfig" not in plain
    assert "DataCaptureConfig" not in sagemaker_client.describe_endpoint_config(EndpointConfigName="cfg-plain")


def test_describe_endpoint_config_keeps_what_was_sent(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    vpc = {"SecurityGroupIds": ["sg-0123"], "Subnets": ["subnet-0123"]}
    _config(sagemaker_client, "cfg-1", ExecutionRoleArn=ROLE, VpcConfig=vpc, KmsKeyId="alias/k")

    described = sagemaker_client.describe_endpoint_config(EndpointConfigName="cfg-1")

    assert described["ExecutionRoleArn"] == ROLE
    assert described["VpcConfig"] == vpc
    assert described["KmsKeyId"] == "alias/k"
    assert described["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"


def test_describe_model_keeps_network_isolation(sagemaker_client: Any) -> None:
    sagemaker_client.create_model(
        ModelName="isolated", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"}, EnableNetworkIsolation=True
    )

    assert sagemaker_client.describe_model(ModelName="isolated")["EnableNetworkIsolation"] is True


@pytest.mark.parametrize("instance_type", ["ml.g5.xlarge", "ml.m6i.large", "ml.inf2.xlarge"])
def test_modern_instance_types_accepted(sagemaker_client: Any, instance_type: str) -> None:
    _model(sagemaker_client)

    _config(sagemaker_client, "cfg-modern", instance_type=instance_type)

    config = sagemaker_client.describe_endpoint_config(EndpointConfigName="cfg-modern")
    assert config["ProductionVariants"][0]["InstanceType"] == instance_type


def test_bogus_instance_type_refused(sagemaker_client: Any) -> None:
    _model(sagemaker_client)

    with pytest.raises(ClientError) as exc:
        _config(sagemaker_client, "cfg-bogus", instance_type="ml.bogus.xlarge")

    code, message = _error(exc)
    assert code == "ValidationException"
    assert "Value 'ml.bogus.xlarge' at 'productionVariants.1.member.instanceType'" in message


def test_update_endpoint_weights_and_capacities_keeps_other_fields(sagemaker_client: Any) -> None:
    _in_service_endpoint(sagemaker_client)

    sagemaker_client.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredInstanceCount": 3}]
    )
    updating = sagemaker_client.describe_endpoint(EndpointName="ep")
    done = sagemaker_client.describe_endpoint(EndpointName="ep")

    assert updating["EndpointStatus"] == "Updating"
    assert updating["ProductionVariants"][0]["DesiredInstanceCount"] == 3
    assert updating["ProductionVariants"][0]["CurrentInstanceCount"] == 1
    variant = done["ProductionVariants"][0]
    assert done["EndpointStatus"] == "InService"
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (3, 3)
    assert (variant["CurrentWeight"], variant["DesiredWeight"]) == (1.0, 1.0)


def test_update_endpoint_weights_and_capacities_refused_unless_in_service(sagemaker_client: Any) -> None:
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    with pytest.raises(ClientError) as exc:
        sagemaker_client.update_endpoint_weights_and_capacities(
            EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredWeight": 0.5}]
        )

    assert _error(exc)[1].startswith("Cannot update in-progress endpoint")


# --- Application Auto Scaling ---------------------------------------------------------------------


def test_autoscaling_for_a_variant(sagemaker_client: Any, autoscaling: Any) -> None:
    _in_service_endpoint(sagemaker_client)
    resource = "endpoint/ep/variant/primary"
    policy = {
        "TargetValue": 70.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
    }

    with pytest.raises(ClientError) as no_target:
        autoscaling.put_scaling_policy(
            PolicyName="p", ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration=policy,
        )
    with pytest.raises(ClientError) as no_variant:
        autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker", ResourceId="endpoint/ep/variant/nope", ScalableDimension=DIMENSION,
            MinCapacity=1, MaxCapacity=4,
        )
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension=DIMENSION, MinCapacity=1, MaxCapacity=4
    )
    autoscaling.put_scaling_policy(
        PolicyName="p", ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration=policy,
    )
    targets = autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource])
    policies = autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource)
    autoscaling.deregister_scalable_target(ServiceNamespace="sagemaker", ResourceId=resource,
                                           ScalableDimension=DIMENSION)

    assert _error(no_target)[0] == "ObjectNotFoundException"
    assert _error(no_variant)[0] == "ValidationException"
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets["ScalableTargets"]] == [(1, 4)]
    assert [p["PolicyName"] for p in policies["ScalingPolicies"]] == ["p"]
    assert autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []


def test_update_refused_when_it_changes_an_autoscaled_instance_type(sagemaker_client: Any, autoscaling: Any) -> None:
    _in_service_endpoint(sagemaker_client)
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId="endpoint/ep/variant/primary", ScalableDimension=DIMENSION,
        MinCapacity=1, MaxCapacity=2,
    )
    _config(sagemaker_client, "cfg-bigger", instance_type="ml.g5.xlarge")
    _config(sagemaker_client, "cfg-same-type", count=2)

    with pytest.raises(ClientError) as exc:
        sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-bigger")
    sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-same-type")

    assert _error(exc)[0] == "ValidationException"
    assert "Auto Scaling" in _error(exc)[1]


def test_the_running_config_may_be_deleted_and_the_endpoint_still_updates(sagemaker_client: Any,
                                                                           autoscaling: Any) -> None:
    """SageMaker lets an endpoint config be deleted while an endpoint runs it; the endpoint keeps
    what it runs: an update onto a new config works, and a scaled variant's instance type is still
    known (a change of it is still refused)."""
    _in_service_endpoint(sagemaker_client)
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId="endpoint/ep/variant/primary", ScalableDimension=DIMENSION,
        MinCapacity=1, MaxCapacity=2,
    )
    sagemaker_client.delete_endpoint_config(EndpointConfigName="cfg-1")
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "cfg-1"
    _config(sagemaker_client, "cfg-bigger", instance_type="ml.g5.xlarge")
    with pytest.raises(ClientError) as exc:
        sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-bigger")
    assert "Auto Scaling" in _error(exc)[1]
    _config(sagemaker_client, "cfg-same-type", count=2)
    sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-same-type")
    assert sagemaker_client.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Updating"


def test_delete_endpoint_deregisters_its_scalable_targets(sagemaker_client: Any, autoscaling: Any) -> None:
    _in_service_endpoint(sagemaker_client)
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId="endpoint/ep/variant/primary", ScalableDimension=DIMENSION,
        MinCapacity=1, MaxCapacity=2,
    )

    sagemaker_client.delete_endpoint(EndpointName="ep")

    assert autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []


# --- data plane -----------------------------------------------------------------------------------


def test_invoke_default_prediction(sagemaker_client: Any, runtime: Any) -> None:
    _in_service_endpoint(sagemaker_client)

    response = runtime.invoke_endpoint(
        EndpointName="ep", ContentType="application/json", Body=json.dumps({"instances": [[1, 2], [3, 4]]})
    )
    document = json.loads(response["Body"].read())

    assert response["InvokedProductionVariant"] == "primary"
    assert response["ContentType"] == "application/json"
    assert document["endpoint"] == "ep"
    assert document["variant"] == "primary"
    assert [p["input"] for p in document["predictions"]] == [[1, 2], [3, 4]]
    assert all(0.0 <= p["score"] < 1.0 for p in document["predictions"])


def test_invoke_picks_variants_by_weight(sagemaker_client: Any, runtime: Any) -> None:
    _model(sagemaker_client)
    variants = [
        {"VariantName": "blue", "ModelName": "model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
         "InitialVariantWeight": 0.0},
        {"VariantName": "green", "ModelName": "model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1,
         "InitialVariantWeight": 1.0},
    ]
    _config(sagemaker_client, "cfg-1", variants=variants)
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")
    sagemaker_client.describe_endpoint(EndpointName="ep")

    picked = {runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")["InvokedProductionVariant"] for _ in range(5)}
    targeted = runtime.invoke_endpoint(EndpointName="ep", Body=b"{}", TargetVariant="blue")

    assert picked == {"green"}
    assert targeted["InvokedProductionVariant"] == "blue"


def test_invoke_custom_response(sagemaker_client: Any, runtime: Any, emulator: SageMakerEmulator) -> None:
    _in_service_endpoint(sagemaker_client)
    emulator.control.set_prediction("ep", body="label,score\ncat,0.9", content_type="text/csv")

    response = runtime.invoke_endpoint(EndpointName="ep", Body=b"x")

    assert response["ContentType"] == "text/csv"
    assert response["Body"].read() == b"label,score\ncat,0.9"


def test_invoke_model_error(sagemaker_client: Any, runtime: Any, emulator: SageMakerEmulator) -> None:
    _in_service_endpoint(sagemaker_client)
    emulator.control.set_prediction("ep", status=500, body={"error": "CUDA out of memory"})

    with pytest.raises(runtime.exceptions.ModelError) as exc:
        runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")

    response = exc.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert response["OriginalStatusCode"] == 500
    assert json.loads(response["OriginalMessage"]) == {"error": "CUDA out of memory"}
    assert response["LogStreamArn"].endswith(":log-group:/aws/sagemaker/Endpoints/ep")


def test_invoke_refused_when_missing_or_not_in_service(sagemaker_client: Any, runtime: Any) -> None:
    _model(sagemaker_client)
    _config(sagemaker_client, "cfg-1")
    sagemaker_client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")

    with pytest.raises(ClientError) as creating:
        runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")
    with pytest.raises(ClientError) as missing:
        runtime.invoke_endpoint(EndpointName="nope", Body=b"{}")

    assert _error(creating)[0] == "ValidationError"
    assert "Creating" in _error(creating)[1]
    assert _error(missing) == ("ValidationError", f"Endpoint nope of account {ACCOUNT} not found.")


def test_invoke_served_by_the_old_config_while_updating(sagemaker_client: Any, runtime: Any) -> None:
    _in_service_endpoint(sagemaker_client)
    _config(sagemaker_client, "cfg-2", variants=[
        {"VariantName": "canary", "ModelName": "model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    ])
    sagemaker_client.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2")

    during = runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")["InvokedProductionVariant"]
    sagemaker_client.describe_endpoint(EndpointName="ep")
    after = runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")["InvokedProductionVariant"]

    assert (during, after) == ("primary", "canary")


def test_invoke_accepts_binary_payloads(sagemaker_client: Any, runtime: Any) -> None:
    _in_service_endpoint(sagemaker_client)

    response = runtime.invoke_endpoint(EndpointName="ep", ContentType="application/x-image", Body=bytes(range(256)))

    assert json.loads(response["Body"].read())["endpoint"] == "ep"


# --- faults ---------------------------------------------------------------------------------------


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's standard retry sleeps up to 1 s per throttled attempt; make it instant."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


def test_throttling_is_retried_by_botocore_then_succeeds(emulator: SageMakerEmulator, no_backoff: None) -> None:
    client = _client(emulator, "sagemaker", retries={"mode": "standard", "total_max_attempts": 3})
    emulator.control.inject_fault(operation="ListEndpoints", code="ThrottlingException", status=400, count=2)

    response = client.list_endpoints()

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert emulator.control.faults() == []


def test_throttling_beyond_attempts_surfaces(emulator: SageMakerEmulator, no_backoff: None) -> None:
    client = _client(emulator, "sagemaker", retries={"mode": "standard", "total_max_attempts": 2})
    emulator.control.inject_fault(operation="SageMaker.ListEndpoints", count=5)

    with pytest.raises(ClientError) as exc:
        client.list_endpoints()

    assert _error(exc) == ("ThrottlingException", "Rate exceeded")
    assert exc.value.response["ResponseMetadata"]["RetryAttempts"] == 1


def test_internal_failure_500(sagemaker_client: Any, emulator: SageMakerEmulator) -> None:
    emulator.control.inject_fault(operation="DescribeEndpoint", code="InternalFailure", status=500, count=1)

    with pytest.raises(ClientError) as exc:
        sagemaker_client.describe_endpoint(EndpointName="anything")

    assert exc.value.response["Error"]["Code"] == "InternalFailure"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert sagemaker_client.list_endpoints()["Endpoints"] == []  # other operations unaffected, fault consumed


def test_runtime_fault_and_latency(sagemaker_client: Any, runtime: Any, emulator: SageMakerEmulator) -> None:
    _in_service_endpoint(sagemaker_client)
    emulator.control.inject_fault(service="sagemaker-runtime", operation="InvokeEndpoint", code="ServiceUnavailable",
                                  status=503)
    emulator.control.inject_fault(service="sagemaker-runtime", status=0, delay=0.1)

    with pytest.raises(ClientError) as exc:
        runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")
    started = time.monotonic()
    runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")
    elapsed = time.monotonic() - started

    assert _error(exc)[0] == "ServiceUnavailable"
    assert elapsed >= 0.1


def test_dropped_connection(sagemaker_client: Any, emulator: SageMakerEmulator) -> None:
    emulator.control.inject_fault(drop=True)

    with pytest.raises(Exception) as exc:
        sagemaker_client.list_endpoints()

    assert "closed" in str(exc.value).lower() or "connection" in type(exc.value).__name__.lower()


def test_control_api_refuses_bad_input(emulator: SageMakerEmulator) -> None:
    with pytest.raises(ControlAPIError) as progression:
        emulator.control.set_progression("manual", times=0)
    with pytest.raises(ControlAPIError) as failure:
        emulator.control.fail_endpoint("ep", on="delete", reason="x")
    with pytest.raises(ControlAPIError) as fault:
        emulator.control.inject_fault(service="s3")

    assert progression.value.status == 400
    assert "times" in progression.value.message
    assert failure.value.status == 400
    assert fault.value.status == 400


# --- server ---------------------------------------------------------------------------------------


def test_binds_loopback_only(emulator: SageMakerEmulator) -> None:
    assert emulator.url.startswith("http://127.0.0.1:")
    with pytest.raises(ValueError):
        SageMakerEmulator(host="0.0.0.0")


def test_constructor_progression_is_validated() -> None:
    with pytest.raises(ValueError):
        SageMakerEmulator(progression={"progression": "time", "seconds": -1})


def test_stop_frees_the_port() -> None:
    first = SageMakerEmulator()
    first.start()
    port = int(first.url.rsplit(":", 1)[1])
    first.stop()

    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    with SageMakerEmulator(port=port) as second:
        assert second.url == f"http://127.0.0.1:{port}"


def test_plain_moto_is_left_alone_outside_the_emulator() -> None:
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("sagemaker", region_name=REGION)
        client.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
        client.create_endpoint_config(
            EndpointConfigName="c",
            ProductionVariants=[
                {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
            ],
        )
        client.create_endpoint(EndpointName="e", EndpointConfigName="c")

        assert client.describe_endpoint(EndpointName="e")["EndpointStatus"] == "InService"
