"""An MCP server with one tool that does nothing, on the SDK server and transport settings ours uses
(stateless streamable HTTP, JSON responses, uvicorn): the floor any tool call of ours stands on.

`python -m bench.noop_mcp --port N`
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn
from mcp.server.mcpserver import MCPServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def create_app() -> Starlette:
    server: MCPServer[object] = MCPServer("noop")

    @server.tool()
    def noop() -> str:
        """Does nothing."""
        return "ok"

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    server.custom_route("/healthz", methods=["GET"])(healthz)

    return server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True)


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--port", type=int, required=True)
    args = cli.parse_args(argv)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
