"""Infrastructure shared by the emulators (SageMaker, Vertex AI, Azure ML).

Only what is the same for every provider lives here; error shapes, headers, TLS and moto stay in
each emulator. Modules:

- ``server``: :class:`LoopbackServer`, a threaded werkzeug server on a loopback address;
- ``control``: :class:`ControlClient`, base of the control API clients with the one control
  vocabulary (progression, failures, predictions, faults, drift, calls, reset), and
  :class:`ControlAPIError`;
- ``control_api``: :class:`ControlAPIBase`, the server side of the control API (shared routes, JSON);
- ``faults``: :class:`FaultInjector`, :class:`Trigger` (when a fault fires: ``count``,
  ``probability``, ``seed``), :class:`RequestFault` (what it matches and does),
  :func:`parse_fault` and :func:`serve_fault` (latency, drop, error, optionally after the request
  was processed);
- ``behaviour``: :class:`Behaviour`, the registry of configured failures and canned predictions;
- ``calls``: :class:`CallCounter`, requests answered per API operation;
- ``progression``: :class:`Progression` and :func:`parse_progression`;
- ``wsgi``: small WSGI helpers (dropping a connection, status lines).
"""

__all__: list[str] = []
