"""The spec's fields: description and default (absent: required), by flattened path; each
platform's target keys, the attributes that force replacement and the secret-reference kinds.

GENERATED from ``core.spec`` and the platform registry ``core.targets`` by
``python -m terraform.generate``: do not edit by hand; a test fails when it is stale."""

from typing import Any

__all__ = ["FIELDS", "TARGET", "REPLACE", "SECRET_KINDS"]

FIELDS: dict[str, dict[str, Any]] = {'auth_mode': {'default': 'iam',
               'description': 'How callers authenticate to the endpoint: `iam` (cloud identity: SigV4, '
                              'Google OAuth, Azure AD token), `key` (endpoint key), `token` (Azure ML '
                              'token).'},
 'logging': {'default': {'destination': None, 'enabled': False, 'sample_percent': 100},
             'description': 'Prediction logging.'},
 'logging.destination': {'default': None,
                         'description': 'Where captures go: `s3://...` (SageMaker), '
                                        '`bq://project.dataset.table` (Vertex), an Azure ML datastore URI '
                                        '(Azure ML). Required when enabled.'},
 'logging.enabled': {'default': False, 'description': 'Capture requests and responses.'},
 'logging.sample_percent': {'default': 100, 'description': 'Share of requests captured, in percent.'},
 'name': {'description': 'Portable endpoint name (3-32: lowercase letters, digits, hyphens); the '
                         "deployment's identity and the provider endpoint's name."},
 'request_timeout_seconds': {'default': 60, 'description': 'Per-request timeout for predictions.'},
 'sync_policy': {'default': {'auto_remediate': False, 'ignore': [], 'remediate_after': 3},
                 'description': 'How checks treat this deployment: ignored paths, auto-remediation.'},
 'sync_policy.auto_remediate': {'default': False,
                                'description': 'Reconcile (re-apply the expected setup) after '
                                               '`remediate_after` consecutive scheduled checks found '
                                               'material drift. Off by default.'},
 'sync_policy.ignore': {'default': [],
                        'description': 'Spec path globs never reported as drift, e.g. `tags.*`, '
                                       '`variants[*].env.LOG_LEVEL`, `variants[canary].weight`, '
                                       '`unmanaged[shadow-*]` (a foreign sub-resource) (`*` matches any run '
                                       'of characters).'},
 'sync_policy.remediate_after': {'default': 3,
                                 'description': 'Consecutive out-of-sync checks with material drift before '
                                                'auto-remediation.'},
 'tags': {'default': {}, 'description': 'Tags/labels applied to every provider resource.'},
 'target': {'description': 'The cloud and account to deploy to.'},
 'target.encryption_key': {'default': None,
                           'description': 'Cloud KMS key (CMEK) that encrypts the endpoint and its models; '
                                          'None: Google-managed encryption.'},
 'target.execution_role_arn': {'description': 'IAM role SageMaker assumes to pull the image and model '
                                              'artifacts.'},
 'target.location': {'description': 'Vertex AI region, e.g. `europe-west4`.'},
 'target.network': {'default': None,
                    'description': 'VPC network peered with Vertex AI for a private endpoint, '
                                   '`projects/{project number}/global/networks/{name}`; None: a public '
                                   'endpoint.'},
 'target.platform': {'description': 'Target platform discriminator.'},
 'target.project': {'description': 'Google Cloud project id.'},
 'target.region': {'description': 'AWS region, e.g. `eu-west-1`.'},
 'target.resource_group': {'description': 'Resource group of the workspace.'},
 'target.subscription_id': {'description': 'Azure subscription id (a GUID).'},
 'target.workspace': {'description': 'Azure ML workspace name.'},
 'test_queries': {'default': [], 'description': 'Requests run against the live endpoint after each deploy.'},
 'test_queries[].content_type': {'default': 'application/json',
                                 'description': 'Request content type (a media type).'},
 'test_queries[].expect_fields': {'default': [],
                                  'description': 'JSON pointers (RFC 6901) that must exist in the response '
                                                 'body.'},
 'test_queries[].expect_status': {'default': 200, 'description': 'Expected HTTP status.'},
 'test_queries[].expect_values': {'default': {},
                                  'description': 'JSON pointer -> expected value in the response body.'},
 'test_queries[].name': {'default': 'query', 'description': 'Label used in reports.'},
 'test_queries[].payload': {'description': 'Request body: JSON, or a string sent as-is.'},
 'variants': {'description': 'Model servers behind the endpoint.'},
 'variants[].accelerator': {'default': None,
                            'description': 'GPUs/TPUs per replica where the platform sizes them apart from '
                                           'the machine type (Vertex AI); elsewhere pick an accelerated '
                                           'instance type.'},
 'variants[].accelerator.count': {'default': 1, 'description': 'Accelerators per replica.'},
 'variants[].accelerator.type': {'description': "Accelerator type in the provider's spelling, e.g. "
                                                '`NVIDIA_TESLA_T4`, `NVIDIA_L4`.'},
 'variants[].autoscaling': {'default': {'metric': 'cpu_utilization', 'target': 70},
                            'description': 'Target tracking between min and max replicas; ignored '
                                           '(normalised to the default) when max_replicas equals '
                                           'min_replicas.'},
 'variants[].autoscaling.metric': {'default': 'cpu_utilization',
                                   'description': '`cpu_utilization`: average CPU percent per replica (all '
                                                  'platforms); `invocations_per_replica`: requests per '
                                                  'replica per minute (SageMaker).'},
 'variants[].autoscaling.target': {'default': 70,
                                   'description': 'The value the autoscaler keeps the metric at (percent for '
                                                  'cpu_utilization).'},
 'variants[].env': {'default': {},
                    'description': 'Environment variables of the serving container: text, `{secret: true, '
                                   'value}` (a literal kept encrypted, never returned) or `{value_from: '
                                   '{aws_secrets_manager | gcp_secret_manager | azure_key_vault | '
                                   'service_secret: ...}}` (a secret reference).'},
 'variants[].env.fingerprint': {'default': None,
                                'description': 'Keyed HMAC of a value the service already holds (returned '
                                               'instead of the value).'},
 'variants[].env.secret': {'description': 'Marks the value secret.'},
 'variants[].env.value': {'default': None, 'description': 'The value (input only; never returned).'},
 'variants[].env.value_from': {'description': 'Where the value is read from.'},
 'variants[].env.value_from.aws_secrets_manager': {'default': None,
                                                   'description': 'AWS Secrets Manager secret ARN '
                                                                  '(SageMaker).'},
 'variants[].env.value_from.azure_key_vault': {'default': None,
                                               'description': 'Key Vault secret identifier '
                                                              '`https://{vault}.vault.azure.net/secrets/{name}[/{version}]` '
                                                              '(Azure ML).'},
 'variants[].env.value_from.gcp_secret_manager': {'default': None,
                                                  'description': 'Secret Manager secret '
                                                                 '`projects/{project}/secrets/{name}[/versions/{n|latest}]` '
                                                                 '(Vertex AI).'},
 'variants[].env.value_from.service_secret': {'default': None,
                                              'description': 'Name of a secret stored in this service (`PUT '
                                                             '/v1/secrets/{name}`); any platform.'},
 'variants[].health_route': {'default': '/ping', 'description': 'HTTP path for health checks.'},
 'variants[].image': {'description': 'Serving container image URI (registry/repo:tag or @sha256 digest).'},
 'variants[].instance_type': {'description': 'Provider machine type, e.g. `ml.m5.large`, `n1-standard-4`, '
                                             '`Standard_DS3_v2`.'},
 'variants[].max_concurrency': {'default': None,
                                'description': 'Concurrent requests each replica is given (Azure ML '
                                               '`max_concurrent_requests_per_instance`); None: the platform '
                                               'default (1 on Azure ML).'},
 'variants[].max_replicas': {'default': 1,
                             'description': 'Maximum instance count; > min enables autoscaling.'},
 'variants[].min_replicas': {'default': 1, 'description': 'Minimum instance count.'},
 'variants[].model_uri': {'default': None,
                          'description': 'Model artifact URI (s3://, gs://, azureml:name:version); None when '
                                         'the image carries the model.'},
 'variants[].name': {'description': 'Variant name, unique per spec.'},
 'variants[].port': {'default': 8080, 'description': 'Port the container listens on.'},
 'variants[].predict_route': {'default': '/invocations', 'description': 'HTTP path for predictions.'},
 'variants[].weight': {'default': 100, 'description': 'Traffic percentage; weights sum to 100.'}}

TARGET: dict[str, tuple[str, ...]] = {'sagemaker': ('region', 'execution_role_arn'),
 'vertex': ('project', 'location', 'network', 'encryption_key'),
 'azureml': ('subscription_id', 'resource_group', 'workspace')}
"""Platform -> its ``target`` keys (besides ``platform``), each a top-level attribute."""

REPLACE: frozenset[str] = frozenset(['encryption_key', 'location', 'name', 'network', 'platform', 'project', 'region', 'resource_group',
 'subscription_id', 'workspace'])
"""Attributes whose change replaces the deployment: its name, the platform, and every platform's
``Capabilities.replacement`` (where it lives)."""

SECRET_KINDS: tuple[str, ...] = ('aws_secrets_manager', 'gcp_secret_manager', 'azure_key_vault', 'service_secret')
"""The secret-reference kinds an ``env_from`` value may name (``<kind>:<reference>``)."""
