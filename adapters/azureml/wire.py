"""Basic-check reads of Azure ML as ARM wire JSON, without azure-ai-ml's model layers.

A basic check reads an endpoint and its deployments. Through ``MLClient`` each answer is first
deserialized into the generated REST models, then converted into azure-ai-ml entities: profiling a
fleet pass put those two layers at about half of an Azure ML basic check's CPU. Here the same two
GETs go through the same SDK pipeline (credential, retry policy, the tests' validating policies;
the generated request builders, so the URL and api-version are the SDK's own) and the JSON is read
directly into :class:`WireEndpoint` / :class:`WireDeployment`: read-only views answering the entity
attributes :mod:`adapters.azureml.reverse` reads, with the entity conversion's value mappings
(``authMode`` ``AADToken`` -> ``aad_token``, ``requestTimeout`` ISO 8601 -> milliseconds,
``sku.capacity`` -> ``instance_count``, a collection's ``dataCollectionMode`` -> ``enabled``).
Full checks and every write keep using the entities. tests/adapters/azureml/test_wire.py holds
the two readings equal on every corpus spec.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

__all__ = ["WireEndpoint", "WireDeployment", "WireReader", "duration_ms"]

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


class WireReader:
    """GETs of one workspace's online endpoints and deployments, answered as wire JSON.
    ``endpoints`` / ``deployments``: the SDK's generated operation groups (their pipeline,
    configuration and request builders are used as the SDK uses them)."""

    def __init__(self, endpoints: Any, deployments: Any, *, resource_group: str, workspace: str) -> None:
        self._endpoints = endpoints
        self._deployments = deployments
        self._scope = {"resource_group_name": resource_group, "workspace_name": workspace}

    def endpoint(self, name: str) -> dict[str, Any]:
        """``GET .../onlineEndpoints/{name}`` (errors raised as the SDK raises them: a missing
        endpoint is ``ResourceNotFoundError``)."""
        return self._endpoints.get(endpoint_name=name, stream=True, cls=_json, **self._scope)  # type: ignore[no-any-return]

    def deployments(self, name: str) -> list[dict[str, Any]]:
        """Every page of ``GET .../onlineEndpoints/{name}/deployments``."""
        from azure.ai.ml._restclient.arm_ml_service.operations._operations import (
            build_online_deployments_list_request,
        )

        ops = self._deployments
        config = ops._config
        request = build_online_deployments_list_request(
            endpoint_name=name, subscription_id=config.subscription_id, api_version=config.api_version,
            **self._scope)
        out: list[dict[str, Any]] = []
        while True:
            request.url = ops._client.format_url(request.url, endpoint=config.base_url)
            body = _checked(ops._client.send_request(request))
            out += body.get("value") or []
            next_link = body.get("nextLink")
            if not next_link:
                return out
            request = _next_request(next_link, config.api_version)


def _json(pipeline_response: Any, stream: Any, headers: Any) -> dict[str, Any]:
    """The generated operations' ``cls`` hook with ``stream=True``: the raw JSON body."""
    import json

    return json.loads(b"".join(stream))  # type: ignore[no-any-return]


def _checked(response: Any) -> dict[str, Any]:
    """The JSON of a 200; any other status raised as the generated operations raise it."""
    from azure.core.exceptions import (
        ClientAuthenticationError, HttpResponseError, ResourceExistsError, ResourceNotFoundError,
        ResourceNotModifiedError, map_error,
    )
    from azure.mgmt.core.exceptions import ARMErrorFormat

    if response.status_code != 200:
        map_error(status_code=response.status_code, response=response, error_map={
            401: ClientAuthenticationError, 404: ResourceNotFoundError, 409: ResourceExistsError,
            304: ResourceNotModifiedError})
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    return response.json()  # type: ignore[no-any-return]


def _next_request(next_link: str, api_version: str) -> Any:
    """The next page, with the client's api-version (as the generated pager does)."""
    from azure.core.rest import HttpRequest

    parsed = urllib.parse.urlparse(next_link)
    params = {k: [urllib.parse.quote(v) for v in values] for k, values in urllib.parse.parse_qs(parsed.query).items()}
    params["api-version"] = [api_version]
    return HttpRequest("GET", urllib.parse.urljoin(next_link, parsed.path), params=params)
