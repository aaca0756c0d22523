"""Machine types Vertex AI online prediction accepts, and the accelerators each may carry.

The catalog is :mod:`adapters.vertex.catalog` (its source and date are stated there): the service's
preflight reads the same data, so the emulator refuses exactly what the preflight refuses.
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

from google.cloud.aiplatform_v1.types import AcceleratorType
from google.protobuf.message import Message

from adapters.vertex.catalog import MACHINE_TYPES, N1_ATTACHABLE, N1_GPUS, FixedAccelerator

from .errors import invalid_argument

__all__ = ["DEFAULT_MACHINE_TYPE", "MACHINE_TYPES", "N1_ATTACHABLE", "FixedAccelerator", "check_machine_spec"]

DEFAULT_MACHINE_TYPE = "n1-standard-2"  # MachineSpec.machine_type default for a DeployedModel

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
    elif rule == N1_ATTACHABLE:
        if unspecified:
            if count:
                raise invalid_argument(f"{where}.accelerator_count is set but accelerator_type is not.")
            return
        counts = N1_GPUS.get(accelerator)
        if counts is None:
            raise invalid_argument(
                f'Accelerator "{accelerator}" is not supported with machine type "{machine}"; '
                f"n1 machines take one of {sorted(N1_GPUS)}."
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
