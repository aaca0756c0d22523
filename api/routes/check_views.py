"""The documented shapes of the check routes' answers (OpenAPI only: the routes return plain dicts,
so a key added to an answer is never filtered out; these models say what every answer has).

Each change is a :class:`core.diff.Change`: ``path``, ``provider_field``, ``expected``, ``actual``,
``severity`` and ``unreadable`` (why the live value could not be read: ``actual`` is then None and
is not a live value), plus what the check record adds to it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from core.diff import Change

__all__ = ["CheckView", "CheckHistory", "LiveView", "RecordedChange", "FleetSummary", "FleetCheck", "PlatformCounts",
           "WorstDeployment", "EventView", "EventList"]


class RecordedChange(Change):
    """A change as a check records it: the :class:`core.diff.Change` fields plus when and by which
    check it was observed (core.checks.record_coverage)."""

    observed_at: str | None = Field(default=None, description="When the read that observed it began.")
    check_id: int | None = Field(default=None, description="The check that observed it.")
    mode: str | None = Field(default=None, description="That check's mode (basic or full).")
    carried: bool = Field(default=False, description="This check did not read the path: the change is "
                          "carried from the check that did (`check_id`), not cleared.")
    revision: str | None = Field(default=None, description="The expected revision it was judged against.")


class CheckView(BaseModel):
    """One recorded check: the deployment's merged state after it (sync and changes include drift
    carried from earlier checks at paths this one did not read)."""

    id: int = Field(description="Check id (increasing).")
    deployment: str
    mode: str = Field(description="basic or full.")
    trigger: str = Field(description="manual, scheduled, operation ...")
    health: str
    sync: str
    revision_expected: str | None
    revision_live: str | None
    changes: list[RecordedChange] = Field(description="The drifted fields, observed or carried; an "
                                          "unreadable one names why in `unreadable`.")
    unobserved: list[str] | None = Field(description="Spec path globs this check did not read (its coverage).")
    patch: list[dict[str, Any]] = Field(description="RFC 6902 JSON Patch from the stored spec to live "
                                        "(never touches an unreadable field).")
    error: dict[str, Any] | None = Field(description="The provider error that made the check fail, if any.")
    duration_ms: float
    checked_at: str


class CheckHistory(BaseModel):
    """A page of check history, newest first."""

    checks: list[CheckView]
    next_before: int | None = Field(description="Pass as `before` for the next page; None on the last.")


class LiveView(BaseModel):
    """A full check's view of the live endpoint in the spec's shape."""

    name: str
    platform: str
    exists: bool
    health: str
    sync: str
    revision: str | None
    expected_revision: str | None
    spec: dict[str, Any] | None = Field(description="The stored spec with the live values of the drifted "
                                        "fields; an unreadable field keeps its expected value.")
    changes: list[Change]
    unreadable: dict[str, str] = Field(description="Spec paths whose live value could not be read -> why.")
    patch: list[dict[str, Any]]
    provider_ids: dict[str, Any]
    invoke_url: str | None
    checked_at: str


class PlatformCounts(BaseModel):
    total: int
    down: int = Field(description="failed, missing or degraded.")
    out_of_sync: int


class WorstDeployment(BaseModel):
    name: str
    platform: str
    health: str
    sync: str
    status_message: str | None
    observed_at: str | None


class FleetSummary(BaseModel):
    """Fleet counts by health, sync and platform (within the key's scope), worst deployments first."""

    total: int
    by_health: dict[str, int] = Field(description="health -> deployments.")
    by_sync: dict[str, int] = Field(description="sync -> deployments.")
    by_platform: dict[str, PlatformCounts]
    worst: list[WorstDeployment] = Field(description="Down first, then out of sync, then the longest unobserved.")


class FleetCheck(BaseModel):
    """A check of every deployment (``deploy-anywhere check --all``)."""

    checked: int
    results: list[CheckView]
    summary: FleetSummary = Field(description="The fleet after the checks (`worst` left empty).")


class EventView(BaseModel):
    """A health or sync transition, or a remediation (the webhook payload)."""

    id: int
    type: str = Field(description="health, sync, remediation ...")
    deployment: str
    previous: str | None
    current: str
    time: str
    data: dict[str, Any] = Field(description="health, sync, revisions, the check that saw it ...")


class EventList(BaseModel):
    events: list[EventView]
