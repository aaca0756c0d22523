"""Fixtures of the security tests: a migrated store (SQLite, and PostgreSQL when marked), and the
API with keys of every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from core.auth import Role
from core.store import Store
from tests.support.api_server import bearer


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path}/state.db" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    s = Store(str(url))
    s.migrate()
    try:
        yield s
    finally:
        s.dispose()


@dataclass
class Keys:
    """Bearer tokens of one key per role, and a client without any credentials."""

    tokens: dict[Role, str]
    anonymous: httpx.Client

    def headers(self, role: Role | None) -> dict[str, str]:
        return bearer(self.tokens[role]) if role is not None else {}


def make_key(api: httpx.Client, role: Role, **scope: object) -> str:
    """Create a key through the admin API; returns its token."""
    response = api.post("/v1/keys", json={"role": role.value, "description": f"test {role.value}", **scope})
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


@pytest.fixture
def keys(sagemaker_api: httpx.Client) -> Iterator[Keys]:
    """One key per role (the admin one is the bootstrap key ``sagemaker_api`` sends)."""
    tokens = {Role.ADMIN: sagemaker_api.headers["Authorization"].removeprefix("Bearer "),
              Role.DEPLOYER: make_key(sagemaker_api, Role.DEPLOYER), Role.READER: make_key(sagemaker_api, Role.READER)}
    with httpx.Client(base_url=sagemaker_api.base_url, timeout=30) as anonymous:
        yield Keys(tokens, anonymous)
