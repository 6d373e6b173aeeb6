"""The production topology under load: concurrent tool-calling chats through HAProxy for a fixed time.

Three topologies, each started on its own (devstack.topology) and loaded alike: ONE llama-stack and ONE relay
on the dev stack's SQLite stores (the baseline), the same pair on PostgreSQL, and TWO of each on PostgreSQL.
Every chat is the Assistant tab's question on a Deployment that makes the scripted model call `get_events`
and answer from it (about 170 tokens at 2 ms each). Per topology: completed chats per second, time to first
token p50/p99, errors (HTTP, `error` events, incomplete answers; the llama-stack logs' "database is locked"
lines beside them) and the RSS of every relay and llama-stack at the start, middle and end of the load.

The floor beside each figure is the scripted model alone, on the same machine with nothing else loaded: the
model requests llama-stack made for one chat, replayed straight to the model, one at a time (c1) and at the
load's concurrency. No relay, llama-stack or load balancer can answer sooner or more often than that.

`python -m bench.topology [--quick] [--results FILE]`; --quick: the 2+2 Postgres topology, 10 clients, 3 s.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2
import psutil

from bench import report
from bench.relay_overhead import _sse
from devstack.argocd.tokens import token_for
from devstack.topology import Topology, TopologyOptions

MIB = 1 << 20
TOKEN_DELAY_MS = 2.0
USERS = ("alice", "admin", "viewer")
BODY = {
    # "events" makes the scripted model call get_events, then answer from its result
    "message": "Show me the events of this deployment.",
    "application": {"name": "checkout", "namespace": "argocd", "project": "team-a"},
    "resource": {
        "group": "apps",
        "version": "v1",
        "kind": "Deployment",
        "namespace": "checkout",
        "name": "checkout-api",
    },
}
TOPOLOGIES: tuple[tuple[str, int, str], ...] = (
    ("1+1 SQLite (baseline)", 1, "sqlite"),
    ("1+1 Postgres", 1, "postgres"),
    ("2+2 Postgres", 2, "postgres"),
)


@dataclass
class Chat:
    ttft: float = 0.0
    error: str | None = None
    ended: float = 0.0  # time.monotonic() when the answer ended
    conversation: str | None = None  # its handle names the llama-stack response, to find it in the logs
    last_events: tuple[str, ...] = ()  # of a failed chat: how far it came


@dataclass
class Run:
    name: str
    chats: list[Chat] = field(default_factory=list)
    began: float = 0.0
    window: float = 0.0  # the load's length: no chat starts after it
    seconds: float = 0.0  # until the last answer ended
    rss: dict[str, list[list[int]]] = field(default_factory=dict)  # kind -> [start, middle, end] per process
    locked: int = 0  # "database is locked" lines in the llama-stack logs

    @property
    def ok(self) -> list[Chat]:
        return [c for c in self.chats if c.error is None]

    @property
    def rate(self) -> float:
        """Chats answered without an error per second, counting those that ended within the window (the ones
        still open at its end would otherwise stretch the time of a run with stalled answers)."""
        return sum(c.ended - self.began <= self.window for c in self.ok) / self.window

    @property
    def errors(self) -> Counter[str]:
        return Counter(c.error for c in self.chats if c.error is not None)


@dataclass
class Floor:
    ttft_c1: float
    ttft_p50: float
    ttft_p99: float
    chats_per_second: float


async def one_chat(client: httpx2.AsyncClient, url: str, user: str) -> Chat:
    began = time.perf_counter()
    chat = Chat()
    names: list[str] = []
    try:
        headers = {"Authorization": f"Bearer {token_for(user)}"}
        async with client.stream("POST", f"{url}/api/chat", json=BODY, headers=headers) as response:
            if response.status_code != 200:
                chat.error = f"HTTP {response.status_code}"
                chat.ended = time.monotonic()
                return chat
            async for event, data in _sse(response):
                names.append(event)
                if event == "start":
                    chat.conversation = json.loads(data).get("conversation")
                elif event == "token" and not chat.ttft:
                    chat.ttft = time.perf_counter() - began
                elif event == "error":
                    detail = json.loads(data)
                    chat.error = f"{detail.get('code')}: {str(detail.get('message'))[:80]}"
    except httpx2.HTTPError as exc:
        chat.error = type(exc).__name__
    chat.ended = time.monotonic()
    if chat.error is None and (names[-1:] != ["end"] or "tool_call" not in names or not chat.ttft):
        chat.error = "incomplete answer"
    if chat.error is not None:
        chat.last_events = tuple(name for name in names if name != "token")[-4:]
    return chat


async def load(topo: Topology, run: Run, concurrency: int, seconds: float) -> None:
    """`concurrency` clients, each asking again as soon as its answer ended, until `seconds` have passed;
    the RSS of every relay and llama-stack sampled at the start, half-way and at the end."""
    url = topo.urls["relay"]
    kinds = {kind: topo.pids(kind) for kind in ("relay", "llamastack")}
    samples: list[dict[str, list[int]]] = []

    def sample() -> None:
        samples.append(
            {k: [int(psutil.Process(p).memory_info().rss) for p in pids] for k, pids in kinds.items()}
        )

    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(timeout=180, limits=limits) as client:
        deadline = time.monotonic() + seconds

        async def client_loop(index: int) -> None:
            while time.monotonic() < deadline:
                run.chats.append(await one_chat(client, url, USERS[index % len(USERS)]))

        async def midway() -> None:
            await asyncio.sleep(seconds / 2)
            sample()

        sample()
        run.began, run.window = time.monotonic(), seconds
        await asyncio.gather(midway(), *(client_loop(i) for i in range(concurrency)))
        run.seconds = time.monotonic() - run.began
        sample()
    run.rss = {k: [[s[k][i] for s in samples] for i in range(len(kinds[k]))] for k in kinds}


async def model_turns(topo: Topology) -> list[dict[str, Any]]:
    """The requests llama-stack sends the model for one chat (the scripted model records them)."""
    async with httpx2.AsyncClient(base_url=topo.urls["model"], timeout=60) as model:
        await model.delete("/_devstack/requests")
        async with httpx2.AsyncClient(timeout=60) as client:
            chat = await one_chat(client, topo.urls["relay"], "alice")
        if chat.error is not None:
            raise RuntimeError(f"the chat whose model requests make the floor failed: {chat.error}")
        turns = (await model.get("/_devstack/requests")).json()
    return [turn for turn in turns if isinstance(turn, dict)]


async def model_only_chat(client: httpx2.AsyncClient, turns: list[dict[str, Any]]) -> float:
    """One chat's model turns straight to the model, in order; the time to its first text token."""
    began = time.perf_counter()
    ttft = 0.0
    for turn in turns:
        async with client.stream("POST", "/v1/chat/completions", json=turn) as response:
            async for _, data in _sse(response):
                if ttft or data == "[DONE]":
                    continue
                choices = json.loads(data).get("choices") or [{}]
                if choices[0].get("delta", {}).get("content"):
                    ttft = time.perf_counter() - began
    return ttft


async def floor(topo: Topology, turns: list[dict[str, Any]], concurrency: int, seconds: float) -> Floor:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(base_url=topo.urls["model"], timeout=180, limits=limits) as client:
        c1 = [await model_only_chat(client, turns) for _ in range(10)]
        ttfts: list[float] = []
        deadline = time.monotonic() + seconds

        async def client_loop() -> None:
            while time.monotonic() < deadline:
                ttfts.append(await model_only_chat(client, turns))

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        elapsed = time.monotonic() - (deadline - seconds)
    return Floor(report.median(c1), report.median(ttfts), report.percentile(ttfts, 99), len(ttfts) / elapsed)


def locked_lines(topo: Topology) -> int:
    count = 0
    for path in topo.log_dir.glob("llamastack-*.log"):
        count += path.read_text(errors="replace").count("database is locked")
    return count


async def measure_one(
    name: str, replicas: int, store: str, concurrency: int, seconds: float, want_floor: bool
) -> tuple[Run, Floor | None]:
    options = TopologyOptions(
        replicas=replicas,
        store="sqlite" if store == "sqlite" else "postgres",
        token_delay_ms=TOKEN_DELAY_MS,
        log_root=TopologyOptions().log_root.parent / "bench-topology",
    )
    run = Run(name)
    found: Floor | None = None
    with Topology.start(options) as topo:
        # warm-up: every process imports, fills its pools and caches before anything is measured
        await load(topo, Run("warm-up"), min(concurrency, 20), 3.0 if seconds > 10 else 1.0)
        if want_floor:
            turns = await model_turns(topo)
            found = await floor(topo, turns, concurrency, min(seconds, 10.0))
        before = locked_lines(topo)
        await load(topo, run, concurrency, seconds)
        run.locked = locked_lines(topo) - before
    return run, found


def _mib(values: list[int]) -> str:
    return "/".join(f"{v / MIB:.0f}" for v in values)


def _totals(rss: list[list[int]]) -> list[int]:
    return [sum(process[i] for process in rss) for i in range(3)]


async def measure(quick: bool) -> tuple[report.Table, list[dict[str, object]], list[str]]:
    concurrency, seconds = (10, 3.0) if quick else (200, 60.0)
    plan = [t for t in TOPOLOGIES if t[0].startswith("2+2")] if quick else list(TOPOLOGIES)
    runs: list[Run] = []
    found: Floor | None = None
    for name, replicas, store in plan:
        run, measured = await measure_one(name, replicas, store, concurrency, seconds, found is None)
        found = found or measured
        runs.append(run)
    assert found is not None
    table = report.Table(
        [
            "topology",
            "chats",
            "s (last answer)",
            "chats/s (floor)",
            "TTFT p50 ms (floor)",
            "TTFT p99 ms (floor)",
            "errors",
            "'database is locked' in logs",
            "relay RSS MiB start/mid/end",
            "llama-stack RSS MiB start/mid/end",
        ]
    )
    rows: list[dict[str, object]] = []
    for run in runs:
        ttfts = [c.ttft for c in run.ok] or [0.0]
        rate = run.rate
        errors = run.errors
        error_text = ", ".join(f"{n} x {kind}" for kind, n in errors.most_common(3)) or "0"
        relay = "; ".join(_mib(p) for p in run.rss["relay"])
        llama = "; ".join(_mib(p) for p in run.rss["llamastack"])
        table.add(
            run.name,
            len(run.chats),
            f"{run.window:.0f} ({run.seconds:.0f})",
            f"{rate:.1f} ({found.chats_per_second:.1f})",
            f"{report.ms(report.median(ttfts))} ({report.ms(found.ttft_p50)})",
            f"{report.ms(report.percentile(ttfts, 99))} ({report.ms(found.ttft_p99)})",
            error_text,
            run.locked,
            relay,
            llama,
        )
        rows.append(
            {
                "topology": run.name,
                "clients": concurrency,
                "seconds (last answer)": f"{run.window:.0f} ({run.seconds:.0f})",
                "chats/s": f"{rate:.1f}",
                "floor chats/s": f"{found.chats_per_second:.1f}",
                "TTFT p50 ms": report.ms(report.median(ttfts)),
                "TTFT p99 ms": report.ms(report.percentile(ttfts, 99)),
                "floor TTFT p50/p99 ms (c1)": f"{report.ms(found.ttft_p50)}/{report.ms(found.ttft_p99)} "
                f"({report.ms(found.ttft_c1)})",
                "errors": sum(errors.values()),
                "error kinds": error_text,
                "database is locked": run.locked,
                "relay RSS MiB": _mib(_totals(run.rss["relay"])),
                "llama-stack RSS MiB": _mib(_totals(run.rss["llamastack"])),
            }
        )
    notes = [
        f"{concurrency} clients, each asking again as soon as its answer ended, for {seconds:.0f} s through "
        f"HAProxy; scripted model at {TOKEN_DELAY_MS} ms per token; one tool call (get_events) per chat.",
        "Floor (in brackets): the scripted model alone, the same chat's model requests replayed straight to "
        f"it at {concurrency} clients (c1 TTFT: {report.ms(found.ttft_c1)} ms).",
        "RSS per process, start/middle/end of the load (after a warm-up); several replicas separated by `;`.",
    ]
    by_name = {run.name: run for run in runs}
    one, two = by_name.get("1+1 Postgres"), by_name.get("2+2 Postgres")
    if one and two and one.rate:
        ratio = two.rate / one.rate
        notes.append(f"2+2 vs 1+1 on Postgres: {ratio:.2f} x the chats per second on this 2-core machine.")
    return table, rows, notes


def main(argv: Sequence[str] | None = None) -> int:
    args = report.parser(__doc__ or "").parse_args(argv)
    table, rows, notes = asyncio.run(measure(args.quick))
    report.emit("The production topology under load (HAProxy, relays, llama-stacks, Postgres)", table, notes)
    for row in rows:
        report.record(report.results_path(args), "topology", row, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
