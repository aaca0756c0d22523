"""Which SageMaker resources are this deployment's (pure; rules in :mod:`core.ownership`).

Stamps: the endpoint, its endpoint configs and models carry the tags ``deploy-anywhere-owner``
(the deployment's uid), ``deploy-anywhere:deployment`` (its name) and ``deploy-anywhere:revision``.
Scaling policies have no tags: the uid is in their name, ``{endpoint}-{variant}-target-tracking-{uid}``
(``{endpoint}-{variant}-target-tracking`` before owner stamps existed), and they are read by the
exact resource id ``endpoint/{endpoint}/variant/{variant}``.

An endpoint runs one endpoint config, so the config is the unit of ownership: when the endpoint
runs a config without our stamp (updated onto it behind our back), every production variant of
it is foreign (``LiveEndpoint.unmanaged``, keyed by variant name), none is one of the spec's, and
the fields that config sets for the whole endpoint (data capture, the models' execution role) are
not ours to compare (unobserved).
"""

from __future__ import annotations

import re
from typing import Any

from core.ownership import OWNER_STAMP, Stamps, stamped_by

__all__ = [
    "TAG_OWNER",
    "POLICY_SUFFIX",
    "policy_name",
    "policy_names",
    "endpoint_stamps",
    "config_owned",
    "foreign_variants",
    "FOREIGN_CONFIG_UNOBSERVED",
]

TAG_OWNER = OWNER_STAMP
TAG_DEPLOYMENT = "deploy-anywhere:deployment"
TAG_REVISION = "deploy-anywhere:revision"
POLICY_SUFFIX = "target-tracking"
_UID = re.compile(r"[0-9a-f]{32}")

FOREIGN_CONFIG_UNOBSERVED = frozenset({"logging", "logging.*", "target.execution_role_arn"})
"""Spec paths a foreign endpoint config sets for the whole endpoint: not compared against it."""


def policy_name(endpoint: str, variant: str, owner: str | None = None) -> str:
    """The variant's target-tracking policy name; with ``owner`` it carries the owner uid."""
    base = f"{endpoint}-{variant}-{POLICY_SUFFIX}"
    return base if owner is None else f"{base}-{owner}"


def policy_names(endpoint: str, variant: str, names: list[str], owner: str | None) -> list[str]:
    """Of the policy ``names`` found on the variant's exact resource id, ours in order of
    preference: the one stamped with ``owner`` (when None: any stamped with a uid), then the one
    named before owner stamps existed. A policy with another deployment's uid is never ours."""
    base = policy_name(endpoint, variant)
    if owner is not None:
        stamped = [n for n in names if n == policy_name(endpoint, variant, owner)]
    else:
        stamped = sorted(n for n in names if n.startswith(base + "-") and _UID.fullmatch(n[len(base) + 1:]))
    return stamped + [n for n in names if n == base]


def endpoint_stamps(endpoint_tags: dict[str, str]) -> Stamps:
    """The ownership stamps of an endpoint, from its tags."""
    return Stamps(owner=endpoint_tags.get(TAG_OWNER), revision=endpoint_tags.get(TAG_REVISION))


def config_owned(endpoint: str, config_tags: dict[str, str] | None, *, owner: str | None,
                 endpoint_tags: dict[str, str] | None) -> bool:
    """Whether the endpoint config the endpoint runs is this deployment's (``config_tags`` None:
    not read, assumed ours). The reference uid is ``owner``, else the endpoint's own owner tag."""
    if config_tags is None:
        return True
    reference = owner if owner is not None else (endpoint_tags or {}).get(TAG_OWNER)
    return stamped_by(config_tags.get(TAG_OWNER), config_tags.get(TAG_DEPLOYMENT), owner=reference, name=endpoint)


def foreign_variants(config: dict[str, Any], endpoint: dict[str, Any],
                     models: dict[str, dict[str, Any] | None]) -> dict[str, dict[str, Any]]:
    """Summaries of the production variants of a foreign endpoint config, by variant name."""
    runtime = {v["VariantName"]: v for v in endpoint.get("ProductionVariants", [])}
    pvs = config.get("ProductionVariants", [])
    weights = [float(runtime.get(pv["VariantName"], {}).get("DesiredWeight", pv.get("InitialVariantWeight", 1.0)))
               for pv in pvs]
    total = sum(weights)
    out = {}
    for pv, weight in zip(pvs, weights, strict=True):
        live = runtime.get(pv["VariantName"], {})
        model = models.get(pv.get("ModelName", "")) or {}
        out[pv["VariantName"]] = {
            "kind": "production_variant",
            "endpoint_config": config.get("EndpointConfigName"),
            "traffic_percent": round(weight * 100 / total) if total > 0 else 0,
            "instances": int(live.get("CurrentInstanceCount", live.get("DesiredInstanceCount",
                                                                    pv.get("InitialInstanceCount", 0))) or 0),
            "instance_type": pv.get("InstanceType"),
            "model": pv.get("ModelName"),
            "image": (model.get("PrimaryContainer") or {}).get("Image"),
        }
    return out
