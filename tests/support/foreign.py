"""What an operator makes by hand, with each cloud's real SDK, next to (or instead of) what the
service manages: foreign endpoints and foreign sub-resources, for the ownership tests.

Each function takes a platform's contract environment (tests/contract/envs.py: its operator
clients) and works through the public SDK calls a console or notebook user makes; nothing here
carries a stamp of the service. :func:`writes` tells which mutating requests reached an emulator.
"""

from __future__ import annotations

from typing import Any

__all__ = ["foreign_endpoint", "replace_endpoint", "endpoint_exists", "foreign_sub_resource", "unstamped",
           "writes", "forget_writes"]

SM_ROLE = "arn:aws:iam::123456789012:role/SomeoneElse"


# ------------------------------------------------------------------------------------ endpoints


def foreign_endpoint(env: Any, name: str) -> None:
    """An endpoint called ``name`` that the service did not create, serving (where a platform
    needs a model for that) a model of its own."""
    if env.platform == "sagemaker":
        c = env.client
        c.create_model(ModelName=f"{name}-by-hand", ExecutionRoleArn=SM_ROLE,
                       PrimaryContainer={"Image": "r/someone-else:1"})
        c.create_endpoint_config(EndpointConfigName=f"{name}-by-hand", ProductionVariants=[
            {"VariantName": "main", "ModelName": f"{name}-by-hand", "InstanceType": "ml.m5.large",
             "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}])
        c.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-by-hand", Tags=[{"Key": "team", "Value": "x"}])
        env._wait(name)
    elif env.platform == "vertex":
        from google.cloud import aiplatform_v1

        from tests.contract.env_vertex import PARENT, TIMEOUT

        endpoints = env._clients()[0]
        endpoints.create_endpoint(parent=PARENT, endpoint_id=name, timeout=TIMEOUT,
                                  endpoint=aiplatform_v1.Endpoint(display_name="someone else's",
                                                                  labels={"team": "x"})).result(timeout=TIMEOUT)
    else:
        from azure.ai.ml.entities import ManagedOnlineEndpoint

        ml = env._clients()[0]
        ml.online_endpoints.begin_create_or_update(
            ManagedOnlineEndpoint(name=name, auth_mode="key", tags={"team": "x"})).result()


def replace_endpoint(env: Any, name: str) -> None:
    """The service's endpoint deleted behind its back and a foreign one created under its name."""
    env.delete_behind(name)
    foreign_endpoint(env, name)


def endpoint_exists(env: Any, name: str) -> bool:
    """Whether an endpoint called ``name`` exists (read with the SDK)."""
    if env.platform == "sagemaker":
        return any(e["EndpointName"] == name for e in env.client.list_endpoints()["Endpoints"])
    if env.platform == "vertex":
        from tests.contract.env_vertex import PARENT, TIMEOUT

        return any(e.name.rsplit("/", 1)[-1] == name
                   for e in env._clients()[0].list_endpoints(parent=PARENT, timeout=TIMEOUT))
    return any(e.name == name for e in env._clients()[0].online_endpoints.list())


# ------------------------------------------------------------------------------ sub-resources


def foreign_sub_resource(env: Any, name: str) -> None:
    """A foreign sub-resource inside the service's endpoint ``name`` (deployed from
    ``env.spec(name)``: variants ``a`` 80 % and ``b`` 20 %), carrying traffic:

    - SageMaker: the endpoint updated onto an endpoint config written by hand (variants ``a``,
      reusing the variant's name, and ``x``, on a model of someone else's);
    - Vertex AI: a deployed model of someone else's Model, displayed as ``a``, taking 10 % from ``a``;
    - Azure ML: a deployment ``extra`` (a copy of ``b`` without the service's tags, 30 s request
      timeout, no data collector), taking 10 % from ``a``.
    """
    if env.platform == "sagemaker":
        c = env.client
        c.create_model(ModelName=f"{name}-by-hand", ExecutionRoleArn=SM_ROLE,
                       PrimaryContainer={"Image": "r/someone-else:1"})
        variant = {"ModelName": f"{name}-by-hand", "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}
        c.create_endpoint_config(EndpointConfigName=f"{name}-by-hand", ProductionVariants=[
            {"VariantName": "a", "InstanceType": "ml.m5.large", **variant},
            {"VariantName": "x", "InstanceType": "ml.c5.large", **variant}])
        c.update_endpoint(EndpointName=name, EndpointConfigName=f"{name}-by-hand")
        env._wait(name)
    elif env.platform == "vertex":
        _vertex_extra(env, name)
    else:
        _azure_extra(env, name)


def _vertex_extra(env: Any, name: str) -> None:
    from google.cloud import aiplatform_v1

    from tests.contract.env_vertex import PARENT, REGISTRY, TIMEOUT

    endpoints, models = env._clients()
    model = aiplatform_v1.Model(display_name="someone else's",
                                container_spec=aiplatform_v1.ModelContainerSpec(image_uri=REGISTRY + "r-else:1"))
    uploaded = models.upload_model(request={"parent": PARENT, "model": model, "model_id": f"{name}-by-hand"},
                                   timeout=TIMEOUT).result(timeout=TIMEOUT)
    endpoint = env._get(name)
    a = env._deployed(endpoint, "a")
    traffic = dict(endpoint.traffic_split)
    traffic[a.id] -= 10
    traffic["0"] = 10  # "0": the model being deployed
    resources = aiplatform_v1.DedicatedResources(machine_spec=aiplatform_v1.MachineSpec(machine_type="n1-standard-2"),
                                                 min_replica_count=1, max_replica_count=1)
    deployed = aiplatform_v1.DeployedModel(model=uploaded.model, display_name="a", dedicated_resources=resources)
    endpoints.deploy_model(endpoint=endpoint.name, deployed_model=deployed, traffic_split=traffic,
                           timeout=TIMEOUT).result(timeout=TIMEOUT)


def _azure_extra(env: Any, name: str) -> None:
    extra = env._deployment(name, "b")
    extra.name, extra.tags, extra.data_collector = "extra", {}, None
    extra.request_settings.request_timeout_ms = 30000
    env._resubmit(extra)
    a = env._deployment(name, "a").name
    env._edit_endpoint(name, lambda e: e.traffic.update({a: 70, "extra": 10}))


# ---------------------------------------------------------------------------------- stamps


def unstamped(env: Any, name: str, uid: str) -> list[str]:
    """The resources made for deployment ``name`` that do not carry the owner stamp ``uid``
    (empty: every one does). SageMaker scaling policies carry it in their name."""
    key = "deploy-anywhere-owner"
    missing = []
    if env.platform == "sagemaker":
        c = env.client
        endpoint = c.describe_endpoint(EndpointName=name)
        arns = {f"endpoint {name}": endpoint["EndpointArn"]}
        config = c.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        arns[f"config {config['EndpointConfigName']}"] = config["EndpointConfigArn"]
        for pv in config["ProductionVariants"]:
            arns[f"model {pv['ModelName']}"] = c.describe_model(ModelName=pv["ModelName"])["ModelArn"]
        for what, arn in arns.items():
            if {t["Key"]: t["Value"] for t in c.list_tags(ResourceArn=arn)["Tags"]}.get(key) != uid:
                missing.append(what)
        for policy in env.scaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]:
            if policy["ResourceId"].startswith(f"endpoint/{name}/") and not policy["PolicyName"].endswith(uid):
                missing.append(f"scaling policy {policy['PolicyName']}")
    elif env.platform == "vertex":
        from tests.contract.env_vertex import TIMEOUT

        endpoints, models = env._clients()
        endpoint = env._get(name)
        if endpoint.labels.get(key) != uid:
            missing.append(f"endpoint {name}")
        for dm in endpoint.deployed_models:
            if models.get_model(name=dm.model, timeout=TIMEOUT).labels.get(key) != uid:
                missing.append(f"model {dm.model}")
    else:
        ml, monitor = env._clients()
        if (ml.online_endpoints.get(name).tags or {}).get(key) != uid:
            missing.append(f"endpoint {name}")
        for d in ml.online_deployments.list(endpoint_name=name):
            if (d.tags or {}).get(key) != uid:
                missing.append(f"deployment {d.name}")
        from tests.contract.env_azureml import TARGET

        for setting in monitor.autoscale_settings.list_by_resource_group(TARGET["resource_group"]):
            ours = f"/onlineendpoints/{name}/" in setting.target_resource_uri.lower()
            if ours and (setting.tags or {}).get(key) != uid:
                missing.append(f"autoscale setting {setting.name}")
    return missing


# ---------------------------------------------------------------------------------- writes


def forget_writes(env: Any) -> None:
    """Start counting the requests that reach the emulator afresh."""
    if env.platform == "azureml":
        env.emulator.control.clear_requests()
    else:
        env.emulator.control.clear_calls()


def writes(env: Any) -> list[str]:
    """The mutating requests that reached the emulator since :func:`forget_writes`, from anyone."""
    if env.platform == "azureml":
        return [f"{r['method']} {r['path']}" for r in env.emulator.control.requests()
                if r["method"] != "GET" and not r["path"].endswith(("/listKeys", "/token"))]
    reads = ("Describe", "List") if env.platform == "sagemaker" else ("Get", "List")
    return sorted(m for m in env.emulator.control.calls() if not m.startswith(reads))
