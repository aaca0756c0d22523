"""Offline Azure ML emulator: an HTTPS fake of ARM for managed online endpoints, plus a data plane.

Start one with :class:`AzureMLEmulator`, point azure-ai-ml's real ``MLClient`` at it (see
:mod:`emulators.azureml.server`) and drive it with :class:`AzureMLControl`::

    with AzureMLEmulator(progression={"progression": "manual", "times": 1}) as emu:
        emu.control.fail_endpoint("my-endpoint", on="create", reason="Not enough quota")

Modules, by role (the same file names as the other emulators where they have the role):

- ``server``: :class:`AzureMLEmulator`, the HTTPS loopback server (``tls``: its CA and certificate);
- ``routes``: URL -> handler table and the WSGI front (control API, auth, api-version, faults,
  call counts, request log); ``model_routes`` and ``autoscale_routes`` for the model registry and
  Azure Monitor autoscale settings;
- ``handlers``: HTTP only (parse, call the backend, answer ARM JSON and the data plane);
- ``backend``: state + rules entry point (:class:`~emulators.azureml.backend.AzureMLBackend`, the
  operation families as mixins over ``base``: ``endpoints``, ``deployments``, ``assets``,
  ``model_registry``, ``scoring``, plus ``autoscale``);
- ``base``: the backend's shared machinery (lock, workspaces, operations, validation);
- ``state``: plain data of one emulator (workspaces, endpoints, deployments, assets);
- ``lifecycle``: long-running operations and how they progress;
- ``control`` / ``control_api``: the control API's Python client / HTTP server;
- ``faults``: ARM error answers of injected faults;
- ``errors``: ARM errors;
- rules and shapes: ``schema`` / ``monitor_schema`` (strict validation against the SDKs' REST
  models), ``rules`` (Azure's limits), ``secret_refs`` (Key Vault references in environment
  variables), ``shapes`` (ARM JSON).
"""

from .control import AzureMLControl, ControlAPIError
from .server import AzureMLEmulator

__all__ = ["AzureMLControl", "AzureMLEmulator", "ControlAPIError"]
