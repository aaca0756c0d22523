"""Test queries: judge a data-plane answer against a :class:`core.spec_policy.TestQuery`.

Pure: the adapter sends the request (``Adapter.invoke``); this module decides pass/fail and says why.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from core.adapter import InvokeResult
from core.spec_policy import TestQuery

__all__ = ["QueryResult", "evaluate", "resolve_pointer"]

_MISSING = object()


@dataclass(frozen=True)
class QueryResult:
    name: str
    passed: bool
    status: int
    problems: tuple[str, ...] = ()
    variant: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"problems": list(self.problems)}


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901 lookup; returns a sentinel (never raises) when the path does not exist."""
    if pointer == "":
        return document
    node = document
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _MISSING
    return node


def evaluate(query: TestQuery, result: InvokeResult) -> QueryResult:
    """Compare status, required fields and expected values; collect every problem."""
    problems: list[str] = []
    if result.status != query.expect_status:
        problems.append(f"status {result.status}, expected {query.expect_status}")
    if query.expect_fields or query.expect_values:
        try:
            body = json.loads(result.body or b"null")
        except ValueError:
            problems.append("the response body is not JSON")
        else:
            for pointer in query.expect_fields:
                if resolve_pointer(body, pointer) is _MISSING:
                    problems.append(f"{pointer}: missing from the response")
            for pointer, want in query.expect_values.items():
                got = resolve_pointer(body, pointer)
                if got is _MISSING:
                    problems.append(f"{pointer}: missing, expected {want!r}")
                elif got != want:
                    problems.append(f"{pointer}: {got!r}, expected {want!r}")
    return QueryResult(name=query.name, passed=not problems, status=result.status,
                       problems=tuple(problems), variant=result.variant)
