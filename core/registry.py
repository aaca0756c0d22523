"""Platform name -> adapter, imported lazily (fsspec ``known_implementations`` style), for every
platform of the registry :data:`core.targets.PLATFORMS`.

Nothing here imports a cloud SDK: ``capabilities()`` reads each adapter package's ``CAPABILITIES``
(plain data), and ``adapter_class()`` imports ``adapters.<platform>.adapter`` only when a deployment
for that platform is planned, applied or checked. A missing SDK becomes
:class:`core.errors.ProviderNotInstalled` with the pip command that fixes it.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from typing import Any

from core.adapter import Adapter, Capabilities
from core.errors import NotFound, ProviderNotInstalled
from core.targets import PLATFORMS, Platform

__all__ = ["PLATFORMS", "capabilities", "adapter_class", "is_installed", "AdapterFactory"]


def _known(platform: str) -> Platform:
    try:
        return PLATFORMS[platform]
    except KeyError:
        raise NotFound(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}") from None


def capabilities(platform: str) -> Capabilities | None:
    """The platform's capability data, or None when its adapter is not part of this build."""
    package = _known(platform).package
    try:
        return importlib.import_module(package).CAPABILITIES  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        return None


def is_installed(platform: str) -> bool:
    """True when the adapter exists and its SDK can be imported (checked without importing it)."""
    caps = capabilities(platform)
    return caps is not None and importlib.util.find_spec(caps.sdk) is not None


def adapter_class(platform: str) -> type[Adapter[Any, Any]]:
    """Import and return the platform's adapter class."""
    module, name = _known(platform).adapter.split(":", 1)
    caps = capabilities(platform)
    if caps is None:
        raise ProviderNotInstalled(f"platform {platform!r} is not implemented in this build")
    try:
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]
    except ImportError as exc:
        raise ProviderNotInstalled(
            f"the {platform} SDK is not installed ({exc.name}); "
            f"run: pip install 'deploy-anywhere[{caps.extra}]'"
        ) from exc


class AdapterFactory:
    """Builds adapters bound to one target, caching one per target (SDK clients are reused).

    ``options`` are passed to every adapter's constructor (e.g. ``endpoint_urls`` in sandbox mode).
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._cache: dict[str, Adapter[Any, Any]] = {}
        self._lock = threading.Lock()

    def for_target(self, target: Any) -> Adapter[Any, Any]:
        key = target.model_dump_json()
        with self._lock:
            if key not in self._cache:
                self._cache[key] = adapter_class(target.platform)(target, **self._options)
            return self._cache[key]
