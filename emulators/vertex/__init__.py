"""Offline Vertex AI emulator: the v1 REST API the GAPIC clients speak, with lifecycle, faults and a
control API.

Start one with :class:`VertexEmulator` and drive it with :class:`VertexControl`::

    with VertexEmulator(progression={"progression": "manual", "times": 1}) as emulator:
        client = aiplatform_v1.EndpointServiceClient(
            transport="rest", client_options=ClientOptions(api_endpoint=emulator.url),
            credentials=AnonymousCredentials())
        emulator.control.fail_endpoint("my-endpoint", on="create", reason="No capacity")

Modules, by role (the same file names as the other emulators where they have the role):

- ``server``: :class:`VertexEmulator`, the loopback server;
- ``routes``: URL -> handler table and the WSGI front (control API, faults, call counts);
- ``handlers``: HTTP only (transcoding into the real request protos, answering);
- ``backend``: state + rules entry point (:class:`~emulators.vertex.backend.VertexBackend`: the
  services and the ``google.longrunning`` methods);
- ``state``: resources, operations and settings of one emulator;
- ``lifecycle``: long-running operations and how they progress;
- ``control`` / ``control_api``: the control API's Python client / HTTP server;
- ``faults``: Google error answers of injected faults;
- ``errors``: Google's error codes and JSON error bodies;
- services (state + rules, one per API family): ``models``, ``endpoints``, ``deployments``,
  ``prediction``, ``secrets`` (Secret Manager on the same server, for ``gcp_secret_manager``
  env values), ``listing`` (filters, paging);
- ``behaviour``: configured failures and prediction responses;
- rules and wire helpers: ``validation``, ``machines``, ``names``, ``wire`` (strict proto JSON),
  ``known_methods`` (methods that exist but are not emulated).
"""

from .control import ControlAPIError, VertexControl
from .server import VertexEmulator

__all__ = ["ControlAPIError", "VertexControl", "VertexEmulator"]
