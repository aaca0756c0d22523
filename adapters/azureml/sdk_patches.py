"""The one patch deploy-anywhere applies to azure-ai-ml (pinned to 1.35.* in pyproject.toml).

azure-ai-ml marks classes such as ``DeploymentCollection`` (the data collector's collections)
experimental; every construction calls ``_utils._experimental._should_skip_warning``, which walks
``inspect.stack()``. That reads the source file of every frame on the stack, on every call: reading
back one deployment with a data collector costs tens of milliseconds in a service and seconds under
a deep test stack. The replacement answers the same question (is ``_from_rest_object`` on the
stack?) by walking frame objects, without touching source files.
"""

from __future__ import annotations

import sys

__all__ = ["apply"]


def _should_skip_warning() -> bool:
    """Same contract as the SDK's: True when called while converting a REST object."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "_from_rest_object":
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def apply() -> None:
    """Install the patch (idempotent); call after importing azure.ai.ml."""
    from azure.ai.ml._utils import _experimental

    _experimental._should_skip_warning = _should_skip_warning
