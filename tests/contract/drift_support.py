"""Drift data of the contract environments: changes made to a live endpoint behind the service's back.

An environment marks each of its drift methods with :func:`drift`; :class:`DriftData` turns the
marked methods into ``drifts()`` (for the tests) and :meth:`DriftData.drift_paths` (for collection,
without an emulator). A drift method takes the endpoint name, changes that one field on the live
endpoint with the platform's real SDK (as an operator would in the console or CLI) and returns what
a full check must then report: ``{spec path: new live value}``. That is the drifted path itself,
plus any path the provider cannot change apart from it (weights sum to 100; a fixed-scale variant's
``min_replicas`` and ``max_replicas`` are one instance count).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["Applied", "DriftFn", "DriftData", "drift"]

Applied = Mapping[str, Any]
"""What a drift changed: spec path -> the live value a full check must report."""

DriftFn = Callable[[str], Applied]
"""A drift bound to its environment: endpoint name -> :data:`Applied`."""

_MARK = "__drift_path__"
F = TypeVar("F", bound=Callable[..., Applied])


def drift(path: str) -> Callable[[F], F]:
    """Mark an environment method ``(self, name) -> Applied`` as the drift of spec ``path``."""

    def mark(method: F) -> F:
        setattr(method, _MARK, path)
        return method

    return mark


class DriftData:
    """Mixin of the contract environments: their :func:`drift`-marked methods as data."""

    @classmethod
    def _marked(cls) -> dict[str, str]:
        """Spec path -> method name, over the class and its bases."""
        found: dict[str, str] = {}
        for attr in dir(cls):
            path = getattr(getattr(cls, attr, None), _MARK, None)
            if path is not None:
                if path in found:
                    raise TypeError(f"{cls.__name__}: two drifts of {path!r}: {found[path]}, {attr}")
                found[path] = attr
        return found

    @classmethod
    def drift_paths(cls) -> list[str]:
        """The spec paths this environment can drift (no emulator needed)."""
        return sorted(cls._marked())

    def drifts(self) -> dict[str, DriftFn]:
        """Spec path -> the bound drift that changes it on a live endpoint."""
        return {path: getattr(self, attr) for path, attr in sorted(self._marked().items())}
