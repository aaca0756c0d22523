"""Basic-check reads of Azure ML as ARM wire JSON, without azure-ai-ml's model layers (pure views).

A basic check reads an endpoint and its deployments. :class:`adapters.azureml.client.WireReader`
sends those two GETs through the SDK's own pipeline (credential, retry policy, the tests'
validating policies; the generated request builders, so the URL and api-version are the SDK's)
and skips the deserialization into REST models and entities, which costs more CPU than the rest
of a basic check. The JSON is read here into :class:`WireEndpoint` / :class:`WireDeployment`:
read-only views answering the entity attributes :mod:`adapters.azureml.reverse` reads, with the
entity conversion's value mappings (``authMode`` ``AADToken`` -> ``aad_token``, ``requestTimeout``
ISO 8601 -> milliseconds, ``sku.capacity`` -> ``instance_count``, a collection's
``dataCollectionMode`` -> ``enabled``). Full checks and every write keep using the entities.
tests/adapters/azureml/test_wire.py holds the two readings equal on every corpus spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["WireEndpoint", "WireDeployment", "duration_ms"]

_AUTH_MODES = {"aadtoken": "aad_token", "key": "key", "amltoken": "aml_token"}
_DURATION = re.compile(r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?"
                       r"(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def duration_ms(value: str | None) -> int | None:
    """An ISO 8601 duration (``PT1M``, ``PT0.5S``, ``P1DT2H``) in milliseconds; None if absent or
    not a day-time duration."""
    match = _DURATION.fullmatch(value or "")
    if not value or match is None:
        return None
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return round(1000 * (((parts["d"] * 24 + parts["h"]) * 60 + parts["m"]) * 60 + parts["s"]))


@dataclass(frozen=True)
class WireRequestSettings:
    max_concurrent_requests_per_instance: int | None
    request_timeout_ms: int | None


@dataclass(frozen=True)
class WireCollection:
    enabled: str
    """``"true"``/``"false"``, as the entity has it."""
    data: str | None


@dataclass(frozen=True)
class WireDataCollector:
    collections: dict[str, WireCollection]
    sampling_rate: float | None


@dataclass(frozen=True)
class WireEndpoint:
    """The attributes of an ``OnlineEndpoint`` entity that a basic check reads."""

    name: str
    id: str | None
    tags: dict[str, str]
    traffic: dict[str, int]
    auth_mode: str | None
    scoring_uri: str | None
    provisioning_state: str | None

    @classmethod
    def from_wire(cls, body: dict[str, Any]) -> WireEndpoint:
        props = body.get("properties") or {}
        auth = props.get("authMode")
        return cls(name=body["name"], id=body.get("id"), tags=dict(body.get("tags") or {}),
                   traffic={k: int(v) for k, v in (props.get("traffic") or {}).items()},
                   auth_mode=None if auth is None else _AUTH_MODES.get(str(auth).lower(), str(auth).lower()),
                   scoring_uri=props.get("scoringUri"), provisioning_state=props.get("provisioningState"))


@dataclass(frozen=True)
class WireDeployment:
    """The attributes of a ``ManagedOnlineDeployment`` entity that a basic check reads."""

    name: str
    tags: dict[str, str]
    provisioning_state: str | None
    environment: str | None
    model: str | None
    environment_variables: dict[str, str]
    instance_type: str | None
    instance_count: int | None
    request_settings: WireRequestSettings | None
    data_collector: WireDataCollector | None = field(default=None)

    @classmethod
    def from_wire(cls, body: dict[str, Any]) -> WireDeployment:
        props = body.get("properties") or {}
        settings = props.get("requestSettings")
        capacity = (body.get("sku") or {}).get("capacity")
        return cls(
            name=body["name"], tags=dict(body.get("tags") or {}),
            provisioning_state=props.get("provisioningState"), environment=props.get("environmentId"),
            model=props.get("model"), environment_variables=dict(props.get("environmentVariables") or {}),
            instance_type=props.get("instanceType"), instance_count=None if capacity is None else int(capacity),
            request_settings=None if settings is None else WireRequestSettings(
                max_concurrent_requests_per_instance=settings.get("maxConcurrentRequestsPerInstance"),
                request_timeout_ms=duration_ms(settings.get("requestTimeout"))),
            data_collector=_collector(props.get("dataCollector")))


def _collector(body: dict[str, Any] | None) -> WireDataCollector | None:
    """As ``DataCollector._from_rest_object``: the collector's sampling rate is its collections'."""
    if body is None:
        return None
    collections, rate = {}, None
    for key, c in (body.get("collections") or {}).items():
        rate = c.get("samplingRate")
        collections[key] = WireCollection(
            enabled="true" if str(c.get("dataCollectionMode") or "").lower() == "enabled" else "false",
            data=c.get("dataId"))
    return WireDataCollector(collections=collections, sampling_rate=rate)
