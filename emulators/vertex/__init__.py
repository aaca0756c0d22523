"""Offline Vertex AI emulator: the v1 REST API the GAPIC clients speak, with lifecycle, faults and a
control API.

Start one with :class:`VertexEmulator` and drive it with :class:`VertexControl`::

    with VertexEmulator(progression={"progression": "manual", "times": 1}) as emulator:
        client = aiplatform_v1.EndpointServiceClient(
            transport="rest", client_options=ClientOptions(api_endpoint=emulator.url),
            credentials=AnonymousCredentials())
        emulator.control.fail_endpoint("my-endpoint", on="create", reason="No capacity")

Modules (the moto split: routes / handlers / backend):

- HTTP: ``server`` (the emulator), ``routes`` (URL table + WSGI app), ``handlers`` (transcoding),
  ``wire`` (strict proto JSON), ``control`` / ``control_api`` (control API client / server),
  ``faults``;
- backend: ``backend`` (facade + LRO methods), ``state``, ``operations`` (LROs and progression),
  ``models``, ``endpoints``, ``deployments``, ``prediction``, ``listing`` (filters, paging),
  ``secretmanager`` (Secret Manager's REST surface on the same server, for ``gcp_secret_manager``
  env values);
- rules: ``validation``, ``machines``, ``names``, ``errors``, ``behaviour`` (configured failures
  and prediction responses).
"""

from .control import ControlAPIError, VertexControl
from .server import VertexEmulator

__all__ = ["ControlAPIError", "VertexControl", "VertexEmulator"]
