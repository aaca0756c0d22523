"""Google Vertex AI online prediction endpoints (GAPIC ``aiplatform_v1`` over REST).

This module is capability data only (:data:`CAPABILITIES`): no SDK import here, so
``deploy-anywhere --help`` imports no google package. The package, one role per file
(adapters/TEMPLATE.md):

- ``adapter.py``     :class:`VertexAdapter`: GAPIC calls only (describe, the stepped writes, invoke)
- ``translate.py``   spec -> requests: ``to_request``, ``request_calls``, ``check_values`` (from
  ``values.py``), deterministic ids, resource names and labels
- ``reverse.py``     reads -> :class:`core.live.LiveEndpoint`: ``to_live``, ``derive_status``,
  ``STATUS_MAP``, and the write-side twins of ``to_live`` (``endpoint_needs_update``,
  ``scaling_needs_update``)
- ``client.py``      the GAPIC clients, per-call timeout/retry policy, sandbox wiring
- ``errors.py``      the one mapping of google-api-core / google-auth exceptions to :mod:`core.errors`
- ``secrets.py``     Google Secret Manager reads (``resolve_secret``)
- ``catalog.py``     the machine types and the accelerators each accepts
- ``ownership.py``   which resources are this deployment's (stamps)
- ``values.py``      (platform-only) Vertex AI's rules on spec values (``check_values``)
- ``operations.py``  (platform-only) long-running operations, polled by name
- ``prediction.py``  (platform-only) the data plane: Predict or rawPredict

Stamps as Vertex AI spells them (labels: lowercase, ``-`` only; live resources carry them, so they
are never renamed): ``deploy-anywhere-deployment``, ``deploy-anywhere-revision`` and
``deploy-anywhere-owner`` on the endpoint and every Model, ``deploy-anywhere-variant`` on Models,
``deploy-anywhere-created`` on an endpoint that never served a revision, and
``deploy-anywhere-dm-{deployed model id}`` on the endpoint per deployed model of its revision.
"""

from core.adapter import Capabilities, Feature, FieldRule, Owner

__all__ = ["CAPABILITIES"]

CAPABILITIES = Capabilities(
    platform="vertex",
    sdk="google.cloud.aiplatform_v1",
    extra="vertex",
    unsupported={
        Feature.AUTH_KEY: "Vertex AI endpoints authenticate with Google IAM (OAuth access tokens) "
                          "only; there are no endpoint keys",
        Feature.AUTH_TOKEN: "Vertex AI endpoints authenticate with Google IAM (OAuth access tokens) "
                            "only; there are no endpoint-issued tokens",
        Feature.SCALE_TO_ZERO: "dedicated resources need min_replica_count >= 1 (Vertex AI "
                               "online endpoints do not scale to zero)",
        Feature.CONCURRENCY_LIMIT: "Vertex AI does not cap concurrent requests per replica",
    },
    replacement={
        "target.project": "a Vertex AI endpoint lives in one Google Cloud project",
        "target.location": "a Vertex AI endpoint lives in one region",
        "target.network": "private endpoints are peered with the VPC network at creation; the "
                          "network cannot be changed on an existing endpoint",
        "target.encryption_key": "CMEK is set when the endpoint (and its models) are created and "
                                 "cannot be changed afterwards",
    },
    ownership=(
        FieldRule("DeployedModel.dedicatedResources (current replicas)", Owner.AUTOSCALER, "replica count",
                  "Vertex AI scales each DeployedModel between minReplicaCount and maxReplicaCount; the "
                  "bounds and autoscalingMetricSpecs are compared, the current count is not"),
        FieldRule("Endpoint.deployedModels[].createTime", Owner.RUNTIME, "createTime / updateTime / etag"),
        FieldRule("Endpoint.deployedModels[].id", Owner.RUNTIME, "DeployedModel.id / Model.versionId",
                  "generated ids; variants are matched by displayName"),
        FieldRule("Endpoint.trafficSplit (status)", Owner.RUNTIME, "deployedModels / trafficSplit",
                  "health is derived from them (Vertex endpoints have no status field)"),
        FieldRule("variants[*].autoscaling.target", Owner.PROVIDER_DEFAULT,
                  "autoscalingMetricSpecs[].target", "Vertex AI defaults the CPU target to 60; the spec's "
                  "target is always sent", in_spec=True),
        FieldRule("Endpoint.dedicatedEndpointEnabled", Owner.PROVIDER_DEFAULT, "dedicatedEndpointEnabled",
                  "left to Vertex AI's default (false) and not part of the spec"),
    ),
    provider_fields={
        "variants[*].image": "Model.containerSpec.imageUri",
        "variants[*].model_uri": "Model.artifactUri",
        "variants[*].env*": "Model.containerSpec.env",
        "variants[*].port": "Model.containerSpec.ports[].containerPort",
        "variants[*].predict_route": "Model.containerSpec.predictRoute",
        "variants[*].health_route": "Model.containerSpec.healthRoute",
        "variants[*].instance_type": "DeployedModel.dedicatedResources.machineSpec.machineType",
        "variants[*].accelerator*": "DeployedModel.dedicatedResources.machineSpec"
                                    ".acceleratorType / acceleratorCount",
        "variants[*].min_replicas": "DeployedModel.dedicatedResources.minReplicaCount",
        "variants[*].max_replicas": "DeployedModel.dedicatedResources.maxReplicaCount",
        "variants[*].autoscaling*": "DeployedModel.dedicatedResources.autoscalingMetricSpecs",
        "variants[*].weight": "Endpoint.trafficSplit",
        "variants[*]": "Endpoint.deployedModels[]",
        "logging.enabled": "Endpoint.predictRequestResponseLoggingConfig.enabled",
        "logging.sample_percent": "Endpoint.predictRequestResponseLoggingConfig.samplingRate",
        "logging.destination": "Endpoint.predictRequestResponseLoggingConfig"
                               ".bigqueryDestination.outputUri",
        "request_timeout_seconds": "Endpoint.clientConnectionConfig.inferenceTimeout",
        "target.network": "Endpoint.network",
        "target.encryption_key": "Endpoint.encryptionSpec.kmsKeyName",
        "tags*": "Endpoint.labels",
    },
    basic_fields=frozenset({"target", "variants", "logging", "auth_mode", "request_timeout_seconds",
                            "tags"}),
    basic_reads=1,  # GetEndpoint
    notes=(
        "A basic check is one GetEndpoint: Models are immutable and cached by resource id, so "
        "every field is observed at both depths.",
        "Vertex endpoints have no status field: health is derived from the deployed models and "
        "the traffic split (see adapters/vertex/reverse.py, derive_status).",
        "Replica counts and autoscaling change in place (MutateDeployedModel); labels, traffic "
        "and logging through UpdateEndpoint; any other variant change uploads a new Model, "
        "deploys it beside the old one, shifts traffic, then undeploys the old one.",
        "autoscaling: cpu_utilization -> aiplatform.googleapis.com/prediction/online/cpu/"
        "utilization; invocations_per_replica -> .../prediction/online/request_count.",
        "request_timeout_seconds -> Endpoint.clientConnectionConfig.inferenceTimeout.",
        "Tags must be valid Vertex labels (lowercase, <= 63 characters, [a-z0-9_-]).",
        "Secret env values: a Model's containerSpec.env has no Secret Manager reference, so "
        "gcp_secret_manager versions (latest when none is named) are read by the service at deploy time "
        "(AccessSecretVersion, google-cloud-secret-manager) and sent as text: GetModel shows the value.",
    ),
)
