"""AWS SageMaker real-time endpoints (boto3).

This module is capability data only (:data:`CAPABILITIES`): no SDK import here, so
``deploy-anywhere --help`` imports no boto3. The package, one role per file (adapters/TEMPLATE.md):

- ``adapter.py``    :class:`SageMakerAdapter`: boto3 calls only (describe, the stepped writes, invoke)
- ``translate.py``  spec -> requests: ``to_request``, ``request_calls``, ``check_values``, names
- ``reverse.py``    describes -> :class:`core.live.LiveEndpoint`: ``to_live``, ``STATUS_MAP``, and
  ``runtime_changes``, the write-side twin of ``to_live``
- ``client.py``     the boto3 clients (retry/timeout config, sandbox wiring, one runtime client per
  request timeout)
- ``errors.py``     the one mapping of botocore exceptions to :mod:`core.errors`
- ``secrets.py``    AWS Secrets Manager reads (``resolve_secret``)
- ``catalog.py``    the real-time instance types, from botocore's service model
- ``ownership.py``  which resources are this deployment's (stamps)
- ``scaling.py``    (platform-only) Application Auto Scaling of variants
- ``repair.py``     (platform-only) re-creating immutable models/configs re-created behind the
  service's back (``same_content``, twin config names)

Stamps as SageMaker spells them (tags; live resources carry them, so they are never renamed):
``deploy-anywhere:deployment`` and ``deploy-anywhere:revision`` (with a colon) on the endpoint,
its endpoint configs and models, ``deploy-anywhere-owner`` (the owner uid) on the same; scaling
policies carry the uid in their name. The revision is also in the endpoint config's name.
"""

from core.adapter import Capabilities, Feature, FieldRule, Owner

__all__ = ["CAPABILITIES"]

CAPABILITIES = Capabilities(
    platform="sagemaker",
    sdk="boto3",
    extra="sagemaker",
    unsupported={
        Feature.CUSTOM_PORT: "SageMaker containers must listen on port 8080",
        Feature.CUSTOM_ROUTES: "SageMaker calls /invocations and /ping; the routes are fixed",
        Feature.AUTH_KEY: "SageMaker endpoints authenticate with AWS IAM (SigV4) only",
        Feature.AUTH_TOKEN: "SageMaker endpoints authenticate with AWS IAM (SigV4) only",
        Feature.SCALE_TO_ZERO: "real-time production variants need at least one instance",
        Feature.LONG_REQUEST_TIMEOUT: "InvokeEndpoint times out after 60 seconds",
        Feature.ACCELERATOR: "SageMaker sizes GPUs with the instance type: pick an accelerated "
                             "type such as ml.g5.xlarge instead",
        Feature.CONCURRENCY_LIMIT: "real-time endpoints do not cap concurrent requests per instance",
    },
    replacement={"target.region": "a SageMaker endpoint lives in one region"},
    ownership=(
        FieldRule("request_timeout_seconds", Owner.UNREADABLE, "-", "SageMaker has no per-endpoint "
                  "invocation timeout to read back (InvokeEndpoint's limit is a fixed 60 s)", in_spec=True),
        FieldRule("Endpoint.ProductionVariants[].CurrentInstanceCount", Owner.AUTOSCALER,
                  "CurrentInstanceCount / DesiredInstanceCount",
                  "under autoscaling (max_replicas > min_replicas) Application Auto Scaling moves the count "
                  "between MinCapacity and MaxCapacity; the bounds are compared, the count is not. A fixed-"
                  "scale variant compares DesiredInstanceCount with min_replicas"),
        FieldRule("Endpoint.ProductionVariants[].CurrentWeight", Owner.RUNTIME, "CurrentWeight",
                  "the weight being applied; the spec's weight is compared with DesiredWeight"),
        FieldRule("Endpoint.EndpointStatus", Owner.RUNTIME, "EndpointStatus / VariantStatus",
                  "mapped to health, never drift"),
        FieldRule("Endpoint.ProductionVariants[].DeployedImages", Owner.RUNTIME, "ResolvedImage",
                  "the digest an image tag resolved to at deploy time"),
        FieldRule("Endpoint.CreationTime", Owner.RUNTIME, "CreationTime / LastModifiedTime / EndpointArn"),
        FieldRule("EndpointConfig.ProductionVariants[].InitialVariantWeight", Owner.PROVIDER_DEFAULT,
                  "InitialVariantWeight", "defaults to 1.0; always sent from variants[].weight"),
        FieldRule("EndpointConfig.DataCaptureConfig.CaptureOptions", Owner.PROVIDER_DEFAULT, "CaptureOptions",
                  "always sent as Input and Output when logging is enabled"),
    ),
    provider_fields={
        "variants[*].image": "Model.PrimaryContainer.Image",
        "variants[*].model_uri": "Model.PrimaryContainer.ModelDataUrl",
        "variants[*].env*": "Model.PrimaryContainer.Environment",
        "variants[*].instance_type": "EndpointConfig.ProductionVariants[].InstanceType",
        "variants[*].weight": "Endpoint.ProductionVariants[].DesiredWeight",
        "variants[*].min_replicas": "ScalableTarget.MinCapacity / DesiredInstanceCount",
        "variants[*].max_replicas": "ScalableTarget.MaxCapacity / DesiredInstanceCount",
        "variants[*].autoscaling*": "ScalingPolicy.TargetTrackingScalingPolicyConfiguration",
        "variants[*]": "EndpointConfig.ProductionVariants[]",
        "logging.enabled": "Endpoint.DataCaptureConfig.EnableCapture",
        "logging.sample_percent": "Endpoint.DataCaptureConfig.CurrentSamplingPercentage",
        "logging.destination": "Endpoint.DataCaptureConfig.DestinationS3Uri",
        "target.execution_role_arn": "Model.ExecutionRoleArn",
        "tags*": "Endpoint Tags",
    },
    basic_fields=frozenset({"target", "variants", "logging", "auth_mode"}),
    basic_reads=1,  # DescribeEndpoint
    notes=(
        "A basic check is one DescribeEndpoint: endpoint configs and models are immutable and cached.",
        "max_replicas > min_replicas uses Application Auto Scaling target tracking: "
        "cpu_utilization on the CPUUtilization metric (CloudWatch /aws/sagemaker/Endpoints), "
        "invocations_per_replica on SageMakerVariantInvocationsPerInstance.",
        "Secret env values: SageMaker has no secret references in a container's Environment, so "
        "aws_secrets_manager ARNs are read by the service at deploy time (GetSecretValue, the ARN's "
        "region, SecretString only) and sent as text: DescribeModel shows the value to whoever may call it.",
    ),
)
