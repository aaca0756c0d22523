"""Azure ML's rules on spec values, checked before any call (pure, no SDK import).

Every problem is one :class:`core.adapter.Gap` with the spec path and the reason, all at once:
registered assets only (no uploads), instance types from the managed online endpoints SKU list
(:mod:`adapters.azureml.catalog`), the 180 s request timeout, datastore URIs for data collection,
and Azure Resource Manager's tag-name rules.
"""

from __future__ import annotations

import re

from adapters.azureml.catalog import sku_problem
from core.adapter import Gap
from core.diff import child_path
from core.spec import EndpointSpec

__all__ = ["MAX_REQUEST_TIMEOUT_S", "check_values"]

MAX_REQUEST_TIMEOUT_S = 180
_ASSET_REF = re.compile(r"^azureml:([A-Za-z0-9_.-]{1,255}):([A-Za-z0-9_.-]{1,64})$")
_REGISTRY_REF = re.compile(r"^azureml://registries/[^/]+/(models|environments)/[^/]+/versions/[^/]+$")
_DATASTORE_URI = re.compile(r"^azureml://datastores/[A-Za-z0-9_]+/paths/\S+$")


def _is_registered(ref: str, kind: str) -> bool:
    match = _REGISTRY_REF.fullmatch(ref)
    return bool(_ASSET_REF.fullmatch(ref)) or bool(match and match.group(1) == kind)


def check_values(spec: EndpointSpec) -> list[Gap]:
    """Azure ML's rules on values: registered assets only, SKUs from the managed online endpoints
    SKU list (:mod:`adapters.azureml.catalog`), 180 s, datastore URIs, tag names."""
    gaps = []
    for i, v in enumerate(spec.variants):
        if (problem := sku_problem(v.instance_type)) is not None:
            gaps.append(Gap(f"variants[{i}].instance_type", "instance_type",
                            f"Azure ML instance types are VM SKUs such as Standard_DS3_v2: {problem}"))
        if v.model_uri is not None and not _is_registered(v.model_uri, "models"):
            gaps.append(Gap(f"variants[{i}].model_uri", "model_uri",
                            "Azure ML deployments reference registered models only "
                            "(azureml:name:version or azureml://registries/<r>/models/<n>/versions/<v>); "
                            "a path or s3/gs/https URI would make the SDK upload blobs: register it "
                            f"first with `az ml model create` (got {v.model_uri!r})"))
        if v.image.startswith("azureml:"):
            if not _is_registered(v.image, "environments"):
                gaps.append(Gap(f"variants[{i}].image", "image",
                                "an Azure ML environment reference is azureml:name:version or "
                                "azureml://registries/<r>/environments/<n>/versions/<v> "
                                f"(got {v.image!r})"))
            for attr, default in (("port", 8080), ("predict_route", "/invocations"), ("health_route", "/ping")):
                if getattr(v, attr) != default:
                    gaps.append(Gap(f"variants[{i}].{attr}", "custom_routes",
                                    "a registered environment brings its own inference config "
                                    "(routes and port): set them when registering the environment"))
    if spec.request_timeout_seconds > MAX_REQUEST_TIMEOUT_S:
        gaps.append(Gap("request_timeout_seconds", "long_request_timeout",
                        f"Azure ML online endpoints time requests out after at most "
                        f"{MAX_REQUEST_TIMEOUT_S} seconds"))
    if spec.logging.enabled and not _DATASTORE_URI.fullmatch(spec.logging.destination or ""):
        gaps.append(Gap("logging.destination", "prediction_logging",
                        "Azure ML data collection writes to a datastore: use "
                        "azureml://datastores/<datastore>/paths/<path>"))
    return gaps + _tag_gaps(spec.tags)


def _tag_gaps(tags: dict[str, str]) -> list[Gap]:
    """Azure Resource Manager tag names: no ``/`` (nor ``<>%&\\?``, which the spec already
    refuses) and case-insensitive, so two names differing only in case would be one tag."""
    gaps: list[Gap] = []
    seen: dict[str, str] = {}
    for key in tags:
        if "/" in key:
            gaps.append(Gap(child_path("tags", key), "tags", "Azure tag names cannot contain '/'"))
        if (first := seen.setdefault(key.lower(), key)) != key:
            gaps.append(Gap(child_path("tags", key), "tags",
                            f"Azure tag names are case-insensitive: {first!r} and {key!r} would be one tag"))
    return gaps
