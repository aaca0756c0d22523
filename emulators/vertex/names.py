"""Resource names: project numbers, locations, model / endpoint / operation names.

Real Vertex AI answers with the project NUMBER in every name (``projects/123456789012/...``) even
when the request named the project by id; requests may use either. The emulator derives a stable
12-digit number from a project id (:func:`project_number`) and keys all state by it, so
``projects/my-proj/...`` and ``projects/<its number>/...`` are the same resource. An all-digit
project is taken to be a number already.

Locations must be Vertex AI regions (:data:`REGIONS`); anything else is ``INVALID_ARGUMENT``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .errors import invalid_argument

__all__ = [
    "REGIONS",
    "Location",
    "ModelRef",
    "parse_location",
    "parse_model_ref",
    "parse_resource",
    "project_number",
]

REGIONS: frozenset[str] = frozenset(
    {
        "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2",
        "us-west3", "us-west4", "northamerica-northeast1", "northamerica-northeast2",
        "southamerica-east1", "southamerica-west1", "europe-west1", "europe-west2", "europe-west3",
        "europe-west4", "europe-west6", "europe-west8", "europe-west9", "europe-west10",
        "europe-west12", "europe-north1", "europe-central2", "europe-southwest1", "asia-east1",
        "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1",
        "asia-southeast1", "asia-southeast2", "australia-southeast1", "australia-southeast2",
        "me-central1", "me-central2", "me-west1", "africa-south1",
    }
)

_PROJECT_ID = re.compile(r"^[a-z0-9][a-z0-9.:-]{0,99}$")  # ids, numbers and legacy "domain:id" ids
_RESOURCE = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"(?:/(?P<collection>models|endpoints)/(?P<id>[^/@]+)(?:@(?P<version>[^/]+))?)?$"
)


def project_number(project: str) -> str:
    """The 12-digit project number of ``project`` (deterministic; digits are returned as they are)."""
    if project.isdigit():
        return project
    digest = int(hashlib.sha256(project.encode("utf-8")).hexdigest(), 16)
    return str(100_000_000_000 + digest % 900_000_000_000)


@dataclass(frozen=True)
class Location:
    """A project (by number) and a Vertex AI region."""

    project: str
    location: str

    @property
    def parent(self) -> str:
        """``projects/{number}/locations/{location}``."""
        return f"projects/{self.project}/locations/{self.location}"

    def model(self, model_id: str) -> str:
        """The canonical name of model ``model_id`` here."""
        return f"{self.parent}/models/{model_id}"

    def endpoint(self, endpoint_id: str) -> str:
        """The canonical name of endpoint ``endpoint_id`` here."""
        return f"{self.parent}/endpoints/{endpoint_id}"


def parse_location(project: str, location: str) -> Location:
    """Validate a project and a location from a request path; the project becomes its number."""
    if not project or not _PROJECT_ID.match(project):
        raise invalid_argument(f'Invalid project "{project}".')
    if location not in REGIONS:
        raise invalid_argument(f'Location "{location}" is not a supported Vertex AI region.')
    return Location(project_number(project), location)


@dataclass(frozen=True)
class ModelRef:
    """A model reference (``projects/p/locations/l/models/m[@version-or-alias]``), canonicalised."""

    name: str
    model_id: str
    version: str | None


def parse_resource(name: str) -> tuple[Location, str | None, str | None, str | None]:
    """``(location, collection, id, version)`` of a location / model / endpoint name.

    ``INVALID_ARGUMENT`` if ``name`` is not of that shape.
    """
    match = _RESOURCE.match(name or "")
    if not match:
        raise invalid_argument(f'Invalid resource name "{name}".')
    where = parse_location(match["project"], match["location"])
    return where, match["collection"], match["id"], match["version"]


def parse_model_ref(ref: str) -> ModelRef:
    """Parse a ``DeployedModel.model`` / model name; ``INVALID_ARGUMENT`` unless it names a model."""
    if not ref:
        raise invalid_argument("deployed_model.model is required.")
    try:
        where, collection, model_id, version = parse_resource(ref)
    except Exception:
        raise invalid_argument(f'Invalid Model resource name "{ref}".') from None
    if collection != "models" or not model_id:
        raise invalid_argument(f'Invalid Model resource name "{ref}".')
    return ModelRef(where.model(model_id), model_id, version)
