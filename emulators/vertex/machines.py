"""Machine types Vertex AI online prediction accepts, and the accelerators each may carry.

:data:`MACHINE_TYPES` maps every known prediction machine type to its accelerator rule:

- ``None``: no accelerator may be attached (e2, n2, n2d, c2, c2d);
- :data:`N1_ATTACHABLE`: n1 machines take an optional NVIDIA T4 / V100 / P100 / P4 in the counts GCE
  allows;
- a :class:`FixedAccelerator`: a2 / a3 / g2 / ct5lp machines come with a fixed accelerator type and
  count, which the request must state exactly.

:func:`check_machine_spec` raises ``INVALID_ARGUMENT`` with the machine type in the message
(``Machine type "x" is not supported.``).
"""

from __future__ import annotations

from dataclasses import dataclass

from google.cloud.aiplatform_v1.types import AcceleratorType
from google.protobuf.message import Message

from .errors import invalid_argument

__all__ = ["DEFAULT_MACHINE_TYPE", "MACHINE_TYPES", "N1_ATTACHABLE", "FixedAccelerator", "check_machine_spec"]

DEFAULT_MACHINE_TYPE = "n1-standard-2"  # MachineSpec.machine_type default for a DeployedModel


@dataclass(frozen=True)
class FixedAccelerator:
    """The accelerator built into a machine type (``tpu_topology`` for TPU machines)."""

    accelerator: str
    count: int
    tpu_topology: str = ""


class _Attachable:
    """Marker: n1 machines, which take an optional attached GPU."""


N1_ATTACHABLE = _Attachable()
_N1_GPUS: dict[str, tuple[int, ...]] = {
    "NVIDIA_TESLA_T4": (1, 2, 4),
    "NVIDIA_TESLA_V100": (1, 2, 4, 8),
    "NVIDIA_TESLA_P100": (1, 2, 4),
    "NVIDIA_TESLA_P4": (1, 2, 4),
}


def _family(prefix: str, sizes: tuple[int, ...], rule: object = None) -> dict[str, object]:
    return {f"{prefix}-{size}": rule for size in sizes}


MACHINE_TYPES: dict[str, object] = {
    **_family("n1-standard", (2, 4, 8, 16, 32, 64, 96), N1_ATTACHABLE),
    **_family("n1-highmem", (2, 4, 8, 16, 32, 64, 96), N1_ATTACHABLE),
    **_family("n1-highcpu", (2, 4, 8, 16, 32, 64, 96), N1_ATTACHABLE),
    **_family("e2-standard", (2, 4, 8, 16, 32)),
    **_family("e2-highmem", (2, 4, 8, 16)),
    **_family("e2-highcpu", (2, 4, 8, 16, 32)),
    **_family("n2-standard", (2, 4, 8, 16, 32, 48, 64, 80, 96, 128)),
    **_family("n2-highmem", (2, 4, 8, 16, 32, 48, 64, 80, 96, 128)),
    **_family("n2-highcpu", (2, 4, 8, 16, 32, 48, 64, 80, 96)),
    **_family("n2d-standard", (2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224)),
    **_family("n2d-highmem", (2, 4, 8, 16, 32, 48, 64, 80, 96)),
    **_family("n2d-highcpu", (2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224)),
    **_family("c2-standard", (4, 8, 16, 30, 60)),
    **_family("c2d-standard", (2, 4, 8, 16, 32, 56, 112)),
    **_family("c2d-highmem", (2, 4, 8, 16, 32, 56, 112)),
    **_family("c2d-highcpu", (2, 4, 8, 16, 32, 56, 112)),
    **{f"a2-highgpu-{n}g": FixedAccelerator("NVIDIA_TESLA_A100", n) for n in (1, 2, 4, 8)},
    "a2-megagpu-16g": FixedAccelerator("NVIDIA_TESLA_A100", 16),
    **{f"a2-ultragpu-{n}g": FixedAccelerator("NVIDIA_A100_80GB", n) for n in (1, 2, 4, 8)},
    **{
        f"g2-standard-{size}": FixedAccelerator("NVIDIA_L4", gpus)
        for size, gpus in ((4, 1), (8, 1), (12, 1), (16, 1), (24, 2), (32, 1), (48, 4), (96, 8))
    },
    **{f"a3-highgpu-{n}g": FixedAccelerator("NVIDIA_H100_80GB", n) for n in (1, 2, 4, 8)},
    "a3-megagpu-8g": FixedAccelerator("NVIDIA_H100_MEGA_80GB", 8),
    "a3-ultragpu-8g": FixedAccelerator("NVIDIA_H200_141GB", 8),
    "ct5lp-hightpu-1t": FixedAccelerator("TPU_V5_LITEPOD", 1, "1x1"),
    "ct5lp-hightpu-4t": FixedAccelerator("TPU_V5_LITEPOD", 4, "2x2"),
    "ct5lp-hightpu-8t": FixedAccelerator("TPU_V5_LITEPOD", 8, "2x4"),
}


def check_machine_spec(spec: Message, where: str = "machine_spec") -> None:
    """Refuse an unknown machine type or an accelerator the machine type cannot carry.

    ``spec`` is a ``MachineSpec`` protobuf whose ``machine_type`` is already defaulted.
    """
    machine = spec.machine_type
    if machine not in MACHINE_TYPES:
        raise invalid_argument(f'Machine type "{machine}" is not supported.')
    rule = MACHINE_TYPES[machine]
    accelerator = AcceleratorType(spec.accelerator_type).name
    count = spec.accelerator_count
    unspecified = accelerator == "ACCELERATOR_TYPE_UNSPECIFIED"
    if count < 0:
        raise invalid_argument(f"{where}.accelerator_count must not be negative, got {count}.")
    if rule is None:
        if not unspecified or count:
            raise invalid_argument(
                f'Machine type "{machine}" does not support accelerators (got {accelerator} x {count}).'
            )
    elif rule is N1_ATTACHABLE:
        if unspecified:
            if count:
                raise invalid_argument(f"{where}.accelerator_count is set but accelerator_type is not.")
            return
        counts = _N1_GPUS.get(accelerator)
        if counts is None:
            raise invalid_argument(
                f'Accelerator "{accelerator}" is not supported with machine type "{machine}"; '
                f"n1 machines take one of {sorted(_N1_GPUS)}."
            )
        if count not in counts:
            raise invalid_argument(
                f'Accelerator count {count} is not valid for "{accelerator}" on "{machine}"; '
                f"use one of {list(counts)}."
            )
    else:
        assert isinstance(rule, FixedAccelerator)
        if accelerator != rule.accelerator or count != rule.count:
            raise invalid_argument(
                f'Machine type "{machine}" requires accelerator_type {rule.accelerator} with '
                f"accelerator_count {rule.count} (got {accelerator} x {count})."
            )
        if spec.tpu_topology and spec.tpu_topology != rule.tpu_topology:
            raise invalid_argument(
                f'tpu_topology "{spec.tpu_topology}" does not match machine type "{machine}" '
                f'(expected "{rule.tpu_topology}").'
            )
    if spec.tpu_topology and (not isinstance(rule, FixedAccelerator) or not rule.tpu_topology):
        raise invalid_argument(f'tpu_topology is only valid on TPU machine types, not "{machine}".')
