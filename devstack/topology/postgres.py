"""A throw-away PostgreSQL server: initdb into a temporary directory, `postgres` on a free loopback port.

The binaries are Debian's `postgresql-15` (`make postgresql` installs it): the server is started and stopped
by this code, never as a system service, so nothing outlives it and nothing listens beyond 127.0.0.1.
PostgreSQL refuses to run as root; under root (CI, these machines) the server and initdb run as the
`postgres` account the Debian package creates (`nobody` when it is missing), in a directory it owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from devstack.servers import HOST, free_port

__all__ = ["PostgresError", "PostgresServer", "find_bindir"]

# The binaries the server needs; client tools from the same installation, so the versions match.
_TOOLS = ("initdb", "postgres", "pg_isready", "createdb")


class PostgresError(RuntimeError):
    """PostgreSQL could not be found, initialised or started; the message says which and why."""


def find_bindir() -> Path | None:
    """The directory holding initdb, postgres, pg_isready and createdb, or None when PostgreSQL is missing.

    `$POSTGRES_BINDIR` first, then Debian's versioned directories (newest first), then `postgres` on PATH
    (its symlink resolved: /usr/local/bin may hold links into Debian's directory).
    """
    candidates: list[Path] = []
    if env := os.environ.get("POSTGRES_BINDIR"):
        candidates.append(Path(env))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: int(p.name), reverse=True)]
    if on_path := shutil.which("postgres"):
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if all(os.access(directory / tool, os.X_OK) for tool in _TOOLS):
            return directory
    return None


@dataclass(frozen=True)
class _Account:
    uid: int
    gid: int
    name: str


def _server_account() -> _Account | None:
    """Whom the server runs as: None for the current user; a non-root account when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return _Account(entry.pw_uid, entry.pw_gid, name)
    raise PostgresError("running as root and neither a `postgres` nor a `nobody` account exists")


class PostgresServer:
    """One PostgreSQL server with one database for llama-stack: `start()`, then `stop()` (always)."""

    def __init__(
        self,
        *,
        database: str = "llamastack",
        user: str = "llamastack",
        log_path: Path,
        max_connections: int = 200,
        bindir: Path | None = None,
    ) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PostgresError(
                "PostgreSQL server binaries not found (initdb, postgres, pg_isready, createdb): "
                "run `make postgresql` (Debian's postgresql-15) or set POSTGRES_BINDIR"
            )
        self.bindir = found
        self.database = database
        self.user = user
        self.password = secrets.token_urlsafe(18)
        self.host = HOST
        self.port = 0
        self.log_path = log_path
        self.max_connections = max_connections
        self.process: subprocess.Popen[bytes] | None = None
        self._account = _server_account()
        self._base: Path | None = None

    @property
    def url(self) -> str:
        """The SQLAlchemy-style URL (for people reading logs; the password is left out)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    def env(self) -> dict[str, str]:
        """The POSTGRES_* variables llama-stack's Postgres run configs read (as deploy/llama-stack's)."""
        return {
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_DB": self.database,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
        }

    # --- start ---------------------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """initdb, start the server, wait until it accepts connections, create the database."""
        self._base = Path(tempfile.mkdtemp(prefix="argocd-assistant-pg-"))
        if self._account is not None:
            os.chown(self._base, self._account.uid, self._account.gid)
        data = self._base / "data"
        pwfile = self._base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._account is not None:
            os.chown(pwfile, self._account.uid, self._account.gid)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            # Password authentication over TCP (as in a cluster): the password the config carries is checked.
            initdb = self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    self.user,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                log,
            )
        pwfile.unlink()
        if initdb != 0:
            raise PostgresError(f"initdb failed with code {initdb}\n{self.log_tail()}")
        self.port = free_port()
        argv = [
            str(self.bindir / "postgres"),
            "-D",
            str(data),
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-k",
            str(self._base),  # the Unix socket stays in our directory, not /var/run/postgresql
            "-c",
            f"max_connections={self.max_connections}",
            "-c",
            "shared_buffers=64MB",
        ]
        log_file = self.log_path.open("ab")
        try:
            self.process = self._spawn(argv, log_file)
        finally:
            log_file.close()
        self._wait_ready(timeout)
        created = subprocess.run(
            [
                str(self.bindir / "createdb"),
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                self.database,
            ],
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if created.returncode != 0:
            raise PostgresError(f"createdb {self.database} failed: {created.stderr.strip()}")

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        isready = [str(self.bindir / "pg_isready"), "-q", "-h", self.host, "-p", str(self.port)]
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise PostgresError(f"postgres exited with code {self.process.returncode}\n{self.log_tail()}")
            if subprocess.run(isready, timeout=5, check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise PostgresError(f"postgres not accepting connections after {timeout:.0f} s\n{self.log_tail()}")

    def _spawn(self, argv: Sequence[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
        account: dict[str, Any] = {}
        if self._account is not None:
            # drop root's supplementary groups too, not only the uid
            account = {"user": self._account.uid, "group": self._account.gid, "extra_groups": []}
        return subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self._base,
            **account,
        )

    def _run(self, argv: Sequence[str], log: IO[bytes]) -> int:
        process = self._spawn(argv, log)
        try:
            return process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            _kill_group(process, signal.SIGKILL)
            process.wait()
            return -1

    # --- stop ----------------------------------------------------------------------------------------

    def stop(self, grace: float = 10.0) -> None:
        """Fast shutdown (SIGINT: open sessions are cut, nothing is waited for), SIGKILL after `grace`."""
        if self.process is not None:
            if self.process.poll() is None:
                _kill_group(self.process, signal.SIGINT)
                try:
                    self.process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    _kill_group(self.process, signal.SIGKILL)
                    self.process.wait()
            # the backends are children of the postmaster in the same group: none may outlive it
            _kill_group(self.process, signal.SIGKILL)
            self.process = None
        if self._base is not None:
            shutil.rmtree(self._base, ignore_errors=True)
            self._base = None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_bytes()[-4000:].decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(f"  | {line}" for line in text.splitlines()[-lines:])


def _kill_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
