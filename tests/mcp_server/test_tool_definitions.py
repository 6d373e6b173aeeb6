"""What a model reads of the tools on every call stays small; the server still validates every argument.

The tool list is measured as llama-stack hands MCP tools to a model: OpenAI function tools
(`{"type": "function", "function": {"name", "description", "parameters"}}`) built from the published tools.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from mcp_server.config import Settings
from mcp_server.server import INSTRUCTIONS, build_server
from tests.mcp_server.support import connect, error

pytestmark = pytest.mark.anyio

# All ten tools' definitions, in bytes of JSON (with json.dumps' default spacing, a little more than the
# compact JSON on the wire). They were 17 KB before the schemas were made compact.
BUDGET = 5120
DROPPED = ("title", "pattern", "minLength", "maxLength", "anyOf", "additionalProperties", "$defs")


async def _function_tools() -> list[dict[str, Any]]:
    async with Client(build_server(Settings(argocd_server="http://argocd.invalid"))) as client:
        tools = (await client.list_tools()).tools
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
        }
        for t in tools
    ]


def tool_list_bytes(function_tools: list[dict[str, Any]]) -> tuple[int, dict[str, int]]:
    """(bytes of the whole list, bytes per tool)."""
    sizes = {str(f["function"]["name"]): len(json.dumps(f).encode()) for f in function_tools}
    return len(json.dumps(function_tools).encode()), sizes


def _keys(value: Any) -> set[str]:
    """Every schema keyword used anywhere in a schema (property names are not keywords)."""
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    out = set(value) - {"properties"}
    for key, child in value.items():
        if key == "properties" and isinstance(child, dict):
            out |= set().union(*(_keys(v) for v in child.values())) if child else set()
        else:
            out |= _keys(child)
    return out


async def test_the_tool_definitions_a_model_reads_stay_within_their_byte_budget() -> None:
    tools = await _function_tools()
    total, sizes = tool_list_bytes(tools)
    assert len(tools) == 10
    per_tool = ", ".join(f"{name} {size}" for name, size in sorted(sizes.items(), key=lambda i: -i[1]))
    assert total <= BUDGET, f"the tool list is {total} bytes, over its budget of {BUDGET}: {per_tool}"


async def test_published_schemas_are_compact_and_descriptions_short() -> None:
    for tool in await _function_tools():
        function = tool["function"]
        keywords = _keys(function["parameters"])
        assert not keywords & set(DROPPED), (function["name"], keywords & set(DROPPED))
        assert keywords <= {
            "type",
            "properties",
            "required",
            "enum",
            "default",
            "minimum",
            "maximum",
            "description",
        }
        assert len(function["description"]) <= 150, function["name"]
    assert len(INSTRUCTIONS) <= 400


async def test_the_shared_arguments_are_described_once_and_briefly() -> None:
    for tool in await _function_tools():
        properties = tool["function"]["parameters"]["properties"]
        if "application" in properties:
            assert "description" not in properties["application"]
            assert "description" not in properties["project"]
            assert len(properties["app_namespace"]["description"]) <= 50


async def test_log_lines_keep_their_bounds_in_the_schema() -> None:
    tools = {t["function"]["name"]: t["function"] for t in await _function_tools()}
    tail_lines = tools["get_logs"]["parameters"]["properties"]["tail_lines"]
    assert (tail_lines["type"], tail_lines["minimum"], tail_lines["maximum"]) == ("integer", 1, 1000)
    health = tools["get_resource_tree"]["parameters"]["properties"]["health"]
    assert "Degraded" in health["enum"]
    assert tools["get_manifest"]["parameters"]["required"] == ["application", "kind", "name"]


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("get_application", {"application": "Bad Name!"}, "application: String should match pattern"),
        ("get_application", {"application": "a" * 254}, "application: String should have at most 253"),
        ("get_application", {"application": ""}, "application: String should have at least 1"),
        ("get_logs", {"application": "checkout", "pod": "p", "filter": "x" * 201}, "filter: String should"),
        ("get_history", {"application": "checkout", "revision": "-rf"}, "revision: String should match"),
        ("get_manifest", {"application": "checkout", "kind": "Deploy ment", "name": "x"}, "kind: String"),
        (
            "get_events",
            {"application": "checkout", "colour": "red"},
            "colour: Extra inputs are not permitted",
        ),
        ("get_logs", {"application": "checkout", "pod": "p", "since_seconds": 0}, "since_seconds: Input"),
    ],
)
async def test_constraints_left_out_of_the_schema_are_still_enforced_with_a_clear_error(
    argocd_url: str, tool: str, arguments: dict[str, object], expected: str
) -> None:
    async with connect(argocd_url) as client:
        message = error(await client.call_tool(tool, arguments))
    assert f"Invalid arguments for {tool}: " in message
    assert expected in message


async def _tool_names(**settings: Any) -> set[str]:
    server = build_server(Settings(argocd_server="http://argocd.invalid", **settings))
    async with Client(server) as client:
        return {t.name for t in (await client.list_tools()).tools}


async def test_by_default_no_action_is_listed_and_calling_one_is_refused() -> None:
    assert not (await _tool_names()) & {"sync_application", "run_resource_action", "list_resource_actions"}
    async with connect("http://argocd.invalid") as client:
        result = await client.call_tool("sync_application", {"application": "payments"})
    assert "Unknown tool: sync_application" in error(result)


async def test_with_actions_on_every_action_is_listed_with_annotations_that_say_it_changes_things() -> None:
    server = build_server(Settings(argocd_server="http://argocd.invalid", mcp_read_only=False))
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    sync = tools["sync_application"]
    assert sync.annotations is not None
    assert (sync.annotations.read_only_hint, sync.annotations.destructive_hint) == (False, True)
    assert sync.annotations.idempotent_hint is False
    refresh = tools["refresh_application"].annotations
    assert refresh is not None
    assert (refresh.read_only_hint, refresh.idempotent_hint) == (False, True)
    # a partial sync's resources are described inline: no $ref a model would have to resolve
    resources = sync.input_schema["properties"]["resources"]
    assert resources["items"]["properties"]["kind"] == {"type": "string"}
    assert "$defs" not in sync.input_schema
