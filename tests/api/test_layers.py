"""Front ends reach the service only through its use cases (core.service's docstring), and the
store's repositories only through the Database they share: checked on the source, by AST.

- No module under ``api/`` except the assembly (``api/deps.py``) touches a ``.store``,
  ``.monitor`` or ``.vault`` attribute or imports the ``Store`` class or an adapter: routes and the
  security layer get :class:`core.service.Service` or one of its use-case objects.
- The durable jobs (``core/jobs``) call the runtime's use cases, never ``runtime().service``.
- No module reaches into a private transaction helper (``_tx``, ``_locked``) of another object.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def _attributes(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute):
            yield node.lineno, node.attr


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)


def test_api_modules_use_the_service_and_its_use_cases_only() -> None:
    found = []
    for path in _modules("api"):
        if path == ROOT / "api" / "deps.py":
            continue
        rel = path.relative_to(ROOT)
        found += [f"{rel}:{line} .{attr}" for line, attr in _attributes(path) if attr in {"store", "monitor", "vault"}]
        found += [f"{rel}:{line} import {name}" for line, name in _imports(path)
                  if name in {"core.store.Store", "core.store.repository.Store"} or name.split(".")[0] == "adapters"]
    assert found == []


def test_jobs_call_the_runtime_use_cases_not_the_service() -> None:
    found = [f"{path.relative_to(ROOT)}:{line} .{attr}" for path in _modules("core/jobs")
             for line, attr in _attributes(path) if attr in {"service", "monitor", "vault"}]
    assert found == []


def test_no_module_uses_private_transaction_helpers() -> None:
    found = [f"{path.relative_to(ROOT)}:{line} .{attr}" for package in ("core", "api")
             for path in _modules(package) for line, attr in _attributes(path) if attr in {"_tx", "_locked"}]
    assert found == []
