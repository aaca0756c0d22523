"""Per-platform data of the provider-fault tests: how to inject each kind of fault into a platform's
emulator, what its throttling error says, and what one deployment leaves on the provider.

A platform joins tests/faults with one :class:`FaultPlatform` here, named by its entry in
tests/platforms.py (``faults``); the tests never change. Every fault is the emulator's own control
API (``emulator.control.inject_fault``, one vocabulary for the three emulators:
:mod:`emulators.common.faults`); the probabilistic ones are seeded, so a run is repeatable for the
same sequence of requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.platforms import NAMES, TEST_PLATFORMS, emulator_fixture, load

__all__ = ["FaultPlatform", "PLATFORMS", "Kind", "SAGEMAKER", "VERTEX", "AZUREML"]

Kind = str
"""A fault kind: ``throttle``, ``server_error``, ``drop``, ``lost_answer``, ``latency``.

Azure ML's throttling and 5xx answers carry only ``retry-after-ms: 20`` (azure-core honours it when
there is no ``Retry-After``): azure-core would otherwise back off 0, 1, 2 s per refused attempt,
and ``Retry-After: 0`` counts as absent to it. ``test_retry_after_is_honoured`` uses ``Retry-After``."""

FAST_VERTEX_CALLS = {"timeout": 10.0, "initial": 0.01, "maximum": 0.05, "deadline": 1.0}
"""Vertex AI's per-call retry budget in these tests (default: 20 s per call; the same retries)."""


@dataclass(frozen=True)
class FaultPlatform:
    """How the tests drive one platform's emulator.

    ``fixture``: the conftest fixture yielding the (reset) emulator; ``api_entry``: its entry in the
    service's emulators file; ``effects``: fault kind -> the ``inject_fault`` keyword arguments of
    that effect (what it answers); ``everywhere``: the arguments that make a fault match every
    control-plane request; ``deploy_call``: the arguments matching only the request that creates
    the serving part (after the models exist), for a rollout that fails half way; ``throttle_words``:
    what a throttling failure's message must contain (the provider's code or words);
    ``resources``: kind (``endpoint``, ``model``...) -> how many one deployment of the contract spec
    leaves (``ContractEnv.resources``).
    """

    name: str
    api_entry: Callable[[Any], dict[str, Any]]
    effects: dict[Kind, dict[str, Any]]
    everywhere: dict[str, Any]
    deploy_call: dict[str, Any]
    throttle_words: tuple[str, ...]
    resources: dict[str, int]
    retry_after_call: dict[str, Any] = field(default_factory=dict)
    """Matches one early write (retried by the SDK, then by core) for the Retry-After check."""
    retry_after_1s: dict[str, Any] = field(default_factory=dict)
    """A throttling answer that asks the client to wait 1 s (and nothing shorter)."""

    @property
    def fixture(self) -> str:
        """The conftest fixture that yields this platform's emulator, reset (tests/platforms.py)."""
        return emulator_fixture(self.name)

    def inject(self, emulator: Any, kind: Kind, **trigger: Any) -> None:
        """Inject a fault of ``kind`` on every control-plane request (``trigger``: count,
        probability, seed, and any override)."""
        emulator.control.inject_fault(**(self.everywhere | self.effects[kind] | trigger))


SAGEMAKER = FaultPlatform(
    name="sagemaker",
    api_entry=lambda emu: {"url": emu.url},
    effects={
        "throttle": {"code": "ThrottlingException", "status": 400},
        "server_error": {"code": "ServiceUnavailable", "status": 503},
        "drop": {"drop": True},
        "lost_answer": {"drop": True, "after": True},
        "latency": {"status": 0, "delay": 0.2},
    },
    everywhere={"service": "*"},
    deploy_call={"operation": "CreateEndpoint"},
    retry_after_call={"operation": "CreateModel"},
    retry_after_1s={"code": "ThrottlingException", "status": 400, "retry_after": 1},
    throttle_words=("ThrottlingException", "Rate exceeded"),
    resources={"endpoint": 1, "endpoint-config": 1, "model": 2, "scalable-target": 1},
)

VERTEX = FaultPlatform(
    name="vertex",
    api_entry=lambda emu: {"url": emu.url, "call_policy": FAST_VERTEX_CALLS},
    effects={
        "throttle": {"status": 429},
        "server_error": {"status": 503},
        "drop": {"drop": True},
        "lost_answer": {"drop": True, "after": True},
        "latency": {"status": 0, "delay": 0.2},
    },
    everywhere={},
    deploy_call={"operation": "DeployModel"},
    retry_after_call={"operation": "UploadModel"},
    retry_after_1s={"status": 429, "retry_after": 1},
    throttle_words=("429", "RESOURCE_EXHAUSTED", "Quota exceeded"),
    resources={"endpoint": 1, "deployed-model": 2, "model": 2},
)

AZUREML = FaultPlatform(
    name="azureml",
    api_entry=lambda emu: {"url": emu.url, "ca_file": str(emu.ca_file)},
    effects={
        "throttle": {"status": 429, "retry_after": None, "retry_after_ms": 20},
        "server_error": {"status": 503, "retry_after": None, "retry_after_ms": 20},
        "drop": {"drop": True},
        "lost_answer": {"drop": True, "after": True},
        "latency": {"status": 0, "delay": 0.2, "retry_after": None},
    },
    everywhere={},
    deploy_call={"operation": "PutDeployment"},
    retry_after_call={"method": "PUT", "path_contains": "/onlineEndpoints/"},
    retry_after_1s={"status": 429, "retry_after": 1},
    throttle_words=("TooManyRequests", "throttled"),
    resources={"endpoint": 1, "deployment": 2, "autoscale": 1},
)

PLATFORMS: list[FaultPlatform] = [load(TEST_PLATFORMS[name].faults) for name in NAMES]
"""Every platform of tests/platforms.py, in the registry's order."""
