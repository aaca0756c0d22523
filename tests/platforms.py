"""The tests' one per-platform registry: :data:`core.targets.PLATFORMS` seen from the tests.

Each :class:`TestPlatform` says where the suites find one platform's test material, as
``module:attribute`` paths (loaded on use, so collecting a suite imports only the SDKs it needs):
its contract environment (``tests/contract``: the adapter contract, the drift matrix, ownership,
the check bench), its fault-test data (``tests/faults``), its Terraform test data
(``tests/terraform``) and its durability cloud (``tests/durability``: kill -9 at every phase).
``tests/conftest.py`` makes the emulator fixtures of every platform listed here:
``<platform>_emulator_session`` (one per session), ``<platform>_emulator`` (reset around each test)
and ``<platform>_api`` (the API in sandbox mode against it).

A platform of :data:`core.targets.PLATFORMS` missing here, or an entry for an unknown platform,
fails at import, so every suite fails to collect instead of silently leaving a platform out.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from core.targets import PLATFORMS

__all__ = ["TestPlatform", "TEST_PLATFORMS", "NAMES", "load", "emulator_fixture", "session_fixture"]


@dataclass(frozen=True)
class TestPlatform:
    """One platform's test material (see the module docstring); each field a ``module:attribute``."""

    __test__ = False  # not a test class, whatever pytest's name rules say

    name: str
    contract_env: str
    faults: str
    terraform: str
    durability: str


def load(path: str) -> Any:
    """The object at ``module:attribute``."""
    module, attribute = path.split(":", 1)
    return getattr(importlib.import_module(module), attribute)


def emulator_fixture(platform: str) -> str:
    """The conftest fixture that yields ``platform``'s emulator, reset before and after the test."""
    return f"{platform}_emulator"


def session_fixture(platform: str) -> str:
    """The session-scoped conftest fixture behind :func:`emulator_fixture` (not reset per test)."""
    return f"{platform}_emulator_session"


TEST_PLATFORMS: Mapping[str, TestPlatform] = MappingProxyType({p.name: p for p in (
    TestPlatform("sagemaker", contract_env="tests.contract.env_sagemaker:SageMakerEnv",
                 faults="tests.faults.platforms:SAGEMAKER", terraform="tests.terraform.platforms:SAGEMAKER",
                 durability="tests.durability.clouds:SageMaker"),
    TestPlatform("vertex", contract_env="tests.contract.env_vertex:VertexEnv",
                 faults="tests.faults.platforms:VERTEX", terraform="tests.terraform.platforms:VERTEX",
                 durability="tests.durability.clouds:Vertex"),
    TestPlatform("azureml", contract_env="tests.contract.env_azureml:AzureMLEnv",
                 faults="tests.faults.platforms:AZUREML", terraform="tests.terraform.platforms:AZUREML",
                 durability="tests.durability.clouds:AzureML"),
)})

if set(TEST_PLATFORMS) != set(PLATFORMS):
    raise ImportError(
        f"tests/platforms.py must list exactly the platforms of core.targets.PLATFORMS: missing "
        f"{sorted(set(PLATFORMS) - set(TEST_PLATFORMS))}, unknown {sorted(set(TEST_PLATFORMS) - set(PLATFORMS))}")

NAMES: tuple[str, ...] = tuple(PLATFORMS)
"""Every platform, in the registry's order (the parametrisation of every per-platform suite)."""
