"""The README's quickstart, run as written.

Every ```` ```sh ```` block of the README's "Quickstart" section is split into commands (a command
spans lines while a quote is open or a line ends in ``\\``) and run in order by ``bash`` in the
repository's root, each expected to exit with the code its comment documents (``# exit 3: ...``),
else 0. The first command must be ``make run``: the test starts what it starts instead, a sandbox
server (``deploy-anywhere serve --sandbox``) on 127.0.0.1, a free port and a temporary data dir.
Only the mechanics are substituted: ``.deploy-anywhere/`` becomes that data dir, ``.venv/bin/`` the
running interpreter's bin dir, and the CLI finds the server through ``DEPLOY_ANYWHERE_SERVER``;
variables a command exports (the token) carry over to the next ones, as in a terminal.

For speed, the emulators run apart (``deploy-anywhere emulate --seconds 0.1``, named to the server
by ``DEPLOY_ANYWHERE_EMULATORS_FILE``, as the durability tests do) with fast polling, instead of
the one-second transitions of ``make run``.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = BIN / "deploy-anywhere"
README = REPO / "README.md"

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not CLI.exists(), reason=f"no {CLI}")]


@dataclass(frozen=True)
class Command:
    text: str
    exit_code: int  # as documented by a "# exit N" comment on its last line, else 0


def quickstart_blocks(readme: str) -> list[str]:
    """The ```sh blocks of the "## Quickstart" section, in order."""
    section = re.search(r"^## Quickstart\b.*?(?=^## )", readme, re.M | re.S)
    assert section, "the README has no '## Quickstart' section"
    return re.findall(r"^```sh\n(.*?)^```", section.group(0), re.M | re.S)


def split_commands(block: str) -> list[Command]:
    commands: list[Command] = []
    pending: list[str] = []
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending.append(line)
        text = "\n".join(pending)
        if text.endswith("\\"):
            continue
        try:
            shlex.split(text, comments=True)
        except ValueError:  # an open quote: the command goes on
            continue
        documented = re.search(r"#\s*exit (\d+)\b", pending[-1])
        commands.append(Command(text, int(documented.group(1)) if documented else 0))
        pending = []
    assert not pending, f"unterminated command in the quickstart: {pending}"
    return commands


def test_quickstart_parsing() -> None:
    """The parser itself: multi-line commands, documented exit codes, comment-only lines."""
    block = ("make run   # terminal 1\n# a comment line\n.venv/bin/python -c '\nprint(1)\n'\n"
             "a --x \\\n  --y   # exit 3: out of sync\n")
    assert split_commands(block) == [Command("make run   # terminal 1", 0),
                                     Command(".venv/bin/python -c '\nprint(1)\n'", 0),
                                     Command("a --x \\\n  --y   # exit 3: out of sync", 3)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(probe, *, timeout: float, what: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group this test started, SIGKILL after 20 s."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """``(server URL, data dir, environment)`` of a sandbox server started for this test."""
    data = tmp_path / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DEPLOY_ANYWHERE_", "AWS_ENDPOINT_URL")) and k != "AWS_PROFILE"}
    env["PYTHONUNBUFFERED"] = "1"
    emulators_file = data / "emulators.json"
    procs: list[subprocess.Popen[bytes]] = []

    def spawn(argv: list[str], log: Path, extra: dict[str, str]) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            proc = subprocess.Popen(argv, cwd=REPO, env={**env, **extra}, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proc)
        return proc

    try:
        log = tmp_path / "emulate.log"
        proc = spawn([str(CLI), "emulate", "--file", str(emulators_file), "--seconds", "0.1"], log, {})
        _wait_for(emulators_file.exists, timeout=60, what="deploy-anywhere emulate", proc=proc, log=log)
        settings = {"DATA_DIR": str(data), "EMULATORS_FILE": str(emulators_file), "LOG_LEVEL": "WARNING",
                    "POLL_INTERVAL_SECONDS": "0.1", "POLL_MAX_INTERVAL_SECONDS": "0.5"}
        extra = {f"DEPLOY_ANYWHERE_{k}": v for k, v in settings.items()}
        for attempt in range(3):  # the free port may be taken between the probe and the bind
            port, log = _free_port(), tmp_path / f"serve-{attempt}.log"
            url = f"http://127.0.0.1:{port}"
            proc = spawn([str(CLI), "serve", "--sandbox", "--host", "127.0.0.1", "--port", str(port)], log, extra)
            try:
                _wait_for(lambda: _healthy(url) and proc.poll() is None, timeout=90, what="deploy-anywhere serve",
                          proc=proc, log=log)
                break
            except AssertionError:
                _stop(proc)
                if attempt == 2 or "address already in use" not in log.read_text(errors="replace").lower():
                    raise
        yield url, data, {**env, "DEPLOY_ANYWHERE_SERVER": url}
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _mechanics(command: str, data: Path) -> str:
    """The command with the sandbox's paths: this test's data dir and interpreter."""
    return command.replace(".deploy-anywhere/", f"{data}/").replace(".venv/bin/", f"{BIN}/")


def test_readme_quickstart_runs_top_to_bottom(sandbox: tuple[str, Path, dict[str, str]], tmp_path: Path) -> None:
    _, data, env = sandbox
    commands = [c for block in quickstart_blocks(README.read_text()) for c in split_commands(block)]
    assert commands and shlex.split(commands[0].text, comments=True) == ["make", "run"], (
        "the quickstart starts with `make run` (the test's sandbox server stands in for it)")
    assert len(commands) > 5, commands
    env_file = tmp_path / "env"
    for command in commands[1:]:
        script = f"{_mechanics(command.text, data)}\n__rc=$?\nenv -0 > {shlex.quote(str(env_file))}\nexit $__rc\n"
        done = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == command.exit_code, (
            f"README quickstart: `{command.text}` exited {done.returncode}, documented {command.exit_code}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr[-3000:]}")
        env = dict(item.split("=", 1) for item in env_file.read_text().split("\0") if "=" in item)
