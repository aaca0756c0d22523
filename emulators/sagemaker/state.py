"""The emulator's own state: configured endpoint failures and canned invocation responses.

Process-global, like moto's backends (which hold the SageMaker resources): two emulators in one
process share it. Entries are keyed by endpoint *name* and apply in every account and region
(:class:`~emulators.common.behaviour.Behaviour`, thread-safe).

Contracts
---------
- A failure with ``on="create"`` makes CreateEndpoint of that name end ``Failed`` with the given
  ``FailureReason``; ``on="update"`` makes UpdateEndpoint of that name roll back (endpoint back
  ``InService`` on its old config, ``FailureReason`` set). Every one until cleared, or the next one
  only (``once``). Failures are looked up when the transition ends
  (:mod:`emulators.sagemaker.lifecycle`), so one configured while the endpoint is ``Creating`` or
  ``Updating`` still applies.
- A canned response replaces the default prediction of InvokeEndpoint for that name until cleared
  (:mod:`emulators.sagemaker.invoke`): status 200 answers its body and content type, any other
  status SageMaker's ``ModelError``.
"""

from __future__ import annotations

from ..common.behaviour import Behaviour

__all__ = ["BEHAVIOUR"]

BEHAVIOUR = Behaviour()
"""The process-wide registry used by the emulator's moto extension and its control API."""
