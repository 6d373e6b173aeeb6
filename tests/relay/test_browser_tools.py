"""One round of browser-run tool calls: run at once, events as they come, bounded in number and time."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from mcp_server.tools import TOOLS
from relay.browser_reads import Emit
from relay.browser_tools import MAX_CALLS_PER_ROUND, ToolOutput, function_tools, run_round

pytestmark = pytest.mark.anyio


Run = Callable[[str, Emit], Awaitable[ToolOutput]]


async def _collect(
    calls: list[str], run: Run, seconds: float = 5.0
) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, ToolOutput]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    outputs: list[tuple[str, ToolOutput]] = []
    async for event in run_round(calls, run=run, deadline=time.monotonic() + seconds, outputs=outputs):
        events.append(event)
    return events, outputs


async def test_calls_run_at_once_and_their_outputs_keep_the_calls_order() -> None:
    async def run(item_id: str, emit: Emit) -> ToolOutput:
        await emit("argocd_request", {"id": item_id})
        await anyio.sleep(0.05 if item_id == "a" else 0)
        return ToolOutput(True, item_id.upper())

    started = time.monotonic()
    events, outputs = await _collect(["a", "b", "c"], run)
    assert time.monotonic() - started < 1
    assert len(events) == 3
    assert [(i, o.text) for i, o in outputs] == [("a", "A"), ("b", "B"), ("c", "C")]


async def test_a_model_asking_for_too_many_calls_at_once_gets_an_error_for_the_rest() -> None:
    ran: list[str] = []

    async def run(item_id: str, emit: Emit) -> ToolOutput:
        ran.append(item_id)
        return ToolOutput(True, "ok")

    calls = [f"c{n}" for n in range(MAX_CALLS_PER_ROUND + 5)]
    _, outputs = await _collect(calls, run)
    assert len(ran) == MAX_CALLS_PER_ROUND
    assert len(outputs) == len(calls)
    refused = [o for _, o in outputs if not o.ok]
    assert len(refused) == 5
    assert "at most" in refused[0].text


async def test_a_round_past_its_deadline_raises_timeout_and_cancels_its_calls() -> None:
    cancelled = anyio.Event()

    async def run(item_id: str, emit: Emit) -> ToolOutput:
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        raise AssertionError("unreachable")

    with pytest.raises(TimeoutError):
        await _collect(["a"], run, seconds=0.1)
    assert cancelled.is_set()


def test_function_tools_carry_the_compact_schemas_the_mcp_server_publishes() -> None:
    tools = function_tools([t.name for t in TOOLS])
    assert [t["name"] for t in tools] == [t.name for t in TOOLS]
    for tool, spec in zip(tools, TOOLS, strict=True):
        assert tool["description"] == spec.description
        assert tool["parameters"] == spec.input_schema
        assert "title" not in tool["parameters"]
        for prop in tool["parameters"]["properties"].values():
            assert not {"title", "pattern", "minLength", "maxLength", "anyOf"} & set(prop)


def test_function_tools_offer_only_the_allowed_tools() -> None:
    assert [t["name"] for t in function_tools(["get_logs", "no_such_tool"])] == ["get_logs"]
