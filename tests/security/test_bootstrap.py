"""api.security.bootstrap_admin_keys: the first admin key from the environment, a file, or (sandbox)
the local key file; idempotent at every start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from api.security import bootstrap_admin_keys
from core.auth import Role, new_token
from core.settings import Settings
from core.store import Store


def test_env_and_file_keys_are_registered_once(store: Store, tmp_path: Path) -> None:
    env_key, file_key = new_token(), new_token()
    key_file = tmp_path / "admin.key"
    key_file.write_text(file_key.token + "\n")
    settings = Settings(data_dir=tmp_path, bootstrap_admin_key=SecretStr(env_key.token),
                        bootstrap_admin_key_file=key_file)
    assert bootstrap_admin_keys(store.keys, settings) == [env_key.key_id, file_key.key_id]
    assert bootstrap_admin_keys(store.keys, settings) == [env_key.key_id, file_key.key_id]  # restart
    assert len(store.keys.list_keys()) == 2
    for token in (env_key.token, file_key.token):
        assert store.keys.authenticate(token).role is Role.ADMIN


def test_a_revoked_bootstrap_key_stays_revoked(store: Store, tmp_path: Path) -> None:
    boot = new_token()
    settings = Settings(data_dir=tmp_path, bootstrap_admin_key=SecretStr(boot.token))
    bootstrap_admin_keys(store.keys, settings)
    store.keys.create(role=Role.ADMIN, created_by=boot.key_id)
    store.keys.revoke(boot.key_id)
    bootstrap_admin_keys(store.keys, settings)
    assert store.keys.get(boot.key_id).revoked_at is not None


def test_a_value_that_is_no_key_stops_the_start(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="da_<id>_<secret>") as info:
        bootstrap_admin_keys(store.keys, Settings(data_dir=tmp_path, bootstrap_admin_key=SecretStr("hunter2-password")))
    assert "hunter2" not in str(info.value)


def test_sandbox_without_a_configured_key_uses_the_local_key_file(store: Store, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", sandbox=True)
    [key_id] = bootstrap_admin_keys(store.keys, settings)
    token = (tmp_path / "data" / "sandbox-admin-key").read_text().strip()
    assert store.keys.authenticate(token).id == key_id
    assert bootstrap_admin_keys(store.keys, settings) == [key_id]
    assert bootstrap_admin_keys(store.keys, Settings(data_dir=tmp_path / "other")) == []  # not sandbox: nothing
