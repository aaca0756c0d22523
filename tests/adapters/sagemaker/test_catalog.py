"""The SageMaker instance-type catalog (botocore's ProductionVariantInstanceType enum): what the
preflight accepts and refuses, that the emulator validates against the same list, and that the
catalog loads botocore only on first use."""

import subprocess
import sys

import pytest

from adapters.sagemaker import catalog
from adapters.sagemaker import translate as tr
from core.spec_io import parse_spec
from tests.api.test_preflight import SAGEMAKER


@pytest.mark.parametrize("instance_type", ["ml.m5.large", "ml.c5.xlarge", "ml.t2.medium",
                                           "ml.g5.xlarge", "ml.m6i.large", "ml.inf2.xlarge"])
def test_offered_types_pass_including_those_newer_than_motos_list(instance_type):
    assert catalog.instance_type_problem(instance_type) is None


@pytest.mark.parametrize(("instance_type", "words"), [
    ("ml.m5.huge", "did you mean"),
    ("ml.nonexistent.huge", "not a SageMaker real-time endpoint instance type"),
    ("ml.p3.2xlarge.extra", "not a SageMaker"),
    ("n1-standard-4", "start with 'ml.'"),
    ("Standard_DS3_v2", "start with 'ml.'"),
])
def test_other_types_are_refused_with_a_reason(instance_type, words):
    assert words in (catalog.instance_type_problem(instance_type) or "")


def test_check_values_reports_the_field_path():
    data = {**SAGEMAKER, "variants": [SAGEMAKER["variants"][0] | {"weight": 50},
                                      SAGEMAKER["variants"][0] | {"name": "b", "weight": 50,
                                                                  "instance_type": "ml.m5.huge"}]}
    gaps = tr.check_values(parse_spec(data))
    assert [(g.path, g.feature) for g in gaps] == [("variants[1].instance_type", "instance_type")]
    assert "ml.m5.large" in gaps[0].reason


def test_the_emulator_validates_against_the_same_catalog():
    from emulators.sagemaker.validation import ValidationError, valid_instance_types, validate_instance_type

    assert valid_instance_types() == catalog.instance_types()
    assert len(catalog.instance_types()) > 100
    validate_instance_type("ml.g5.xlarge", "productionVariants.1.member.instanceType")
    with pytest.raises(ValidationError, match="ml.m5.huge"):
        validate_instance_type("ml.m5.huge", "productionVariants.1.member.instanceType")


def test_importing_the_catalog_imports_no_sdk():
    code = ("import sys, adapters.sagemaker.catalog, adapters.sagemaker.translate; "
            "sys.exit(1 if 'botocore' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
