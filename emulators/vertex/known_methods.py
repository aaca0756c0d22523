"""The Vertex AI REST methods the emulator knows but does not emulate: they answer 501 ``UNIMPLEMENTED``.

The catalogue is not typed by hand: it is read from the ``google.api.http`` rules that the
``aiplatform_v1`` REST transports carry (``_Base<Method>._get_http_options()`` in each service's
``transports/rest_base.py``) for the three services the emulator serves:

- every method of ModelService, EndpointService and PredictionService (e.g.
  ``GET /v1/{name=projects/*/locations/*/models/*}:listVersions`` = ModelService.ListModelVersions,
  ``POST .../endpoints/*:explain``, ``POST .../models:copy``, ``POST .../endpoints/*:update``);
- their mixins where they address models or endpoints (IAM ``:getIamPolicy`` / ``:setIamPolicy`` /
  ``:testIamPermissions``; operations of models and endpoints) and the Locations mixin
  (``GET /v1/projects/*/locations[/*]``).

:func:`known_method` is consulted only after the emulated routes
(:mod:`emulators.vertex.routes`) did not match: a request matching one of these rules (HTTP method
and path) is a real Vertex AI method the emulator does not serve (501); anything else is an unknown
path (404 ``NOT_FOUND``), as on Vertex AI. Path templates become regular expressions in which ``*``
is one segment without ``/`` or ``:`` and ``**`` several segments.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass

__all__ = ["KnownMethod", "known_method", "known_methods"]

_SERVICES = {
    "ModelService": "model_service",
    "EndpointService": "endpoint_service",
    "PredictionService": "prediction_service",
}
_MIXINS = {
    "GetIamPolicy": "google.iam.v1.IAMPolicy",
    "SetIamPolicy": "google.iam.v1.IAMPolicy",
    "TestIamPermissions": "google.iam.v1.IAMPolicy",
    "GetLocation": "google.cloud.location.Locations",
    "ListLocations": "google.cloud.location.Locations",
    "CancelOperation": "google.longrunning.Operations",
    "DeleteOperation": "google.longrunning.Operations",
    "GetOperation": "google.longrunning.Operations",
    "ListOperations": "google.longrunning.Operations",
    "WaitOperation": "google.longrunning.Operations",
}
_VARIABLE = re.compile(r"\{(?P<name>[^}=]+)(?:=(?P<pattern>[^}]+))?\}")
_MODELS_OR_ENDPOINTS = re.compile(r"/(?:models|endpoints)/\*")


@dataclass(frozen=True)
class KnownMethod:
    """One HTTP rule of a Vertex AI method: ``service`` (e.g. ``ModelService``), ``method``
    (``ListModelVersions``), HTTP ``verb`` (upper case), URI ``template`` and its compiled ``pattern``."""

    service: str
    method: str
    verb: str
    template: str
    pattern: re.Pattern[str]

    @property
    def full_name(self) -> str:
        """``ModelService.ListModelVersions``."""
        return f"{self.service}.{self.method}"


def _segment_pattern(pattern: str) -> str:
    return "/".join(
        "[^:]+" if part == "**" else "[^/:]+" if part == "*" else re.escape(part) for part in pattern.split("/")
    )


def _compile(template: str) -> re.Pattern[str]:
    out, position = [], 0
    for match in _VARIABLE.finditer(template):
        out.append(re.escape(template[position:match.start()]))
        out.append(_segment_pattern(match["pattern"]) if match["pattern"] else "[^/:]+")
        position = match.end()
    out.append(re.escape(template[position:]))
    return re.compile("".join(out))


def _wanted(method: str, template: str) -> bool:
    """Service methods always; mixins only on models/endpoints, and the Locations mixin."""
    if method not in _MIXINS:
        return True
    if _MIXINS[method] == "google.cloud.location.Locations":
        return True
    return bool(_MODELS_OR_ENDPOINTS.search(template))


@functools.cache
def known_methods() -> tuple[KnownMethod, ...]:
    """Every HTTP rule of the catalogue (see the module docstring), read from the installed SDK."""
    found: dict[tuple[str, str], KnownMethod] = {}  # mixin rules repeat in every service: once each
    for service, package in _SERVICES.items():
        module = importlib.import_module(f"google.cloud.aiplatform_v1.services.{package}.transports.rest_base")
        transport = getattr(module, f"_Base{service}RestTransport")
        for attribute, value in vars(transport).items():
            if not attribute.startswith("_Base") or not hasattr(value, "_get_http_options"):
                continue
            method = attribute[len("_Base"):]
            owner = _MIXINS.get(method, service)
            for rule in value._get_http_options():
                verb = rule["method"].upper()
                if _wanted(method, rule["uri"]) and (verb, rule["uri"]) not in found:
                    found[verb, rule["uri"]] = KnownMethod(owner, method, verb, rule["uri"], _compile(rule["uri"]))
    return tuple(found.values())


def known_method(verb: str, path: str) -> KnownMethod | None:
    """The catalogued method an HTTP ``verb`` (upper case) on ``path`` calls, or None (unknown path or
    verb). Emulated methods are catalogued too: ask only once the emulated routes did not match."""
    return next((m for m in known_methods() if m.verb == verb and m.pattern.fullmatch(path)), None)
