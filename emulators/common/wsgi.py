"""Small WSGI helpers shared by the emulators' front apps."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

__all__ = ["WSGIApp", "drop_connection", "status_line"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
"""A WSGI application."""


def status_line(status: int) -> str:
    """``"429 Too Many Requests"``; ``"<status> Error"`` for a status without a standard phrase."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return f"{status} {phrase}"


def drop_connection(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Close the client connection without an answer (werkzeug then logs a dropped connection)."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    start_response("500 Connection Dropped", [("Content-Length", "0")])
    return [b""]
