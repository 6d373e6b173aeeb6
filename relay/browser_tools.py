"""The MCP server's tools as Responses API function tools, run by the relay on reads the browser carries out.

Names, descriptions and argument schemas are the MCP server's own (`mcp_server.tools.TOOLS`); so are the
validation, the handlers and the error wording (`mcp_server.tools.run`): one definition per tool, two
executors. The MCP SDK comes with that import, so this module is loaded only when the browser mode is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from mcp_server.argocd_api import ArgoCDReads
from mcp_server.config import Settings
from mcp_server.identity import Caller
from mcp_server.tools import TOOLS, Call, ToolSpec
from mcp_server.tools.run import parse_arguments, run_tool
from mcp_server.treecache import TreeCache
from relay.bodies import BodyError, parse_json
from relay.browser_reads import Emit

__all__ = [
    "PreparedCall",
    "ToolOutput",
    "function_tools",
    "known_tool",
    "prepare_call",
    "run_function_call",
    "run_prepared",
    "run_round",
    "tool_settings",
]

_SPECS: dict[str, ToolSpec] = {spec.name: spec for spec in TOOLS}
# Arguments longer than this are not parsed (a model does not need them; the MCP SDK caps requests too).
_MAX_ARGUMENT_BYTES = 64 << 10


@dataclass(frozen=True)
class ToolOutput:
    ok: bool
    text: str


def known_tool(name: str) -> bool:
    return name in _SPECS


def function_tools(allowed: list[str]) -> list[dict[str, Any]]:
    """The Responses API `tools` entries for the allowed tools, as the MCP server publishes them."""
    return [
        {
            "type": "function",
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.input_schema,
        }
        for name in allowed
        if (spec := _SPECS.get(name)) is not None
    ]


def tool_settings() -> Settings:
    """The output caps of the MCP server's defaults. Built without reading the relay's environment (the MCP
    server's settings come from ARGOCD_* / MCP_* variables, which are not the relay's to honour)."""
    return Settings.model_construct(argocd_server="http://browser.invalid")


@dataclass(frozen=True)
class PreparedCall:
    """A function call whose tool is known and allowed and whose arguments are valid."""

    spec: ToolSpec
    args: BaseModel

    @property
    def arguments(self) -> dict[str, Any]:
        """The validated arguments as the tool takes them (what an approval is bound to)."""
        return self.args.model_dump(mode="json", exclude_none=True)


def prepare_call(name: str, arguments: str, *, allowed: list[str]) -> PreparedCall | ToolOutput:
    """The call ready to run, or the output that tells the model why it cannot run."""
    spec = _SPECS.get(name)
    if spec is None or name not in allowed:
        return ToolOutput(False, f"Unknown tool {name!r}; the tools are: {', '.join(allowed)}.")
    try:
        if len(arguments.encode()) > _MAX_ARGUMENT_BYTES:
            raise ToolError(f"Invalid arguments for {name}: larger than {_MAX_ARGUMENT_BYTES} bytes.")
        try:
            raw = parse_json(arguments) if arguments.strip() else {}
        except BodyError:
            raise ToolError(f"Invalid arguments for {name}: not a JSON object.") from None
        return PreparedCall(spec, parse_arguments(spec, raw))
    except ToolError as exc:
        return ToolOutput(False, str(exc))


async def run_prepared(
    prepared: PreparedCall,
    *,
    reads: ArgoCDReads,
    settings: Settings,
    trees: TreeCache | None,
    token: str = "",
) -> ToolOutput:
    """Runs a prepared call over `reads` (the browser's, or the relay's client with the user's `token`)."""
    call = Call(client=reads, settings=settings, caller=Caller(token=token), trees=trees)
    try:
        _, text = await run_tool(prepared.spec, call, prepared.args)
    except ToolError as exc:
        return ToolOutput(False, str(exc))
    return ToolOutput(True, text)


async def run_function_call(
    name: str,
    arguments: str,
    *,
    reads: ArgoCDReads,
    settings: Settings,
    allowed: list[str],
    trees: TreeCache | None,
) -> ToolOutput:
    """Runs one function call the model made; every failure becomes text the model can act on."""
    prepared = prepare_call(name, arguments, allowed=allowed)
    if isinstance(prepared, ToolOutput):
        return prepared
    return await run_prepared(prepared, reads=reads, settings=settings, trees=trees)


Event = tuple[str, dict[str, Any]]


# A model asking for more tool calls at once than this gets an error for the rest (the browser would carry
# out every read of every one of them).
MAX_CALLS_PER_ROUND = 16


async def run_round(
    calls: list[str],
    *,
    run: Callable[[str, Emit], Awaitable[ToolOutput]],
    deadline: float,
    outputs: list[tuple[str, ToolOutput]],
) -> AsyncGenerator[Event]:
    """Runs one round of function calls (by item id) at once and yields the events they emit as they come
    (`argocd_request` for every read the browser must carry out), until every call has ended; then
    `outputs` holds `(item id, output)` in the calls' order. `run(item id, emit)` runs one call; calls past
    `MAX_CALLS_PER_ROUND` are not run, their output says why. Past `deadline` (monotonic time) TimeoutError
    is raised; leaving early cancels the calls.
    """
    queue: asyncio.Queue[Event | None] = asyncio.Queue()
    refused = ToolOutput(
        False,
        f"Not run: at most {MAX_CALLS_PER_ROUND} tool calls are carried out at once; ask for the rest after "
        "reading these results.",
    )

    async def emit(event: str, data: dict[str, Any]) -> None:
        queue.put_nowait((event, data))

    async def one(index: int, item_id: str) -> tuple[str, ToolOutput]:
        if index >= MAX_CALLS_PER_ROUND:
            return item_id, refused
        return item_id, await run(item_id, emit)

    task = asyncio.ensure_future(asyncio.gather(*(one(i, call) for i, call in enumerate(calls))))
    task.add_done_callback(lambda _: queue.put_nowait(None))
    try:
        while True:
            with anyio.CancelScope(deadline=anyio.current_time() + deadline - time.monotonic()) as wait:
                item = await queue.get()
            if wait.cancelled_caught:
                raise TimeoutError
            if item is None:
                break
            yield item
        outputs.extend(task.result())
    finally:
        if not task.done():
            task.cancel()
            with anyio.CancelScope(shield=True), contextlib.suppress(asyncio.CancelledError):
                await task
