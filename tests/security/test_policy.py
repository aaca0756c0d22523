"""core.auth (tokens, hashes, roles, scopes) and api.security.policy (the role rule)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from api.security.policy import required_role
from core.auth import (
    Role,
    Scope,
    hash_secret,
    new_salt,
    new_token,
    parse_token,
    read_token_file,
    sandbox_admin_key,
    verify_secret,
)


def test_tokens_round_trip_and_hide_their_secret() -> None:
    parsed = new_token()
    assert parse_token(parsed.token) == parsed
    assert parsed.secret not in repr(parsed)
    assert len(parsed.secret) >= 43  # 256 bits
    assert new_token() != new_token()


@pytest.mark.parametrize("text", ["", "da_", "da_ab_short", "xx_abcd1234_" + "a" * 43, "da_ABCD_" + "a" * 43,
                                  "da_abcd1234_" + "a" * 43 + "!", " da_abcd1234_" + "a" * 43])
def test_parse_token_refuses_other_text(text: str) -> None:
    assert parse_token(text) is None


def test_hash_is_salted_hmac_and_verify_is_exact() -> None:
    salt = new_salt()
    digest = hash_secret("s3cret", salt)
    assert len(digest) == 64 and digest != hash_secret("s3cret", new_salt())
    assert verify_secret("s3cret", salt, digest)
    assert not verify_secret("s3creT", salt, digest)


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.DEPLOYER) and Role.DEPLOYER.allows(Role.READER)
    assert not Role.READER.allows(Role.DEPLOYER) and not Role.DEPLOYER.allows(Role.ADMIN)


def test_scope() -> None:
    scope = Scope(platforms=("vertex",), name_prefixes=("team-a-", "shared-"))
    assert scope.restricted and not Scope().restricted
    assert scope.allows("team-a-x", "vertex") and scope.allows("shared-y", None)
    assert not scope.allows("team-b-x", "vertex") and not scope.allows("team-a-x", "sagemaker")
    assert Scope().allows("anything", "sagemaker")


@pytest.mark.parametrize(("method", "path", "role"), [
    ("GET", "/v1/deployments", Role.READER),
    ("GET", "/v1/deployments/{name}", Role.READER),
    ("HEAD", "/v1/deployments/{name}", Role.READER),
    ("GET", "/v1/operations/{op_id}", Role.READER),
    ("GET", "/v1/platforms", Role.READER),
    ("GET", "/v1/checks/summary", Role.READER),
    ("GET", "/v1/deployments/{name}/live", Role.READER),
    ("PUT", "/v1/deployments/{name}", Role.DEPLOYER),
    ("DELETE", "/v1/deployments/{name}", Role.DEPLOYER),
    ("POST", "/v1/plan", Role.DEPLOYER),
    ("POST", "/v1/deployments/{name}/checks", Role.DEPLOYER),
    ("POST", "/v1/deployments/{name}:reconcile", Role.DEPLOYER),
    ("POST", "/v1/deployments/{name}:accept-live", Role.DEPLOYER),
    ("POST", "/v1/operations/{op_id}:cancel", Role.DEPLOYER),
    ("POST", "/v1/checks:run", Role.DEPLOYER),
    ("GET", "/v1/keys", Role.ADMIN),
    ("POST", "/v1/keys", Role.ADMIN),
    ("DELETE", "/v1/keys/{key_id}", Role.ADMIN),
    ("GET", "/v1/audit", Role.ADMIN),
    ("POST", "/v1/webhooks", Role.ADMIN),  # a write nobody placed: default deny
    ("POST", "/v1/deploymentsx", Role.ADMIN),  # a prefix is a path segment, not a string prefix
    ("GET", "/v1/keysafe", Role.READER),
])
def test_required_role(method: str, path: str, role: Role) -> None:
    assert required_role(method, path) is role


def test_sandbox_key_file_is_private_and_stable(tmp_path: Path) -> None:
    path = sandbox_admin_key(tmp_path / "data")
    token = read_token_file(path)
    assert parse_token(token) is not None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_token_file(sandbox_admin_key(tmp_path / "data")) == token
    path.write_text("hunter2")
    with pytest.raises(ValueError, match="not an API key"):
        read_token_file(path)
