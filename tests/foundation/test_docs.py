"""The documentation that is generated or promised stays true to the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_configuration_reference_matches_the_models() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/config_reference.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.anyio
async def test_readme_tools_table_names_every_tool() -> None:
    from mcp_server.config import load_settings
    from mcp_server.server import build_server

    server = build_server(load_settings(argocd_server="http://127.0.0.1:1"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for tool in await server.list_tools():
        assert f"| `{tool.name}` |" in readme, f"README's tools table lacks {tool.name}"
