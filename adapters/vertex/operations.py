"""Long-running operations: started by name, polled by name (so polling survives a restart).

An operation is identified only by its name (``projects/.../operations/...``): ``submit`` and
``finalize`` return the names they wait on in :class:`core.adapter.Progress`, the workflow stores
them durably and passes them back, and :func:`poll` reads each one with ``GetOperation``.
A finished operation with an error raises :class:`core.errors.DeploymentFailed` carrying Vertex's
message, so the user sees the provider's reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapters.vertex.client import Clients
from core.errors import DeploymentFailed, NotFound

__all__ = ["poll", "state", "name_of"]


def name_of(started: Any) -> str:
    """The operation name of what a GAPIC LRO method returned (an api_core Operation future)."""
    return str(started.operation.name)


def _kind(op: Any) -> str:
    """``DeployModel`` from metadata ``@type`` ``...DeployModelOperationMetadata``."""
    type_url = op.metadata.type_url if op.HasField("metadata") else ""
    kind = type_url.rsplit(".", 1)[-1].removesuffix("OperationMetadata")
    return kind or "operation"


def state(clients: Clients, name: str) -> tuple[bool, str | None]:
    """(done, error message or None) of one operation; an unknown operation counts as done."""
    try:
        op = clients.call("GetOperation", clients.endpoints.get_operation, {"name": name})
    except NotFound:
        return True, None  # expired or never recorded: the next read of the resource tells
    if not op.done:
        return False, None
    if op.HasField("error") and op.error.code != 0:
        return True, f"{_kind(op)}: {op.error.message or f'failed with code {op.error.code}'}"
    return True, None


def poll(clients: Clients, names: Iterable[str], *, what: str = "operation") -> list[str]:
    """The names still running; raises DeploymentFailed for the first one that failed."""
    running = []
    for name in names:
        done, error = state(clients, name)
        if error is not None:
            raise DeploymentFailed(f"Vertex AI {what} failed: {error}",
                                   details={"operation": name, "provider_message": error})
        if not done:
            running.append(name)
    return running
