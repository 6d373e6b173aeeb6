"""The llama-stack run config registers the MCP server as a connector the relay's config can name."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from relay.config import READ_ONLY_TOOLS, build_config

from .conftest import DEPLOY, ROOT, find, render

LLAMA_STACK = DEPLOY / "llama-stack"
LS_PYTHON = ROOT / ".venv-llamastack" / "bin" / "python"
# Parses run.yaml the way `llama stack run` does: environment substitution, then the StackConfig model.
VALIDATE = """
import sys, yaml
from llama_stack.core.datatypes import StackConfig
from llama_stack.core.stack import replace_env_vars
config = StackConfig(**replace_env_vars(yaml.safe_load(open(sys.argv[1]))))
print(yaml.safe_dump([c.model_dump(mode="json") for c in config.connectors]))
"""


def test_run_config_is_a_valid_llama_stack_config_with_the_argocd_connector() -> None:
    if not LS_PYTHON.is_file():
        pytest.skip("llama-stack's own virtualenv (.venv-llamastack, `make install`) is not installed")
    result = subprocess.run(
        [str(LS_PYTHON), "-c", VALIDATE, str(LLAMA_STACK / "run.yaml")],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (connector,) = yaml.safe_load(result.stdout)
    assert connector["connector_type"] == "mcp"
    assert connector["connector_id"] == "argocd"
    assert connector["url"] == "http://argocd-assistant-mcp.argocd-assistant.svc.cluster.local:8080/mcp"


def test_relay_connector_settings_are_accepted_and_name_the_run_config_connector() -> None:
    run = yaml.safe_load((LLAMA_STACK / "run.yaml").read_text())
    snippet = yaml.safe_load((LLAMA_STACK / "relay-config-connector.yaml").read_text())
    objects = render(DEPLOY / "overlays" / "direct-route")
    relay_secret = find(objects, "Secret", "argocd-assistant-relay-config")
    values = yaml.safe_load(relay_secret["stringData"]["config.yaml"])
    values["mcp"] = snippet["mcp"]
    config = build_config(values)
    assert config.mcp.connector_id == run["connectors"][0]["connector_id"]
    assert config.mcp.server_url is None
    assert set(config.mcp.allowed_tools) <= set(READ_ONLY_TOOLS)


def test_run_config_uses_postgres_stores() -> None:
    # SQLite stores lock under concurrent tool-calling requests (docs/deployment.md).
    backends = yaml.safe_load((LLAMA_STACK / "run.yaml").read_text())["storage"]["backends"]
    assert {b["type"] for b in backends.values()} == {"kv_postgres", "sql_postgres"}


def test_run_config_asks_the_relay_who_every_caller_is() -> None:
    # without it, any pod reaching llama-stack lists every user's stored answers (GET /v1/responses)
    auth = yaml.safe_load((LLAMA_STACK / "run.yaml").read_text())["server"]["auth"]["provider_config"]
    assert auth["type"] == "custom"
    assert auth["endpoint"].endswith(
        ":=http://argocd-assistant-relay.argocd-assistant.svc.cluster.local:8080/internal/llama-stack-auth}"
    )
