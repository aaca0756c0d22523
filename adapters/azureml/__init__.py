"""Azure ML managed online endpoints (azure-ai-ml).

This module is capability data only (:data:`CAPABILITIES`): no SDK import here, so
``deploy-anywhere --help`` imports no azure package. The package, one role per file
(adapters/TEMPLATE.md):

- ``adapter.py``      :class:`AzureMLAdapter`: MLClient calls only (describe, the stepped writes, invoke)
- ``translate.py``    spec -> requests: ``to_request``, ``request_calls``, ``check_values`` (from
  ``values.py``), names, the request bodies (golden files)
- ``reverse.py``      described -> :class:`core.live.LiveEndpoint`: ``to_live``, ``STATUS_MAP``, and
  the write-side twins of ``to_live`` (``deployment_needs_update``, ``same_tags``, ``traffic_of``)
- ``client.py``       MLClient / MonitorManagementClient construction, sandbox wiring, and every use
  of azure-ai-ml's private API (incl. the basic-check ``WireReader``)
- ``errors.py``       the one mapping of azure-core / azure-ai-ml exceptions to :mod:`core.errors`
- ``secrets.py``      Key Vault references Azure ML resolves itself (``native_secret``)
- ``catalog.py``      the VM SKUs managed online deployments run on
- ``ownership.py``    which resources are this deployment's, and every tag name the service writes
- ``values.py``       (platform-only) Azure ML's rules on spec values (``check_values``)
- ``operations.py``   (platform-only) long-running ARM operations without the SDK's pollers
- ``wire.py``         (platform-only) pure read-only views of the basic check's wire JSON
- ``autoscale.py``    (platform-only) autoscaling <-> an Azure Monitor autoscale setting (pure)
- ``monitor.py``      (platform-only) the autoscale settings' calls (azure-mgmt-monitor)
- ``sdk_patches.py``  (platform-only) the one patch applied to azure-ai-ml

Stamps as Azure ML spells them (tags; live resources carry them, so they are never renamed):
``deploy-anywhere-owner`` and ``deploy-anywhere-deployment`` on the endpoint, every deployment and
autoscale setting; ``deploy-anywhere-revision`` and ``deploy-anywhere-variants`` on the endpoint;
``deploy-anywhere-variant`` and ``deploy-anywhere-created-by`` (the creating revision) on
deployments; ``deploy-anywhere-variant`` on autoscale settings.
"""

from core.adapter import Capabilities, Feature, FieldRule, Owner

__all__ = ["CAPABILITIES"]

_WORKSPACE = "a managed online endpoint lives in one workspace (and its region): a new target is a new endpoint"

CAPABILITIES = Capabilities(
    platform="azureml",
    sdk="azure.ai.ml",
    extra="azureml",
    unsupported={
        Feature.SCALE_TO_ZERO: "managed online deployments run at least one instance",
        Feature.INVOCATIONS_SCALING: "a managed online deployment publishes no per-instance request "
                                     "metric for Azure Monitor autoscale (its metrics are CPU/memory/"
                                     "disk/GPU utilisation; RequestsPerMinute is endpoint-wide, across "
                                     "deployments): use metric cpu_utilization",
        Feature.ACCELERATOR: "Azure ML sizes GPUs with the instance type: pick a GPU SKU such as "
                             "Standard_NC6s_v3 instead",
    },
    replacement={
        "target.subscription_id": _WORKSPACE,
        "target.resource_group": _WORKSPACE,
        "target.workspace": _WORKSPACE,
    },
    ownership=(
        FieldRule("OnlineDeployment.sku.capacity (autoscaled)", Owner.AUTOSCALER, "sku.capacity",
                  "an Azure Monitor autoscale setting owns the instance count of an autoscaled variant; its "
                  "capacity minimum/maximum and CPU threshold are compared (full check)"),
        FieldRule("OnlineEndpoint.properties.provisioningState", Owner.RUNTIME,
                  "provisioningState (endpoint and deployments)", "mapped to health, never drift"),
        FieldRule("OnlineEndpoint.properties.scoringUri", Owner.RUNTIME, "scoringUri / swaggerUri / systemData"),
        FieldRule("OnlineEndpoint.properties.mirrorTraffic", Owner.PROVIDER_DEFAULT, "mirrorTraffic",
                  "left empty by the service; not part of the spec"),
        FieldRule("variants[*].max_concurrency", Owner.PROVIDER_DEFAULT,
                  "requestSettings.maxConcurrentRequestsPerInstance",
                  "Azure defaults it to 1; the spec's value (or 1) is always sent", in_spec=True),
        FieldRule("OnlineDeployment.properties.requestSettings.maxQueueWait", Owner.PROVIDER_DEFAULT,
                  "maxQueueWait", "always sent; azure-ai-ml reads it back in whole seconds, so it is "
                  "compared at that precision"),
        FieldRule("OnlineDeployment.properties.livenessProbe", Owner.PROVIDER_DEFAULT,
                  "livenessProbe / readinessProbe", "always sent with explicit periods and thresholds"),
    ),
    provider_fields={
        "variants[*].image": "OnlineDeployment.properties.environmentId (Environment image)",
        "variants[*].port": "Environment.inferenceConfig.*Route.port",
        "variants[*].predict_route": "Environment.inferenceConfig.scoringRoute.path",
        "variants[*].health_route": "Environment.inferenceConfig.livenessRoute/readinessRoute.path",
        "variants[*].model_uri": "OnlineDeployment.properties.model",
        "variants[*].env*": "OnlineDeployment.properties.environmentVariables",
        "variants[*].instance_type": "OnlineDeployment.properties.instanceType",
        "variants[*].min_replicas": "OnlineDeployment.sku.capacity (fixed scale); autoscaled: "
                                    "AutoscaleSetting.properties.profiles[0].capacity.minimum/default",
        "variants[*].max_replicas": "OnlineDeployment.sku.capacity (fixed scale); autoscaled: "
                                    "AutoscaleSetting.properties.profiles[0].capacity.maximum",
        "variants[*].autoscaling*": "AutoscaleSetting (Microsoft.Insights/autoscalesettings "
                                    "{endpoint}-{deployment}-autoscale): rules[GreaterThan].metricTrigger."
                                    "threshold on CpuUtilizationPercentage",
        "variants[*].max_concurrency": "OnlineDeployment.properties.requestSettings.maxConcurrentRequestsPerInstance",
        "variants[*].weight": "OnlineEndpoint.properties.traffic",
        "variants[*]": "OnlineDeployment",
        "request_timeout_seconds": "OnlineDeployment.properties.requestSettings.requestTimeout",
        "logging.enabled": "OnlineDeployment.properties.dataCollector / appInsightsEnabled",
        "logging.sample_percent": "OnlineDeployment.properties.dataCollector.collections.*.samplingRate",
        "logging.destination": "OnlineDeployment.properties.dataCollector.collections.*.dataId (data asset path)",
        "auth_mode": "OnlineEndpoint.properties.authMode",
        "tags*": "OnlineEndpoint.tags",
    },
    basic_fields=frozenset({"target", "variants", "logging", "auth_mode", "request_timeout_seconds", "tags"}),
    basic_reads=2,  # the endpoint GET and the deployments list
    notes=(
        "A basic check is two reads (endpoint GET + deployments list); environments and data assets "
        "are immutable versions, read once and cached.",
        "One ManagedOnlineDeployment per variant, named {variant}-{hash8} where the hash covers the "
        "create-only fields (instance type): an instance type change creates a new deployment, shifts "
        "traffic and deletes the old one; image, model, env, count and settings update in place.",
        "Only registered assets are referenced (azureml:name:version or azureml://registries/...); "
        "a container image becomes an anonymous environment (a registration, no upload).",
        "auth_mode: iam = aad_token, key = key, token = aml_token.",
        "Autoscaling (max_replicas > min_replicas) is an Azure Monitor autoscale setting per variant "
        "({endpoint}-{deployment}-autoscale, azure-mgmt-monitor) attached once the revision serves: "
        "capacity min/default = min_replicas, max = max_replicas; +1 instance when average CPU over "
        "5 minutes exceeds autoscaling.target (cooldown 5 min), -1 when it falls below half the "
        "target (cooldown 10 min). The deployment starts at min_replicas; then the autoscaler owns "
        "its instance count (not drift). A basic check does not read the settings.",
        "Autoscale settings are separate Azure resources (kept when their deployment is deleted): "
        "delete removes them explicitly; the identity needs microsoft.insights/autoscalesettings/write.",
        "Secret env values: azure_key_vault references are sent as ${{keyvault:<secret uri>}} and Azure ML "
        "injects the value itself (secret injection, preview) when the deployment is created or updated: the "
        "vault must use Azure RBAC and the endpoint's identity needs Key Vault Secrets User on it, else (or if "
        "the secret is missing) the deployment fails. A version-less reference is pinned to the current "
        "version at that time: a rotated secret reaches the container on the next deployment update.",
    ),
)
