"""Processes the benchmarks measure: the simulator, our MCP server and relay, the peers; each on a free port.

Everything the benchmarks time runs in a process of its own, so the load generator never shares an event loop
(or a GIL) with what it measures. Every context manager stops what it started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import psutil
import yaml
from mcp import Client

from devstack.servers import free_port, start_process, stop_process

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / "peers"
ARGOCD_MCP_JS = PEERS / "node_modules" / "argocd-mcp" / "dist" / "index.js"
LIGHTSPEED_PY = ROOT / "bench" / ".venv-lightspeed" / "bin" / "python"
WORK = ROOT / "bench" / ".work"


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def rss(self) -> int:
        """Resident set size in bytes of the server process and its children."""
        proc = psutil.Process(self.pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return int(total)


def _log(name: str) -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    return str(WORK / f"{name}.log")


@contextlib.contextmanager
def process(
    name: str,
    argv: list[str],
    port: int,
    ready_path: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> Iterator[Server]:
    url = f"http://127.0.0.1:{port}"
    proc = start_process(argv, url + ready_path, env=dict(env or {}), timeout=timeout, log_path=_log(name))
    try:
        yield Server(url, proc.pid)
    finally:
        stop_process(proc)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


@contextlib.contextmanager
def simulator() -> Iterator[Server]:
    port = free_port()
    with process(
        "simulator", python_module("devstack.argocd", "--port", str(port)), port, "/healthz"
    ) as server:
        yield server


@contextlib.contextmanager
def mcp_server(argocd_url: str, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    argv = python_module("mcp_server", "--transport", "http", "--host", "127.0.0.1", "--port", str(port))
    with process(
        "mcp-server", argv, port, "/healthz", env={"ARGOCD_SERVER": argocd_url, **(env or {})}
    ) as srv:
        yield Server(srv.url + "/mcp", srv.pid)


@contextlib.contextmanager
def noop_mcp() -> Iterator[Server]:
    """bench.noop_mcp: the SDK server with one tool that does nothing (the floor under our tools)."""
    port = free_port()
    with process("noop-mcp", python_module("bench.noop_mcp", "--port", str(port)), port, "/healthz") as srv:
        yield Server(srv.url + "/mcp", srv.pid)


def argocd_mcp_installed() -> bool:
    return ARGOCD_MCP_JS.is_file() and shutil.which("node") is not None


@contextlib.contextmanager
def argocd_mcp(argocd_url: str, token: str) -> Iterator[Server]:
    """The peer MCP server (npm argocd-mcp) over streamable HTTP, reading the simulator with `token`."""
    port = free_port()
    argv = ["node", str(ARGOCD_MCP_JS), "http", "--port", str(port)]
    env = {
        "ARGOCD_BASE_URL": argocd_url,
        "ARGOCD_API_TOKEN": token,
        "MCP_READ_ONLY": "true",
        "LOG_LEVEL": "warn",
    }
    with process("argocd-mcp", argv, port, "/healthz", env=env) as srv:
        yield Server(srv.url + "/mcp", srv.pid)


@contextlib.asynccontextmanager
async def mcp_client(url: str, headers: Mapping[str, str] | None = None) -> AsyncIterator[Client]:
    """One MCP session over streamable HTTP (one long-lived HTTP client, as an IDE assistant keeps)."""
    from mcp.client.streamable_http import streamable_http_client

    # No SSE event size limit: argocd-mcp answers the 2 MiB ConfigMap in one event of about 5 MB.
    async with (
        httpx2.AsyncClient(headers=dict(headers or {}), timeout=60.0) as http,
        Client(streamable_http_client(url, http_client=http, max_sse_event_size=None), cache=None) as client,
    ):
        yield client


def write_yaml(name: str, data: Any) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=name + "-", suffix=".yaml", dir=WORK)
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump(data, fh)
    return Path(path)


def relay_config(argocd_url: str, llama_url: str, mcp_url: str, **limits: object) -> dict[str, Any]:
    return {
        "llama_stack": {"url": llama_url},
        "mcp": {"server_url": mcp_url},
        "argocd": {"url": argocd_url},
        "identity": {"modes": ["bearer"]},
        "limits": dict(limits),
    }


@contextlib.contextmanager
def relay(config: Mapping[str, Any], ready_path: str = "/healthz") -> Iterator[Server]:
    port = free_port()
    path = write_yaml("relay", dict(config))
    try:
        argv = python_module("relay", "--host", "127.0.0.1", "--port", str(port), "--config", str(path))
        with process("relay", argv, port, ready_path) as server:
            yield server
    finally:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def fake_responses(delay_ms: float, tokens: int) -> Iterator[Server]:
    port = free_port()
    argv = python_module(
        "bench.fake_responses", "--port", str(port), "--delay-ms", str(delay_ms), "--tokens", str(tokens)
    )
    with process("fake-responses", argv, port, "/v1/health") as server:
        yield server
