"""The SageMaker environment of the shared adapter contract suite: the real boto3 adapter against
the SageMaker emulator (moto + lifecycle), every request validated against botocore's models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

from core.adapter import Adapter
from core.live import LiveEndpoint
from core.spec import EndpointSpec
from core.spec_io import parse_spec
from tests.contract.drift_support import Applied, DriftData, drift

__all__ = ["SageMakerEnv"]

SOMEONE_ELSES_ROLE = "arn:aws:iam::123456789012:role/SomeoneElse"
"""The execution role of the models an operator creates by hand (foreign endpoints and variants)."""

OWNER_KEY = "deploy-anywhere-owner"
"""The tag that carries a resource's owner stamp."""

ENDPOINT_OPERATIONS = frozenset({
    "CreateEndpoint", "UpdateEndpoint", "DeleteEndpoint", "AddTags", "DeleteTags", "UpdateEndpointWeightsAndCapacities",
    "RegisterScalableTarget", "DeregisterScalableTarget", "PutScalingPolicy", "DeleteScalingPolicy"})
"""The write operations that can change an endpoint itself (its traffic, tags, scaling or existence)."""


class SageMakerEnv(DriftData):
    """ContractEnv (tests/contract/envs.py) for SageMaker: the real boto3 adapter against the
    SageMaker emulator (moto + lifecycle)."""

    platform = "sagemaker"
    lifecycle_operations = frozenset({"CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint",
                                      "RegisterScalableTarget", "PutScalingPolicy", "DeleteEndpoint"})
    variants_in_immutable_config = True

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.sent: list[str] = []  # every operation the adapter sent, each validated against botocore
        self.client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=emulator.url,
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
        self.scaling = boto3.client("application-autoscaling", region_name="us-east-1",
                                    endpoint_url=emulator.url, aws_access_key_id="testing",
                                    aws_secret_access_key="testing")

    def adapter(self, *, checked: bool = True, target: Any = None) -> Adapter[Any, Any]:
        """The adapter for ``target`` (None: :meth:`spec`'s); ``checked``: every request it sends is
        validated against botocore first."""
        from adapters.sagemaker.adapter import SageMakerAdapter
        from tests.support.aws_schema import validate_every_request

        adapter = SageMakerAdapter(target or self.spec("xyz").target,
                                   emulators={"sagemaker": {"url": self.emulator.url}})
        for client in (adapter.sm, adapter.scaling, adapter.runtime):
            if checked:
                validate_every_request(client)
            client.meta.events.register("before-parameter-build.*.*", self._record)
        return adapter

    def _record(self, model: Any, **_: Any) -> None:
        self.sent.append(model.name)

    def spec(self, name: str, *, image: str = "r/m:1") -> EndpointSpec:
        return parse_spec({
            "name": name,
            "target": {"platform": "sagemaker", "region": "us-east-1",
                       "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
            "variants": [
                {"name": "a", "image": image, "model_uri": "s3://b/m.tar.gz", "instance_type": "ml.m5.large",
                 "min_replicas": 1, "max_replicas": 3, "weight": 80, "env": {"K": "v"}},
                {"name": "b", "image": "r/m:2", "instance_type": "ml.c5.large", "weight": 20},
            ],
            "logging": {"enabled": True, "sample_percent": 10, "destination": "s3://cap/x/"},
            "tags": {"team": "t"},
        })

    def checked_operations(self) -> set[str]:
        return set(self.sent)

    def check_round_trip(self, adapter: Adapter[Any, Any], spec: EndpointSpec, live: LiveEndpoint) -> None:
        """Nothing beyond the contract: botocore validation raises on the request itself."""

    def fail(self, name: str, *, on: str, reason: str) -> None:
        self.emulator.control.fail_endpoint(name, on=on, reason=reason)

    def throttle(self, count: int) -> None:
        self.emulator.control.inject_fault(operation="DescribeEndpoint", code="ThrottlingException",
                                           status=400, count=count)

    def writes(self) -> list[str]:
        """Every mutating operation the adapters sent so far."""
        return [op for op in self.sent if not op.startswith(("Describe", "List"))]

    def resources(self, name: str) -> set[str]:
        found = set()
        for ep in self.client.list_endpoints()["Endpoints"]:
            if ep["EndpointName"] == name:
                found.add(f"endpoint/{name}")
        for cfg in self.client.list_endpoint_configs()["EndpointConfigs"]:
            if cfg["EndpointConfigName"].startswith(name + "-"):
                found.add(f"endpoint-config/{cfg['EndpointConfigName']}")
        for model in self.client.list_models()["Models"]:
            if model["ModelName"].startswith(name + "-"):
                found.add(f"model/{model['ModelName']}")
        for target in self.scaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]:
            if target["ResourceId"].startswith(f"endpoint/{name}/"):
                found.add(f"scalable-target/{target['ResourceId']}")
        return found

    def reset(self) -> None:
        self.emulator.control.reset()

    # ------------------------------------------------------------ behind the service's back

    def _wait(self, name: str, *, gone: bool = False, attempts: int = 20) -> dict[str, Any] | None:
        """DescribeEndpoint until it is settled (not Creating/Updating/...) or, with ``gone``, until
        SageMaker no longer finds it; the last description (None once gone)."""
        for _ in range(attempts):
            try:
                endpoint: dict[str, Any] = self.client.describe_endpoint(EndpointName=name)
            except ClientError as exc:
                if gone and "Could not find" in str(exc):
                    return None
                raise
            if not gone and endpoint["EndpointStatus"] in ("InService", "Failed"):
                return endpoint
        raise AssertionError(f"endpoint {name} did not settle after {attempts} reads")

    def _config(self, name: str) -> dict[str, Any]:
        current = self.client.describe_endpoint(EndpointName=name)["EndpointConfigName"]
        return dict(self.client.describe_endpoint_config(EndpointConfigName=current))

    def _reconfigure(self, name: str, edit: Callable[[dict[str, Any]], None]) -> None:
        """Change the endpoint's config while keeping its name (the revision stamp). Endpoint
        configs are immutable, so the operator rolls the endpoint onto an edited copy, re-creates
        the original name with the edited content, rolls back onto it and drops the copy."""
        config = self._config(name)
        current = config["EndpointConfigName"]
        params = {k: v for k, v in config.items()
                  if k not in ("EndpointConfigName", "EndpointConfigArn", "CreationTime", "ResponseMetadata")}
        edit(params)
        tags = self.client.list_tags(ResourceArn=config["EndpointConfigArn"])["Tags"]
        copy_name = f"{name}-operator-edit"
        self.client.create_endpoint_config(EndpointConfigName=copy_name, **params)
        self.client.update_endpoint(EndpointName=name, EndpointConfigName=copy_name)
        self._wait(name)
        self.client.delete_endpoint_config(EndpointConfigName=current)
        self.client.create_endpoint_config(EndpointConfigName=current, Tags=tags, **params)
        self.client.update_endpoint(EndpointName=name, EndpointConfigName=current)
        self._wait(name)
        self.client.delete_endpoint_config(EndpointConfigName=copy_name)

    def _variant(self, params: dict[str, Any], variant: str) -> dict[str, Any]:
        return next(pv for pv in params["ProductionVariants"] if pv["VariantName"] == variant)

    def _recreate_model(self, name: str, variant: str, edit: Callable[[dict[str, Any]], None]) -> None:
        """Re-create the variant's Model under the same name with an edited container (Models are
        immutable), then roll the endpoint so it runs it."""
        model_name = self._variant(self._config(name), variant)["ModelName"]
        model = self.client.describe_model(ModelName=model_name)
        tags = self.client.list_tags(ResourceArn=model["ModelArn"])["Tags"]
        container = dict(model["PrimaryContainer"])
        edit(container)
        self.client.delete_model(ModelName=model_name)
        self.client.create_model(ModelName=model_name, ExecutionRoleArn=model["ExecutionRoleArn"],
                                 PrimaryContainer=container, Tags=tags)
        self._reconfigure(name, lambda params: None)

    def _runtime(self, name: str, variant: str, **change: Any) -> None:
        """UpdateEndpointWeightsAndCapacities of one variant, waited on."""
        self.client.update_endpoint_weights_and_capacities(
            EndpointName=name, DesiredWeightsAndCapacities=[{"VariantName": variant, **change}])
        self._wait(name)

    def _scaling_target(self, name: str, **capacity: int) -> None:
        """RegisterScalableTarget again for variant ``a`` (AWS updates the registered bounds)."""
        current = self.scaling.describe_scalable_targets(
            ServiceNamespace="sagemaker", ResourceIds=[f"endpoint/{name}/variant/a"])["ScalableTargets"][0]
        bounds = {"MinCapacity": current["MinCapacity"], "MaxCapacity": current["MaxCapacity"]} | capacity
        self.scaling.register_scalable_target(
            ServiceNamespace="sagemaker", ResourceId=current["ResourceId"],
            ScalableDimension=current["ScalableDimension"], **bounds)

    def _scaling_policy(self, name: str, edit: Callable[[dict[str, Any]], None]) -> None:
        """PutScalingPolicy again (same name) for variant ``a`` with an edited configuration."""
        policy = self.scaling.describe_scaling_policies(
            ServiceNamespace="sagemaker", ResourceId=f"endpoint/{name}/variant/a")["ScalingPolicies"][0]
        config = dict(policy["TargetTrackingScalingPolicyConfiguration"])
        edit(config)
        self.scaling.put_scaling_policy(
            PolicyName=policy["PolicyName"], ServiceNamespace="sagemaker", ResourceId=policy["ResourceId"],
            ScalableDimension=policy["ScalableDimension"], PolicyType=policy["PolicyType"],
            TargetTrackingScalingPolicyConfiguration=config)

    def _tag(self, name: str, key: str, value: str) -> None:
        arn = self.client.describe_endpoint(EndpointName=name)["EndpointArn"]
        self.client.add_tags(ResourceArn=arn, Tags=[{"Key": key, "Value": value}])

    @drift("variants[a].image")
    def _drift_image(self, name: str) -> Applied:
        self._recreate_model(name, "a", lambda c: c.update(Image="r/m:hotfix"))
        return {"variants[a].image": "r/m:hotfix"}

    @drift("variants[a].model_uri")
    def _drift_model(self, name: str) -> Applied:
        self._recreate_model(name, "a", lambda c: c.update(ModelDataUrl="s3://b/other.tar.gz"))
        return {"variants[a].model_uri": "s3://b/other.tar.gz"}

    @drift("variants[a].env.K")
    def _drift_env(self, name: str) -> Applied:
        self._recreate_model(name, "a", lambda c: c.update(Environment={"K": "changed"}))
        return {"variants[a].env.K": "changed"}

    @drift("variants[b].instance_type")
    def _drift_instance_type(self, name: str) -> Applied:
        self._reconfigure(name, lambda p: self._variant(p, "b").update(InstanceType="ml.c5.xlarge"))
        return {"variants[b].instance_type": "ml.c5.xlarge"}

    @drift("variants[b]")
    def _drift_variant_removed(self, name: str) -> Applied:
        def remove_b(params: dict[str, Any]) -> None:
            params["ProductionVariants"] = [pv for pv in params["ProductionVariants"] if pv["VariantName"] != "b"]

        self._reconfigure(name, remove_b)
        return {"variants[b]": None, "variants[a].weight": 100}

    @drift("variants[a].weight")
    def _drift_weight(self, name: str) -> Applied:
        self._runtime(name, "b", DesiredWeight=80.0)  # 80:80 -> 50 % each
        return {"variants[a].weight": 50, "variants[b].weight": 50}

    @drift("variants[a].min_replicas")
    def _drift_min_replicas(self, name: str) -> Applied:
        self._scaling_target(name, MinCapacity=2)
        return {"variants[a].min_replicas": 2}

    @drift("variants[a].max_replicas")
    def _drift_max_replicas(self, name: str) -> Applied:
        self._scaling_target(name, MaxCapacity=5)
        return {"variants[a].max_replicas": 5}

    @drift("variants[b].min_replicas")
    def _drift_fixed_count(self, name: str) -> Applied:
        self._runtime(name, "b", DesiredInstanceCount=2)
        return {"variants[b].min_replicas": 2, "variants[b].max_replicas": 2}

    @drift("variants[a].autoscaling.target")
    def _drift_scaling_target(self, name: str) -> Applied:
        self._scaling_policy(name, lambda c: c.update(TargetValue=40.0))
        return {"variants[a].autoscaling.target": 40}

    @drift("variants[a].autoscaling.metric")
    def _drift_scaling_metric(self, name: str) -> Applied:
        def to_invocations(config: dict[str, Any]) -> None:
            config.pop("CustomizedMetricSpecification", None)
            config["PredefinedMetricSpecification"] = {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}

        self._scaling_policy(name, to_invocations)
        return {"variants[a].autoscaling.metric": "invocations_per_replica"}

    @drift("logging.sample_percent")
    def _drift_logging(self, name: str) -> Applied:
        self._reconfigure(name, lambda p: p["DataCaptureConfig"].update(InitialSamplingPercentage=50))
        return {"logging.sample_percent": 50}

    @drift("tags.team")
    def _drift_tag(self, name: str) -> Applied:
        self._tag(name, "team", "someone-else")
        return {"tags.team": "someone-else"}

    @drift("tags.owner")
    def _drift_added_tag(self, name: str) -> Applied:
        self._tag(name, "owner", "ops")
        return {"tags.owner": "ops"}

    def scale_live(self, name: str, count: int) -> None:
        """Application Auto Scaling sets DesiredInstanceCount through UpdateEndpointWeightsAndCapacities."""
        self._runtime(name, "a", DesiredInstanceCount=count)

    def delete_behind(self, name: str) -> None:
        self.client.delete_endpoint(EndpointName=name)
        self._wait(name, gone=True)

    def fail_live(self, name: str) -> None:
        """SageMaker reports Failed only for an endpoint whose creation failed (a failed update rolls
        back to InService): the operator deletes and re-creates the endpoint on its config, and
        that creation fails (emulator failure)."""
        endpoint = self.client.describe_endpoint(EndpointName=name)
        tags = self.client.list_tags(ResourceArn=endpoint["EndpointArn"])["Tags"]
        self.fail(name, on="create", reason="CannotStartContainerError: the operator's re-create failed")
        self.delete_behind(name)
        self.client.create_endpoint(EndpointName=name, EndpointConfigName=endpoint["EndpointConfigName"],
                                    Tags=tags)
        assert self._wait(name)["EndpointStatus"] == "Failed"  # type: ignore[index]

    # ------------------------------------------------------------ an operator's own resources

    def _model_by_hand(self, name: str) -> str:
        """A Model of someone else's (no stamp of the service), named ``<name>-by-hand``."""
        model = f"{name}-by-hand"
        self.client.create_model(ModelName=model, ExecutionRoleArn=SOMEONE_ELSES_ROLE,
                                 PrimaryContainer={"Image": "r/someone-else:1"})
        return model

    def create_foreign_endpoint(self, name: str) -> None:
        """A Model, an endpoint config and the endpoint, all written by hand."""
        model = self._model_by_hand(name)
        self.client.create_endpoint_config(EndpointConfigName=model, ProductionVariants=[
            {"VariantName": "main", "ModelName": model, "InstanceType": "ml.m5.large",
             "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}])
        self.client.create_endpoint(EndpointName=name, EndpointConfigName=model, Tags=[{"Key": "team", "Value": "x"}])
        self._wait(name)

    def endpoint_exists(self, name: str) -> bool:
        return any(e["EndpointName"] == name for e in self.client.list_endpoints()["Endpoints"])

    def add_foreign_sub_resource(self, name: str) -> None:
        """The endpoint updated onto an endpoint config written by hand: variants ``a`` (reusing the
        variant's name) and ``x``, both on a model of someone else's."""
        model = self._model_by_hand(name)
        variant = {"ModelName": model, "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}
        self.client.create_endpoint_config(EndpointConfigName=model, ProductionVariants=[
            {"VariantName": "a", "InstanceType": "ml.m5.large", **variant},
            {"VariantName": "x", "InstanceType": "ml.c5.large", **variant}])
        self.client.update_endpoint(EndpointName=name, EndpointConfigName=model)
        self._wait(name)

    def unstamped(self, name: str, uid: str) -> list[str]:
        """Tags of the endpoint, its config and their models; scaling policies carry the owner
        stamp at the end of their name (they have no tags)."""
        c = self.client
        endpoint = c.describe_endpoint(EndpointName=name)
        arns = {f"endpoint {name}": endpoint["EndpointArn"]}
        config = c.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        arns[f"config {config['EndpointConfigName']}"] = config["EndpointConfigArn"]
        for pv in config["ProductionVariants"]:
            arns[f"model {pv['ModelName']}"] = c.describe_model(ModelName=pv["ModelName"])["ModelArn"]
        missing = [what for what, arn in arns.items()
                   if {t["Key"]: t["Value"] for t in c.list_tags(ResourceArn=arn)["Tags"]}.get(OWNER_KEY) != uid]
        for policy in self.scaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]:
            if policy["ResourceId"].startswith(f"endpoint/{name}/") and not policy["PolicyName"].endswith(uid):
                missing.append(f"scaling policy {policy['PolicyName']}")
        return missing

    def forget_emulator_writes(self) -> None:
        self.emulator.control.clear_calls()

    def emulator_writes(self) -> list[str]:
        """The emulator's per-operation call counts (SageMaker and Application Auto Scaling), sorted."""
        return sorted(m for m in self.emulator.control.calls() if not m.startswith(("Describe", "List")))

    def endpoint_writes(self, name: str) -> list[str]:
        return [w for w in self.emulator_writes() if w in ENDPOINT_OPERATIONS]
