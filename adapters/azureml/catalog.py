"""The VM SKUs Azure ML managed online deployments run on.

Source: Microsoft Learn, Azure Machine Learning "Managed online endpoints SKU list"
(https://learn.microsoft.com/azure/machine-learning/reference-managed-online-endpoints-vm-sku-list;
``articles/machine-learning/reference-managed-online-endpoints-vm-sku-list.md`` in
MicrosoftDocs/azure-ai-docs). Transcribed: 2026-11 (:data:`CHECKED`), every row of the table.

The page lists the SKUs upper-cased (``STANDARD_DS3_V2``); Azure matches VM sizes
case-insensitively and the SDKs, the CLI and this service spell them the usual way
(``Standard_DS3_v2``), which is what :data:`SKUS` holds. The spec must use that canonical spelling
(:func:`sku_problem` says which one to write): a live deployment reports the canonical spelling,
so any other spelling would be reported as drift forever.

Not recorded here (the provider refuses them at deploy time, after the preflight): per-region
availability and quota. Pure data, no SDK import: the adapter's preflight and the Azure ML
emulator (:mod:`emulators.azureml.rules`) both read this one list.
"""

from __future__ import annotations

import difflib
from typing import Final

__all__ = ["SOURCE", "CHECKED", "SKUS", "GPU_SKUS", "canonical_sku", "sku_problem"]

SOURCE: Final = "Microsoft Learn: Azure Machine Learning 'Managed online endpoints SKU list'"
CHECKED: Final = "2026-11"

_CPU: tuple[str, ...] = (
    *(f"Standard_D{n}as_v4" for n in (2, 4, 8, 16, 32, 48, 64, 96)),
    *(f"Standard_D{n}a_v4" for n in (2, 4, 8, 16, 32, 48, 64, 96)),
    *(f"Standard_DS{n}_v2" for n in (1, 2, 3, 4, 5)),
    *(f"Standard_E{n}s_v3" for n in (2, 4, 8, 16, 32, 48, 64)),
    *(f"Standard_F{n}s_v2" for n in (2, 4, 8, 16, 32, 48, 64, 72)),
    *(f"Standard_FX{n}mds" for n in (4, 12, 24, 36, 48)),
    *(f"Standard_L{n}as_v3" for n in (8, 16, 32, 48, 64, 80)),
    *(f"Standard_L{n}s_v2" for n in (8, 16, 32, 48, 64, 80)),
    *(f"Standard_L{n}s_v3" for n in (8, 16, 32, 48, 64, 80)),
)

GPU_SKUS: dict[str, int | float] = {
    "Standard_NC24ads_A100_v4": 1, "Standard_NC48ads_A100_v4": 2, "Standard_NC96ads_A100_v4": 4,
    "Standard_NC4as_T4_v3": 1, "Standard_NC8as_T4_v3": 1, "Standard_NC16as_T4_v3": 1,
    "Standard_NC64as_T4_v3": 4,
    "Standard_NC6s_v2": 1, "Standard_NC12s_v2": 2, "Standard_NC24s_v2": 4,
    "Standard_NC6s_v3": 1, "Standard_NC12s_v3": 2, "Standard_NC24s_v3": 4,
    "Standard_NC40ads_H100_v5": 1, "Standard_NC80adis_H100_v5": 2,
    "Standard_ND96amsr_A100_v4": 8, "Standard_ND96asr_v4": 8, "Standard_ND40rs_v2": 8,
    "Standard_ND96is_H100_v5": 8, "Standard_ND96isr_H100_v5": 8,
    "Standard_NV6ads_A10_v5": 1 / 6, "Standard_NV12ads_A10_v5": 1 / 3, "Standard_NV18ads_A10_v5": 1 / 2,
    "Standard_NV36ads_A10_v5": 1, "Standard_NV36adms_A10_v5": 1, "Standard_NV72ads_A10_v5": 2,
}
"""NVIDIA GPU SKUs -> GPUs per instance (the NV A10 sizes carry a fraction of one)."""

SKUS: tuple[str, ...] = (*_CPU, *GPU_SKUS)
"""Every SKU a managed online deployment accepts, in the canonical spelling."""

_BY_LOWER: dict[str, str] = {sku.lower(): sku for sku in SKUS}


def canonical_sku(value: str) -> str | None:
    """The canonical spelling of SKU ``value`` (matched case-insensitively), or None if not offered."""
    return _BY_LOWER.get(value.lower())


def sku_problem(value: str) -> str | None:
    """Why ``value`` cannot be a managed online deployment's instance type, or None."""
    canonical = canonical_sku(value)
    if canonical == value:
        return None
    if canonical is not None:
        return (f"write the instance type as {canonical!r} (got {value!r}): Azure reports the SKU in that "
                f"spelling, so any other spelling would read back as drift")
    close = difflib.get_close_matches(value, SKUS, n=3, cutoff=0.75)
    hint = f"; did you mean {', '.join(close)}?" if close else \
        " (e.g. Standard_DS3_v2, Standard_F4s_v2, Standard_E4s_v3, Standard_NC6s_v3)"
    return f"{value!r} is not in Azure ML's managed online endpoints SKU list{hint}"
