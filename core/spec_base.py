"""The base every spec model is built on, and the helpers their validators share.

Contracts:

- :class:`Strict` models reject unknown keys, are frozen and strip surrounding whitespace.
- A validator that must hold for caller input but not for a configuration read back from a provider
  checks :func:`is_live` (``context={"live": True}``) or calls :func:`input_only`.
- :func:`error_at` makes :func:`core.spec_io.validation_details` report a rule at each field it names.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, ValidationInfo
from pydantic_core import PydanticCustomError

__all__ = ["Strict", "is_live", "input_only", "error_at", "entry_path"]


def input_only(check: bool, message: str, info: ValidationInfo) -> None:
    """Raise ``ValueError(message)`` when ``check`` fails on caller input (never on a live config)."""
    if not check and not is_live(info):
        raise ValueError(message)


def error_at(message: str, fields: list[str]) -> PydanticCustomError:
    """An error that :func:`core.spec_io.validation_details` reports at each of ``fields`` (paths relative to the
    model or field being validated, e.g. ``variants[1].weight``, ``env.KEY``) instead of at that
    model or field: a rule over several fields names them all, a rule on one map entry names it."""
    # ``fields`` first: the template's placeholders are filled in context order, so the message
    # (which may quote user input such as "{fields}") is inserted last and never re-interpreted
    return PydanticCustomError("at_fields", "{message}", {"fields": list(fields), "message": message})


def entry_path(key: str) -> str:
    """The relative path of mapping entry ``key`` (quoted as ``["a.b"]`` unless a plain key, as
    :func:`core.diff.child_path` writes it)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'["{key}"]'


class Strict(BaseModel):
    """Base of every spec model: strict on input, frozen, self-describing."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def is_live(info: ValidationInfo) -> bool:
    """True while validating a configuration read back from a provider (``context={"live": True}``)."""
    return bool(info.context and info.context.get("live"))
