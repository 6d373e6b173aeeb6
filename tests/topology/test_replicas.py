"""Two relays and two llama-stacks on one PostgreSQL, behind HAProxy: conversations cross replicas, a load of
concurrent tool-calling chats through HAProxy ends without an error, and no process grows under it."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx2
import psutil
import pytest

from devstack.argocd.tokens import token_for
from devstack.topology import Topology
from relay.llama_auth import credential
from tests.relay.sse import Transcript, read_transcript
from tests.topology.conftest import question

MIB = 1 << 20
USERS = ("alice", "admin", "viewer")  # each may read checkout and its events
LOAD_CONCURRENCY = 40
LOAD_SECONDS = 10.0
# After a warm-up of the same load, what a process may still add by the end of the run. Measured at 40
# clients: relays +0.3 to 0.4 MiB, llama-stacks +7 to 16 MiB (allocator arenas settling). About 100-120
# answers run: a leak of 200 KiB (relay) or 350 KiB (llama-stack) per answer would exceed it.
RSS_GROWTH_BOUND_MIB = {"relay": 24, "llamastack": 40}


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}


def chat(url: str, body: dict[str, object], user: str = "alice") -> Transcript:
    with (
        httpx2.Client(timeout=60) as client,
        client.stream("POST", f"{url}/api/chat", json=body, headers=bearer(user)) as response,
    ):
        assert response.status_code == 200, response.read()
        return read_transcript(response.iter_lines())


def response_id(handle: str) -> str:
    """The llama-stack response a conversation handle continues from (its payload is signed, not secret)."""
    payload = handle.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["r"])


@pytest.fixture
def pinned(topology: Topology) -> Iterator[Topology]:
    """The topology; every server back in HAProxy's rotation afterwards, whatever the test took out."""
    try:
        yield topology
    finally:
        for tier in ("relay", "llamastack"):
            for index in range(topology.options.replicas):
                topology.set_server_state(tier, index, "ready")


def test_a_conversation_started_on_one_replica_continues_on_the_other_relay_and_llama_stack(
    pinned: Topology,
) -> None:
    topo = pinned
    # the first answer: relay 1, and HAProxy sends its llama-stack request to llama-stack 1
    topo.set_server_state("llamastack", 1, "maint")
    first = chat(topo.relay_replicas[0], question("Why is checkout degraded?"))
    assert "error" not in first.names, first.all("error")
    handle = first.first("start")["conversation"]
    # the second, straight to relay 2, whose llama-stack requests now go to llama-stack 2 only
    topo.set_server_state("llamastack", 1, "ready")
    topo.set_server_state("llamastack", 0, "maint")
    second = chat(topo.relay_replicas[1], question("And what is the status?", conversation=handle))
    assert "error" not in second.names, second.all("error")
    assert second.names[-1] == "end"
    assert second.first("start")["conversation"] not in (None, handle)
    assert topo.served_by("llamastack", path="/v1/responses")[-2:] == ["llamastack-1", "llamastack-2"]

    # Each llama-stack reads what the other stored (one database), as alice's and only hers: the second
    # response carries the first one's output (tool calls, answer) as its history. llama-stack records
    # no previous_response_id on the stored object; the history is the evidence.
    key = topo.llama_stack_auth_key.encode()
    alice = {"Authorization": f"Bearer {credential(key, 'alice', 60)}"}
    first_id = response_id(handle)
    second_id = response_id(second.first("start")["conversation"])
    stored = httpx2.get(f"{topo.llamastack_replicas[1]}/v1/responses/{first_id}", headers=alice)
    assert stored.status_code == 200, stored.text
    first_output = {item["id"] for item in stored.json()["output"]}
    history = httpx2.get(f"{topo.llamastack_replicas[0]}/v1/responses/{second_id}/input_items", headers=alice)
    assert history.status_code == 200, history.text
    assert {"mcp_call", "message"} <= {item["type"] for item in stored.json()["output"]}
    assert first_output <= {item.get("id") for item in history.json()["data"]}
    bob = {"Authorization": f"Bearer {credential(key, 'bob', 60)}"}
    theirs = httpx2.get(f"{topo.llamastack_replicas[0]}/v1/responses/{second_id}", headers=bob)
    assert theirs.status_code in (403, 404)

    # and the third through HAProxy's relay frontend, with both llama-stacks back in rotation
    topo.set_server_state("llamastack", 0, "ready")
    third = chat(topo.urls["relay"], question("Go on.", conversation=second.first("start")["conversation"]))
    assert "error" not in third.names, third.all("error")
    assert third.names[-1] == "end"


def test_a_handle_from_one_relay_is_refused_to_another_user_on_the_other_relay(topology: Topology) -> None:
    first = chat(topology.relay_replicas[0], question("What is the status?"))
    handle = first.first("start")["conversation"]
    refused = httpx2.post(
        f"{topology.relay_replicas[1]}/api/chat",
        json=question("Go on", conversation=handle),
        headers=bearer("admin"),
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "conversation_forbidden"


@dataclass
class Load:
    chats: int = 0
    failures: list[str] = field(default_factory=list)


async def _one_chat(client: httpx2.AsyncClient, url: str, user: str, load: Load) -> None:
    try:
        async with client.stream("POST", f"{url}/api/chat", json=question(), headers=bearer(user)) as resp:
            if resp.status_code != 200:
                load.failures.append(f"HTTP {resp.status_code}: {(await resp.aread())[:200]!r}")
                return
            lines = [line async for line in resp.aiter_lines()]
    except httpx2.HTTPError as exc:
        load.failures.append(f"{type(exc).__name__}: {exc}")
        return
    transcript = read_transcript(lines)
    if "error" in transcript.names:
        load.failures.append(f"error event: {transcript.all('error')}")
    elif transcript.names[-1:] != ["end"] or "tool_call" not in transcript.names or not transcript.text:
        load.failures.append(f"incomplete answer: {transcript.names[-5:]}")
    else:
        load.chats += 1


async def run_load(url: str, concurrency: int, seconds: float) -> Load:
    """`concurrency` clients asking one tool-calling question after another until `seconds` have passed."""
    load = Load()
    deadline = time.monotonic() + seconds
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client_loop(index: int) -> None:
        user = USERS[index % len(USERS)]
        while time.monotonic() < deadline:
            await _one_chat(client, url, user, load)

    async with httpx2.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(*(client_loop(i) for i in range(concurrency)))
    return load


def rss(pids: list[int]) -> list[int]:
    return [int(psutil.Process(pid).memory_info().rss) for pid in pids]


def test_a_load_of_concurrent_tool_calling_chats_through_haproxy_has_no_error_and_no_growth(
    topology: Topology,
) -> None:
    url = topology.urls["relay"]
    kinds = {kind: topology.pids(kind) for kind in RSS_GROWTH_BOUND_MIB}
    assert all(len(pids) == 2 for pids in kinds.values())
    # warm-up at the same concurrency: imports, pools and caches reach their working size first
    warm = asyncio.run(run_load(url, LOAD_CONCURRENCY, 3.0))
    assert not warm.failures, warm.failures[:5]
    before = {kind: rss(pids) for kind, pids in kinds.items()}
    served_before = Counter(topology.served_by("llamastack", path="/v1/responses"))

    began = time.monotonic()
    load = asyncio.run(run_load(url, LOAD_CONCURRENCY, LOAD_SECONDS))
    elapsed = time.monotonic() - began

    assert not load.failures, f"{len(load.failures)} failed of {load.chats + len(load.failures)}: " + str(
        load.failures[:5]
    )
    assert load.chats >= LOAD_CONCURRENCY, f"only {load.chats} chats in {elapsed:.1f} s"
    # both replicas of each tier took their share
    served = Counter(topology.served_by("llamastack", path="/v1/responses")) - served_before
    assert set(served) == {"llamastack-1", "llamastack-2"}, served
    assert min(served.values()) >= load.chats // 4, served
    relays = Counter(topology.served_by("relay", path="/api/chat"))
    assert set(relays) == {"relay-1", "relay-2"}, relays
    after = {kind: rss(pids) for kind, pids in kinds.items()}
    growth = {kind: [(a - b) / MIB for a, b in zip(after[kind], before[kind], strict=True)] for kind in kinds}
    for kind, bound in RSS_GROWTH_BOUND_MIB.items():
        assert max(growth[kind]) <= bound, f"{kind} RSS grew {growth[kind]} MiB (bound {bound})"
    print(
        f"\n{load.chats} chats in {elapsed:.1f} s ({load.chats / elapsed:.1f}/s) at c{LOAD_CONCURRENCY}; "
        f"llama-stack requests per replica {dict(served)}; RSS growth MiB "
        + ", ".join(f"{k} {[round(g, 1) for g in v]}" for k, v in growth.items())
    )
