"""One round of the model's function calls, run by the relay: the reads of the browser mode (carried out by
the user's browser) and the actions (each run only once the person approved it, with their own identity).

A read runs over `BrowserReads`. An action first asks for approval (`approvals.ApprovalGate`); approved, it
runs over `BrowserReads` carrying the approval (the browser sends the POST with its own session) in the
browser mode, or over the relay's Argo CD client with the user's token (cookie, bearer, pasted). Declined,
expired or refused, its output tells the model that nothing was done. Every call ends with a `tool_result`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

from mcp_server.action_words import ACTION_TOOLS
from mcp_server.argocd_api import ArgoCDReads
from mcp_server.treecache import TreeCache
from relay.approvals import ApprovalGate
from relay.browser_reads import BrowserReads, Emit
from relay.browser_tools import PreparedCall, ToolOutput, known_tool, prepare_call, run_prepared, run_round
from relay.identity import Identity
from relay.sse import encode_event
from relay.state import RelayState
from relay.stream_items import MAX_SUMMARY, FunctionCall, first_line

__all__ = ["CallRunner"]


@dataclass
class CallRunner:
    """Runs the function calls of one answer's rounds."""

    state: RelayState
    identity: Identity
    stream: str
    app: str
    tools: list[str]  # every function tool offered: the browser-run reads and the action group
    scrub: Callable[[str], str]
    trees: TreeCache

    @property
    def _browser(self) -> bool:
        return self.identity.mode == "browser"

    def _reads(self, emit: Emit, approval: str | None = None) -> ArgoCDReads:
        if not self._browser:
            return self.state.argocd  # with the user's token (`run_prepared(token=…)`)
        limits = self.state.config.limits
        return BrowserReads(
            pending=self.state.reads,
            emit=emit,
            stream=self.stream,
            user=self.identity.username,
            timeout=limits.browser_read_timeout_seconds,
            max_bytes=limits.browser_read_max_bytes,
            approval=approval,
        )

    def _gate(self, emit: Emit) -> ApprovalGate:
        return ApprovalGate(
            pending=self.state.approvals,
            emit=emit,
            stream=self.stream,
            user=self.identity.username,
            app=self.app,
            timeout=self.state.config.actions.approval_timeout_seconds,
            counter=self.state.metrics.actions,
            scrub=self.scrub,
        )

    async def _run_one(self, call: FunctionCall, emit: Emit) -> ToolOutput:
        prepared = prepare_call(call.name, call.arguments, allowed=self.tools)
        if isinstance(prepared, PreparedCall):
            output = await self._run_prepared(call, prepared, emit)
        else:
            output = prepared
        label = call.name if known_tool(call.name) else "unknown"
        self.state.metrics.tool_calls.labels(label, str(output.ok).lower()).inc()
        summary = self.scrub(first_line(output.text, MAX_SUMMARY))
        await emit(
            "tool_result", {"id": call.item_id, "name": call.name, "ok": output.ok, "summary": summary}
        )
        return output

    async def _run_prepared(self, call: FunctionCall, prepared: PreparedCall, emit: Emit) -> ToolOutput:
        settings = self.state.tool_settings()
        token = self.identity.token
        if prepared.spec.name not in ACTION_TOOLS:
            return await run_prepared(
                prepared, reads=self._reads(emit), settings=settings, trees=self.trees, token=token
            )
        gate = self._gate(emit)
        arguments = prepared.arguments
        approval, refusal = await gate.ask(call.call_id or call.item_id, prepared.spec.name, arguments)
        if approval is None:
            return ToolOutput(False, refusal)
        reads = self._reads(emit, approval)
        output = await run_prepared(prepared, reads=reads, settings=settings, trees=self.trees, token=token)
        gate.result(prepared.spec.name, arguments, approval, output.ok, self.scrub(output.text))
        return output

    async def run(
        self, calls: list[FunctionCall], deadline: float, outputs: list[dict[str, Any]]
    ) -> AsyncGenerator[bytes]:
        """Runs the round's calls at once, yielding the events they emit; then `outputs` holds the
        `function_call_output` items that continue the response."""
        by_id = {call.item_id: call for call in calls}

        async def run(item_id: str, emit: Emit) -> ToolOutput:
            return await self._run_one(by_id[item_id], emit)

        done: list[tuple[str, ToolOutput]] = []
        async with contextlib.aclosing(
            run_round(list(by_id), run=run, deadline=deadline, outputs=done)
        ) as events:
            async for event, data in events:
                yield encode_event(event, data)
        for item_id, output in done:
            outputs.append(
                {"type": "function_call_output", "call_id": by_id[item_id].call_id, "output": output.text}
            )
