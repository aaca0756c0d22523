"""Deterministic Vertex AI ids, resource names and labels (pure, no SDK import).

- endpoint id          ``{name}`` (the spec name; Vertex endpoint ids are ``[a-z0-9-]``, <= 63,
  starting with a letter, which the portable name already is)
- model id per variant ``{name}-{variant}-{hash8}``: the hash covers what is immutable in a Model
  (image, env, port, routes, artifact URI, CMEK key), so an unchanged variant keeps its Model
  across revisions and a changed one gets a new Model; secret env values enter as their
  references / fingerprints plus a digest of the values read (never a value: see
  ``translate._identity_container``), so a rotated secret also gets a new Model
- deployed model id    10 digits (no leading zero) hashed from the model id + machine spec +
  accelerator: the immutable part of a DeployedModel. Replica counts and autoscaling are mutable
  in place (MutateDeployedModel), so they are not in the hash.

Names come back from Vertex with the project NUMBER (``projects/123456789012/...``) even when the
request used the project id: compare resources with :func:`resource_key` (location + collection +
id), never by full name.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from core.spec import canonical_json

__all__ = [
    "LABEL_DEPLOYMENT",
    "LABEL_REVISION",
    "LABEL_VARIANT",
    "LABEL_CREATED",
    "LABEL_DEPLOYED_PREFIX",
    "RESERVED_LABEL_PREFIX",
    "parent",
    "endpoint_name",
    "model_name",
    "model_id",
    "deployed_model_id",
    "resource_id",
    "resource_key",
    "location_of",
    "same_resource",
    "deployed_label",
]

LABEL_DEPLOYMENT = "deploy-anywhere-deployment"
LABEL_REVISION = "deploy-anywhere-revision"
LABEL_VARIANT = "deploy-anywhere-variant"
LABEL_CREATED = "deploy-anywhere-created"
"""Endpoint label set at creation (= the creating revision) and dropped by the first
UpdateEndpoint that stamps a revision: present means the endpoint never served a revision, so
``discard`` may delete it whole."""
LABEL_DEPLOYED_PREFIX = "deploy-anywhere-dm-"
"""Endpoint label ``deploy-anywhere-dm-{deployed model id}`` = variant, one per deployed model of
the revision the endpoint serves (set with the revision label): what ``discard`` must keep."""
RESERVED_LABEL_PREFIX = "deploy-anywhere"

_KEY = re.compile(
    r"^projects/(?P<project>[^/]+)/(?:locations|regions)/(?P<location>[^/]+)/(?P<rest>.+)$"
)


def parent(project: str, location: str) -> str:
    return f"projects/{project}/locations/{location}"


def endpoint_name(project: str, location: str, endpoint_id: str) -> str:
    return f"{parent(project, location)}/endpoints/{endpoint_id}"


def model_name(project: str, location: str, model: str) -> str:
    return f"{parent(project, location)}/models/{model}"


def _digest(body: Any) -> str:
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def model_id(name: str, variant: str, container: dict[str, Any], artifact_uri: str | None,
             kms_key: str | None) -> str:
    """``{name}-{variant}-{hash8}`` over the Model's immutable content (<= 58 characters)."""
    body = {"container": container, "artifact_uri": artifact_uri, "kms_key": kms_key}
    return f"{name}-{variant}-{_digest(body)[:8]}"


def deployed_model_id(model: str, machine_spec: dict[str, Any]) -> str:
    """10 digits, first non-zero, from the model id and the machine spec (type + accelerator)."""
    number = int(_digest({"model": model, "machine_spec": machine_spec}), 16)
    return str(1_000_000_000 + number % 9_000_000_000)


def resource_id(name: str) -> str:
    """The last path component: ``.../models/abc`` -> ``abc`` (a version suffix ``@1`` dropped)."""
    return name.rsplit("/", 1)[-1].split("@", 1)[0]


def resource_key(name: str) -> str:
    """``location/collection/id[/...]`` without the project (id or number), for comparisons."""
    match = _KEY.match(name or "")
    if not match:
        return name
    return f"{match['location']}/{match['rest'].split('@', 1)[0]}"


def location_of(name: str) -> str | None:
    match = _KEY.match(name or "")
    return match["location"] if match else None


def same_resource(a: str | None, b: str | None) -> bool:
    """True when two names denote one resource, whatever project spelling each uses.

    Global names (``projects/p/global/networks/n``) compare by everything after the project.
    """
    if a is None or b is None:
        return a == b

    def strip(name: str) -> str:
        parts = name.split("/")
        if len(parts) > 2 and parts[0] == "projects":
            return "/".join(parts[2:]).split("@", 1)[0]
        return name

    return strip(a) == strip(b)


def deployed_label(deployed_id: str) -> str:
    return f"{LABEL_DEPLOYED_PREFIX}{deployed_id}"
