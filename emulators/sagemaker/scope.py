"""Request scope: "is moto serving a request that came through a SageMakerEmulator?".

The emulator's moto patches (see :mod:`emulators.sagemaker.patches`) are process-wide, because
moto's classes are. To leave plain moto untouched for everybody else in the process (in-process
``mock_aws`` tests, another ``ThreadedMotoServer``), every patched function checks
:func:`in_emulator_request` and falls back to moto's original behaviour when it is false.

The WSGI front (:mod:`emulators.sagemaker.routes`) enters :func:`emulator_request` around each
request it forwards to moto. moto runs the whole request (parsing, backend call, serialisation)
synchronously in the calling thread, so a context variable is enough.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["emulator_request", "in_emulator_request"]

_ACTIVE: ContextVar[bool] = ContextVar("sagemaker_emulator_request", default=False)


@contextmanager
def emulator_request() -> Iterator[None]:
    """Mark the current thread/context as serving an emulator request for the duration of the block."""
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def in_emulator_request() -> bool:
    """True while moto is handling a request forwarded by a SageMakerEmulator front."""
    return _ACTIVE.get()
