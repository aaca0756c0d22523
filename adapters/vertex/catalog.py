"""The machine types Vertex AI online inference offers, and the accelerators each one accepts.

Source: Google Cloud documentation, Vertex AI "Configure compute resources for inference"
(https://cloud.google.com/vertex-ai/docs/predictions/configure-compute, sections "Machine types"
and "GPUs"), with the GPUs built into the accelerator-optimized series and those attachable to N1
from Compute Engine "GPU machine types" (https://cloud.google.com/compute/docs/gpus).
Date: 2026-11 (:data:`CHECKED`). The table moved here from the Vertex AI emulator, where it was first
transcribed; on that date the e2 sizes and the GPU built into each a2/a3/g2 series were re-checked
against copies of those pages. Accelerator names are ``aiplatform_v1.AcceleratorType`` names
(google-cloud-aiplatform 2.7); a test keeps every one of them inside that enum.

Not recorded here (the provider refuses them at deploy time, after the preflight): per-region
availability of machine and GPU types (it varies by zone and changes often), quota, and the
vCPU limits Compute Engine puts on N1 machines per attached GPU count.

:data:`MACHINE_TYPES` maps every machine type to its accelerator rule:

- ``None``: no accelerator may be attached (e2, n2, n2d, c2, c2d);
- :data:`N1_ATTACHABLE`: n1 machines take an optional GPU from :data:`N1_GPUS`, in the listed counts;
- a :class:`FixedAccelerator`: a2 / a3 / g2 / ct5lp machines come with a fixed accelerator type and
  count, which a deployment must state exactly (Vertex AI refuses a machine spec without them).

Pure data and pure functions (no SDK import): the adapter's preflight (:func:`machine_problems`,
via :mod:`adapters.vertex.values`) and the Vertex AI emulator (:mod:`emulators.vertex.machines`) both
read this one catalog, so the emulator refuses exactly what the preflight refuses.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Final

__all__ = ["SOURCE", "CHECKED", "FixedAccelerator", "N1_ATTACHABLE", "N1_GPUS", "MACHINE_TYPES",
           "machine_problems"]

SOURCE: Final = ("Google Cloud docs: Vertex AI 'Configure compute resources for inference' (machine "
                 "types, GPUs); Compute Engine 'GPU machine types'")
CHECKED: Final = "2026-11"


@dataclass(frozen=True)
class FixedAccelerator:
    """The accelerator built into a machine type (``tpu_topology`` for TPU machines)."""

    accelerator: str
    count: int
    tpu_topology: str = ""


N1_ATTACHABLE: Final = "n1-attachable"
"""Rule marker: an n1 machine, which takes an optional attached GPU from :data:`N1_GPUS`."""

N1_GPUS: dict[str, tuple[int, ...]] = {
    "NVIDIA_TESLA_T4": (1, 2, 4),
    "NVIDIA_TESLA_V100": (1, 2, 4, 8),
    "NVIDIA_TESLA_P100": (1, 2, 4),
    "NVIDIA_TESLA_P4": (1, 2, 4),
}
"""GPUs an n1 machine can carry -> the counts Compute Engine allows."""

Rule = FixedAccelerator | str | None


def _family(prefix: str, sizes: tuple[int, ...], rule: Rule = None) -> dict[str, Rule]:
    return {f"{prefix}-{size}": rule for size in sizes}


MACHINE_TYPES: dict[str, Rule] = {
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


def machine_problems(machine: str, accelerator: tuple[str, int] | None) -> list[tuple[str, str]]:
    """Why Vertex AI would refuse ``machine`` with ``accelerator`` (``(type, count)`` or None), as
    ``[(field, reason)]`` where field is ``instance_type``, ``accelerator``, ``accelerator.type`` or
    ``accelerator.count`` (relative to the variant); empty when the catalog offers the combination."""
    if machine not in MACHINE_TYPES:
        close = difflib.get_close_matches(machine, list(MACHINE_TYPES), n=3, cutoff=0.75)
        hint = (f"; did you mean {', '.join(close)}?" if close
                else " (e.g. n1-standard-4, e2-standard-8, g2-standard-12)")
        return [("instance_type", f"{machine!r} is not a Vertex AI online inference machine type{hint}")]
    rule = MACHINE_TYPES[machine]
    if rule is None:
        if accelerator is None:
            return []
        return [("accelerator", f"{machine} takes no accelerators: attach a GPU to an n1 machine "
                                f"(e.g. n1-standard-8 with NVIDIA_TESLA_T4) or pick an accelerator-optimized "
                                f"machine (a2, a3, g2)")]
    if rule == N1_ATTACHABLE:
        if accelerator is None:
            return []
        kind, count = accelerator
        counts = N1_GPUS.get(kind)
        if counts is None:
            return [("accelerator.type", f"n1 machines take one of {', '.join(sorted(N1_GPUS))} "
                                         f"(got {kind}); other GPUs come built into a2, a3 and g2 machines")]
        if count not in counts:
            return [("accelerator.count", f"{kind} attaches to an n1 machine in counts of "
                                          f"{', '.join(map(str, counts))} (got {count})")]
        return []
    assert isinstance(rule, FixedAccelerator)
    wanted = f"{{type: {rule.accelerator}, count: {rule.count}}}"
    if accelerator is None:
        return [("accelerator", f"{machine} comes with {rule.count} x {rule.accelerator}, which Vertex AI "
                                f"requires in the machine spec: set accelerator: {wanted}")]
    kind, count = accelerator
    problems = []
    if kind != rule.accelerator:
        problems.append(("accelerator.type", f"{machine} comes with {rule.accelerator} (got {kind}): "
                                             f"set accelerator: {wanted}"))
    if count != rule.count:
        problems.append(("accelerator.count", f"{machine} comes with {rule.count} x {rule.accelerator} "
                                              f"(got {count}): set accelerator: {wanted}"))
    return problems
