"""The rules real Vertex AI enforces that the protos do not (all refusals are ``INVALID_ARGUMENT``).

Each ``check_*`` function raises :class:`~emulators.vertex.errors.ApiError` with a message naming the
offending field and value, or returns None. Some fill in the documented defaults first
(:func:`apply_resource_defaults`: ``machine_type`` ``n1-standard-2``, ``max_replica_count`` =
``min_replica_count``). Rules that depend on state (existing ids, traffic over deployed models)
take that state as arguments; nothing here reads emulator state.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from google.protobuf.message import Message

from .errors import invalid_argument
from .machines import DEFAULT_MACHINE_TYPE, check_machine_spec

__all__ = [
    "AUTOSCALING_METRICS",
    "apply_resource_defaults",
    "check_autoscaling",
    "check_dedicated_resources",
    "check_deployed_model_id",
    "check_display_name",
    "check_encryption_spec",
    "check_endpoint_fields",
    "check_endpoint_id",
    "check_labels",
    "check_logging_config",
    "check_model_id",
    "check_model_upload",
    "check_traffic_split",
]

CPU_UTILIZATION = "aiplatform.googleapis.com/prediction/online/cpu/utilization"
ACCELERATOR_DUTY_CYCLE = "aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle"
REQUEST_COUNT = "aiplatform.googleapis.com/prediction/online/request_count"
AUTOSCALING_METRICS: tuple[str, ...] = (CPU_UTILIZATION, ACCELERATOR_DUTY_CYCLE, REQUEST_COUNT)

_MODEL_ID = re.compile(r"^[a-z_][a-z0-9_-]{0,62}$")
_ENDPOINT_ID_NAMED = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_ENDPOINT_ID_NUMERIC = re.compile(r"^[1-9][0-9]{0,8}$")
_DEPLOYED_MODEL_ID = re.compile(r"^[0-9]{1,10}$")
_NETWORK = re.compile(r"^projects/[0-9]+/global/networks/[a-z]([-a-z0-9]*[a-z0-9])?$")
_KMS_KEY = re.compile(r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")
_BIGQUERY_URI = re.compile(r"^bq://[a-z0-9.:-]+(\.[A-Za-z0-9_]+(\.[A-Za-z0-9_$-]+)?)?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_LABELS = 64
_MAX_LABEL_LENGTH = 63
_MAX_DISPLAY_NAME = 128


def check_model_id(model_id: str) -> None:
    """``UploadModelRequest.model_id``: up to 63 of ``[a-z0-9_-]``, not starting with a digit or ``-``."""
    if not _MODEL_ID.match(model_id):
        raise invalid_argument(
            f'Invalid model_id "{model_id}": it may be up to 63 characters of [a-z0-9_-] and the first '
            "character cannot be a number or hyphen."
        )


def check_endpoint_id(endpoint_id: str) -> None:
    """``CreateEndpointRequest.endpoint_id`` as its proto documents it.

    Starting with a letter: up to 63 of ``[a-z0-9-]`` ending in a letter or digit. Starting with a
    digit: up to 9 digits, no leading zero.
    """
    if not (_ENDPOINT_ID_NAMED.match(endpoint_id) or _ENDPOINT_ID_NUMERIC.match(endpoint_id)):
        raise invalid_argument(
            f'Invalid endpoint_id "{endpoint_id}": if the first character is a letter it may be up to 63 '
            "characters of [a-z0-9-] ending in a letter or number; if it is a number it may be up to 9 "
            "digits with no leading zeros."
        )


def check_deployed_model_id(deployed_model_id: str) -> None:
    """``DeployedModel.id``: 1-10 digits."""
    if not _DEPLOYED_MODEL_ID.match(deployed_model_id):
        raise invalid_argument(
            f'Invalid DeployedModel id "{deployed_model_id}": it must be 1-10 characters of [0-9].'
        )


def check_display_name(display_name: str, what: str) -> None:
    """Required, at most 128 characters."""
    if not display_name:
        raise invalid_argument(f"{what}.display_name is required.")
    if len(display_name) > _MAX_DISPLAY_NAME:
        raise invalid_argument(
            f"{what}.display_name must be at most {_MAX_DISPLAY_NAME} characters, got {len(display_name)}."
        )


def _label_chars_ok(text: str) -> bool:
    return all(ch.islower() or ch.isdigit() or ch in "_-" or (ch.isalpha() and not ch.isupper()) for ch in text)


def check_labels(labels: Mapping[str, str], what: str) -> None:
    """Google Cloud label rules: <= 64 labels; keys 1-63 chars starting with a lowercase letter; keys
    and values <= 63 chars of lowercase letters, digits, ``_`` and ``-``."""
    if len(labels) > _MAX_LABELS:
        raise invalid_argument(f"{what}.labels: at most {_MAX_LABELS} labels are allowed, got {len(labels)}.")
    for key, value in labels.items():
        if not key or len(key) > _MAX_LABEL_LENGTH or not (key[0].isalpha() and not key[0].isupper()):
            raise invalid_argument(
                f'{what}.labels: invalid label key "{key}": keys must be 1-{_MAX_LABEL_LENGTH} characters '
                "and start with a lowercase letter."
            )
        if not _label_chars_ok(key):
            raise invalid_argument(
                f'{what}.labels: invalid label key "{key}": only lowercase letters, numeric characters, '
                "underscores and dashes are allowed."
            )
        if len(value) > _MAX_LABEL_LENGTH or not _label_chars_ok(value):
            raise invalid_argument(
                f'{what}.labels: invalid value "{value}" for label "{key}": values may be up to '
                f"{_MAX_LABEL_LENGTH} characters of lowercase letters, numeric characters, underscores and dashes."
            )


def check_encryption_spec(spec: Message, what: str) -> None:
    """``encryption_spec.kms_key_name`` must be a Cloud KMS key name when the spec is given."""
    if spec.kms_key_name and not _KMS_KEY.match(spec.kms_key_name):
        raise invalid_argument(
            f'{what}.encryption_spec.kms_key_name "{spec.kms_key_name}" is not a Cloud KMS key name '
            "(projects/*/locations/*/keyRings/*/cryptoKeys/*)."
        )


def check_model_upload(model: Message) -> None:
    """A custom-container Model in an UploadModelRequest."""
    check_display_name(model.display_name, "model")
    check_labels(model.labels, "model")
    if model.artifact_uri and not model.artifact_uri.startswith("gs://"):
        raise invalid_argument(
            f'model.artifact_uri "{model.artifact_uri}" must be a Cloud Storage URI (gs://bucket/path).'
        )
    if not model.HasField("container_spec") or not model.container_spec.image_uri:
        raise invalid_argument("model.container_spec.image_uri is required.")
    spec = model.container_spec
    # Several ports are valid: Vertex AI stores and returns them all, but sends predictions and
    # health checks only to the first one (ModelContainerSpec.ports, grpc_ports).
    for port in list(spec.ports) + list(spec.grpc_ports):
        if not 1 <= port.container_port <= 65535:
            raise invalid_argument(
                f"model.container_spec port {port.container_port} is not between 1 and 65535."
            )
    for field in ("predict_route", "health_route", "invoke_route_prefix"):
        route = getattr(spec, field)
        if route and not route.startswith("/"):
            raise invalid_argument(f'model.container_spec.{field} "{route}" must start with "/".')
    seen: set[str] = set()
    for env in spec.env:
        if not _ENV_NAME.match(env.name):
            raise invalid_argument(f'model.container_spec.env: invalid variable name "{env.name}".')
        if env.name in seen:
            raise invalid_argument(f'model.container_spec.env: variable "{env.name}" is set twice.')
        seen.add(env.name)
    if spec.shared_memory_size_mb < 0:
        raise invalid_argument("model.container_spec.shared_memory_size_mb must not be negative.")
    check_encryption_spec(model.encryption_spec, "model")


def check_logging_config(config: Message) -> None:
    """``predict_request_response_logging_config``: sampling rate in [0, 1], ``bq://`` output URI."""
    if not 0.0 <= config.sampling_rate <= 1.0:
        raise invalid_argument(
            f"predict_request_response_logging_config.sampling_rate must be in [0, 1], got {config.sampling_rate}."
        )
    uri = config.bigquery_destination.output_uri
    if config.HasField("bigquery_destination") and not _BIGQUERY_URI.match(uri):
        raise invalid_argument(
            f'predict_request_response_logging_config.bigquery_destination.output_uri "{uri}" must look like '
            "bq://project, bq://project.dataset or bq://project.dataset.table."
        )


def check_endpoint_fields(endpoint: Message) -> None:
    """The user-settable fields of an Endpoint (on create; UpdateEndpoint re-checks the result)."""
    check_display_name(endpoint.display_name, "endpoint")
    check_labels(endpoint.labels, "endpoint")
    if endpoint.network and not _NETWORK.match(endpoint.network):
        raise invalid_argument(
            f'endpoint.network "{endpoint.network}" must look like '
            "projects/{project_number}/global/networks/{network}."
        )
    private_service_connect = endpoint.enable_private_service_connect or endpoint.HasField(
        "private_service_connect_config"
    )
    if endpoint.network and private_service_connect:
        raise invalid_argument("endpoint.network and Private Service Connect cannot be used together.")
    if endpoint.network and endpoint.dedicated_endpoint_enabled:
        raise invalid_argument("endpoint.network and dedicated_endpoint_enabled cannot be used together.")
    check_encryption_spec(endpoint.encryption_spec, "endpoint")
    if endpoint.HasField("predict_request_response_logging_config"):
        check_logging_config(endpoint.predict_request_response_logging_config)
    timeout = endpoint.client_connection_config.inference_timeout
    if endpoint.client_connection_config.HasField("inference_timeout") and (timeout.seconds, timeout.nanos) <= (0, 0):
        raise invalid_argument("endpoint.client_connection_config.inference_timeout must be positive.")


def check_traffic_split(split: Mapping[str, int], deployed_ids: Collection[str], *, new_model: bool = False) -> None:
    """A traffic split over ``deployed_ids``: percentages 0-100 that sum to exactly 100, or an empty map.

    ``new_model`` (DeployModel only): the key ``"0"`` stands for the model being deployed.
    """
    if not split:
        return
    for key, value in split.items():
        if key == "0" and new_model:
            pass
        elif key not in deployed_ids:
            raise invalid_argument(
                f'traffic_split refers to DeployedModel "{key}", which is not deployed to the Endpoint'
                + (' (use "0" for the model being deployed).' if new_model else ".")
            )
        if not 0 <= value <= 100:
            raise invalid_argument(f'traffic_split["{key}"] must be between 0 and 100, got {value}.')
    total = sum(split.values())
    if total != 100:
        raise invalid_argument(f"The traffic percentage values must add up to 100, got {total}.")


def apply_resource_defaults(resources: Message) -> None:
    """Fill ``machine_type`` (``n1-standard-2``) and ``max_replica_count`` (= min) as Vertex does."""
    if resources.HasField("machine_spec") and not resources.machine_spec.machine_type:
        resources.machine_spec.machine_type = DEFAULT_MACHINE_TYPE
    if resources.max_replica_count == 0:
        resources.max_replica_count = resources.min_replica_count


def check_autoscaling(specs: Collection[Message], *, has_accelerator: bool) -> None:
    """Known metric names, at most one spec per metric, targets 1-100 for utilization metrics."""
    seen: set[str] = set()
    for spec in specs:
        if spec.metric_name not in AUTOSCALING_METRICS:
            raise invalid_argument(
                f'Autoscaling metric "{spec.metric_name}" is not supported; use one of {list(AUTOSCALING_METRICS)}.'
            )
        if spec.metric_name in seen:
            raise invalid_argument(f'Autoscaling metric "{spec.metric_name}" is given more than once.')
        seen.add(spec.metric_name)
        if spec.metric_name == ACCELERATOR_DUTY_CYCLE and not has_accelerator:
            raise invalid_argument(
                f'Autoscaling metric "{ACCELERATOR_DUTY_CYCLE}" requires a machine with accelerators.'
            )
        if spec.metric_name == REQUEST_COUNT:
            if spec.target < 0:
                raise invalid_argument(f"Autoscaling target for {REQUEST_COUNT} must be positive, got {spec.target}.")
        elif not 0 <= spec.target <= 100:  # 0 is "unset": the default target 60
            raise invalid_argument(
                f'Autoscaling target for "{spec.metric_name}" must be between 1 and 100, got {spec.target}.'
            )


def check_dedicated_resources(resources: Message, where: str = "deployed_model.dedicated_resources") -> None:
    """Machine spec, replica counts and autoscaling of a DeployedModel (defaults already applied)."""
    if not resources.HasField("machine_spec"):
        raise invalid_argument(f"{where}.machine_spec is required.")
    check_machine_spec(resources.machine_spec, f"{where}.machine_spec")
    if resources.min_replica_count < 1:
        raise invalid_argument(
            f"{where}.min_replica_count must be greater than or equal to 1, got {resources.min_replica_count}."
        )
    if resources.max_replica_count < resources.min_replica_count:
        raise invalid_argument(
            f"{where}.max_replica_count ({resources.max_replica_count}) must be greater than or equal to "
            f"min_replica_count ({resources.min_replica_count})."
        )
    if not 0 <= resources.required_replica_count <= resources.min_replica_count:
        raise invalid_argument(
            f"{where}.required_replica_count ({resources.required_replica_count}) must be between 0 and "
            f"min_replica_count ({resources.min_replica_count})."
        )
    check_autoscaling(
        resources.autoscaling_metric_specs, has_accelerator=resources.machine_spec.accelerator_count > 0
    )
