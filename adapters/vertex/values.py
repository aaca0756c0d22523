"""Vertex AI's rules on spec values, checked before any call (pure, no SDK import).

Every problem is one :class:`core.adapter.Gap` with the spec path and the reason, all at once.
"""

from __future__ import annotations

import re

from adapters.vertex.catalog import machine_problems
from core.adapter import Gap
from core.spec import EndpointSpec

__all__ = [
    "ACCELERATOR_TYPES",
    "MAX_LABELS",
    "check_values",
    "label_problem",
    "is_registry_image",
]

ACCELERATOR_TYPES: frozenset[str] = frozenset({
    "NVIDIA_TESLA_K80", "NVIDIA_TESLA_P100", "NVIDIA_TESLA_V100", "NVIDIA_TESLA_P4",
    "NVIDIA_TESLA_T4", "NVIDIA_TESLA_A100", "NVIDIA_A100_80GB", "NVIDIA_L4", "NVIDIA_H100_80GB",
    "NVIDIA_H100_MEGA_80GB", "NVIDIA_H200_141GB", "NVIDIA_B200", "NVIDIA_GB200",
    "NVIDIA_RTX_PRO_6000", "TPU_V2", "TPU_V3", "TPU_V4_POD", "TPU_V5_LITEPOD",
})
"""``aiplatform_v1.AcceleratorType`` names (google-cloud-aiplatform 2.7.0) except UNSPECIFIED;
a test keeps this list equal to the SDK's enum."""

MAX_LABELS = 64
"""Vertex AI accepts at most 64 labels per resource."""

_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
_IMAGE = re.compile(r"^(?P<host>[a-z0-9.-]+)/[a-z0-9._/-]+(:[A-Za-z0-9_.-]{1,128}|@sha256:[0-9a-f]{64})?$")
_BQ = re.compile(r"^bq://[a-z][a-z0-9-]{4,28}[a-z0-9](\.[A-Za-z0-9_]{1,1024}){0,2}$")


def is_registry_image(value: str) -> bool:
    """An image in Artifact Registry (``REGION-docker.pkg.dev/...``) or Container Registry
    (``gcr.io/...``, ``eu.gcr.io/...``): the registries Vertex AI pulls serving images from."""
    match = _IMAGE.fullmatch(value)
    if not match:
        return False
    host = match["host"]
    return host == "gcr.io" or host.endswith(".gcr.io") or host.endswith("docker.pkg.dev")


def label_problem(key: str, value: str) -> str | None:
    """Why ``key: value`` is not a valid Vertex label, or None."""
    if not _LABEL_KEY.fullmatch(key):
        return (f"label key {key!r} must start with a lowercase letter and contain only lowercase "
                f"letters, digits, '_' and '-' (at most 63 characters)")
    if not _LABEL_VALUE.fullmatch(value):
        return (f"label value {value!r} may contain only lowercase letters, digits, '_' and '-' "
                f"(at most 63 characters)")
    return None


def _machine_gaps(at: str, machine: str, accelerator: tuple[str, int] | None, *,
                  only_machine: bool = False) -> list[Gap]:
    """The catalog's refusals (:func:`adapters.vertex.catalog.machine_problems`) as gaps under ``at``
    (``only_machine``: just whether the machine type exists)."""
    problems = machine_problems(machine, accelerator)
    return [Gap(f"{at}.{where}", "instance_type" if where == "instance_type" else "accelerator", reason)
            for where, reason in problems if not only_machine or where == "instance_type"]


def check_values(spec: EndpointSpec) -> list[Gap]:
    """Vertex AI's rules: machine types and their accelerators (:mod:`adapters.vertex.catalog`),
    registries, gs:// artifacts, bq:// logging, labels."""
    gaps: list[Gap] = []
    for i, v in enumerate(spec.variants):
        at = f"variants[{i}]"
        foreign = v.instance_type.startswith(("ml.", "Standard_"))
        if foreign:
            gaps.append(Gap(f"{at}.instance_type", "instance_type",
                            f"{v.instance_type!r} is a SageMaker/Azure ML instance type; Vertex AI "
                            f"uses Compute Engine machine types such as n1-standard-4"))
        unknown = v.accelerator is not None and v.accelerator.type not in ACCELERATOR_TYPES
        if v.accelerator is not None and unknown:
            gaps.append(Gap(f"{at}.accelerator.type", "accelerator",
                            f"{v.accelerator.type!r} is not a Vertex AI AcceleratorType (known: "
                            f"{', '.join(sorted(ACCELERATOR_TYPES))})"))
        if not foreign:
            accelerator = None if v.accelerator is None else (v.accelerator.type, v.accelerator.count)
            gaps += _machine_gaps(at, v.instance_type, accelerator, only_machine=unknown)
        if v.model_uri is not None and not v.model_uri.startswith("gs://"):
            gaps.append(Gap(f"{at}.model_uri", "model_uri",
                            "Vertex AI loads model artifacts from Cloud Storage: use a gs:// URI"))
        if not is_registry_image(v.image):
            gaps.append(Gap(f"{at}.image", "image",
                            "Vertex AI pulls serving images from Artifact Registry "
                            "(REGION-docker.pkg.dev/PROJECT/REPO/IMAGE:TAG) or Container Registry "
                            f"(gcr.io/PROJECT/IMAGE:TAG); got {v.image!r}"))
    if spec.logging.enabled and not _BQ.fullmatch(spec.logging.destination or ""):
        gaps.append(Gap("logging.destination", "prediction_logging",
                        "Vertex AI logs requests and responses to BigQuery: use "
                        "bq://PROJECT[.DATASET[.TABLE]]"))
    for key, value in spec.tags.items():
        problem = label_problem(key, value)
        if problem:
            gaps.append(Gap(f"tags.{key}", "tags", f"tags become Vertex AI labels: {problem}"))
    reserved = 2 + len(spec.variants)  # deployment + revision + one per deployed model
    if len(spec.tags) + reserved > MAX_LABELS:
        gaps.append(Gap("tags", "tags", f"Vertex AI allows {MAX_LABELS} labels per resource and "
                                        f"the service uses {reserved}: at most "
                                        f"{MAX_LABELS - reserved} tags"))
    return gaps
