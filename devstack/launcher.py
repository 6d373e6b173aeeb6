"""The dev stack launcher: simulator, MCP server, scripted model, llama-stack and relay on loopback ports.

`python -m devstack up [--react 16|19] [--json] [--model-url URL] [--llama-stack ogx]` for people (and
`argocd-assistant demo`); `with Stack.start() as stack: stack.urls["relay"]` for test suites. Every child runs
in its own process group and is stopped with SIGTERM, then SIGKILL, so no process or port outlives the stack.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, get_args

import yaml

from devstack.llama_flavours import (
    DEFAULT_FLAVOUR,
    FLAVOUR_ENV,
    FLAVOURS,
    FlavourName,
    LlamaFlavour,
    flavour_name,
    llama_flavour,
)
from devstack.servers import HOST, free_port, start_process, wait_until_ready
from mcp_server.action_words import ACTION_TOOLS

ROOT = Path(__file__).resolve().parents[1]
LLAMASTACK_DIR = Path(__file__).resolve().parent / "llamastack"
DEMO_USERS = (
    ("admin", "admin-pass", "administrator"),
    ("viewer", "viewer-pass", "read-only"),
    ("alice", "alice-pass", "project team-a, may read logs and sync"),
    ("bob", "bob-pass", "project team-b, no logs, no sync"),
    ("carol", "carol-pass", "project team-a, but no Assistant grant (extensions, invoke)"),
)
QUESTIONS = (
    "Why is this application degraded?",
    "Show me the logs of the crashing pod: what is the error?",
    "Which applications are out of sync?",
)
PROXY_SECRET_HEADER = "X-Assistant-Proxy-Secret"
__all__ = ["ROOT", "Stack", "StackOptions", "llama_flavour", "main"]


class StackError(RuntimeError):
    """A part of the stack could not start; the message names it and quotes the end of its log."""


@dataclass(frozen=True)
class StackOptions:
    model_url: str | None = None  # OpenAI-compatible base URL with /v1; None: run the scripted model
    model_id: str = "dev-model"
    model_api_key: str = "dummy"
    token_delay_ms: float = 0.0
    relay: bool | None = None  # None: run it when the relay package has a __main__
    llamastack: bool = True
    react: int | None = None
    # the relay's identity modes: the Assistant tab on the proxy route uses "browser" (its reads run with the
    # user's session); "scoped" serves other clients of the proxy route that send no token
    identity_modes: tuple[str, ...] = ("cookie", "bearer", "pasted", "browser", "scoped")
    log_dir: Path = ROOT / ".devstack" / "logs"
    scenarios_dir: Path | None = None  # evaluation scenarios the simulator adds to its world (eval/scenarios)
    # action tools the relay offers, each run only once the user approves it (none: the product's default)
    actions: tuple[str, ...] = ()
    ready_timeout: float = 60.0
    # llama-stack 0.7.3 or OGX 1.x; default: $DEVSTACK_LLAMA_FLAVOUR, else llama-stack
    llamastack_flavour: FlavourName = field(default_factory=flavour_name)
    # None: the flavour's own virtualenv ($LLAMASTACK_PYTHON or $OGX_PYTHON overrides it)
    llamastack_python: Path | None = None

    def __post_init__(self) -> None:
        flavour_name(self.llamastack_flavour)  # an unknown name fails here, not when the stack starts

    @property
    def flavour(self) -> LlamaFlavour:
        return FLAVOURS[self.llamastack_flavour]


@dataclass(frozen=True)
class _Service:
    name: str
    argv: list[str]
    ready_path: str
    env: dict[str, str]


def module_available(module: str) -> bool:
    """Whether `python -m module` can run in this environment (parts are built in parallel)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _existing(path: Path) -> str | None:
    return str(path) if path.exists() else None


class Stack:
    """A running dev stack. Use `Stack.start(...)` as a context manager, or call `stop()` yourself."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.urls: dict[str, str] = {}
        self.ports: dict[str, int] = {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.startup_seconds = 0.0
        self.skipped: list[str] = []
        self._state_dir = Path(tempfile.mkdtemp(prefix="argocd-assistant-stack-"))

    @property
    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    @property
    def open_url(self) -> str:
        """The page to open in a browser: the simulated Argo CD UI on the degraded application."""
        react = f"&react={self.options.react}" if self.options.react else ""
        return f"{self.urls['argocd']}/?app=checkout{react}"

    @classmethod
    @contextlib.contextmanager
    def start(cls, options: StackOptions | None = None, **overrides: Any) -> Iterator[Stack]:
        stack = cls(StackOptions(**overrides) if options is None else options)
        try:
            stack._launch()
            yield stack
        finally:
            stack.stop()

    def summary(self) -> dict[str, Any]:
        return {
            "open_url": self.open_url if "argocd" in self.urls else None,
            "urls": self.urls,
            "ports": self.ports,
            "pids": self.pids,
            "logs": str(self.options.log_dir),
            "skipped": self.skipped,
            "llamastack_flavour": self.options.llamastack_flavour if self.options.llamastack else None,
            "startup_seconds": round(self.startup_seconds, 2),
        }

    # --- start ---------------------------------------------------------------------------------------

    def _launch(self) -> None:
        began = time.monotonic()
        services = self._plan()
        self.options.log_dir.mkdir(parents=True, exist_ok=True)
        # Every part tolerates its peers starting later, so all start at once; readiness is awaited together.
        for service in services:
            log = self.options.log_dir / f"{service.name}.log"
            log.write_bytes(b"")
            self.processes[service.name] = start_process(
                service.argv, None, env=service.env, log_path=str(log)
            )
        with ThreadPoolExecutor(max_workers=len(services) or 1) as pool:
            futures = {s.name: pool.submit(self._await_ready, s) for s in services}
            errors = [str(exc) for f in futures.values() if (exc := f.exception()) is not None]
        if errors:
            raise StackError("\n".join(errors))
        self.startup_seconds = time.monotonic() - began

    def _await_ready(self, service: _Service) -> None:
        url = self.urls[service.name] + service.ready_path
        try:
            wait_until_ready(url, timeout=self.options.ready_timeout, process=self.processes[service.name])
        except (RuntimeError, TimeoutError) as exc:
            raise StackError(f"{service.name} did not start: {exc}\n{self._log_tail(service.name)}") from None

    def _log_tail(self, name: str, lines: int = 15) -> str:
        path = self.options.log_dir / f"{name}.log"
        try:
            text = path.read_bytes()[-4000:].decode(errors="replace")
        except OSError:
            return ""
        tail = "\n".join(f"  | {line}" for line in text.splitlines()[-lines:])
        return f"  last lines of {path}:\n{tail}"

    def _plan(self) -> list[_Service]:
        opts = self.options
        python = sys.executable
        run_relay = module_available("relay.__main__") if opts.relay is None else opts.relay
        if opts.relay is None and not run_relay:
            self.skipped.append("relay (relay/__main__.py not found)")
        names = ["argocd", "mcp"]
        if opts.model_url is None:
            names.append("model")
        if opts.llamastack:
            names.append("llamastack")
        if run_relay:
            names.append("relay")
        for name in names:
            self.ports[name] = free_port()
            self.urls[name] = f"http://{HOST}:{self.ports[name]}"
        model_url = opts.model_url or f"{self.urls['model']}/v1"
        self.urls["model_api"] = model_url
        self.urls["mcp_endpoint"] = f"{self.urls['mcp']}/mcp"

        from devstack.argocd.tokens import token_for  # the simulator's deterministic demo tokens

        service_token = token_for("assistant-service")
        scope_key = secrets.token_urlsafe(32)
        proxy_secret = secrets.token_urlsafe(24)

        services: list[_Service] = []
        sim_argv = [python, "-m", "devstack.argocd", "--host", HOST, "--port", str(self.ports["argocd"])]
        if run_relay:
            relay_url = self.urls["relay"]
            sim_argv += ["--extension-url", relay_url, "--direct-route-url", relay_url]
            sim_argv += ["--extension-header", f"{PROXY_SECRET_HEADER}={proxy_secret}"]
        dist = ROOT / "extension" / "dist"
        static_dir = _existing(dist / "hostpage")
        # the extension as argocd-extension-installer installs it, once per route (vars file included);
        # the host page asks for `/extensions.js?route=direct` on the direct route
        extensions_dir = _existing(dist / "installed-proxy")
        direct_extensions_dir = _existing(dist / "installed-direct")
        if static_dir:
            sim_argv += ["--static-dir", static_dir]
        if extensions_dir:
            sim_argv += ["--extensions-dir", extensions_dir]
        if direct_extensions_dir:
            sim_argv += ["--route-extensions-dir", f"direct={direct_extensions_dir}"]
        if opts.scenarios_dir is not None:
            sim_argv += ["--scenarios", str(opts.scenarios_dir)]
        services.append(_Service("argocd", sim_argv, "/healthz", {}))

        services.append(
            _Service(
                "mcp",
                [
                    python,
                    "-m",
                    "mcp_server",
                    "--transport",
                    "http",
                    "--host",
                    HOST,
                    "--port",
                    str(self.ports["mcp"]),
                ],
                "/healthz",
                {
                    "ARGOCD_SERVER": self.urls["argocd"],
                    "ASSISTANT_SCOPE_KEY": scope_key,
                    "SCOPED_TOKEN_SHA256": hashlib.sha256(service_token.encode()).hexdigest(),
                },
            )
        )
        if "model" in names:
            model_argv = [python, "-m", "devstack.model", "--host", HOST, "--port", str(self.ports["model"])]
            model_argv += ["--model-id", opts.model_id, "--token-delay-ms", str(opts.token_delay_ms)]
            services.append(_Service("model", model_argv, "/healthz", {}))
        if opts.llamastack:
            flavour = opts.flavour
            ls_python = opts.llamastack_python or flavour.python
            if not ls_python.exists():
                raise StackError(
                    f"{flavour.label}'s virtualenv is missing ({ls_python}); "
                    f"create it with `{flavour.make_target}`"
                )
            state = self._state_dir / "llamastack"
            state.mkdir(parents=True, exist_ok=True)
            services.append(
                _Service(
                    "llamastack",
                    flavour.argv(self.ports["llamastack"], python=ls_python),
                    "/v1/health",
                    {
                        "MODEL_URL": model_url,
                        "MODEL_ID": opts.model_id,
                        "MODEL_API_KEY": opts.model_api_key,
                        "LLAMASTACK_STATE_DIR": str(state),
                        "MCP_SERVER_URL": self.urls["mcp_endpoint"],
                    },
                )
            )
        if run_relay:
            config_path = self._state_dir / "relay.yaml"
            relay_config = {
                "llama_stack": {
                    "url": self.urls.get("llamastack", "http://127.0.0.1:8321"),
                    "model": f"dev/{opts.model_id}",
                },
                "mcp": {"server_url": self.urls["mcp_endpoint"]},
                "argocd": {"url": self.urls["argocd"]},
                "identity": {
                    "modes": list(opts.identity_modes),
                    "service_token": service_token,
                    "scope_signing_key": scope_key,
                    "proxy_secret": proxy_secret,
                },
                "actions": {"enabled": list(opts.actions)},
            }
            # the file holds secrets: readable by this user only
            fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                yaml.safe_dump(relay_config, out)
            services.append(
                _Service(
                    "relay",
                    [
                        python,
                        "-m",
                        "relay",
                        "--host",
                        HOST,
                        "--port",
                        str(self.ports["relay"]),
                        "--config",
                        str(config_path),
                    ],
                    "/healthz",
                    {},
                )
            )
        return services

    # --- stop ----------------------------------------------------------------------------------------

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM to every process group at once, SIGKILL to what is left after `grace` seconds."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
        # SIGKILL the groups even when the leader has exited, so no grandchild survives it
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.processes.clear()
        shutil.rmtree(self._state_dir, ignore_errors=True)

    def exited(self) -> list[str]:
        """Names of the parts whose process has exited."""
        return [name for name, process in self.processes.items() if process.poll() is not None]


# --- command line --------------------------------------------------------------------------------------


def _print_human(stack: Stack) -> None:
    print(f"Argo CD Assistant dev stack ready in {stack.startup_seconds:.1f} s\n")
    if stack.options.llamastack and stack.options.llamastack_flavour != DEFAULT_FLAVOUR:
        print(f"  Responses API served by {stack.options.flavour.label}\n")
    print(f"  Open  {stack.open_url}\n")
    print("  Sign in as:")
    for user, password, what in DEMO_USERS:
        print(f"    {user:<7} / {password:<12} {what}")
    print("\n  Ask the Assistant tab, for example:")
    for question in QUESTIONS:
        print(f"    - {question}")
    if "mcp_endpoint" in stack.urls:
        _print_mcp_client_setup(stack.urls["mcp_endpoint"])
    for name in stack.skipped:
        print(f"\n  not started: {name}")
    print(f"\n  Logs in {stack.options.log_dir}/  -  press Ctrl-C to stop.", flush=True)


def _print_mcp_client_setup(endpoint: str) -> None:
    """The MCP server on its own, for IDE assistants: its URL, a demo token per user, a client config."""
    from devstack.argocd.tokens import token_for

    print(f"\n  MCP server (streamable HTTP): {endpoint}")
    print("  Demo tokens (send as Authorization: Bearer <token>):")
    for user, _, _ in DEMO_USERS:
        print(f"    {user:<7} {token_for(user)}")
    config = {
        "mcpServers": {
            "argocd": {"url": endpoint, "headers": {"Authorization": f"Bearer {token_for('alice')}"}}
        }
    }
    print("  Client config (Cursor / Claude Code / VS Code-style, as alice):")
    print("    " + json.dumps(config))


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    # once: a second signal must not interrupt the clean-up it started
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise _Stop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack", description="Run the Argo CD Assistant dev stack."
    )
    sub = parser.add_subparsers(dest="command")
    up = sub.add_parser("up", help="start the whole stack and print the URL; Ctrl-C stops it")
    up.add_argument("--react", type=int, choices=(16, 19), help="React version the host page loads")
    up.add_argument("--json", action="store_true", help="print one JSON line of every URL, port and pid")
    up.add_argument(
        "--model-url",
        default=os.environ.get("MODEL_URL"),
        help="OpenAI-compatible base URL (with /v1) instead of the scripted model (env MODEL_URL)",
    )
    up.add_argument(
        "--token-delay-ms", type=float, default=0.0, help="scripted model: pause per streamed word"
    )
    up.add_argument("--no-relay", action="store_true", help="do not start the relay")
    up.add_argument(
        "--llama-stack",
        dest="flavour",
        choices=get_args(FlavourName),
        default=None,
        help=f"which server runs the Responses API: llama-stack 0.7.3 or OGX 1.x, its successor "
        f"(default: ${FLAVOUR_ENV}, else {DEFAULT_FLAVOUR})",
    )
    up.add_argument(
        "--identity-modes",
        default=",".join(StackOptions.identity_modes),
        help="relay identity modes, comma-separated (e.g. cookie,bearer,pasted: no scoped service mode)",
    )
    up.add_argument(
        "--scenarios", type=Path, metavar="DIR", help="add the evaluation scenarios of DIR to the simulator"
    )
    up.add_argument(
        "--actions",
        default=",".join(ACTION_TOOLS),
        help="action tools the relay offers (each approved by the user in the tab), comma-separated, or "
        "'none' (default: all of them, to show the approval card)",
    )
    raw = sys.argv[1:] if argv is None else list(argv)
    if not raw or (raw[0].startswith("-") and raw[0] not in ("-h", "--help")):
        raw = ["up", *raw]  # `argocd-assistant demo --react 16` means `up --react 16`
    args = parser.parse_args(raw)
    if args.command != "up":
        parser.print_help()
        return 2
    try:
        flavour = flavour_name(args.flavour)
    except ValueError as exc:
        parser.error(str(exc))
    options = StackOptions(
        llamastack_flavour=flavour,
        model_url=args.model_url,
        model_id=os.environ.get("MODEL_ID", "dev-model"),
        model_api_key=os.environ.get("MODEL_API_KEY", "dummy"),
        token_delay_ms=args.token_delay_ms,
        relay=False if args.no_relay else None,
        react=args.react,
        identity_modes=tuple(m.strip() for m in args.identity_modes.split(",") if m.strip()),
        scenarios_dir=args.scenarios,
        actions=tuple(a.strip() for a in args.actions.split(",") if a.strip() and a.strip() != "none"),
    )
    previous = signal.signal(signal.SIGTERM, _raise_stop), signal.signal(signal.SIGINT, _raise_stop)
    try:
        with Stack.start(options) as stack:
            if args.json:
                print(json.dumps(stack.summary()), flush=True)
            else:
                _print_human(stack)
            while not (dead := stack.exited()):
                time.sleep(0.5)
            print(f"stopping: {', '.join(dead)} exited (see {stack.options.log_dir})", file=sys.stderr)
            return 1
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except _Stop:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
