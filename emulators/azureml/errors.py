"""ARM error responses: the one exception the emulator's handlers raise, and its JSON body.

Every refusal is an :class:`ArmError` carrying the HTTP status and the ARM error object
``{"error": {"code", "message", "target"?, "details"?: [{"code", "message", "target"?}]}}`` that
azure-core's ``ARMErrorFormat`` parses (``HttpResponseError.error.code`` / ``.message``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ArmError",
    "Problem",
    "bad_request",
    "conflict",
    "not_found",
    "validation_error",
]


@dataclass(frozen=True)
class Problem:
    """One validation problem: JSON path of the offending value, message, ARM detail code."""

    target: str
    message: str
    code: str = "InvalidProperty"

    def as_detail(self) -> dict[str, str]:
        """The problem as an entry of ``error.details``."""
        return {"code": self.code, "message": self.message, "target": self.target}


@dataclass
class ArmError(Exception):
    """A request refused with ``status`` and an ARM error body; ``headers`` are added to the answer."""

    status: int
    code: str
    message: str
    target: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.code}: {self.message}")

    def body(self) -> dict[str, Any]:
        """The ARM error object."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.details:
            error["details"] = list(self.details)
        return {"error": error}

    def encoded(self) -> bytes:
        """The JSON body as UTF-8 bytes."""
        return json.dumps(self.body()).encode("utf-8")


def bad_request(message: str, *, target: str | None = None, code: str = "BadRequest") -> ArmError:
    """HTTP 400 for a request that breaks an Azure rule."""
    return ArmError(400, code, message, target=target)


def validation_error(problems: list[Problem]) -> ArmError:
    """HTTP 400 ``ValidationError`` listing every problem in ``details`` (the first one in the message)."""
    first = problems[0]
    more = f" (and {len(problems) - 1} more problem(s), see details)" if len(problems) > 1 else ""
    return ArmError(
        400,
        "ValidationError",
        f"{first.message}{more}",
        target=first.target,
        details=[p.as_detail() for p in problems],
    )


def not_found(kind: str, name: str, *, parent: str | None = None) -> ArmError:
    """HTTP 404 ``ResourceNotFound`` for ``kind`` ``name`` (under ``parent``, if given)."""
    where = f" under {parent}" if parent else ""
    return ArmError(404, "ResourceNotFound", f"The {kind} '{name}'{where} was not found.", target=name)


def conflict(message: str, *, target: str | None = None) -> ArmError:
    """HTTP 409 ``Conflict``."""
    return ArmError(409, "Conflict", message, target=target)
