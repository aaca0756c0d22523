"""Every secret plaintext this process handles is masked in every log record.

Secrets travel in provider requests; SDKs log requests at DEBUG (botocore logs the parameters of
every call). Rather than trusting each library, :func:`register` adds a plaintext to a process-wide
set the moment it is decrypted, resolved or received, and :func:`install` wraps the log record
factory so every record (any logger, any handler, pytest's caplog included) is created with those
values replaced by ``**redacted**`` in its message and its formatted exception.

A value the service has not seen yet (changed on the provider behind its back) cannot be masked by
value: it first arrives in a provider response. So :func:`install` also caps the loggers that
write raw provider response bodies (:data:`BODY_LOGGERS`, botocore's parser logs every response
body at DEBUG) at INFO; the service reads such values only to fingerprint them.

Values shorter than :data:`MIN_LENGTH` are not masked (masking ``"1"`` would garble every log);
the registry keeps the :data:`LIMIT` most recent values.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from core.spec_env import REDACTED

__all__ = ["register", "scrub", "install", "MIN_LENGTH", "BODY_LOGGERS"]

BODY_LOGGERS = ("botocore.parsers",)

MIN_LENGTH = 4
LIMIT = 10_000

_values: OrderedDict[str, None] = OrderedDict()
_lock = threading.Lock()
_installed = False


def register(value: str) -> None:
    """Mask ``value`` in every log record from now on."""
    if len(value) < MIN_LENGTH:
        return
    with _lock:
        _values[value] = None
        _values.move_to_end(value)
        while len(_values) > LIMIT:
            _values.popitem(last=False)


def scrub(text: str) -> str:
    """``text`` with every registered value replaced by ``**redacted**`` (longest first)."""
    if not _values:
        return text
    with _lock:
        values = sorted(_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def install() -> None:
    """Wrap the log record factory (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    for name in BODY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:  # NOTSET included: whatever the root level is later
            logger.setLevel(logging.INFO)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _values:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a broken format string is the logger's problem
                return record
            clean = scrub(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and record.exc_info[1] is not None:
                text = logging.Formatter().formatException(record.exc_info)
                clean = scrub(text)
                if clean != text:
                    record.exc_text, record.exc_info = clean, None
        return record

    logging.setLogRecordFactory(factory)
