"""An approval binds one user, one stream, one tool call and its exact arguments, is taken once and expires;
anything else is refused with a 4xx, and only an approval lets the action run."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter

from relay.approvals import ApprovalGate, Decision, PendingApprovals, arguments_digest
from relay.pending import Refused

pytestmark = pytest.mark.anyio

ARGS = {"application": "payments", "prune": False, "dry_run": False}
PRUNING = arguments_digest("sync_application", {**ARGS, "prune": True})  # what another call would run


class Tab:
    """The events the gate sends on the stream, as the tab receives them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.asked = asyncio.Event()

    async def emit(self, event: str, data: dict[str, Any]) -> None:
        self.events.append((event, data))
        if event == "approval_request":
            self.asked.set()

    @property
    def request(self) -> dict[str, Any]:
        return next(data for event, data in self.events if event == "approval_request")


def gate(pending: PendingApprovals, tab: Tab, *, timeout: float = 5.0, user: str = "alice") -> ApprovalGate:
    counter = Counter("actions", "test", ["tool", "outcome"], registry=CollectorRegistry())
    return ApprovalGate(
        pending=pending,
        emit=tab.emit,
        stream="stream-1",
        user=user,
        app="argocd/payments",
        timeout=timeout,
        counter=counter,
        scrub=lambda text: text.replace("s3cr3t", "[REDACTED]"),
    )


def decision(tab: Tab, approve: bool = True, **changes: Any) -> Decision:
    request = tab.request
    values = {
        "approve": approve,
        "call_id": request["call_id"],
        "arguments_sha256": request["arguments_sha256"],
    }
    return Decision(**{**values, **changes})


async def asking(pending: PendingApprovals, tab: Tab, **kwargs: Any) -> asyncio.Task[tuple[str | None, str]]:
    task = asyncio.ensure_future(gate(pending, tab, **kwargs).ask("call_1", "sync_application", ARGS))
    await asyncio.wait_for(tab.asked.wait(), 5)
    return task


async def test_the_request_names_the_tool_its_arguments_and_what_it_will_do_in_words() -> None:
    pending, tab = PendingApprovals(), Tab()
    task = await asking(pending, tab)
    request = tab.request
    assert request["tool"] == "sync_application"
    assert request["arguments"] == ARGS
    assert request["summary"] == "Sync application payments to its target revision, prune: no, dry run: no"
    assert request["arguments_sha256"] == arguments_digest("sync_application", ARGS)
    pending.answer(request["id"], "stream-1", "alice", decision(tab))
    approval, refusal = await task
    assert approval == request["id"]
    assert refusal == ""
    assert (
        "approval_result",
        {"id": request["id"], "call_id": "call_1", "outcome": "approved"},
    ) in tab.events


async def test_a_denial_runs_nothing_and_tells_the_model_so() -> None:
    pending, tab = PendingApprovals(), Tab()
    task = await asking(pending, tab)
    pending.answer(tab.request["id"], "stream-1", "alice", decision(tab, approve=False))
    approval, refusal = await task
    assert approval is None
    assert refusal.startswith("Not done: alice declined 'Sync application payments")


@pytest.mark.parametrize(
    ("who", "stream", "changes", "status", "code"),
    [
        ("bob", "stream-1", {}, 403, "approval_of_another_user"),
        ("alice", "stream-2", {}, 409, "wrong_stream"),
        ("alice", "stream-1", {"call_id": "call_2"}, 409, "approval_of_another_call"),
        ("alice", "stream-1", {"arguments_sha256": PRUNING}, 409, "approval_arguments_changed"),
    ],
)  # fmt: skip
async def test_an_approval_of_another_user_stream_call_or_arguments_is_refused_and_the_request_stays(
    who: str, stream: str, changes: dict[str, Any], status: int, code: str
) -> None:
    pending, tab = PendingApprovals(), Tab()
    task = await asking(pending, tab)
    with pytest.raises(Refused) as refused:
        pending.answer(tab.request["id"], stream, who, decision(tab, **changes))
    assert (refused.value.status, refused.value.code) == (status, code)
    assert not task.done()  # still waiting for the genuine answer
    pending.answer(tab.request["id"], "stream-1", "alice", decision(tab, approve=False))
    assert (await task)[0] is None


async def test_a_forged_id_is_unknown_and_a_replayed_approval_is_refused() -> None:
    pending, tab = PendingApprovals(), Tab()
    task = await asking(pending, tab)
    with pytest.raises(Refused) as forged:
        pending.answer("made-up-id", "stream-1", "alice", decision(tab))
    assert (forged.value.status, forged.value.code) == (404, "unknown_approval")
    pending.answer(tab.request["id"], "stream-1", "alice", decision(tab))
    await task
    with pytest.raises(Refused) as replayed:
        pending.answer(tab.request["id"], "stream-1", "alice", decision(tab))
    assert (replayed.value.status, replayed.value.code) == (409, "approval_already_answered")


async def test_an_unanswered_request_expires_runs_nothing_and_a_late_approval_is_refused() -> None:
    pending, tab = PendingApprovals(), Tab()
    task = await asking(pending, tab, timeout=0.2)
    approval, refusal = await task
    assert approval is None
    assert "within 0.2 s" in refusal
    assert (
        "approval_result",
        {"id": tab.request["id"], "call_id": "call_1", "outcome": "expired"},
    ) in tab.events
    with pytest.raises(Refused) as late:
        pending.answer(tab.request["id"], "stream-1", "alice", decision(tab))
    assert (late.value.status, late.value.code) == (410, "approval_expired")


async def test_a_closed_stream_leaves_no_approval_to_take() -> None:
    pending, tab = PendingApprovals(), Tab()
    task = await asking(pending, tab)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(Refused) as closed:
        pending.answer(tab.request["id"], "stream-1", "alice", decision(tab))
    assert (closed.value.status, closed.value.code) == (410, "approval_closed")
    assert len(pending) == 0


async def test_every_step_is_audited_as_one_json_line_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="relay.audit")
    pending, tab = PendingApprovals(), Tab()
    the_gate = gate(pending, tab)
    task = asyncio.ensure_future(the_gate.ask("call_1", "sync_application", {**ARGS, "revision": "s3cr3t"}))
    await asyncio.wait_for(tab.asked.wait(), 5)
    pending.answer(tab.request["id"], "stream-1", "alice", decision(tab))
    approval, _ = await task
    assert approval is not None
    the_gate.result("sync_application", ARGS, approval, True, "Sync application payments: done.")
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "relay.audit"]
    assert [r["event"] for r in records] == ["action_requested", "action_approved", "action_succeeded"]
    assert {r["user"] for r in records} == {"alice"}
    assert records[0]["arguments"]["revision"] == "[REDACTED]"
    assert "s3cr3t" not in caplog.text
    assert records[2]["detail"] == "Sync application payments: done."
