"""Drive the real terraform binary against the provider, for tests and benchmarks.

- :func:`dev_provider` starts ``python -m terraform.main --dev`` once and yields its
  ``TF_REATTACH_PROVIDERS`` value (every terraform run then talks to that one process: fast).
- :class:`Workspace` is one Terraform working directory with its own CLI configuration, HOME and
  environment; configurations are written as ``main.tf.json`` from Python data.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terraform import SOURCE

__all__ = ["TERRAFORM", "dev_provider", "Workspace", "Run", "deployment_config"]

TERRAFORM = shutil.which("terraform")
"""The terraform binary, or None (tests that need it are skipped)."""


@contextmanager
def dev_provider(timeout: float = 30, output: list[str] | None = None) -> Iterator[str]:
    """Start the provider in ``--dev`` mode; yield ``TF_REATTACH_PROVIDERS``; stop it.

    Its output is drained by a thread (a full pipe would block the provider) and, when ``output``
    is given, appended to it line by line (tests check what the provider logs)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "terraform.main", "--dev"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
            if output is not None:
                output.append(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None or time.monotonic() > deadline:
                raise RuntimeError(f"the provider did not print TF_REATTACH_PROVIDERS (exit {proc.poll()})")
            if "TF_REATTACH_PROVIDERS=" in line:
                break
        reattach = line.split("TF_REATTACH_PROVIDERS=", 1)[1].strip().strip("'")
        _wait_listening(reattach, deadline)  # tf prints the line before it starts the server
        yield reattach
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_listening(reattach: str, deadline: float) -> None:
    (entry,) = json.loads(reattach).values()
    path = entry["Addr"]["String"]
    while True:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            try:
                sock.connect(path)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the provider never listened on {path}") from None
        time.sleep(0.02)


@dataclass
class Run:
    """One terraform command's outcome."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def ok(self) -> Run:
        assert self.returncode == 0, f"terraform {' '.join(self.args)} exited {self.returncode}:\n{self.output}"
        return self


@dataclass
class Workspace:
    """A terraform working directory with an isolated CLI configuration and HOME."""

    root: Path
    endpoint: str
    token: str | None = None
    reattach: str | None = None
    cli_config: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.root / "home").mkdir(parents=True, exist_ok=True)
        (self.root / "work").mkdir(parents=True, exist_ok=True)
        (self.root / "terraformrc").write_text(self.cli_config)

    @property
    def dir(self) -> Path:
        return self.root / "work"

    def environment(self) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.root / "home"),
               "TF_CLI_CONFIG_FILE": str(self.root / "terraformrc"), "CHECKPOINT_DISABLE": "1",
               "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "DEPLOY_ANYWHERE_ENDPOINT": self.endpoint}
        if self.token:
            env["DEPLOY_ANYWHERE_TOKEN"] = self.token
        if self.reattach:
            env["TF_REATTACH_PROVIDERS"] = self.reattach
        return env | self.env

    def write(self, resources: dict[str, dict[str, Any]] | None = None, *,
              data: dict[str, dict[str, Any]] | None = None, outputs: dict[str, Any] | None = None) -> None:
        """``resources``: type -> label -> attributes (blocks as lists of dicts)."""
        # A reattached provider does not see terraform's environment: configure it explicitly.
        provider = {"endpoint": self.endpoint, "token": self.token} if self.reattach else {}
        doc: dict[str, Any] = {"terraform": {"required_providers": {"deployanywhere": {"source": SOURCE}}},
                               "provider": {"deployanywhere": {k: v for k, v in provider.items() if v}}}
        if resources:
            doc["resource"] = resources
        if data:
            doc["data"] = data
        if outputs:
            doc["output"] = {k: {"value": v} for k, v in outputs.items()}
        (self.dir / "main.tf.json").write_text(json.dumps(doc, indent=2))

    def run(self, *args: str, timeout: float = 300) -> Run:
        assert TERRAFORM is not None
        cmd = [TERRAFORM, f"-chdir={self.dir}", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self.environment(), timeout=timeout)
        return Run(list(args), proc.returncode, proc.stdout, proc.stderr)

    def apply(self, *extra: str) -> Run:
        return self.run("apply", "-auto-approve", "-no-color", "-input=false", *extra)

    def plan(self, *extra: str) -> Run:
        """``plan -detailed-exitcode``: 0 no changes, 1 error, 2 changes (saved to ``tfplan``)."""
        return self.run("plan", "-detailed-exitcode", "-no-color", "-input=false", "-out=tfplan", *extra)

    def show_plan(self) -> dict[str, Any]:
        return json.loads(self.run("show", "-json", "tfplan").ok().stdout)

    def state(self) -> dict[str, Any]:
        return json.loads(self.run("show", "-json").ok().stdout)

    def resource(self, address: str) -> dict[str, Any]:
        """The attribute values of ``address`` in state."""
        resources = self.state().get("values", {}).get("root_module", {}).get("resources", [])
        return next(r["values"] for r in resources if r["address"] == address)


def deployment_config(name: str, target: dict[str, Any], variants: list[dict[str, Any]],
                      **more: Any) -> dict[str, Any]:
    """A ``deployanywhere_deployment`` body: target keys flattened, variants as ``variant`` blocks."""
    return {"name": name, **target, "variant": variants, **more}
