"""A snapshot of the full tool list: every change to names, descriptions, schemas or annotations is reviewed.

Regenerate with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/mcp_server/test_golden.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mcp import Client

from mcp_server.config import Settings
from mcp_server.server import build_server

pytestmark = pytest.mark.anyio

GOLDEN = Path(__file__).parent / "golden" / "tools.json"


async def _tool_list() -> list[dict[str, object]]:
    server = build_server(Settings(argocd_server="http://argocd.invalid"))
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools]


async def test_the_tool_list_matches_the_golden_snapshot() -> None:
    current = json.dumps(await _tool_list(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(current)
    assert GOLDEN.exists(), "no snapshot yet: run with UPDATE_GOLDEN=1"
    assert current == GOLDEN.read_text(), "tool list changed: review, then regenerate with UPDATE_GOLDEN=1"


async def test_every_tool_sets_all_four_annotation_hints_and_has_an_output_schema() -> None:
    for tool in await _tool_list():
        annotations = tool["annotations"]
        assert isinstance(annotations, dict)
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
            assert isinstance(annotations.get(hint), bool), (tool["name"], hint)
        assert tool.get("outputSchema"), tool["name"]
        input_schema = tool["inputSchema"]
        assert isinstance(input_schema, dict)
        assert input_schema.get("type") == "object", tool["name"]
