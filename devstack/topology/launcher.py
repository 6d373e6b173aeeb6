"""The production topology on loopback: PostgreSQL, N llama-stacks, N relays, HAProxy in front of each tier.

    with Topology.start(replicas=2) as topo:
        topo.urls["relay"]        # HAProxy's relay frontend: what the browser (or Argo CD's proxy) calls
        topo.relay_replicas[1]    # one relay replica, directly
        topo.set_server_state("llamastack", 0, "maint")   # the next requests go to the other llama-stack

What runs, each on a free 127.0.0.1 port, every process in its own process group, all stopped on exit (also
when start-up fails): the Argo CD simulator, the scripted model, the MCP server (as in tests/relay), then
llama-stack (`.venv-llamastack`, devstack/llamastack/serve.py) on a run config derived from the dev one
(`runconfig`: Postgres stores shared by the replicas, or the dev SQLite stores for the one-replica baseline)
with `server.auth` asking the relays, through HAProxy, who each caller is; the relays (`python -m relay`)
share the conversation signing key and the llama-stack credential key, each advertising its own URL, and
reach llama-stack through HAProxy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from devstack.servers import HOST, free_port, start_process, wait_until_ready
from devstack.topology.haproxy import Backend, HAProxyError, find_haproxy, render_config, runtime_command
from devstack.topology.postgres import PostgresServer
from devstack.topology.runconfig import load_dev_config, postgres_stores, with_auth

__all__ = ["Topology", "TopologyError", "TopologyOptions"]

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "devstack" / "llamastack" / "serve.py"
PROXY_SECRET_HEADER = "X-Assistant-Proxy-Secret"
Store = Literal["postgres", "sqlite"]
Tier = Literal["relay", "llamastack"]


class TopologyError(RuntimeError):
    """A part of the topology could not start; the message names it and quotes the end of its log."""


@dataclass(frozen=True)
class TopologyOptions:
    replicas: int = 2
    # "sqlite": the dev stack's stores, one replica only (each llama-stack would have its own files)
    store: Store = "postgres"
    token_delay_ms: float = 0.0
    # per relay: a load of 200 chats may land on one replica (the product's default is 64)
    max_concurrent_streams: int = 256
    heartbeat_seconds: float = 15.0
    identity_modes: tuple[str, ...] = ("cookie", "bearer", "pasted", "browser", "scoped")
    # each run logs into a directory of its own under it (runs may overlap: a test suite and a benchmark)
    log_root: Path = ROOT / ".devstack" / "topology"
    ready_timeout: float = 90.0
    llamastack_python: Path = field(
        default_factory=lambda: Path(
            os.environ.get("LLAMASTACK_PYTHON", ROOT / ".venv-llamastack" / "bin" / "python")
        )
    )


@dataclass
class _Part:
    name: str
    tier: int  # stopped in this order: 0 first (what faces users), 3 last (the database)
    process: subprocess.Popen[bytes]
    ready_url: str | None


class Topology:
    """A running topology; `Topology.start(...)` as a context manager, or `launch()` then `stop()`."""

    def __init__(self, options: TopologyOptions) -> None:
        if options.replicas < 1:
            raise ValueError("replicas must be at least 1")
        if options.store == "sqlite" and options.replicas != 1:
            raise ValueError("SQLite stores serve one llama-stack only: use store='postgres' for replicas")
        self.options = options
        self.urls: dict[str, str] = {}
        self.relay_replicas: list[str] = []
        self.llamastack_replicas: list[str] = []
        self.conversation_signing_key = secrets.token_urlsafe(32)
        self.llama_stack_auth_key = secrets.token_urlsafe(32)
        self.postgres: PostgresServer | None = None
        self.startup_seconds = 0.0
        self._parts: list[_Part] = []
        self._state = Path(tempfile.mkdtemp(prefix="argocd-assistant-topology-"))
        self.log_dir = options.log_root / f"{time.strftime('%Y%m%d-%H%M%S')}-{self._state.name[-8:]}"
        self._admin_socket = self._state / "haproxy.sock"

    @classmethod
    @contextlib.contextmanager
    def start(cls, options: TopologyOptions | None = None, **overrides: Any) -> Iterator[Topology]:
        topology = cls(TopologyOptions(**overrides) if options is None else options)
        try:
            topology.launch()
            yield topology
        finally:
            topology.stop()

    def pids(self, kind: str) -> list[int]:
        """Process ids of one kind of part: "relay", "llamastack", "postgres", "haproxy", "model", …"""
        return [p.process.pid for p in self._parts if p.name == kind or p.name.startswith(f"{kind}-")]

    def set_server_state(self, tier: Tier, index: int, state: Literal["ready", "drain", "maint"]) -> None:
        """Takes one replica out of HAProxy's rotation (`maint`), or back in (`ready`)."""
        runtime_command(self._admin_socket, f"set server {tier}/{tier}-{index + 1} state {state}")

    def served_by(self, tier: Tier, method: str = "POST", path: str = "/") -> list[str]:
        """Which server of `tier` served each `method` request under `path` so far, oldest first (HAProxy's
        log line is written when a request ends)."""
        log = self.log_dir / "haproxy.log"
        names = []
        for line in log.read_text(errors="replace").splitlines():
            # log-format "%ft %b/%s %ST %HM %HP %Ta %tsc": frontend, backend/server, status, method, path,
            # total time, termination state
            parts = line.split()
            if len(parts) == 7 and parts[0] == tier and parts[3] == method and parts[4].startswith(path):
                names.append(parts[1].split("/", 1)[1])
        return names

    # --- start ---------------------------------------------------------------------------------------

    def launch(self) -> None:
        began = time.monotonic()
        opts = self.options
        if not opts.llamastack_python.exists():
            raise TopologyError(
                f"llama-stack's virtualenv is missing ({opts.llamastack_python}): "
                "`make .venv-llamastack/.installed`"
            )
        haproxy = find_haproxy()
        if haproxy is None:
            raise TopologyError("haproxy not found: run `make haproxy` (Debian's haproxy)")
        _prune(opts.log_root)
        self.log_dir.mkdir(parents=True)
        if opts.store == "postgres":
            self.postgres = PostgresServer(log_path=self.log_dir / "postgres.log")
            self.postgres.start()

        ports = {name: free_port() for name in ("argocd", "model", "mcp", "relay", "llamastack")}
        relay_ports = [free_port() for _ in range(opts.replicas)]
        ls_ports = [free_port() for _ in range(opts.replicas)]
        self.urls = {name: f"http://{HOST}:{port}" for name, port in ports.items()}
        self.urls["mcp_endpoint"] = f"{self.urls['mcp']}/mcp"
        self.relay_replicas = [f"http://{HOST}:{port}" for port in relay_ports]
        self.llamastack_replicas = [f"http://{HOST}:{port}" for port in ls_ports]
        secrets_ = _Secrets.new()

        self._write_haproxy_config(ports, relay_ports, ls_ports)
        self._spawn("haproxy", 0, [str(haproxy), "-db", "-f", str(self._state / "haproxy.cfg")], None)
        self._spawn_peers(ports, secrets_)
        run_config = self._write_run_config()
        for index, port in enumerate(relay_ports):
            self._spawn_relay(index, port, secrets_)
        # The first llama-stack creates the tables; replicas starting at once on an empty database race in
        # CREATE TABLE IF NOT EXISTS ("duplicate key value violates unique constraint
        # pg_type_typname_nsp_index") and the loser exits. So the others start once it is up.
        self._spawn_llamastack(0, ls_ports[0], run_config)
        self._await_ready(self._parts)
        self._await_backends_up({"relay"})  # llama-stack's auth provider reaches the relays through HAProxy
        self._prime_sql_store(self.llamastack_replicas[0])
        for index, port in enumerate(ls_ports[1:], start=1):
            self._spawn_llamastack(index, port, run_config)
        self._await_ready(self._parts[-(len(ls_ports) - 1) :] if len(ls_ports) > 1 else [])
        for url in self.llamastack_replicas[1:]:
            self._prime_sql_store(url)
        self._await_backends_up({"relay", "llamastack"})
        self.startup_seconds = time.monotonic() - began

    def _spawn(self, name: str, tier: int, argv: list[str], ready_url: str | None, **env: str) -> None:
        log = self.log_dir / f"{name}.log"
        log.write_bytes(b"")
        process = start_process(argv, None, env=env, log_path=str(log))
        self._parts.append(_Part(name, tier, process, ready_url))

    def _spawn_peers(self, ports: dict[str, int], keys: _Secrets) -> None:
        python = sys.executable
        relay = self.urls["relay"]
        sim = [python, "-m", "devstack.argocd", "--host", HOST, "--port", str(ports["argocd"])]
        # Argo CD's proxy extension and the direct route lead to the relays' frontend, as a Service would
        sim += ["--extension-url", relay, "--direct-route-url", relay]
        sim += ["--extension-header", f"{PROXY_SECRET_HEADER}={keys.proxy_secret}"]
        self._spawn("argocd", 2, sim, f"{self.urls['argocd']}/healthz")
        model = [python, "-m", "devstack.model", "--host", HOST, "--port", str(ports["model"])]
        model += ["--token-delay-ms", str(self.options.token_delay_ms)]
        self._spawn("model", 2, model, f"{self.urls['model']}/healthz")
        mcp = [python, "-m", "mcp_server", "--transport", "http", "--host", HOST, "--port", str(ports["mcp"])]
        self._spawn(
            "mcp",
            2,
            mcp,
            f"{self.urls['mcp']}/healthz",
            ARGOCD_SERVER=self.urls["argocd"],
            ASSISTANT_SCOPE_KEY=keys.scope_key,
            SCOPED_TOKEN_SHA256=keys.service_token_sha256,
        )

    def _write_run_config(self) -> Path:
        base = load_dev_config()
        config = with_auth(postgres_stores(base) if self.options.store == "postgres" else base)
        path = self._state / "run.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def _spawn_llamastack(self, index: int, port: int, run_config: Path) -> None:
        state = self._state / f"llamastack-{index + 1}"
        state.mkdir()
        env = {
            "MODEL_URL": f"{self.urls['model']}/v1",
            "MODEL_ID": "dev-model",
            "MODEL_API_KEY": "dummy",
            "LLAMASTACK_STATE_DIR": str(state),
            "MCP_SERVER_URL": self.urls["mcp_endpoint"],
            # llama-stack asks the relays who each caller is, through HAProxy as it would through a Service
            "RELAY_AUTH_URL": f"{self.urls['relay']}/internal/llama-stack-auth",
            **(self.postgres.env() if self.postgres is not None else {}),
        }
        argv = [str(self.options.llamastack_python), str(SERVE), str(run_config), "--port", str(port)]
        url = self.llamastack_replicas[index]
        self._spawn(f"llamastack-{index + 1}", 1, argv, f"{url}/v1/health", **env)

    def _spawn_relay(self, index: int, port: int, keys: _Secrets) -> None:
        opts = self.options
        config = {
            "llama_stack": {
                "url": self.urls["llamastack"],
                "model": "dev/dev-model",
                "auth_key": self.llama_stack_auth_key,
            },
            "mcp": {"server_url": self.urls["mcp_endpoint"]},
            "argocd": {"url": self.urls["argocd"]},
            "identity": {
                "modes": list(opts.identity_modes),
                "service_token": keys.service_token,
                "scope_signing_key": keys.scope_key,
                "proxy_secret": keys.proxy_secret,
                # the same on every replica: a handle one replica signed continues on another
                "conversation_signing_key": self.conversation_signing_key,
            },
            "limits": {
                "max_concurrent_streams": opts.max_concurrent_streams,
                "heartbeat_seconds": opts.heartbeat_seconds,
            },
            "replicas": {"advertise_url": self.relay_replicas[index]},
        }
        path = self._state / f"relay-{index + 1}.yaml"
        # the file holds keys: readable by this user only
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yaml.safe_dump(config, out)
        argv = [sys.executable, "-m", "relay", "--host", HOST, "--port", str(port), "--config", str(path)]
        argv += ["--log-level", "warning"]
        self._spawn(f"relay-{index + 1}", 0, argv, f"{self.relay_replicas[index]}/healthz")

    def _write_haproxy_config(
        self, ports: dict[str, int], relay_ports: list[int], ls_ports: list[int]
    ) -> None:
        backends = [
            Backend(
                "relay",
                ports["relay"],
                tuple((f"relay-{i + 1}", p) for i, p in enumerate(relay_ports)),
                "/healthz",
            ),
            Backend(
                "llamastack",
                ports["llamastack"],
                tuple((f"llamastack-{i + 1}", p) for i, p in enumerate(ls_ports)),
                "/v1/health",
            ),
        ]
        (self._state / "haproxy.cfg").write_text(render_config(backends, self._admin_socket))

    def _await_ready(self, parts: list[_Part]) -> None:
        def wait(part: _Part) -> None:
            assert part.ready_url is not None
            try:
                wait_until_ready(part.ready_url, timeout=self.options.ready_timeout, process=part.process)
            except (RuntimeError, TimeoutError) as exc:
                raise TopologyError(
                    f"{part.name} did not start: {exc}\n{self._log_tail(part.name)}"
                ) from None

        waiting = [part for part in parts if part.ready_url is not None]
        if not waiting:
            return
        with ThreadPoolExecutor(max_workers=len(waiting)) as pool:
            futures = [pool.submit(wait, part) for part in waiting]
            errors = [str(exc) for f in futures if (exc := f.exception()) is not None]
        if errors:
            raise TopologyError("\n".join(errors))

    def _prime_sql_store(self, url: str) -> None:
        """One read of the SQL store, before any load: llama-stack 0.7.3 creates its SQL tables only at the
        first data operation, without a lock, so the first burst of answers would insert into tables that do
        not exist yet ("relation \"responses\" does not exist") and replicas would race creating them
        ("duplicate key value violates unique constraint"). The read goes through the auth provider, so it
        also proves that llama-stack reaches the relays through HAProxy."""
        from relay.llama_auth import credential  # the relays' own credential: llama-stack asks them about it

        token = credential(self.llama_stack_auth_key.encode(), None, 60)
        request = urllib.request.Request(
            f"{url}/v1/responses?limit=1", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except (OSError, urllib.error.URLError) as exc:
            raise TopologyError(f"llama-stack at {url} could not read its stores: {exc}") from None

    def _await_backends_up(self, backends: set[str]) -> None:
        """Until HAProxy's health checks see every server of `backends` up (its first checks, made before the
        servers listened, counted them down)."""
        (haproxy,) = (p for p in self._parts if p.name == "haproxy")
        deadline = time.monotonic() + 20
        last = ""
        while time.monotonic() < deadline:
            if haproxy.process.poll() is not None:
                raise TopologyError(f"haproxy exited\n{self._log_tail('haproxy')}")
            if self._admin_socket.exists():
                try:
                    last = runtime_command(self._admin_socket, "show servers state")
                except (OSError, HAProxyError) as exc:
                    last = str(exc)
                else:
                    rows = [row.split() for row in last.splitlines()[1:] if row and not row.startswith("#")]
                    # columns: be_id be_name srv_id srv_name srv_addr srv_op_state (2 = running) ...
                    states = [r[5] for r in rows if len(r) > 5 and r[1] in backends]
                    if len(states) == len(backends) * self.options.replicas and set(states) == {"2"}:
                        return
            time.sleep(0.1)
        raise TopologyError(f"HAProxy does not see every server up: {last}\n{self._log_tail('haproxy')}")

    def _log_tail(self, name: str, lines: int = 15) -> str:
        path = self.log_dir / f"{name}.log"
        try:
            text = path.read_bytes()[-4000:].decode(errors="replace")
        except OSError:
            return ""
        tail = "\n".join(f"  | {line}" for line in text.splitlines()[-lines:])
        return f"  last lines of {path}:\n{tail}"

    # --- stop ----------------------------------------------------------------------------------------

    def stop(self, grace: float = 5.0) -> None:
        """Tier by tier (relays and HAProxy, llama-stacks, peers, then PostgreSQL): SIGTERM to each process
        group, SIGKILL to what is left after `grace` seconds, so no process or port outlives the topology."""
        for tier in sorted({part.tier for part in self._parts}):
            parts = [part for part in self._parts if part.tier == tier]
            for part in parts:
                _signal_group(part.process, signal.SIGTERM)
            deadline = time.monotonic() + grace
            for part in parts:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    part.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            for part in parts:
                # even when the leader has exited, so no grandchild survives it
                _signal_group(part.process, signal.SIGKILL)
                part.process.wait()
        self._parts.clear()
        if self.postgres is not None:
            self.postgres.stop()
        shutil.rmtree(self._state, ignore_errors=True)

    def exited(self) -> list[str]:
        return [part.name for part in self._parts if part.process.poll() is not None]

    def summary(self) -> dict[str, Any]:
        return {
            "urls": self.urls,
            "relay_replicas": self.relay_replicas,
            "llamastack_replicas": self.llamastack_replicas,
            "postgres": self.postgres.url if self.postgres is not None else None,
            "logs": str(self.log_dir),
            "startup_seconds": round(self.startup_seconds, 2),
        }


@dataclass(frozen=True)
class _Secrets:
    service_token: str
    service_token_sha256: str
    scope_key: str
    proxy_secret: str

    @classmethod
    def new(cls) -> _Secrets:
        from devstack.argocd.tokens import token_for  # the simulator's deterministic demo tokens

        token = token_for("assistant-service")
        return cls(
            token,
            hashlib.sha256(token.encode()).hexdigest(),
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(24),
        )


def _prune(root: Path, keep_seconds: float = 3600.0) -> None:
    """Removes the log directories of runs older than `keep_seconds` (a newer one may belong to a run still
    going on)."""
    if not root.is_dir():
        return
    cutoff = time.time() - keep_seconds
    for old in root.iterdir():
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
