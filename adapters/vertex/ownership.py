"""Which Vertex AI resources are this deployment's (pure; rules in :mod:`core.ownership`).

Stamps: the endpoint and every Model the service uploads carry the labels ``deploy-anywhere-owner``
(the deployment's uid) and ``deploy-anywhere-deployment`` (its name). A DeployedModel has no labels
of its own: it is ours when the Model it serves is (its labels), and, when that Model cannot be read
(deleted behind our back), when the endpoint's per-deployed-model label
``deploy-anywhere-dm-{id}`` names it. Display names never decide: a deployed model of a foreign
Model that reuses a variant's display name is foreign (``LiveEndpoint.unmanaged``, keyed by the
deployed model id), and the variant is matched to our own deployed model only.
"""

from __future__ import annotations

from typing import Any

from adapters.vertex import translate as tr
from core.ownership import OWNER_STAMP, Stamps, stamped_by

__all__ = ["LABEL_OWNER", "endpoint_stamps", "model_owner", "deployed_owned", "split", "summary"]

LABEL_OWNER = OWNER_STAMP


def endpoint_stamps(labels: dict[str, str]) -> Stamps:
    """The ownership stamps of an endpoint, from its labels (the creating revision counts as a
    revision stamp on an endpoint that never served one)."""
    return Stamps(owner=labels.get(LABEL_OWNER),
                  revision=labels.get(tr.LABEL_REVISION) or labels.get(tr.LABEL_CREATED) or None)


def model_owner(model: dict[str, Any]) -> str | None:
    """The owner stamp of a Model (None: none)."""
    return (model.get("labels") or {}).get(LABEL_OWNER)


def deployed_owned(dm: dict[str, Any], model: dict[str, Any] | None, endpoint_labels: dict[str, str], *,
                   owner: str | None, name: str) -> bool:
    """Whether deployed model ``dm`` (serving ``model``, None: unreadable) is deployment ``name``'s;
    the reference uid is ``owner``, else the endpoint's own owner label."""
    if model is None:
        return tr.deployed_label(str(dm.get("id", ""))) in endpoint_labels
    labels = model.get("labels") or {}
    reference = owner if owner is not None else endpoint_labels.get(LABEL_OWNER)
    return stamped_by(labels.get(LABEL_OWNER), labels.get(tr.LABEL_DEPLOYMENT), owner=reference, name=name)


def summary(dm: dict[str, Any], model: dict[str, Any] | None, traffic: int) -> dict[str, Any]:
    """A foreign deployed model in a few words (no env: it may hold secrets)."""
    resources = dm.get("dedicatedResources") or {}
    return {
        "kind": "deployed_model",
        "display_name": dm.get("displayName"),
        "traffic_percent": traffic,
        "instances": int(resources.get("minReplicaCount") or 0),
        "instance_type": (resources.get("machineSpec") or {}).get("machineType"),
        "model": tr.resource_id(dm.get("model", "")),
        "image": ((model or {}).get("containerSpec") or {}).get("imageUri"),
    }


def split(endpoint: dict[str, Any], models: dict[str, dict[str, Any] | None], *,
          owner: str | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``endpoint`` with only our deployed models, and the foreign ones' summaries by id."""
    name = tr.resource_id(endpoint.get("name", ""))
    labels = dict(endpoint.get("labels") or {})
    traffic = {k: int(v) for k, v in (endpoint.get("trafficSplit") or {}).items()}
    ours, foreign = [], {}
    for dm in endpoint.get("deployedModels") or []:
        model = models.get(tr.resource_id(dm.get("model", "")))
        if deployed_owned(dm, model, labels, owner=owner, name=name):
            ours.append(dm)
        else:
            foreign[str(dm.get("id", ""))] = summary(dm, model, traffic.get(str(dm.get("id", "")), 0))
    return {**endpoint, "deployedModels": ours}, foreign
