"""Bounds of the API's integer query parameters.

Every id or offset a client sends is compared in SQL, where both backends would fail on a value
past their integer type (SQLite: an ``OverflowError`` past 64 bits; PostgreSQL: ``integer out of
range``, as SQLAlchemy binds ids and offsets as ``INTEGER``, 32 bits) and answer 500. The schema
bounds them instead, at the smaller of the two (the ids' own type on PostgreSQL), so a larger value
is a 422 naming the parameter on both backends, and a schema-driven client knows the bound.
"""

from __future__ import annotations

__all__ = ["MAX_INT"]

MAX_INT = 2**31 - 1
"""The largest value of an integer query parameter (``before``, ``after``, ``offset``): PostgreSQL's
``integer``, the type of every id column there."""
