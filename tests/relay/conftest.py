"""The relay's test peers: a full stack (simulator with proxy emulation, scripted model, MCP server, real
llama-stack) whose relay runs in this process, so its logs are captured and its configuration varied.

`DEVSTACK_LLAMA_FLAVOUR=ogx` runs the same tests against OGX 1.x, llama-stack's successor (make test-ogx)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devstack.llama_flavours import FLAVOUR_ENV, LlamaFlavour, llama_flavour
from devstack.servers import HOST, free_port, serve_in_thread, start_process, stop_process
from relay.app import create_app
from relay.config import RelayConfig, build_config

ROOT = Path(__file__).resolve().parents[2]
# llama-stack 0.7.3, or OGX with DEVSTACK_LLAMA_FLAVOUR=ogx
LLAMA: LlamaFlavour = llama_flavour()
PROXY_HEADER = "X-Assistant-Proxy-Secret"


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def delete(url: str) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=5):
        pass


@dataclass
class Stack:
    argocd: str  # simulator; its proxy extension and direct route lead to `relay`
    model: str
    mcp: str  # MCP endpoint (…/mcp)
    llamastack: str
    relay: str
    relay_port: int
    proxy_secret: str
    scope_key: str
    service_token: str

    def relay_values(self, **overrides: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "llama_stack": {"url": self.llamastack, "model": "dev/dev-model"},
            "mcp": {"server_url": self.mcp},
            "argocd": {"url": self.argocd},
            "identity": {
                "modes": ["cookie", "bearer", "pasted", "browser", "scoped"],
                "service_token": self.service_token,
                "scope_signing_key": self.scope_key,
                "proxy_secret": self.proxy_secret,
                "conversation_signing_key": "test-conversation-key",
            },
            "limits": {"heartbeat_seconds": 0.2, "stream_timeout_seconds": 60},
        }
        for section, value in overrides.items():
            values[section] = {**values.get(section, {}), **value}
        return values

    def relay_config(self, **overrides: Any) -> RelayConfig:
        return build_config(self.relay_values(**overrides))


@contextlib.contextmanager
def serve_relay(config: RelayConfig, port: int | None = None) -> Iterator[str]:
    with serve_in_thread(create_app(config), port=port) as url:
        yield url


def require_llama() -> None:
    """Skips when the chosen flavour's virtualenv is missing; fails when that flavour was named."""
    if LLAMA.python.exists():
        return
    message = f"{LLAMA.label}'s virtualenv ({LLAMA.venv.name}) is not installed: `{LLAMA.make_target}`"
    if os.environ.get(FLAVOUR_ENV):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The whole chain; skipped when llama-stack's virtualenv or a part is not there yet."""
    require_llama()
    from devstack.argocd import SimulatorConfig
    from devstack.argocd import create_app as create_simulator
    from devstack.argocd.tokens import token_for
    from devstack.model.app import ModelConfig
    from devstack.model.app import create_app as create_model

    relay_port = free_port()
    relay_url = f"http://{HOST}:{relay_port}"
    proxy_secret = secrets.token_urlsafe(16)
    scope_key = secrets.token_urlsafe(24)
    service_token = token_for("assistant-service")
    sim_config = SimulatorConfig(
        extension_url=relay_url, direct_route_url=relay_url, extension_headers={PROXY_HEADER: proxy_secret}
    )
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="relay-stack-") as state_dir:
        argocd = stack.enter_context(serve_in_thread(create_simulator(sim_config)))
        model = stack.enter_context(serve_in_thread(create_model(ModelConfig(slow_token_delay_ms=200))))
        mcp_port, ls_port = free_port(), free_port()
        mcp_proc = start_process(
            [
                sys.executable,
                "-m",
                "mcp_server",
                "--transport",
                "http",
                "--host",
                HOST,
                "--port",
                str(mcp_port),
            ],
            None,
            env={
                "ARGOCD_SERVER": argocd,
                "ASSISTANT_SCOPE_KEY": scope_key,
                "SCOPED_TOKEN_SHA256": hashlib.sha256(service_token.encode()).hexdigest(),
            },
            log_path=f"{state_dir}/mcp.log",
        )
        stack.callback(stop_process, mcp_proc)
        ls_proc = start_process(
            LLAMA.argv(ls_port),
            None,
            env={
                "MODEL_URL": f"{model}/v1",
                "MODEL_ID": "dev-model",
                "LLAMASTACK_STATE_DIR": state_dir,
                "MCP_SERVER_URL": f"http://{HOST}:{mcp_port}/mcp",
            },
            log_path=f"{state_dir}/llamastack.log",
        )
        stack.callback(stop_process, ls_proc)
        from devstack.servers import wait_until_ready

        wait_until_ready(f"http://{HOST}:{mcp_port}/healthz", timeout=30, process=mcp_proc)
        wait_until_ready(f"http://{HOST}:{ls_port}/v1/health", timeout=60, process=ls_proc)
        result = Stack(
            argocd=argocd,
            model=model,
            mcp=f"http://{HOST}:{mcp_port}/mcp",
            llamastack=f"http://{HOST}:{ls_port}",
            relay=relay_url,
            relay_port=relay_port,
            proxy_secret=proxy_secret,
            scope_key=scope_key,
            service_token=service_token,
        )
        relay = stack.enter_context(serve_relay(result.relay_config(), port=relay_port))
        assert relay == relay_url
        yield result
