"""Offline Azure ML emulator: an HTTPS fake of ARM for managed online endpoints, plus a data plane.

Start one with :class:`AzureMLEmulator`, point azure-ai-ml's real ``MLClient`` at it (see
:mod:`emulators.azureml.server`) and drive it with :class:`AzureMLControl`::

    with AzureMLEmulator(progression={"progression": "manual", "times": 1}) as emu:
        emu.control.fail_endpoint("my-endpoint", on="create", reason="Not enough quota")

Modules (routes / handlers / backend, the moto split): ``server`` (the emulator), ``tls``,
``routes`` (URL table, auth, api-version, faults, dispatch), ``handlers`` (HTTP only),
``backend`` (state + rules: ``core``, ``endpoints``, ``deployments``, ``assets``, ``scoring``),
``schema`` (strict validation against azure-ai-ml's REST models), ``rules`` (Azure's limits),
``secret_refs`` (secret injection references in environment variables),
``lifecycle`` (operations and progression), ``shapes`` (ARM JSON), ``state``, ``errors``,
``faults``, ``control`` / ``control_api`` (control API client / server).
"""

from .control import AzureMLControl, ControlAPIError
from .server import AzureMLEmulator

__all__ = ["AzureMLControl", "AzureMLEmulator", "ControlAPIError"]
