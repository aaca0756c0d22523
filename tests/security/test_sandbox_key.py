"""``deploy-anywhere serve --sandbox`` (``make run``) prints a ready-to-use admin key, kept under the
data dir so it is the same after a restart; the API does not run without authentication."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
KEY_LINE = re.compile(r"^\s+(da_[a-z0-9]+_[A-Za-z0-9_-]+)\s*$", re.M)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_once(data_dir: Path, emulators_file: Path) -> str:
    """Start the sandbox, read the printed key, check it works, stop; returns the key."""
    port = _free_port()
    env = {**os.environ, "DEPLOY_ANYWHERE_DATA_DIR": str(data_dir), "DEPLOY_ANYWHERE_EXECUTOR_ID": "sandbox-test",
           "DEPLOY_ANYWHERE_EMULATORS_FILE": str(emulators_file)}  # the session's emulator: a faster start
    env.pop("DEPLOY_ANYWHERE_BOOTSTRAP_ADMIN_KEY", None)
    env.pop("DEPLOY_ANYWHERE_BOOTSTRAP_ADMIN_KEY_FILE", None)
    proc = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()",
                             "serve", "--sandbox", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        banner = ""
        assert proc.stderr is not None
        while "export DEPLOY_ANYWHERE_TOKEN" not in banner:
            line = proc.stderr.readline()
            assert line, f"serve exited: {banner}"
            banner += line
        key = KEY_LINE.search(banner)
        assert key, banner
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the sandbox did not become ready"
            time.sleep(0.1)
        assert httpx.get(f"{base}/v1/deployments").status_code == 401
        r = httpx.get(f"{base}/v1/keys", headers={"Authorization": f"Bearer {key.group(1)}"})
        assert r.status_code == 200 and r.json()["keys"][0]["role"] == "admin"
        return key.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_sandbox_prints_a_stable_working_admin_key(tmp_path: Path, sagemaker_emulator_session) -> None:
    """One start (a restart reads the same file: see test_policy's sandbox key test)."""
    from core.auth import sandbox_admin_key

    emulators = tmp_path / "emulators.json"
    emulators.write_text(json.dumps({"platforms": {"sagemaker": {"url": sagemaker_emulator_session.url}}}))
    key = _serve_once(tmp_path / "data", emulators)
    assert (tmp_path / "data" / "sandbox-admin-key").read_text().strip() == key
    assert sandbox_admin_key(tmp_path / "data").read_text().strip() == key  # what the next start uses
