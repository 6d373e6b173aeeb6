"""The MCP server: tool registration (once, read-only filtering included), lifespan, HTTP app."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import CallToolResult, TextContent
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_server.action_words import ACTION_GROUP
from mcp_server.argocd_client import ArgoCDClient
from mcp_server.config import Settings
from mcp_server.identity import resolve_caller
from mcp_server.tools import TOOLS, Call, ToolSpec
from mcp_server.tools.run import parse_arguments, run_tool
from mcp_server.treecache import TreeCache

__all__ = ["AppState", "build_http_app", "build_server", "selected_tools"]

log = logging.getLogger("mcp_server")

INSTRUCTIONS = (
    "Read-only Argo CD tools, run with the caller's own permissions. Start with get_application, then "
    "get_resource_tree, get_events, get_logs or get_manifest for the failing resource; get_diff when "
    "OutOfSync; get_history for what changed. Outputs are capped and say when they were cut."
)


@dataclass
class AppState:
    settings: Settings
    client: ArgoCDClient
    trees: TreeCache = field(default_factory=TreeCache)


def selected_tools(settings: Settings) -> list[ToolSpec]:
    """The tools this server exposes: in read-only mode (the default) only the read tools, without the
    action group (decided once, at start)."""
    if not settings.mcp_read_only:
        return list(TOOLS)
    return [t for t in TOOLS if t.annotations.read_only_hint is True and t.name not in ACTION_GROUP]


class _RawArguments(FuncMetadata):
    """Hands the tool its arguments unvalidated (JSON-in-string arguments still decoded), so the tool
    validates them itself and reports failures its own way; the published schema is still `arg_model`'s."""

    def validate_arguments(self, arguments_to_validate: dict[str, Any]) -> dict[str, Any]:
        return {"arguments": self.pre_parse_json(arguments_to_validate)}


def _make_tool(spec: ToolSpec, settings: Settings) -> Tool:
    async def run(ctx: Context, arguments: dict[str, Any]) -> CallToolResult:
        args = parse_arguments(spec, arguments)
        state = cast(AppState, ctx.request_context.lifespan_context)
        call = Call(
            client=state.client,
            settings=state.settings,
            caller=resolve_caller(ctx.headers, settings),
            trees=state.trees,
        )
        result, text = await run_tool(spec, call, args)
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=result.model_dump(mode="json")
        )

    run.__name__ = spec.name
    metadata = _RawArguments(arg_model=spec.args, output_model=spec.output)
    return Tool(
        fn=run,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        parameters=spec.input_schema,
        fn_metadata=metadata,
        is_async=True,
        context_kwarg="ctx",
        annotations=spec.annotations,
    )


def build_server(settings: Settings) -> MCPServer[AppState]:
    """An MCPServer with the Argo CD toolset; its lifespan owns the one ArgoCDClient of the process."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        client = ArgoCDClient(
            settings.argocd_server,
            verify=settings.verify,
            timeout=settings.argocd_timeout,
            connect_timeout=settings.argocd_connect_timeout,
            total_timeout=settings.argocd_total_timeout,
            max_response_bytes=settings.argocd_max_response_bytes,
        )
        try:
            yield AppState(settings=settings, client=client)
        finally:
            await client.aclose()

    server: MCPServer[AppState] = MCPServer(
        "argocd-assistant",
        instructions=INSTRUCTIONS,
        version="0.1.0",
        lifespan=lifespan,
        tools=[_make_tool(spec, settings) for spec in selected_tools(settings)],
        log_level="WARNING",
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    server.custom_route("/healthz", methods=["GET"])(healthz)

    return server


def _pattern(pattern: str) -> re.Pattern[str]:
    """'*' alone matches every host; elsewhere '*' is one DNS label (no dots), so `name.*.svc` accepts
    `name.argocd.svc` but not `name.attacker.example.svc` nor `name.attacker.example`."""
    if pattern.strip() == "*":
        return re.compile(r".*", re.S)
    return re.compile(re.escape(pattern.strip().lower()).replace(r"\*", r"[^.]+"))


def _host_name(host: str) -> str:
    name = host.strip().lower()
    if name.startswith("["):
        return name[: name.find("]") + 1]
    if name.count(":") == 1:
        return name.split(":", 1)[0]
    return name


def host_allowed(host: str, patterns: list[str]) -> bool:
    """Host header (port ignored) against the allowed-host patterns (see `_pattern`)."""
    return any(_pattern(p).fullmatch(_host_name(host)) for p in patterns)


class HostCheck:
    """DNS-rebinding guard that also accepts a Kubernetes Service name; /healthz is exempt (kubelet probes
    use the pod IP)."""

    def __init__(self, app: ASGIApp, patterns: list[str]) -> None:
        self.app = app
        self.patterns = patterns
        # compiled once, and only the two headers read per request (this runs on every MCP call)
        self._compiled = [_pattern(p) for p in patterns]

    def _allowed(self, host: str) -> bool:
        name = _host_name(host)
        return any(pattern.fullmatch(name) for pattern in self._compiled)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") != "/healthz":
            host = origin = ""
            for key, value in scope.get("headers", ()):
                if key == b"host":
                    host = value.decode("latin-1")
                elif key == b"origin":
                    origin = value.decode("latin-1")
            origin_host = origin.split("://", 1)[-1] if origin else ""
            if not self._allowed(host) or (origin and not self._allowed(origin_host)):
                log.warning("refused request with a Host/Origin that is not allowed")
                await PlainTextResponse("Host or Origin not allowed", status_code=421)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class PostOnly:
    """The stateless endpoint takes POST only: a GET would open a standalone SSE stream on which nothing is
    ever sent (only pings, memory per open stream), and there is no session to DELETE. The MCP spec lets a
    server without a standalone stream answer 405."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("path") == self.path
            and scope.get("method") in ("GET", "DELETE")
        ):
            response = JSONResponse(
                {"error": "this MCP endpoint is stateless: POST JSON-RPC requests to it"},
                status_code=405,
                headers={"Allow": "POST"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class CancelOnDisconnect:
    """Cancels a request whose client hangs up: in stateless JSON mode the SDK answers only once the tool is
    done and never looks at the connection meanwhile, so a caller that gave up would leave its tool call
    reading from Argo CD until the deadline. After the body is read, the next message can only be
    `http.disconnect`; when it comes, the request's work is cancelled (its Argo CD connection released). A
    client that hangs up mid-body is cancelled the same way, before the SDK would log a traceback for it
    (anyone could fill the logs): one info line instead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_read, gone = anyio.Event(), anyio.Event()

        async def app_receive() -> Message:
            if body_read.is_set():
                await gone.wait()
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.disconnect":
                body_read.set()
                gone.set()
                await anyio.sleep_forever()  # cancelled by `watch` at once
            if not message.get("more_body", False):
                body_read.set()
            return message

        async with anyio.create_task_group() as group:

            async def watch() -> None:
                await body_read.wait()
                while not gone.is_set():
                    if (await receive())["type"] == "http.disconnect":
                        gone.set()
                log.info("MCP request cancelled: the client went away")
                group.cancel_scope.cancel()

            group.start_soon(watch)
            await self.app(scope, app_receive, send)
            group.cancel_scope.cancel()


class InFlight:
    """Counts the tool calls (POSTs) being answered, so a shutdown can wait for them (`drain`) while the
    server still listens: a client's next request of the same call (its session's goodbye, a retry) is then
    answered instead of refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        self.count += 1
        self._idle.clear()
        try:
            await self.app(scope, receive, send)
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def drain(self, grace_seconds: float, settle_seconds: float = 0.5) -> bool:
        """Waits up to `grace_seconds` until no call has been answered for `settle_seconds` (a client
        often follows a call's answer with another request, e.g. the tool list to check the result against);
        True when none is in flight."""
        with anyio.move_on_after(grace_seconds):
            while True:
                await self._idle.wait()
                await anyio.sleep(settle_seconds)
                if self._idle.is_set():
                    break
        return self.count == 0


def build_http_app(settings: Settings, server: MCPServer[AppState] | None = None) -> ASGIApp:
    """Streamable HTTP at /mcp (stateless, JSON responses: a new session per question costs nothing) and
    /healthz. Run it under uvicorn; its lifespan starts the session manager and the Argo CD client."""
    server = server or build_server(settings)
    app = server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    app.add_middleware(CancelOnDisconnect)
    app.add_middleware(PostOnly, path="/mcp")
    app.add_middleware(HostCheck, patterns=list(settings.mcp_allowed_hosts))
    return app


def serve_http(settings: Settings, log_level: str) -> None:
    """Runs the HTTP app under uvicorn. On SIGTERM the server keeps listening while the calls in flight
    finish (at most MCP_SHUTDOWN_GRACE_SECONDS), then stops."""
    import uvicorn

    inflight = InFlight(build_http_app(settings))

    class DrainingServer(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            if not self.force_exit:
                log.info("shutting down: waiting for %d tool calls in flight", inflight.count)
                await inflight.drain(settings.mcp_shutdown_grace_seconds)
            await super().shutdown(sockets)

    config = uvicorn.Config(
        inflight,
        host=settings.mcp_host,
        port=settings.mcp_port,
        log_level=log_level,
        proxy_headers=False,
        timeout_graceful_shutdown=max(1, round(settings.mcp_shutdown_grace_seconds)),
    )
    DrainingServer(config).run()
