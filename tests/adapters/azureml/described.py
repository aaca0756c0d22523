"""Build what MLClient would return after ``submit`` (for pure inverse-mapping tests): the wire
bodies of :func:`adapters.azureml.translate.wire_bodies`, as Azure echoes them (traffic zeros filled
in, creation metadata copied into ``properties``, read-only fields set), parsed by azure-ai-ml's own
``_from_rest_object``."""

from __future__ import annotations

import copy
from typing import Any

from adapters.azureml import reverse as rv
from adapters.azureml import translate as tr

__all__ = ["described_after_submit"]


def _ws(target: Any) -> str:
    return (f"/subscriptions/{target.subscription_id}/resourceGroups/{target.resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{target.workspace}")


def described_after_submit(request: tr.AzureMLRequest, *, state: str = "Succeeded",
                           deployment_state: str = "Succeeded",
                           traffic: dict[str, int] | None = None) -> rv.AzureMLDescribed:
    from azure.ai.ml._restclient.arm_ml_service import models
    from azure.ai.ml.entities import Environment, ManagedOnlineDeployment, ManagedOnlineEndpoint

    from emulators.azureml import monitor_schema, schema

    def echoed(model: str, body: dict[str, Any]) -> dict[str, Any]:
        """The body as Azure stores it: validated, enums in canonical casing."""
        cleaned, problems = schema.validate(model, copy.deepcopy(body))
        assert not problems, problems
        return cleaned

    calls = tr.wire_bodies(request)
    ws = _ws(request.target)
    name = request.endpoint_name
    endpoint_body = echoed("OnlineEndpoint", [c for c in calls if c["operation"] == "PUT onlineEndpoints"][-1]["body"])
    endpoint_body |= {"id": f"{ws}/onlineEndpoints/{name}", "name": name}
    props = endpoint_body["properties"]
    props["traffic"] = {d.name: d.weight for d in request.deployments} | (traffic or {})  # zeros filled in
    props["provisioningState"] = state
    props["scoringUri"] = f"https://{name}.westeurope.inference.ml.azure.com/score"
    props["swaggerUri"] = f"https://{name}.westeurope.inference.ml.azure.com/swagger.json"
    props["properties"] = {"azureml.onlineendpointid": endpoint_body["id"], "AzureAsyncOperationUri": "https://x"}
    endpoint = ManagedOnlineEndpoint._from_rest_object(models.OnlineEndpoint(endpoint_body))
    deployments, environments, data_paths, autoscale = [], {}, {}, {}
    for call in calls:
        if call["operation"] == "PUT onlineDeployments":
            body = echoed("OnlineDeployment", call["body"])
            body |= {"id": f"{ws}/onlineEndpoints/{name}/deployments/{call['name']}", "name": call["name"]}
            body["properties"]["provisioningState"] = deployment_state
            body["properties"]["properties"] = {"AzureAsyncOperationUri": "https://x"}
            deployments.append(ManagedOnlineDeployment._from_rest_object(models.OnlineDeployment(body)))
        elif call["operation"] == "PUT environments":
            env_name, version = call["name"].split(":")
            env_id = f"{ws}/environments/{env_name}/versions/{version}"
            body = copy.deepcopy(call["body"]) | {"id": env_id, "name": version}
            environments[env_id] = Environment._from_rest_object(models.EnvironmentVersion(body))
        elif call["operation"] == "PUT data":
            data_name, version = call["name"].split(":")
            data_paths[f"{ws}/data/{data_name}/versions/{version}"] = call["body"]["properties"]["dataUri"]
        elif call["operation"] == "PUT autoscaleSettings":
            body, problems = monitor_schema.validate("AutoscaleSettingResource", copy.deepcopy(call["body"]))
            assert not problems, problems
            body |= {"id": f"/subscriptions/x/resourceGroups/y/providers/microsoft.insights/autoscalesettings/"
                           f"{call['name']}", "name": call["name"], "type": "Microsoft.Insights/autoscaleSettings"}
            autoscale[body["properties"]["targetResourceUri"].rsplit("/", 1)[-1].lower()] = body
    return rv.AzureMLDescribed(endpoint=endpoint, deployments=deployments, target=request.target,
                               environments=environments, data_paths=data_paths, autoscale=autoscale)
