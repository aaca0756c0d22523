"""How an emulator's long-running work completes: the ``progression`` setting and its JSON form.

``{"progression": "immediate"}``, ``{"progression": "manual", "times": n}`` (done at the n-th read)
or ``{"progression": "time", "seconds": s}`` (done once ``s`` seconds have passed). What counts as
a read, and what completes, is each emulator's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PROGRESSIONS", "Progression", "parse_progression"]

PROGRESSIONS: tuple[str, ...] = ("immediate", "manual", "time")
_FIELDS = frozenset({"progression", "times", "seconds"})


@dataclass(frozen=True)
class Progression:
    """How operations complete: ``kind`` is ``"immediate"``, ``"manual"`` or ``"time"``."""

    kind: str = "immediate"
    times: int = 1
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON form (what :func:`parse_progression` accepts), e.g. ``{"progression": "manual", "times": 2}``."""
        if self.kind == "manual":
            return {"progression": "manual", "times": self.times}
        if self.kind == "time":
            return {"progression": "time", "seconds": self.seconds}
        return {"progression": "immediate"}


def parse_progression(
    spec: Mapping[str, Any] | None,
    *,
    strict: bool = True,
    default_kind: str | None = None,
    max_seconds: float | None = None,
) -> Progression:
    """Validate ``{"progression": "immediate" | "manual" | "time", "times"?: n, "seconds"?: s}``.

    ``None`` means ``immediate``. ``times`` is an int >= 1 (default 1), ``seconds`` a number >= 0
    (default 0; at most ``max_seconds`` if given). ``strict``: other fields are refused.
    ``default_kind``: the kind when ``"progression"`` is missing (None: it is required). Raises
    ``ValueError`` with a message fit for a 400 answer.
    """
    if spec is None:
        return Progression()
    if not isinstance(spec, Mapping):
        raise ValueError("progression must be a JSON object")
    unknown = set(spec) - _FIELDS
    if strict and unknown:
        raise ValueError(f"unknown progression field(s): {sorted(unknown)}")
    kind = spec.get("progression", default_kind)
    if kind == "immediate":
        return Progression()
    if kind == "manual":
        times = spec.get("times", 1)
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"'times' must be an integer >= 1, got {times!r}")
        return Progression("manual", times=times)
    if kind == "time":
        seconds = spec.get("seconds", 0.0)
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or seconds < 0
            or (max_seconds is not None and seconds > max_seconds)
        ):
            bounds = f"in [0, {max_seconds:g}]" if max_seconds is not None else ">= 0"
            raise ValueError(f"'seconds' must be a number {bounds}, got {seconds!r}")
        return Progression("time", seconds=float(seconds))
    raise ValueError(f"'progression' must be one of 'immediate', 'manual', 'time', got {kind!r}")
