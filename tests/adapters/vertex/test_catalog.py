"""The Vertex AI machine-type and accelerator catalog (adapters/vertex/catalog.py): its refusals,
its accelerator names against the SDK's enum, and that the emulator accepts exactly the
combinations the preflight accepts (both read the one catalog)."""

import itertools
import subprocess
import sys

import pytest
from google.cloud.aiplatform_v1 import types as v1

from adapters.vertex import catalog
from adapters.vertex import translate as tr
from adapters.vertex.values import ACCELERATOR_TYPES
from core.spec_io import parse_spec
from emulators.vertex.errors import ApiError
from emulators.vertex.machines import check_machine_spec
from tests.api.test_preflight import VERTEX


def _accelerators_named() -> set[str]:
    fixed = {r.accelerator for r in catalog.MACHINE_TYPES.values() if isinstance(r, catalog.FixedAccelerator)}
    return fixed | set(catalog.N1_GPUS)


def test_every_accelerator_is_an_sdk_accelerator_type():
    enum = {t.name for t in v1.AcceleratorType} - {"ACCELERATOR_TYPE_UNSPECIFIED"}
    assert _accelerators_named() <= enum
    assert _accelerators_named() <= ACCELERATOR_TYPES


def test_catalog_states_source_and_date():
    assert "Configure compute resources for inference" in catalog.SOURCE
    assert catalog.CHECKED[:4].isdigit()


@pytest.mark.parametrize(("machine", "accelerator", "problems"), [
    ("n1-standard-4", None, []),
    ("n1-standard-8", ("NVIDIA_TESLA_V100", 8), []),
    ("e2-highcpu-32", None, []),
    ("a2-ultragpu-2g", ("NVIDIA_A100_80GB", 2), []),
    ("ct5lp-hightpu-8t", ("TPU_V5_LITEPOD", 8), []),
    ("n1-standard-5", None, ["instance_type"]),
    ("n1-standard-4", ("NVIDIA_TESLA_T4", 3), ["accelerator.count"]),
    ("n1-standard-4", ("NVIDIA_H100_80GB", 1), ["accelerator.type"]),
    ("e2-standard-4", ("NVIDIA_TESLA_T4", 1), ["accelerator"]),
    ("g2-standard-12", None, ["accelerator"]),
    ("g2-standard-48", ("NVIDIA_L4", 1), ["accelerator.count"]),
    ("a3-highgpu-8g", ("NVIDIA_TESLA_A100", 4), ["accelerator.type", "accelerator.count"]),
])
def test_machine_problems(machine, accelerator, problems):
    found = catalog.machine_problems(machine, accelerator)
    assert [where for where, _ in found] == problems
    assert all(reason for _, reason in found)


def test_check_values_names_variant_fields():
    data = {**VERTEX, "variants": [
        VERTEX["variants"][0] | {"weight": 50, "instance_type": "g2-standard-8"},
        VERTEX["variants"][0] | {"name": "b", "weight": 50, "accelerator": {"type": "NVIDIA_TESLA_T4", "count": 3}}]}
    gaps = tr.check_values(parse_spec(data))
    assert [(g.path, g.feature) for g in gaps] == [("variants[0].accelerator", "accelerator"),
                                                  ("variants[1].accelerator.count", "accelerator")]
    assert "{type: NVIDIA_L4, count: 1}" in gaps[0].reason


def _emulator_accepts(machine: str, accelerator: tuple[str, int] | None) -> bool:
    spec = v1.MachineSpec(machine_type=machine)
    if accelerator is not None:
        spec.accelerator_type = v1.AcceleratorType[accelerator[0]]
        spec.accelerator_count = accelerator[1]
    try:
        check_machine_spec(v1.MachineSpec.pb(spec))
    except ApiError:
        return False
    return True


def test_the_emulator_accepts_exactly_what_the_preflight_accepts():
    machines = [*catalog.MACHINE_TYPES, "n1-standard-1", "e2-standard-3", "a2-highgpu-3g", "c3-standard-4"]
    options = [None, *itertools.product(sorted(_accelerators_named()), (1, 2, 4, 8, 16))]
    checked = 0
    for machine, accelerator in itertools.product(machines, options):
        preflight = catalog.machine_problems(machine, accelerator) == []
        assert _emulator_accepts(machine, accelerator) is preflight, (machine, accelerator)
        checked += preflight
    assert checked > len(catalog.MACHINE_TYPES), "every machine accepted at least once, n1 with GPUs too"


def test_importing_the_catalog_and_values_imports_no_sdk():
    code = ("import sys, adapters.vertex.catalog, adapters.vertex.values; "
            "sys.exit(1 if {'google.cloud.aiplatform_v1', 'google.protobuf'} & set(sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
