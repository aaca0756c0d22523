"""Step 2 of a check, judge: expected spec vs :class:`LiveEndpoint` -> health, sync and drift.

Pure. The revision stamp is compared first (a foreign or older revision is material drift at path
``revision``); then every field through :func:`core.diff.diff`, ignoring what the platform cannot
read back (``Capabilities.unobservable``), what this describe did not read (``live.unobserved``) and
the deployment's own ignore rules (``spec.sync_policy.ignore`` plus any passed in ``ignore``).
Endpoint-level fields a platform keeps per variant are compared on every variant
(``live.variant_overrides``), a change naming the variant in its provider field. A value the
adapter could not read (``live.unreadable``) is one change with the reason, never compared
(:mod:`core.unreadable`); a live endpoint without variants is out of sync, each variant missing.
Foreign sub-resources (``live.unmanaged``) are one change each at ``unmanaged[<provider id>]``
(:func:`core.ownership.unmanaged_changes`), also when the config could not be read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core import unreadable
from core.adapter import Capabilities
from core.diff import Change, Drift, Severity, diff
from core.diff import matches as _ignored
from core.live import Health, LiveEndpoint, Sync
from core.ownership import unmanaged_changes
from core.spec import EndpointSpec, revision
from core.store.records import DeploymentRecord

__all__ = ["CheckOutcome", "judge", "judge_deployment", "unobserved_paths", "EVERYTHING"]


@dataclass(frozen=True)
class CheckOutcome:
    """``unobserved``: the spec path globs this check did not read (a basic check reads fewer);
    drift found at those paths earlier is carried, not cleared (:mod:`core.checks.record_coverage`)."""

    health: Health
    sync: Sync
    drift: Drift
    revision_expected: str
    revision_live: str | None
    status_message: str | None
    unobserved: tuple[str, ...] = ()


EVERYTHING = ("*",)
"""The coverage of a check that read no configuration (unreadable live config)."""


def unobserved_paths(spec: EndpointSpec, live: LiveEndpoint) -> tuple[str, ...]:
    """The spec path globs ``live`` did not read: its ``unobserved`` globs, plus its
    ``fixed_scale_only`` ones for every variant the spec autoscales (min < max: the count read is
    the autoscaler's, not a bound)."""
    out = set(live.unobserved)
    if live.fixed_scale_only:
        for variant in spec.variants:
            if variant.min_replicas != variant.max_replicas:
                prefix = f"variants[{variant.name}]"
                out |= {p.replace("variants[*]", prefix, 1) for p in live.fixed_scale_only}
    return tuple(sorted(out))


def _variant_overrides(expected: dict[str, Any], live: LiveEndpoint, skip: list[str], caps: Capabilities, *,
                       already: list[Change]) -> list[Change]:
    """Changes of endpoint-level fields as one variant's resource holds them
    (:attr:`LiveEndpoint.variant_overrides`), each naming the variant in its provider field; a
    change already reported with the same path and value is not repeated."""
    seen = {(c.path, repr(c.actual)) for c in already}
    out: list[Change] = []
    for variant, fields in sorted(live.variant_overrides.items()):
        for c in diff(expected, fields, ignore=skip, only=fields, provider_fields=caps.provider_fields).changes:
            if (c.path, repr(c.actual)) in seen:
                continue
            seen.add((c.path, repr(c.actual)))
            where = f"variant {variant}"
            out.append(c.model_copy(update={"provider_field": f"{c.provider_field} ({where})" if c.provider_field
                                            else where}))
    return out


def judge(spec: EndpointSpec, live: LiveEndpoint | None, caps: Capabilities, *,
          ignore: Iterable[str] = ()) -> CheckOutcome:
    """Judge ``live`` (None: the endpoint is missing) against ``spec`` (module docstring);
    ``ignore``: path globs to skip besides the spec's own ``sync_policy.ignore``."""
    expected_rev = revision(spec)
    if live is None:
        return CheckOutcome(Health.MISSING, Sync.OUT_OF_SYNC, Drift(changes=[
            Change(path="endpoint", expected=spec.name, actual=None, severity=Severity.MATERIAL)]),
            expected_rev, None, "the endpoint does not exist on the provider")
    changes: list[Change] = []
    if live.revision != expected_rev and not _ignored("revision", spec.sync_policy.ignore):
        changes.append(Change(path="revision", expected=expected_rev, actual=live.revision,
                              severity=Severity.MATERIAL))
    foreign = unmanaged_changes(live.unmanaged, ignore=[*spec.sync_policy.ignore, *ignore])
    if live.config is None:
        changes.extend(foreign)
        return CheckOutcome(live.health, Sync.OUT_OF_SYNC if foreign else Sync.UNKNOWN, Drift(changes=changes),
                            expected_rev,
                            live.revision, live.failure_reason or "the live configuration is unreadable",
                            EVERYTHING)
    expected = spec.config
    unobserved = unobserved_paths(spec, live)
    skip = [*caps.unobservable, *unobserved, *spec.sync_policy.ignore, *ignore]
    changes.extend(diff(expected, live.config, ignore=skip, provider_fields=caps.provider_fields).changes)
    changes.extend(_variant_overrides(expected, live, skip, caps, already=changes))
    changes = unreadable.reported(expected, changes, live.unreadable, ignore=skip,
                                  provider_fields=caps.provider_fields)
    changes.extend(foreign)  # foreign sub-resources: their own items, never a spec field's value
    sync = Sync.IN_SYNC if not changes else Sync.OUT_OF_SYNC
    message = live.failure_reason or (f"{len(changes)} field(s) differ" if changes else None)
    if message and not live.failure_reason and (unread := unreadable.summary(changes)):
        message = f"{message}; {unread}"
    return CheckOutcome(live.health, sync, Drift(changes=changes), expected_rev, live.revision, message,
                        unobserved)


def judge_deployment(dep: DeploymentRecord, spec: EndpointSpec, live: LiveEndpoint | None,
                     caps: Capabilities) -> CheckOutcome:
    """:func:`judge` for a stored deployment: one whose first rollout was rolled back
    (``not_deployed``) and that still has nothing live stays ``not_deployed`` with its message,
    sync ``unknown``: nothing live is its expected state, not a missing endpoint."""
    outcome = judge(spec, live, caps)
    if live is None and dep.health == Health.NOT_DEPLOYED.value:
        return CheckOutcome(Health.NOT_DEPLOYED, Sync.UNKNOWN, Drift(), outcome.revision_expected, None,
                            dep.status_message)
    return outcome
