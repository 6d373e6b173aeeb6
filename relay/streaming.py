"""One answer: call llama-stack's Responses API with the Argo CD MCP tools and translate its stream into ours.

Browser events: `start`, `token`, `tool_call`, `tool_result`, `error`, `end`. Once streaming has begun,
every failure becomes one `error` event followed by `end`; a client disconnect cancels the generator, and the
upstream response is closed at once (shielded, bounded) so llama-stack stops working on it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import anyio
from llama_stack_client import APIConnectionError, APIError, APIStatusError, APITimeoutError

from mcp_server.treecache import TreeCache
from relay.context import build_prompt_async
from relay.conversation import Conversation
from relay.identity import Identity
from relay.logfilter import SCRUB, Scrubber
from relay.offered_tools import action_tools, offered_tools
from relay.schemas import ChatRequest
from relay.sse import encode_event
from relay.state import NoModelError, RelayState, StreamSlot
from relay.stream_items import (
    MAX_SUMMARY,
    FunctionCall,
    add_usage,
    error_text,
    first_line,
    tool_arguments,
    without_none,
)
from relay.upstream import (
    UpstreamError,
    UpstreamStalled,
    UpstreamStatusError,
    UpstreamUnavailable,
    iter_event_batches,
)

log = logging.getLogger("relay.chat")

_MAX_DETAIL = 300


class StreamFailure(Exception):
    """A failure to report to the browser as an `error` event."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sse(event: str, data: dict[str, Any]) -> bytes:
    return encode_event(event, data)


def app_key(request: ChatRequest, default_namespace: str) -> str:
    """`<app-namespace>/<name>`, an empty app namespace read as Argo CD's own (`default_namespace`), as Argo
    CD reads it: the same application signs and verifies the same key however the UI named it."""
    app = request.application
    return f"{app.namespace or default_namespace}/{app.name}"


@dataclass(slots=True)  # slots: no per-stream __dict__ (hundreds of streams stay open at once)
class ChatStream:
    state: RelayState
    identity: Identity
    # dropped once the prompt is built: an open stream need not keep the parsed body and its context
    request: ChatRequest | None
    previous: Conversation | None
    request_id: str
    slot: StreamSlot
    _started: bool = False
    _response_id: str | None = None
    _first_token_at: float | None = None
    _announced: set[str] = field(default_factory=set)
    _arguments: dict[str, str] = field(default_factory=dict)
    _usage: dict[str, Any] | None = None
    _answer_truncated: bool = False
    _completed: bool = False
    _tools_failed: bool = False
    _tools_pending: bool = False
    _context_truncated: dict[str, bool] = field(default_factory=dict)
    # browser mode: the function calls of the current round, the rounds run, what every round repeats
    _calls: list[FunctionCall] = field(default_factory=list)
    _rounds: int = 0
    _base_params: dict[str, Any] | None = None
    _trees: TreeCache | None = None
    _app_key: str = field(default="", init=False)
    _offered: list[str] = field(default_factory=list, init=False)  # set with the prompt (`_open`)
    _function_names: list[str] = field(default_factory=list, init=False)  # the function tools offered
    _old_handle: str | None = field(default=None, init=False)
    _scrubber_cache: Scrubber | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.request is not None:
            self._app_key = app_key(self.request, self.state.config.argocd.namespace)
            self._old_handle = self.request.conversation

    # -- helpers --------------------------------------------------------------------------------------

    @property
    def _scrubber(self) -> Scrubber:
        if self._scrubber_cache is None:
            self._scrubber_cache = Scrubber(self.identity.token, self.identity.scope_header)
        return self._scrubber_cache

    def _scrub(self, text: str) -> str:
        return self._scrubber(text)

    def _handle(self, response_id: str) -> str:
        return self.state.conversations.sign(
            Conversation(user=self.identity.username, response_id=response_id, app=self._app_key)
        )

    def _start_event(self) -> bytes:
        self._started = True
        handle = None
        if self._response_id is not None:
            handle = self._handle(self._response_id)
        elif self._old_handle is not None:
            handle = self._old_handle  # nothing new to continue from: keep the old one
        return sse(
            "start",
            {
                "request_id": self.request_id,
                "conversation": handle,
                "identity": self.identity.mode,
                "user": self.identity.username,
            },
        )

    @property
    def _browser(self) -> bool:
        return self.identity.mode == "browser"

    def _tools(self) -> list[dict[str, Any]]:
        """Browser mode: every tool as a function tool the relay runs; else the MCP server's read tools
        through llama-stack, and the actions (if any) as function tools the relay runs once approved."""
        if not self._function_names:
            return [self._mcp_tool()]
        functions = [t for t in self.state.function_tools() if t["name"] in self._function_names]
        return functions if self._browser else [self._mcp_tool(), *functions]

    def _mcp_tool(self) -> dict[str, Any]:
        mcp = self.state.config.mcp
        tool: dict[str, Any] = {
            "type": "mcp",
            "server_label": mcp.server_label,
            "authorization": self.identity.token,
            "allowed_tools": self._offered,
            "require_approval": "never",
        }
        if mcp.connector_id is not None:
            tool["connector_id"] = mcp.connector_id
        else:
            tool["server_url"] = mcp.server_url
        if self.identity.scope_header is not None:
            tool["headers"] = {"X-Assistant-Scope": self.identity.scope_header}
        return tool

    # -- translation ----------------------------------------------------------------------------------

    def _tool_call(self, item: dict[str, Any]) -> bytes:
        item_id = str(item.get("id"))
        self._announced.add(item_id)
        arguments = item.get("arguments") or self._arguments.get(item_id)
        return sse(
            "tool_call",
            {"id": item_id, "name": item.get("name"), "arguments": tool_arguments(arguments, self._scrubber)},
        )

    def _translate_batch(self, events: list[dict[str, Any]]) -> list[bytes]:
        """Our events for upstream events that arrived together; consecutive text deltas become one `token`
        event (the browser still streams, with fewer frames when the relay is busy)."""
        out: list[bytes] = []
        text: list[str] = []
        for event in events:
            if event.get("type") == "response.output_text.delta":
                if self._first_token_at is None:
                    self._first_token_at = time.monotonic()
                text.append(str(event.get("delta") or ""))
                continue
            if text:
                out.append(sse("token", {"text": "".join(text)}))
                text = []
            out += self._translate(event)
        if text:
            out.append(sse("token", {"text": "".join(text)}))
        return out

    def _translate(self, event: dict[str, Any]) -> list[bytes]:
        kind = event.get("type")
        item: dict[str, Any] = event.get("item") or {}
        out: list[bytes] = []
        if kind == "response.created":
            self._response_id = (event.get("response") or {}).get("id")
            if not self._started:
                out.append(self._start_event())
        elif kind == "response.mcp_call.arguments.done":
            self._arguments[str(event.get("item_id"))] = event.get("arguments") or ""
        elif kind == "response.output_item.added" and item.get("type") == "mcp_call":
            out.append(self._tool_call(item))
        elif kind == "response.output_item.done" and item.get("type") == "mcp_call":
            self._tools_pending = False
            if item.get("id") not in self._announced:
                out.append(self._tool_call(item))
            name = str(item.get("name"))
            ok = not item.get("error")
            summary = self._scrub(
                first_line(
                    str(item.get("output") or "") if ok else error_text(item.get("error")), MAX_SUMMARY
                )
            )
            self.state.metrics.tool_calls.labels(name, str(ok).lower()).inc()
            out.append(sse("tool_result", {"id": item.get("id"), "name": name, "ok": ok, "summary": summary}))
        elif kind == "response.output_item.done" and item.get("type") == "function_call":
            call = FunctionCall(
                item_id=str(item.get("id") or item.get("call_id")),
                call_id=str(item.get("call_id") or ""),
                name=str(item.get("name") or ""),
                arguments=str(item.get("arguments") or ""),
            )
            self._calls.append(call)
            out.append(self._tool_call({"id": call.item_id, "name": call.name, "arguments": call.arguments}))
        elif kind in ("response.mcp_list_tools.in_progress", "response.mcp_call.in_progress"):
            # llama-stack reports an unreachable MCP server only as a generic error frame: remember that
            # the tools were being used when it came
            self._tools_pending = True
        elif kind == "response.mcp_list_tools.completed":
            self._tools_pending = False
        elif kind in ("response.mcp_list_tools.failed", "response.mcp_call.failed"):
            self._tools_failed = True
        elif kind in ("response.completed", "response.incomplete"):
            usage = (event.get("response") or {}).get("usage")
            self._usage = add_usage(self._usage, without_none(usage) if isinstance(usage, dict) else None)
            self._answer_truncated = kind == "response.incomplete"
            self._completed = True
        elif kind == "response.failed":
            error = (event.get("response") or {}).get("error") or {}
            detail = (error.get("message") if isinstance(error, dict) else None) or "no reason given"
            raise StreamFailure("model_error", self._model_failure(str(detail)))
        return out

    # -- browser-run tools ----------------------------------------------------------------------------

    async def _run_calls(self, deadline: float, outputs: list[dict[str, Any]]) -> AsyncGenerator[bytes]:
        """One round of the model's function calls (browser-run reads, approved actions); `outputs` then
        holds the `function_call_output` items that continue the response."""
        from relay.function_calls import CallRunner

        limits = self.state.config.limits
        self._rounds += 1
        if self._rounds > limits.max_tool_rounds:
            raise StreamFailure(
                "too_many_tool_rounds",
                f"The model kept calling tools ({limits.max_tool_rounds} rounds) without answering. Ask a "
                "narrower question.",
            )
        if self._trees is None:  # this answer's own: the agent's next call is usually about the same app
            self._trees = TreeCache(ttl_seconds=30.0, max_entries=8)
        runner = CallRunner(
            self.state,
            self.identity,
            self.request_id,
            self._app_key,
            self._function_names,
            self._scrub,
            self._trees,
        )
        async with contextlib.aclosing(runner.run(self._calls, deadline, outputs)) as frames:
            async for frame in frames:
                yield frame

    # -- failures -------------------------------------------------------------------------------------

    def _detail(self, text: str) -> str:
        return self._scrub(" ".join(text.split()))[:_MAX_DETAIL]

    def _model_failure(self, detail: str) -> str:
        return (
            f"The model failed to answer: {self._detail(detail)}. "
            "Try again; if it keeps failing, tell your administrator."
        )

    def _classify(self, exc: Exception) -> StreamFailure:
        url = self.state.config.llama_stack.url
        if isinstance(exc, StreamFailure):
            return exc
        if isinstance(exc, NoModelError):
            return StreamFailure("no_model", f"{exc}. Ask your administrator to configure a model.")
        if isinstance(exc, TimeoutError | APITimeoutError):
            limit = self.state.config.limits.stream_timeout_seconds
            return StreamFailure(
                "timeout",
                f"The answer took longer than {limit:g} s and was stopped. Ask a narrower question.",
            )
        if isinstance(exc, UpstreamStalled):
            idle = self.state.config.limits.upstream_idle_seconds
            return StreamFailure(
                "llama_stack_stalled",
                f"The AI service (llama-stack) sent nothing for {idle:g} s, so the answer was stopped. Try "
                "again; if it keeps happening, ask your administrator to check llama-stack and its model.",
            )
        if isinstance(exc, APIConnectionError | UpstreamUnavailable):
            return StreamFailure(
                "llama_stack_unavailable",
                f"The AI service (llama-stack at {url}) is unreachable. Try again shortly; if that fails, "
                "ask your administrator to check llama-stack.",
            )
        if isinstance(exc, APIStatusError | UpstreamStatusError):
            return StreamFailure(
                "llama_stack_error",
                f"The AI service refused the request (HTTP {exc.status_code}): {self._detail(exc.message)}",
            )
        if isinstance(exc, APIError | UpstreamError):
            detail = exc.message or ""
            lowered = f"{detail} {getattr(exc, 'code', '') or ''}".lower()
            if self._tools_failed or self._tools_pending or "mcp" in lowered:
                return StreamFailure(
                    "tools_unavailable",
                    "The Argo CD tools (MCP server) failed or could not be reached: "
                    f"{self._detail(detail)}. Ask your administrator to check the MCP server.",
                )
            return StreamFailure("model_error", self._model_failure(detail))
        # the traceback is what makes a bug diagnosable; the log filter scrubs it (token, credentials)
        log.error(
            "request %s failed unexpectedly: %s",
            self.request_id,
            type(exc).__name__,
            exc_info=exc,
            extra={SCRUB: self._scrubber},
        )
        return StreamFailure(
            "internal_error", f"The assistant failed unexpectedly (request {self.request_id})."
        )

    # -- the stream -----------------------------------------------------------------------------------

    async def _open(self, deadline: float) -> aiohttp.ClientResponse:
        config = self.state.config
        request, self.request = self.request, None
        if request is None:
            raise RuntimeError("a chat stream opens once")
        with anyio.fail_after(max(0.0, deadline - time.monotonic())):
            prompt = await build_prompt_async(
                request, config.limits, secret=self.identity.token, limiter=self.state.prompt_limiter
            )
            self._context_truncated = prompt.truncated
            scoped = self.identity.scope_header is not None
            self._offered = offered_tools(
                config.mcp, request, scoped=scoped, owning_applicationset=prompt.owning_applicationset
            )
            actions = action_tools(config.actions, scoped=scoped)
            self._function_names = [*self._offered, *actions] if self._browser else actions
            model = await self.state.model()
            params: dict[str, Any] = {
                "model": model,
                "instructions": config.llama_stack.instructions,
                "tools": self._tools(),
                "stream": True,
            }
            if config.llama_stack.temperature is not None:
                params["temperature"] = config.llama_stack.temperature
            if config.llama_stack.max_output_tokens is not None:
                params["max_output_tokens"] = config.llama_stack.max_output_tokens
            if self._function_names:
                self._base_params = params
            first = {**params, "input": prompt.input}
            if self.previous is not None:
                first["previous_response_id"] = self.previous.response_id
            return await self.state.responses.open(first, self.state.llama_credential(self.identity.username))

    async def _continue(self, outputs: list[dict[str, Any]], deadline: float) -> aiohttp.ClientResponse:
        """The next round: the same response continued with the function calls' outputs."""
        assert self._base_params is not None
        params = {**self._base_params, "input": outputs, "previous_response_id": self._response_id}
        self._completed = False
        self._calls = []
        credential = self.state.llama_credential(self.identity.username)
        with anyio.fail_after(max(0.0, deadline - time.monotonic())):
            return await self.state.responses.open(params, credential)

    async def _relay(self, upstream: aiohttp.ClientResponse, deadline: float) -> AsyncGenerator[bytes]:
        """Our frames for one upstream response, the events of one network read in one frame."""
        async with contextlib.aclosing(iter_event_batches(upstream.content.iter_any())) as batches:
            while True:
                # a bare cancel scope, not `fail_after`: no generator context manager held per read
                with anyio.CancelScope(deadline=anyio.current_time() + deadline - time.monotonic()) as read:
                    try:
                        batch = await anext(batches)
                    except StopAsyncIteration:
                        break
                if read.cancelled_caught:
                    raise TimeoutError
                out = self._translate_batch(batch)
                if out:  # one write for what arrived together
                    yield b"".join(out)
        if not self._completed:
            raise StreamFailure(
                "tools_unavailable" if self._tools_failed else "incomplete",
                "The answer ended before it was complete"
                + (" because the Argo CD tools could not be listed." if self._tools_failed else ".")
                + " Try again.",
            )

    async def events(self) -> AsyncIterator[bytes]:
        """Encoded SSE frames for EventStreamResponse; the events of one upstream read in one frame."""
        started_at = time.monotonic()
        deadline = started_at + self.state.config.limits.stream_timeout_seconds
        metrics = self.state.metrics
        metrics.active_streams.inc()
        metrics.streams.labels(self.identity.mode).inc()
        self._context_truncated = {}
        upstream: aiohttp.ClientResponse | None = None
        outcome = "ok"
        try:
            failure: StreamFailure | None = None
            try:
                upstream = await self._open(deadline)
                while True:
                    async with contextlib.aclosing(self._relay(upstream, deadline)) as frames:
                        async for frame in frames:
                            yield frame
                    if not self._calls:
                        break
                    # browser mode: the model called tools; their reads run in the user's browser
                    outputs: list[dict[str, Any]] = []
                    async with contextlib.aclosing(self._run_calls(deadline, outputs)) as frames:
                        async for frame in frames:
                            yield frame
                    upstream.release()
                    upstream = None
                    upstream = await self._continue(outputs, deadline)
            except Exception as exc:  # every failure after the stream began becomes one error event
                failure = self._classify(exc)
            if not self._started:
                yield self._start_event()
            if failure is not None:
                outcome = failure.code
                metrics.errors.labels(failure.code).inc()
                yield sse("error", {"code": failure.code, "message": failure.message})
            truncated = {**self._context_truncated, "answer": self._answer_truncated}
            end: dict[str, Any] = {"usage": self._usage, "truncated": truncated}
            if self._rounds and failure is None and self._response_id is not None:
                # the conversation goes on from the last round's response, not the first one `start` named
                end["conversation"] = self._handle(self._response_id)
            yield sse("end", end)
        except BaseException:
            outcome = "cancelled"
            raise
        finally:
            if upstream is not None:
                # back to the pool after a whole answer; an answer left unread closes its connection, which
                # tells llama-stack to stop working on it
                upstream.release()
            elapsed = time.monotonic() - started_at
            metrics.active_streams.dec()
            metrics.stream_duration.observe(elapsed)
            if self._first_token_at is not None:
                metrics.time_to_first_token.observe(self._first_token_at - started_at)
            self.slot.release()
            log.info(
                "chat request=%s identity=%s user=%s app=%s outcome=%s seconds=%.2f",
                self.request_id,
                self.identity.mode,
                self.identity.username,
                self._app_key,
                outcome,
                elapsed,
            )
