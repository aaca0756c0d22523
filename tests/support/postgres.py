"""A throwaway PostgreSQL server for tests (no Docker, no pre-existing server).

Contract:

* :func:`postgres_available` says whether a server can be started here, and why not;
* :class:`PostgresServer` runs ``initdb`` + ``pg_ctl start`` in a fresh temporary directory
  (data dir and unix socket inside it), listening on ``127.0.0.1`` on a free port with trust
  authentication for the ``postgres`` superuser and durability switched off (fsync,
  synchronous_commit, full_page_writes). Start takes ~1 s. ``stop`` is ``pg_ctl stop -m
  immediate`` and removes the directory; it is idempotent and also registered with
  :mod:`atexit`, so an interrupted test session leaves no server behind.
* PostgreSQL refuses to run as root: when ``os.geteuid() == 0`` the binaries run as the
  ``postgres`` user through ``runuser -u postgres --`` and the directory is owned by it.

``create_database`` returns a SQLAlchemy URL ``postgresql+psycopg://postgres@127.0.0.1:PORT/name``.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import ClassVar

__all__ = ["PostgresServer", "PostgresStartError", "find_pg_bin", "postgres_available"]

_RUN_AS = "postgres"
_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
_DB_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class PostgresStartError(RuntimeError):
    """The server could not be initialised or started (message includes the log tail)."""


def find_pg_bin(name: str) -> str | None:
    """Absolute path of the PostgreSQL program ``name``: PATH first, then the newest
    ``/usr/lib/postgresql/<version>/bin``; None if not found."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.parent.name
        return tuple(int(x) for x in re.findall(r"\d+", part)) or (0,)

    for path in sorted(candidates, key=version, reverse=True):
        if os.access(path, os.X_OK):
            return path
    return None


def _bin_dir() -> Path | None:
    """Directory holding initdb, pg_ctl and postgres of one installation."""
    pg_ctl = find_pg_bin("pg_ctl")
    if pg_ctl is None:
        return None
    directory = Path(os.path.realpath(pg_ctl)).parent  # PATH entries are often symlinks
    if all(os.access(directory / b, os.X_OK) for b in _REQUIRED_BINARIES):
        return directory
    return None


def _needs_runuser() -> bool:
    return os.geteuid() == 0


def postgres_available() -> tuple[bool, str]:
    """(ok, reason): whether :class:`PostgresServer` can start here; reason says why not
    (or, when ok, which installation is used)."""
    missing = [b for b in _REQUIRED_BINARIES if find_pg_bin(b) is None]
    if missing:
        return False, f"PostgreSQL binaries not found on PATH or /usr/lib/postgresql/*/bin: {missing}"
    directory = _bin_dir()
    if directory is None:
        return False, "initdb, pg_ctl and postgres are not installed side by side"
    if _needs_runuser():
        try:
            pwd.getpwnam(_RUN_AS)
        except KeyError:
            return False, f"running as root and there is no {_RUN_AS!r} user to run PostgreSQL"
        if shutil.which("runuser") is None:
            return False, "running as root and `runuser` (util-linux) is not installed"
    return True, f"PostgreSQL binaries in {directory}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _temp_parent() -> str:
    """A temp parent the postgres user can traverse (TMPDIR may be a private directory)
    and short enough for a unix socket path (~107 bytes)."""
    base = tempfile.gettempdir()
    if len(base) > 60:
        return "/tmp"
    if _needs_runuser():
        path = Path(base).resolve()
        for part in [path, *path.parents]:
            if not os.stat(part).st_mode & 0o001:
                return "/tmp"
    return base


class PostgresServer:
    """One throwaway PostgreSQL cluster; see the module docstring for the contract.

    Usage: ``with PostgresServer() as pg: url = pg.create_database("t1")``.
    Settings may be changed on a subclass (``settings``, ``start_timeout``).
    """

    start_timeout: ClassVar[float] = 30.0
    settings: ClassVar[dict[str, str]] = {
        "listen_addresses": "127.0.0.1",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
        "shared_buffers": "32MB",
        "logging_collector": "off",
    }

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._port: int | None = None
        self._bin: Path | None = None

    # -- properties
    @property
    def port(self) -> int:
        """TCP port on 127.0.0.1 (only while started)."""
        if self._port is None:
            raise RuntimeError("PostgresServer is not started")
        return self._port

    @property
    def url_base(self) -> str:
        """``postgresql+psycopg://postgres@127.0.0.1:PORT`` (append ``/dbname``)."""
        return f"postgresql+psycopg://{_RUN_AS}@127.0.0.1:{self.port}"

    @property
    def directory(self) -> Path | None:
        """The temporary directory (data, socket, log) while started, else None."""
        return self._dir

    @property
    def started(self) -> bool:
        return self._port is not None

    # -- lifecycle
    def start(self) -> None:
        """Create the cluster and start the server; raises PostgresStartError with the
        server log tail on failure (and cleans up). Starting twice is an error."""
        if self._dir is not None:
            raise RuntimeError("PostgresServer already started")
        ok, reason = postgres_available()
        if not ok:
            raise PostgresStartError(reason)
        self._bin = _bin_dir()
        self._dir = Path(tempfile.mkdtemp(prefix="pgtest-", dir=_temp_parent()))
        atexit.register(self.stop)
        try:
            if _needs_runuser():
                user = pwd.getpwnam(_RUN_AS)
                os.chown(self._dir, user.pw_uid, user.pw_gid)
            self._initdb()
            for attempt in range(3):  # the free port may be taken between probe and bind
                port = _free_port()
                if self._pg_ctl_start(port, last_attempt=attempt == 2):
                    self._port = port
                    break
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server (immediate mode) and remove its directory. Idempotent."""
        directory, self._dir = self._dir, None
        self._port = None
        atexit.unregister(self.stop)
        if directory is None:
            return
        data = directory / "data"
        if (data / "postmaster.pid").exists():
            result = self._run(
                [self._exe("pg_ctl"), "-D", str(data), "stop", "-m", "immediate", "-w", "-t", "20"],
                cwd=directory,
            )
            if result.returncode != 0:
                self._kill_postmaster(data)
        shutil.rmtree(directory, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases
    def create_database(self, name: str) -> str:
        """Create database ``name`` (identifier: letters, digits, _; max 63) and return its
        SQLAlchemy URL. Raises psycopg errors if it exists."""
        from psycopg import sql

        self._execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_check_name(name))))
        return f"{self.url_base}/{name}"

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, terminating its remaining connections."""
        from psycopg import sql

        self._execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(_check_name(name))
            )
        )

    # -- internals
    def _exe(self, name: str) -> str:
        assert self._bin is not None
        return str(self._bin / name)

    def _run(self, argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        if _needs_runuser():
            argv = ["runuser", "-u", _RUN_AS, "--", *argv]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        return subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=self.start_timeout + 10
        )

    def _initdb(self) -> None:
        assert self._dir is not None
        result = self._run(
            [
                self._exe("initdb"), "-D", str(self._dir / "data"), "-U", _RUN_AS,
                "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
            ],
            cwd=self._dir,
        )  # fmt: skip
        if result.returncode != 0:
            raise PostgresStartError(
                f"initdb failed (exit {result.returncode}):\n{_tail(result.stdout + result.stderr)}"
            )

    def _pg_ctl_start(self, port: int, last_attempt: bool) -> bool:
        assert self._dir is not None
        # pg_ctl hands -o to a shell: quote every value
        options = [f"-p {port}", f"-k {shlex.quote(str(self._dir))}"]
        options += [f"-c {key}={shlex.quote(value)}" for key, value in self.settings.items()]
        log = self._dir / "server.log"
        result = self._run(
            [
                self._exe("pg_ctl"), "-D", str(self._dir / "data"), "-l", str(log),
                "-o", " ".join(options), "-w", "-t", str(int(self.start_timeout)), "start",
            ],
            cwd=self._dir,
        )  # fmt: skip
        if result.returncode == 0:
            return True
        log_text = self._log_tail()
        if "already in use" in log_text and not last_attempt:
            return False
        raise PostgresStartError(
            f"pg_ctl start failed (exit {result.returncode}): "
            f"{(result.stdout + result.stderr).strip()}\n--- server log tail ---\n{log_text}"
        )

    def _wait_ready(self) -> None:
        """Confirm the server accepts SQL connections over TCP (pg_ctl -w used the socket)."""
        import psycopg

        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                with psycopg.connect(self._dsn(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresStartError(
                        f"server not accepting connections on port {self._port}: {exc}\n"
                        f"--- server log tail ---\n{self._log_tail()}"
                    ) from exc
                time.sleep(0.05)

    def _dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={_RUN_AS} dbname=postgres"

    def _execute(self, statement: object) -> None:
        import psycopg

        with psycopg.connect(self._dsn(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def _log_tail(self, lines: int = 30) -> str:
        if self._dir is None:
            return "(no log)"
        try:
            text = (self._dir / "server.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return _tail(text, lines)

    @staticmethod
    def _kill_postmaster(data: Path) -> None:
        """Last resort when pg_ctl stop fails: SIGQUIT the postmaster recorded in its pid file."""
        try:
            pid = int((data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGQUIT)
        except (OSError, ValueError, IndexError):
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            time.sleep(0.05)


def _check_name(name: str) -> str:
    if not _DB_NAME.fullmatch(name):
        raise ValueError(f"invalid database name {name!r}: use [A-Za-z_][A-Za-z0-9_]{{0,62}}")
    return name


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(empty)"
