"""The Azure ML managed online endpoints SKU catalog (adapters/azureml/catalog.py): spellings, what
the preflight refuses, and that the emulator accepts exactly the SKUs of the same list."""

import subprocess
import sys

import pytest

from adapters.azureml import catalog
from adapters.azureml import translate as tr
from core.spec_io import parse_spec
from emulators.azureml.errors import ArmError
from emulators.azureml.rules import canonical_instance_type
from tests.api.test_preflight import AZUREML


def test_skus_are_unique_and_spelled_canonically():
    assert len({s.lower() for s in catalog.SKUS}) == len(catalog.SKUS)
    assert all(s.startswith("Standard_") for s in catalog.SKUS)
    assert set(catalog.GPU_SKUS) <= set(catalog.SKUS)
    assert {"Standard_DS3_v2", "Standard_F4s_v2", "Standard_E4s_v3", "Standard_NC6s_v3",
            "Standard_NC4as_T4_v3", "Standard_ND96isr_H100_v5", "Standard_NV36ads_A10_v5"} <= set(catalog.SKUS)
    assert "Managed online endpoints SKU list" in catalog.SOURCE and catalog.CHECKED[:4].isdigit()


@pytest.mark.parametrize(("value", "words"), [
    ("Standard_DS3_v2", None),
    ("Standard_NC24ads_A100_v4", None),
    ("STANDARD_DS3_V2", "write the instance type as 'Standard_DS3_v2'"),
    ("standard_f4s_v2", "write the instance type as 'Standard_F4s_v2'"),
    ("Standard_DS9_v2", "not in Azure ML's managed online endpoints SKU list"),
    ("Standard_D4s_v5", "not in Azure ML's managed online endpoints SKU list"),
    ("ml.m5.large", "not in Azure ML's managed online endpoints SKU list"),
])
def test_sku_problem(value, words):
    problem = catalog.sku_problem(value)
    assert (problem is None) if words is None else (words in (problem or ""))


def test_check_values_reports_the_field_path():
    data = {**AZUREML, "variants": [AZUREML["variants"][0] | {"weight": 50},
                                    AZUREML["variants"][0] | {"name": "b", "weight": 50,
                                                              "instance_type": "Standard_DS9_v2"}]}
    gaps = tr.check_values(parse_spec(data))
    assert [(g.path, g.feature) for g in gaps] == [("variants[1].instance_type", "instance_type")]
    assert "did you mean" in gaps[0].reason


def test_the_emulator_accepts_exactly_the_catalog():
    for sku in catalog.SKUS:
        assert canonical_instance_type(sku.upper()) == sku
    for other in ("Standard_DS9_v2", "Standard_D4s_v5", "Standard_NC80ads_H100_v5", "n1-standard-4"):
        with pytest.raises(ArmError):
            canonical_instance_type(other)


def test_importing_the_catalog_imports_no_sdk():
    code = "import sys, adapters.azureml.catalog; sys.exit(1 if 'azure.ai.ml' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
