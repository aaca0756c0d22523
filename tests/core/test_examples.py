"""Every example in examples/ is a valid spec that its platform can deploy (no gaps)."""

from pathlib import Path

import pytest

from core.adapter import find_gaps
from core.registry import adapter_class
from core.spec_io import load_spec

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def test_there_is_an_example_per_platform():
    assert {load_spec(p.read_text()).platform for p in EXAMPLES} == {"sagemaker", "vertex", "azureml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_deployable_on_its_platform(path):
    spec = load_spec(path.read_text())
    assert find_gaps(adapter_class(spec.platform), spec) == []
