"""Optimistic concurrency for deployments: ETags and the ``If-Match`` / ``If-None-Match`` checks.

A deployment's ETag is strong and changes exactly when its desired spec changes:
``"{generation}-{revision}"``. :class:`Preconditions` are evaluated by the store inside the same
locked transaction that starts the operation (``Deployments.begin_operation``), so a check and the write
it guards cannot be separated by another writer (RFC 9110 section 13).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import PreconditionFailed

__all__ = ["etag", "Preconditions", "parse_etags"]


def etag(generation: int, revision: str) -> str:
    """The quoted strong ETag of a deployment at ``generation`` / ``revision``."""
    return f'"{generation}-{revision}"'


def parse_etags(header: str | None) -> tuple[str, ...] | None:
    """An ``If-Match`` / ``If-None-Match`` value as quoted tags (``("*",)`` for any); None if absent."""
    if header is None or not header.strip():
        return None
    return tuple(part.strip() for part in header.split(",") if part.strip())


@dataclass(frozen=True)
class Preconditions:
    """``if_match``: the current ETag must be one of these (``*``: the deployment must exist);
    ``if_none_match``: the current ETag must be none of these (``*``: it must not exist).
    Weak tags (``W/"..."``) never match: If-Match uses the strong comparison."""

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    def check(self, name: str, current: str | None) -> None:
        """Raise :class:`PreconditionFailed` unless the deployment's ``current`` ETag (None: it
        does not exist) satisfies both headers."""
        if self.if_match is not None:
            ok = current is not None and ("*" in self.if_match or current in self.if_match)
            if not ok:
                raise PreconditionFailed(
                    f"deployment {name!r} does not match If-Match "
                    f"({'it does not exist' if current is None else 'its ETag is ' + current})",
                    details={"etag": current, "if_match": list(self.if_match)})
        if self.if_none_match is not None and current is not None:
            if "*" in self.if_none_match or current in self.if_none_match:
                raise PreconditionFailed(
                    f"deployment {name!r} matches If-None-Match (its ETag is {current})",
                    details={"etag": current, "if_none_match": list(self.if_none_match)})

    def __bool__(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None
