"""A person approves every action before it runs: the gate between a model's action call and Argo CD.

When the model calls an action tool (sync, refresh, rollback, a resource action), the answer's stream carries
an `approval_request` event: the tool, its validated arguments, what it will do in plain words
(`describe_action`), their digest and how long the request stays open. The tab shows a card; the person's
Approve or Deny comes back as `POST /api/approvals` `{stream, id, call_id, approve, arguments_sha256}`. It
is taken only for a pending request (`pending.PendingAnswers`) of the same stream and the same user, once,
before it expires, for the same call and the same arguments (their digest); anything else is refused with a
4xx and nothing runs. Only then does the call run, with the user's own identity.

Every request, approval, denial, expiry and result is written to the audit log (`relay.audit`, one JSON
object per line: who, what, arguments, when, outcome; the token is never in it) and counted
(`relay_actions_total{tool, outcome}`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

from mcp_server.action_words import describe_action
from relay.pending import PendingAnswers, Refused

__all__ = ["ApprovalGate", "Decision", "PendingApprovals", "arguments_digest"]

audit_log = logging.getLogger("relay.audit")

Emit = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Decision:
    """The person's answer to one approval request, as the tab posted it."""

    approve: bool
    call_id: str
    arguments_sha256: str


class PendingApprovals(PendingAnswers[Decision]):
    """The approval requests a relay process waits for."""

    def __init__(self, owner: str | None = None, key: bytes | None = None) -> None:
        super().__init__("approval", "approval request", owner, key)


def arguments_digest(tool: str, arguments: Mapping[str, Any]) -> str:
    """sha256 (hex) of the tool and its arguments as canonical JSON: what an approval is bound to."""
    canonical = json.dumps({"tool": tool, "arguments": arguments}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class ApprovalGate:
    """Asks the person of one stream to approve each action call, and audits what follows."""

    pending: PendingApprovals
    emit: Emit
    stream: str
    user: str
    app: str
    timeout: float
    counter: Counter
    scrub: Callable[[str], str]

    def audit(self, event: str, tool: str, arguments: Mapping[str, Any], approval: str, **extra: Any) -> None:
        record = {
            "event": event,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "user": self.user,
            "app": self.app,
            "tool": tool,
            "arguments": arguments,
            "stream": self.stream,
            "approval": approval[-12:],
            **extra,
        }
        audit_log.info(self.scrub(json.dumps(record, sort_keys=True, default=str)))
        if event != "action_requested":
            self.counter.labels(tool, event.removeprefix("action_")).inc()

    async def ask(self, call_id: str, tool: str, arguments: Mapping[str, Any]) -> tuple[str | None, str]:
        """(the approval's id when the person approved, else None with the text that tells the model why
        nothing ran)."""
        summary = describe_action(tool, arguments)
        digest = arguments_digest(tool, arguments)

        def check(decision: Decision) -> None:
            if decision.call_id != call_id:
                raise Refused(409, "approval_of_another_call", "This approval names another tool call.")
            if decision.arguments_sha256 != digest:
                raise Refused(
                    409,
                    "approval_arguments_changed",
                    "This approval is for other arguments than the action waiting for it; nothing was run.",
                )

        approval, future = self.pending.open(self.stream, self.user, self.timeout, check)
        self.audit("action_requested", tool, arguments, approval, summary=summary)
        try:
            await self.emit(
                "approval_request",
                {
                    "id": approval,
                    "call_id": call_id,
                    "tool": tool,
                    "summary": self.scrub(summary),
                    "arguments": json.loads(self.scrub(json.dumps(arguments))),
                    "arguments_sha256": digest,
                    "expires_in_seconds": self.timeout,
                },
            )
            try:
                decision = await asyncio.wait_for(future, self.timeout)
            except TimeoutError:
                self.pending.end(approval, "expired")
                self.audit("action_expired", tool, arguments, approval)
                await self.emit("approval_result", {"id": approval, "call_id": call_id, "outcome": "expired"})
                return None, (
                    f"Not done: nobody approved '{summary}' within {self.timeout:g} s, so it was not run. "
                    "Tell the user; they can ask again."
                )
        finally:
            self.pending.end(approval, "closed")
        outcome = "approved" if decision.approve else "denied"
        self.audit(f"action_{outcome}", tool, arguments, approval)
        await self.emit("approval_result", {"id": approval, "call_id": call_id, "outcome": outcome})
        if not decision.approve:
            return None, (
                f"Not done: {self.user} declined '{summary}'. Nothing was changed; do not ask again unless "
                "they do."
            )
        return approval, ""

    def result(self, tool: str, arguments: Mapping[str, Any], approval: str, ok: bool, text: str) -> None:
        """Audits how an approved action ended (Argo CD's answer, or why it failed)."""
        event = "action_succeeded" if ok else "action_failed"
        self.audit(event, tool, arguments, approval, detail=" ".join(text.split())[:500])
