"""Endpoint lifecycle: the status machine behind Creating/Updating/Deleting/Failed.

Each endpoint created through the emulator carries an :class:`EndpointLifecycle`. A phase starts in a
transitional status and ends in a target status:

- ``create``: ``Creating`` -> ``InService``; or ``Failed`` + ``FailureReason`` if a failure is
  configured for the endpoint with ``on="create"``.
- ``update``: ``Updating`` -> ``InService`` on the NEW config (variants, data capture...); or, with an
  ``on="update"`` failure, ``InService`` on the OLD config + ``FailureReason`` (a rolled-back update,
  as real SageMaker reports it).
- ``weights`` (UpdateEndpointWeightsAndCapacities): ``Updating`` -> ``InService``; the variants'
  ``Current*`` take their ``Desired*`` values.
- ``delete``: ``Deleting`` -> gone (removed from moto's backend).

When a phase advances is decided by moto's state manager under the model name
:data:`ENDPOINT_MODEL` (``"sagemaker::endpoint"``), so moto's standard
``POST /moto-api/state-manager/set-transition`` API drives it as well as the emulator's control API:

- ``{"progression": "manual", "times": n}`` (default, ``n = 1``): the phase ends after ``n`` reads
  (DescribeEndpoint, or ListEndpoints listing the endpoint). A read reports the status *then* counts,
  so with ``n = 1`` the first DescribeEndpoint after CreateEndpoint says ``Creating``, the second
  ``InService``.
- ``{"progression": "time", "seconds": s}``: the phase ends once ``s`` seconds have passed (seen by the
  next operation on the endpoint).
- ``{"progression": "immediate"}``: the phase ends at the next operation on the endpoint.

Every operation on an endpoint calls :func:`observe` first (reads with ``read=True``), under
:data:`LOCK`, which serialises the emulator's endpoint operations.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from moto.core.utils import utcnow
from moto.moto_api import state_manager
from moto.moto_api._internal.managed_state_model import ManagedState

from ..common import progression as common_progression
from .state import BEHAVIOUR

__all__ = [
    "DEFAULT_PROGRESSION",
    "ENDPOINT_MODEL",
    "LOCK",
    "EndpointLifecycle",
    "EndpointStatusMachine",
    "PendingChange",
    "Phase",
    "current_progression",
    "ensure_lifecycle",
    "lifecycle_of",
    "observe",
    "parse_progression",
    "register_default_progression",
    "set_progression",
    "start_phase",
    "use_default_progression",
]

ENDPOINT_MODEL = "sagemaker::endpoint"
"""Model name of SageMaker endpoints in moto's state manager."""

DEFAULT_PROGRESSION: dict[str, Any] = {"progression": "manual", "times": 1}

LOCK = threading.RLock()
"""Serialises the emulator's endpoint operations (the werkzeug server is threaded)."""

Phase = Literal["create", "update", "weights", "delete"]

_PHASE_STATUSES: dict[str, tuple[str, str]] = {
    "create": ("Creating", "InService"),
    "update": ("Updating", "InService"),
    "weights": ("Updating", "InService"),
    "delete": ("Deleting", "Deleted"),
}

_LIFECYCLE_ATTR = "_emulator_lifecycle"


# --------------------------------------------------------------------------------------------------
# Progression (moto state-manager transition for ENDPOINT_MODEL)
# --------------------------------------------------------------------------------------------------


def parse_progression(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a progression spec and return moto's transition dict for it.

    Accepts ``{"progression": "immediate"}``, ``{"progression": "manual", "times": n}`` (int ``n >= 1``,
    default 1) and ``{"progression": "time", "seconds": s}`` (number ``s >= 0``, default 0); other
    fields are ignored (:func:`emulators.common.progression.parse_progression`, not strict).
    Raises ``ValueError`` with a message fit for a 400 answer otherwise.
    """
    if spec is None:
        raise ValueError("progression must be a JSON object")
    return common_progression.parse_progression(spec, strict=False).as_dict()


def register_default_progression() -> None:
    """Register :data:`DEFAULT_PROGRESSION` as moto's default for :data:`ENDPOINT_MODEL` (idempotent)."""
    state_manager.register_default_transition(ENDPOINT_MODEL, dict(DEFAULT_PROGRESSION))


def set_progression(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``spec`` (see :func:`parse_progression`), make it the current progression, return it."""
    transition = parse_progression(spec)
    state_manager.set_transition(ENDPOINT_MODEL, transition)
    return transition


def use_default_progression() -> None:
    """Drop any progression set by the user; :data:`DEFAULT_PROGRESSION` applies again."""
    state_manager.unset_transition(ENDPOINT_MODEL)


def current_progression() -> dict[str, Any]:
    """The transition moto's state manager currently applies to endpoints."""
    return dict(state_manager.get_transition(ENDPOINT_MODEL))


# --------------------------------------------------------------------------------------------------
# Per-endpoint state
# --------------------------------------------------------------------------------------------------


class EndpointStatusMachine(ManagedState):
    """moto ``ManagedState`` with one transition at a time: ``(status, target)`` of the current phase."""

    def __init__(self, status: str, target: str) -> None:
        super().__init__(ENDPOINT_MODEL, [(status, target)])

    def begin(self, status: str, target: str) -> None:
        """Start a new phase in ``status``; it progresses to ``target`` per the current progression."""
        self._transitions = [(status, target)]
        self._status = status
        self._tick = 0
        self._time_progressed = datetime.now()


@dataclass
class PendingChange:
    """What an ``update`` or ``weights`` phase applies when it ends.

    For ``update``: the new config name, the variant summaries and data capture config the endpoint
    will have, the new config's optional parts (async/explainer/shadow), the deployment config, and
    the ``PendingDeploymentSummary`` DescribeEndpoint shows meanwhile.
    For ``weights``: nothing (the Desired* values are already on the variants).
    """

    config_name: str | None = None
    variants: list[dict[str, Any]] = field(default_factory=list)
    data_capture_config: dict[str, Any] = field(default_factory=dict)
    config_extras: dict[str, Any] = field(default_factory=dict)
    deployment_config: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    instance_types: dict[str, str | None] = field(default_factory=dict)


@dataclass
class EndpointLifecycle:
    """Emulator state attached to a moto ``FakeEndpoint``.

    ``config_extras`` holds the optional parts of the current endpoint config that DescribeEndpoint
    reports (``AsyncInferenceConfig``, ``ExplainerConfig``, ``ShadowProductionVariants``).
    """

    machine: EndpointStatusMachine
    phase: Phase | None
    pending: PendingChange | None = None
    config_extras: dict[str, Any] = field(default_factory=dict)
    last_deployment_config: dict[str, Any] | None = None
    instance_types: dict[str, str | None] | None = None
    """Variant -> instance type of the config the endpoint runs, kept by the endpoint itself: SageMaker
    lets the endpoint config be deleted while the endpoint runs it (None: created by plain moto)."""


def lifecycle_of(endpoint: Any) -> EndpointLifecycle | None:
    """The lifecycle attached to a moto ``FakeEndpoint``; None for endpoints plain moto created."""
    return getattr(endpoint, _LIFECYCLE_ATTR, None)


def ensure_lifecycle(endpoint: Any) -> EndpointLifecycle:
    """The endpoint's lifecycle; an endpoint plain moto created gets one, idle in its current status."""
    lifecycle = lifecycle_of(endpoint)
    if lifecycle is None:
        status = endpoint.endpoint_status
        lifecycle = EndpointLifecycle(machine=EndpointStatusMachine(status, status), phase=None)
        setattr(endpoint, _LIFECYCLE_ATTR, lifecycle)
    return lifecycle


def start_phase(endpoint: Any, phase: Phase, pending: PendingChange | None = None) -> EndpointLifecycle:
    """Put ``endpoint`` into the transitional status of ``phase`` (attaching a lifecycle if needed)."""
    status, target = _PHASE_STATUSES[phase]
    lifecycle = lifecycle_of(endpoint)
    if lifecycle is None:
        lifecycle = EndpointLifecycle(machine=EndpointStatusMachine(status, target), phase=phase)
        setattr(endpoint, _LIFECYCLE_ATTR, lifecycle)
    lifecycle.machine.begin(status, target)
    lifecycle.phase = phase
    lifecycle.pending = pending
    endpoint.endpoint_status = status
    endpoint.last_modified_time = utcnow()
    return lifecycle


def observe(backend: Any, endpoint: Any, *, read: bool) -> bool:
    """Bring ``endpoint`` up to date with its progression; return False if it is now gone.

    ``read=True`` counts the call as one read for the ``manual`` progression (DescribeEndpoint,
    ListEndpoints). Must be called with :data:`LOCK` held.
    """
    lifecycle = lifecycle_of(endpoint)
    if lifecycle is None or lifecycle.phase is None:
        return True
    status = lifecycle.machine.status
    _, target = _PHASE_STATUSES[lifecycle.phase]
    if status == target:
        _complete_phase(backend, endpoint, lifecycle)
        if endpoint.endpoint_name not in backend.endpoints:
            return False
    if read:
        lifecycle.machine.advance()
    return True


def _complete_phase(backend: Any, endpoint: Any, lifecycle: EndpointLifecycle) -> None:
    phase, pending = lifecycle.phase, lifecycle.pending
    lifecycle.phase = None
    lifecycle.pending = None
    endpoint.last_modified_time = utcnow()
    name = endpoint.endpoint_name

    if phase == "delete":
        if backend.endpoints.get(name) is endpoint:
            del backend.endpoints[name]
        return

    final_status = "InService"
    if phase == "create":
        failure = BEHAVIOUR.failure(name, "create")
        if failure is not None:
            final_status = "Failed"
            endpoint.failure_reason = failure.reason
    elif phase == "update":
        failure = BEHAVIOUR.failure(name, "update")
        if failure is not None:
            endpoint.failure_reason = failure.reason  # rolled back: old config stays
        elif pending is not None:
            endpoint.endpoint_config_name = pending.config_name
            endpoint.production_variants = pending.variants
            endpoint.data_capture_config = pending.data_capture_config
            lifecycle.config_extras = pending.config_extras
            lifecycle.last_deployment_config = pending.deployment_config
            lifecycle.instance_types = dict(pending.instance_types)
    elif phase == "weights":
        for variant in endpoint.production_variants:
            if "DesiredWeight" in variant:
                variant["CurrentWeight"] = variant["DesiredWeight"]
            if "DesiredInstanceCount" in variant:
                variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"]

    endpoint.endpoint_status = final_status
    lifecycle.machine.status = final_status
