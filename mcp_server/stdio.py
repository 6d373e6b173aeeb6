"""stdio on the event loop: the SDK's transport with the process's pipes read and written by asyncio.

The SDK's `stdio_server()` wraps stdin and stdout with `anyio.wrap_file`, so every line read and every write
and flush is a hop to a worker thread: three per tool call, which made our tools slower than argocd-mcp's
over stdio (bench/tool_latency). Handed pipe streams instead (its `stdin`/`stdout` parameters), it reads and
writes them on the loop. Not pipes (a terminal, a file): the SDK's own wrapping, as before.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server

__all__ = ["run_stdio"]

# One JSON-RPC message per line: the arguments of a tool call are small, but a line is never cut short.
_MAX_LINE = 16 << 20


class _Lines:
    """stdin as the SDK iterates it: decoded lines, ending at end of input."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> str:
        line = await self._reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", "replace")


class _Writer:
    """stdout as the SDK writes it: `write` then `flush`, the flush waiting only when the pipe is full."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


async def _pipes() -> tuple[_Lines, _Writer] | None:
    loop = asyncio.get_running_loop()
    try:
        reader = asyncio.StreamReader(limit=_MAX_LINE)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, sys.stdout.buffer
        )
    except (OSError, ValueError):
        return None  # not pipes
    return _Lines(reader), _Writer(asyncio.StreamWriter(transport, protocol, reader, loop))


async def _serve(server: MCPServer[Any]) -> None:
    pipes = await _pipes()
    stdin, stdout = pipes if pipes is not None else (None, None)
    # duck-typed for what the SDK uses of an AsyncFile (iteration, write, flush)
    async with stdio_server(stdin=stdin, stdout=stdout) as (read_stream, write_stream):  # type: ignore[arg-type]
        # what MCPServer.run_stdio_async does, with these streams (the SDK offers no parameter for them there)
        lowlevel = server._lowlevel_server
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())


def run_stdio(server: MCPServer[Any]) -> None:
    anyio.run(_serve, server, backend_options={"use_uvloop": True})
