"""Which Azure ML resources are this deployment's (pure; rules in :mod:`core.ownership`).

Stamps: the endpoint, each deployment and each Azure Monitor autoscale setting carry the tags
``deploy-anywhere-owner`` (the deployment's uid) and ``deploy-anywhere-deployment`` (its name).
A deployment of our endpoint without our stamp (made with ``MLClient`` or the studio next to ours)
is foreign: it is reported in ``LiveEndpoint.unmanaged`` keyed by its name, never read as a variant,
and its request timeout and data collector never stand for the endpoint's
(``request_timeout_seconds``/``logging`` are read from our deployments only). A rollout moves its
traffic to ours and ``finalize`` deletes it (the endpoint is ours).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.ownership import OWNER_STAMP, Stamps, stamped_by

__all__ = ["TAG_OWNER", "TAG_DEPLOYMENT", "TAG_REVISION", "TAG_VARIANT", "TAG_VARIANTS", "TAG_CREATED",
           "endpoint_stamps", "deployment_owned", "split", "summary"]

TAG_OWNER = OWNER_STAMP
"""On the endpoint, every deployment and autoscale setting: the deployment's uid."""
TAG_DEPLOYMENT = "deploy-anywhere-deployment"
"""On the endpoint, every deployment and autoscale setting: the deployment's (endpoint's) name."""
TAG_REVISION = "deploy-anywhere-revision"
"""On the endpoint: the revision it serves, written by the rollout's last call."""
TAG_VARIANT = "deploy-anywhere-variant"
"""On every deployment and autoscale setting: the variant it realises."""
TAG_VARIANTS = "deploy-anywhere-variants"
"""On the endpoint: the variants in spec order (Azure keeps no order of deployments)."""
TAG_CREATED = "deploy-anywhere-created-by"
"""On every deployment: the revision that created it (``discard`` removes a failed revision's)."""


def _tags(resource: Any) -> dict[str, str]:
    tags = resource.get("tags") if isinstance(resource, dict) else getattr(resource, "tags", None)
    return dict(tags or {})


def endpoint_stamps(endpoint_tags: dict[str, str]) -> Stamps:
    """The ownership stamps of an endpoint, from its tags."""
    return Stamps(owner=endpoint_tags.get(TAG_OWNER), revision=endpoint_tags.get(TAG_REVISION))


def deployment_owned(deployment: Any, endpoint_tags: dict[str, str], *, owner: str | None, name: str) -> bool:
    """Whether ``deployment`` of endpoint ``name`` is the deployment's; the reference uid is
    ``owner``, else the endpoint's own owner tag."""
    tags = _tags(deployment)
    reference = owner if owner is not None else endpoint_tags.get(TAG_OWNER)
    return stamped_by(tags.get(TAG_OWNER), tags.get(TAG_DEPLOYMENT), owner=reference, name=name)


def summary(deployment: Any, traffic: int, environments: dict[str, Any] | None = None) -> dict[str, Any]:
    """A foreign deployment in a few words (no environment variables: they may hold secrets);
    ``environments``: environment versions read (ARM id -> entity), for its image."""
    environment = getattr(deployment, "environment", None)
    image = getattr((environments or {}).get(environment or ""), "image", None)
    return {
        "kind": "deployment",
        "traffic_percent": traffic,
        "instances": int(getattr(deployment, "instance_count", None) or 0),
        "instance_type": getattr(deployment, "instance_type", None),
        "model": getattr(deployment, "model", None),
        "environment": environment,
        **({"image": image} if image else {}),
        "provisioning_state": str(getattr(deployment, "provisioning_state", None) or "") or None,
    }


def split(deployments: Iterable[Any], endpoint: Any, traffic: dict[str, int], *, owner: str | None,
          environments: dict[str, Any] | None = None) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """Our deployments of ``endpoint``, and the foreign ones' summaries by deployment name."""
    name, tags = str(getattr(endpoint, "name", "")), _tags(endpoint)
    ours, foreign = [], {}
    for d in deployments:
        if deployment_owned(d, tags, owner=owner, name=name):
            ours.append(d)
        else:
            foreign[str(d.name)] = summary(d, traffic.get(d.name, 0), environments)
    return ours, foreign
