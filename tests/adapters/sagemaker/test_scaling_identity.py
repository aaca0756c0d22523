"""SageMaker scaling reads are keyed by full identity (endpoint, variant and policy name),
never by variant name alone; the emulator filters DescribeScalingPolicies as AWS does."""

from __future__ import annotations

from typing import Any

import boto3

from core.checks.judge import judge
from core.checks.read import observe
from core.ownership import Ownership, new_owner
from core.spec import EndpointSpec, revision
from core.spec_io import parse_spec
from tests.contract.env_sagemaker import SageMakerEnv
from tests.support.stepping import rollout

ROLE = "arn:aws:iam::123456789012:role/Exec"


def _spec(name: str, target: int) -> EndpointSpec:
    return parse_spec({
        "name": name, "target": {"platform": "sagemaker", "region": "us-east-1", "execution_role_arn": ROLE},
        "variants": [{"name": "stable", "image": "r/m:1", "instance_type": "ml.m5.large", "min_replicas": 1,
                      "max_replicas": 4, "autoscaling": {"metric": "cpu_utilization", "target": target}}],
    })


def test_two_deployments_with_a_stable_variant_read_their_own_scaling_target(sagemaker_emulator: Any) -> None:
    sagemaker_emulator.control.set_progression("immediate")
    env = SageMakerEnv(sagemaker_emulator)
    adapter = env.adapter()
    first, second = _spec("scale-first", 50), _spec("scale-second", 80)
    owners = {first.name: Ownership(new_owner()), second.name: Ownership(new_owner())}
    for spec in (first, second):
        rollout(adapter, spec, owner=owners[spec.name])
    for spec in (first, second):
        live = observe(adapter, spec.name, full=True, owner=owners[spec.name].uid)
        (variant,) = live.config["variants"]
        assert variant["autoscaling"] == {"metric": "cpu_utilization", "target": spec.variants[0].autoscaling.target}
        assert judge(spec, live, adapter.capabilities).drift.changes == []
    policies = env.scaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert sorted(p["PolicyName"] for p in policies) == sorted(
        f"{s.name}-stable-target-tracking-{owners[s.name].uid}" for s in (first, second)), "the uid is in the name"


def test_a_policy_named_before_owner_stamps_is_renamed_on_the_next_write(sagemaker_emulator: Any) -> None:
    sagemaker_emulator.control.set_progression("immediate")
    env = SageMakerEnv(sagemaker_emulator)
    adapter, spec = env.adapter(), _spec("scale-legacy", 60)
    rollout(adapter, spec)  # written before owner stamps existed
    owner = Ownership(new_owner(), frozenset({revision(spec)}))
    live = observe(adapter, spec.name, full=True, owner=owner.uid)
    assert judge(spec, live, adapter.capabilities).drift.changes == [], "the legacy policy is read"
    rollout(adapter, spec, owner=owner)
    found = env.scaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    names = [p["PolicyName"] for p in found]
    assert names == [f"scale-legacy-stable-target-tracking-{owner.uid}"], "one policy, stamped"


def test_emulator_filters_scaling_policies_by_name_and_exact_resource_id(sagemaker_emulator: Any) -> None:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=sagemaker_emulator.url,
                             aws_access_key_id="t", aws_secret_access_key="t")
    scaling = boto3.client("application-autoscaling", region_name="us-east-1", endpoint_url=sagemaker_emulator.url,
                           aws_access_key_id="t", aws_secret_access_key="t")
    sagemaker.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "r/m:1"})
    for endpoint in ("ep", "ep2"):  # "endpoint/ep/variant/v" is a substring of neither, but moto matched loosely
        sagemaker.create_endpoint_config(EndpointConfigName=endpoint, ProductionVariants=[
            {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
        sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=endpoint)
        for _ in range(5):
            if sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService":
                break
        resource = f"endpoint/{endpoint}/variant/v"
        dimension = "sagemaker:variant:DesiredInstanceCount"
        scaling.register_scalable_target(ServiceNamespace="sagemaker", ResourceId=resource,
                                         ScalableDimension=dimension, MinCapacity=1, MaxCapacity=2)
        scaling.put_scaling_policy(
            PolicyName=f"{endpoint}-policy", ServiceNamespace="sagemaker", ResourceId=resource,
            ScalableDimension=dimension, PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 50.0, "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}})

    def names(**filters: Any) -> list[str]:
        found = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", **filters)["ScalingPolicies"]
        return sorted(p["PolicyName"] for p in found)

    assert names() == ["ep-policy", "ep2-policy"]
    assert names(PolicyNames=["ep2-policy"]) == ["ep2-policy"]
    assert names(PolicyNames=["nope"]) == []
    assert names(ResourceId="endpoint/ep/variant/v") == ["ep-policy"]
    assert names(ResourceId="endpoint/ep2/variant/v", PolicyNames=["ep-policy"]) == []
    targets = scaling.describe_scalable_targets(ServiceNamespace="sagemaker",
                                                ResourceIds=["endpoint/ep/variant/v"])["ScalableTargets"]
    assert [t["ResourceId"] for t in targets] == ["endpoint/ep/variant/v"]
    page = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", MaxResults=1)
    assert len(page["ScalingPolicies"]) == 1 and page["NextToken"]
    rest = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", MaxResults=1, NextToken=page["NextToken"])
    assert {page["ScalingPolicies"][0]["PolicyName"], rest["ScalingPolicies"][0]["PolicyName"]} == {
        "ep-policy", "ep2-policy"}


def test_policy_names_of_ours_by_exact_name_preferring_the_owner_stamped_one() -> None:
    """Whatever a provider answers (stock moto ignores PolicyNames), the adapter keeps only the
    policies named for this endpoint and variant: the owner's, then the one named before owner
    stamps existed; never another endpoint's, never another owner's when the owner is known."""
    from adapters.sagemaker.ownership import policy_names

    base = "a-stable-target-tracking"
    found = [base, "ab-stable-target-tracking", f"{base}-{'f' * 32}", f"{base}-{'e' * 32}", "a-stable-x"]
    assert policy_names("a", "stable", found, "f" * 32) == [f"{base}-{'f' * 32}", base]
    assert policy_names("a", "stable", found, "0" * 32) == [base]
    assert policy_names("a", "stable", found, None) == [f"{base}-{'e' * 32}", f"{base}-{'f' * 32}", base]


def test_on_stock_moto_each_deployment_reads_its_own_scaling_target(aws_env: str) -> None:
    """Stock moto (no project patches: DescribeScalingPolicies ignores PolicyNames and answers every
    policy of the namespace) through ``AWS_ENDPOINT_URL``: the adapter still reads, for each
    endpoint, the policy on its own resource id with its own name."""
    import warnings

    from adapters.sagemaker.adapter import SageMakerAdapter

    first, second = _spec("moto-first", 40), _spec("moto-second", 90)
    adapter = SageMakerAdapter(first.target)
    owners = {first.name: Ownership(new_owner()), second.name: Ownership(new_owner())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in (first, second):
            rollout(adapter, spec, owner=owners[spec.name])
    scaling = boto3.client("application-autoscaling", region_name="us-east-1")
    assert len(scaling.describe_scaling_policies(ServiceNamespace="sagemaker",
                                                 PolicyNames=["nothing-by-that-name"])["ScalingPolicies"]) == 2, (
        "stock moto ignores PolicyNames (what the adapter must not rely on)")
    for spec in (first, second):
        live = observe(adapter, spec.name, full=True, owner=owners[spec.name].uid)
        assert live.config["variants"][0]["autoscaling"]["target"] == spec.variants[0].autoscaling.target
        assert judge(spec, live, adapter.capabilities).drift.changes == []
