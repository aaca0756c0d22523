"""AWS SageMaker real-time endpoints (boto3). Capability data only: no SDK import here."""

from core.adapter import Capabilities, Feature

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
    },
    unobservable=frozenset({"request_timeout_seconds"}),
    provider_fields={
        "variants[*].image": "Model.PrimaryContainer.Image",
        "variants[*].model_uri": "Model.PrimaryContainer.ModelDataUrl",
        "variants[*].env*": "Model.PrimaryContainer.Environment",
        "variants[*].instance_type": "EndpointConfig.ProductionVariants[].InstanceType",
        "variants[*].weight": "Endpoint.ProductionVariants[].DesiredWeight",
        "variants[*].min_replicas": "ScalableTarget.MinCapacity / DesiredInstanceCount",
        "variants[*].max_replicas": "ScalableTarget.MaxCapacity / DesiredInstanceCount",
        "variants[*]": "EndpointConfig.ProductionVariants[]",
        "logging.enabled": "Endpoint.DataCaptureConfig.EnableCapture",
        "logging.sample_percent": "Endpoint.DataCaptureConfig.CurrentSamplingPercentage",
        "logging.destination": "Endpoint.DataCaptureConfig.DestinationS3Uri",
        "target.execution_role_arn": "Model.ExecutionRoleArn",
        "tags*": "Endpoint Tags",
    },
    basic_fields=frozenset({"target", "variants", "logging", "auth_mode"}),
    notes=(
        "A basic check is one DescribeEndpoint: endpoint configs and models are immutable and cached.",
        "min_replicas/max_replicas > min use Application Auto Scaling (target tracking on "
        "SageMakerVariantInvocationsPerInstance).",
    ),
)
