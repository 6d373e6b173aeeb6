"""Tool latency: p50/p95 of our tools over streamable HTTP versus the raw Argo CD calls each makes, and
versus argocd-mcp on the same task, all against the simulator in one run.

The raw baseline replays exactly the Argo CD requests our tool made (read from the simulator's request log)
over one keep-alive client with the same token. Calls are interleaved (ours, raw, peer) so drift hits all
three alike, and each starts after a short pause, as tool calls in an agent's answer are separated by the
model's turn: on these 2 cores a process's work after its answer (argocd-mcp's node spends about 1 ms of CPU
per call in the 100 ms after it has answered) would otherwise land inside the next measured call of another.
CPU per call: each server process's CPU time over the timed calls (after-answer work included), and the
client's (this process, the MCP SDK's client) during them.
"new session" is what llama-stack pays per answer: initialize, call, close.
Over stdio (the transport IDE assistants use most), both servers run as subprocesses of this one with the
admin's token, and the same calls alternate between them.
Targets: ours ≤ 1.5x raw at p50; ours faster than argocd-mcp at p50 on each tool, over HTTP and stdio.

`python -m bench.tool_latency [--quick] [--results FILE]`
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Sequence

import httpx2
import psutil
from mcp import Client, StdioServerParameters

from bench import report
from bench.stack import ARGOCD_MCP_JS, mcp_client, noop_mcp
from bench.tasks import ADMIN, Call, Task, call_tool, contest
from devstack.argocd.world import token_for

TOOLS = ("manifest", "events", "logs", "applications")
STDIO_TOOLS = ("manifest", "events", "logs", "applications", "tree", "big_config")
# Before each timed call; longer than the bulk of argocd-mcp's after-answer work, short beside a model's turn.
SETTLE_SECONDS = 0.03


async def _timed(work: Awaitable[object]) -> float:
    """Seconds `work` takes after a settling pause (a coroutine does nothing until awaited, so creating it
    first is free)."""
    return (await _timed_cpu(work))[0]


async def _timed_cpu(work: Awaitable[object]) -> tuple[float, float]:
    """(seconds, CPU seconds of this process, the client) `work` takes after a settling pause."""
    await asyncio.sleep(SETTLE_SECONDS)
    cpu = time.process_time()
    start = time.perf_counter()
    await work
    return time.perf_counter() - start, time.process_time() - cpu


async def _checked_call(client: Client, call: Call) -> None:
    text, is_error = await call_tool(client, call)
    if is_error:
        raise RuntimeError(f"{call.tool} failed: {text[:300]}")


async def _raw_calls(argocd: httpx2.AsyncClient, client: Client, call: Call) -> list[tuple[str, str]]:
    """The Argo CD requests (method, path?query) one call of our tool makes."""
    (await argocd.delete("/_devstack/requests")).raise_for_status()
    await _checked_call(client, call)
    log = (await argocd.get("/_devstack/requests")).raise_for_status().json()
    return [(e["method"], e["path"] + (f"?{e['query']}" if e["query"] else "")) for e in log]


async def _steady_raw_calls(
    argocd: httpx2.AsyncClient, client: Client, call: Call
) -> tuple[list[tuple[str, str]], int]:
    """(the requests of a call made right after another, as the timed calls are; how many a first call
    makes). Our server keeps an application's resource tree for a few seconds per caller, so a first call
    may make more requests than the calls that follow it; the raw baseline replays what the timed calls do."""
    cold = await _raw_calls(argocd, client, call)
    return await _raw_calls(argocd, client, call), len(cold)


async def _replay(argocd: httpx2.AsyncClient, calls: list[tuple[str, str]]) -> None:
    for method, url in calls:
        response = await argocd.request(method, url)
        await response.aread()
        response.raise_for_status()


async def measure(quick: bool) -> tuple[report.Table, dict[str, object], list[str], bool]:
    iterations, warmup, fresh = (5, 1, 2) if quick else (60, 5, 15)
    notes = [
        f"{iterations} interleaved calls per tool after {warmup} warm-up, each after a "
        f"{SETTLE_SECONDS * 1000:g} ms pause; times in ms.",
        "raw calls: the Argo CD requests of one timed call (after another one, as in an agent's answer); "
        "'(n first)': a first call about an application also fetches its resource tree, which the server "
        "then keeps for 10 s per caller.",
    ]
    table = report.Table(
        [
            "tool",
            "raw calls",
            "raw p50",
            "raw p95",
            "ours p50",
            "ours p95",
            "ours/raw p50",
            "argocd-mcp p50",
            "argocd-mcp p95",
            "ours/peer p50",
            "ours CPU server/client",
            "peer CPU server/client",
            "ours new session p50",
            "peer new session p50",
        ]
    )
    summary: dict[str, object] = {}
    ok = True
    async with contest() as c, _noop_client() as noop_client:
        if c.peer is None:
            notes.append("argocd-mcp is not installed (`npm ci` in bench/peers): its columns are empty.")
        argocd, client, peer_client, ours, peer = c.argocd, c.client, c.peer_client, c.ours, c.peer
        raw_p50s: list[float] = []
        for key in TOOLS:
            task = c.tasks[key]
            raw_calls, cold_calls = await _steady_raw_calls(argocd, client, task.ours)
            samples: dict[str, list[float]] = {"ours": [], "raw": [], "peer": []}
            client_cpu = {"ours": 0.0, "peer": 0.0}
            cpu = _CpuMeter(ours.pid, peer.pid if peer is not None else None)
            for i in range(warmup + iterations):
                if i == warmup:
                    cpu.start()
                o, o_cpu = await _timed_cpu(_checked_call(client, task.ours))
                r = await _timed(_replay(argocd, raw_calls))
                if peer_client is not None and task.peer is not None:
                    p, p_cpu = await _timed_cpu(_checked_call(peer_client, task.peer))
                    if i >= warmup:
                        samples["peer"].append(p)
                        client_cpu["peer"] += p_cpu
                if i >= warmup:
                    samples["ours"].append(o)
                    samples["raw"].append(r)
                    client_cpu["ours"] += o_cpu
            ours_cpu, peer_cpu = cpu.per_call(iterations)
            fresh_ours = [await _timed(_fresh_call(ours.url, c.auth, task.ours)) for _ in range(fresh)]
            fresh_peer: list[float] = []
            if peer is not None and task.peer is not None:
                fresh_peer = [await _timed(_fresh_call(peer.url, {}, task.peer)) for _ in range(fresh)]
            o50, r50 = report.median(samples["ours"]), report.median(samples["raw"])
            raw_p50s.append(r50)
            vs_raw = report.ratio(o50, r50)
            ok &= vs_raw <= 1.5
            peer_cells: list[object] = ["-", "-", "-"]
            if samples["peer"]:
                p50 = report.median(samples["peer"])
                vs_peer = report.ratio(o50, p50)
                ok &= vs_peer < 1.0
                peer_cells = [
                    report.ms(p50),
                    report.ms(report.percentile(samples["peer"], 95)),
                    f"{vs_peer:.2f}",
                ]
                summary[f"{key} vs peer"] = f"{vs_peer:.2f}"
            summary[f"{key} vs raw"] = f"{vs_raw:.2f}"
            if peer_cpu:
                summary[f"{key} CPU vs peer"] = f"{ours_cpu / peer_cpu:.2f}"
            table.add(
                task.ours.tool,
                f"{len(raw_calls)} ({cold_calls} first)" if cold_calls != len(raw_calls) else len(raw_calls),
                report.ms(r50),
                report.ms(report.percentile(samples["raw"], 95)),
                report.ms(o50),
                report.ms(report.percentile(samples["ours"], 95)),
                f"{vs_raw:.2f}",
                *peer_cells,
                f"{report.ms(ours_cpu)} / {report.ms(client_cpu['ours'] / iterations)}",
                f"{report.ms(peer_cpu)} / {report.ms(client_cpu['peer'] / iterations)}"
                if peer_cpu is not None
                else "-",
                report.ms(report.median(fresh_ours)),
                report.ms(report.median(fresh_peer)) if fresh_peer else "-",
            )
        notes.append(await _floor(noop_client, warmup, iterations, min(raw_p50s)))
        stdio_ok = await _stdio(c.sim.url, c.tasks, warmup, iterations, summary, notes)
        ok &= stdio_ok
    notes.append(
        f"Targets: ours/raw p50 ≤ 1.5 and ours/peer p50 < 1 on every tool, over HTTP and stdio: "
        f"{report.verdict(ok)}."
    )
    summary["target"] = report.verdict(ok)
    return table, summary, notes, ok


@contextlib.asynccontextmanager
async def _stdio_client(argv: list[str], env: dict[str, str]) -> AsyncIterator[Client]:
    async with Client(StdioServerParameters(command=argv[0], args=argv[1:], env=env)) as client:
        yield client


async def _stdio(
    argocd_url: str,
    tasks: dict[str, Task],
    warmup: int,
    iterations: int,
    summary: dict[str, object],
    notes: list[str],
) -> bool:
    """p50 of each tool over stdio, ours and argocd-mcp's alternating; a table in `notes`; True when ours is
    faster on every tool (or argocd-mcp is not installed)."""
    token = token_for(ADMIN)
    ours_argv = [sys.executable, "-m", "mcp_server", "--transport", "stdio"]
    ours_env = {"ARGOCD_SERVER": argocd_url, "ARGOCD_TOKEN": token, "PATH": "/usr/bin:/bin"}
    peer_env = {"ARGOCD_BASE_URL": argocd_url, "ARGOCD_API_TOKEN": token, "MCP_READ_ONLY": "true"}
    if not ARGOCD_MCP_JS.is_file():
        notes.append("stdio: argocd-mcp is not installed, nothing to compare with.")
        return True
    table = report.Table(["tool", "ours p50", "argocd-mcp p50", "ours/peer p50"])
    ok = True
    async with (
        _stdio_client(ours_argv, ours_env) as ours,
        _stdio_client(["node", str(ARGOCD_MCP_JS), "stdio"], {**peer_env, "PATH": "/usr/bin:/bin"}) as peer,
    ):
        for key in STDIO_TOOLS:
            task = tasks[key]
            if task.peer is None:
                continue
            samples: dict[str, list[float]] = {"ours": [], "peer": []}
            for i in range(warmup + iterations):
                o = await _timed(_checked_call(ours, task.ours))
                p = await _timed(_checked_call(peer, task.peer))
                if i >= warmup:
                    samples["ours"].append(o)
                    samples["peer"].append(p)
            o50, p50 = report.median(samples["ours"]), report.median(samples["peer"])
            ratio = report.ratio(o50, p50)
            ok &= ratio < 1.0
            summary[f"stdio {key} vs peer"] = f"{ratio:.2f}"
            table.add(task.label, report.ms(o50), report.ms(p50), f"{ratio:.2f}")
    notes.append("Over stdio (ms):\n\n" + table.markdown())
    return ok


@contextlib.asynccontextmanager
async def _noop_client() -> AsyncIterator[Client]:
    with noop_mcp() as noop:
        async with mcp_client(noop.url) as client:
            yield client


async def _floor(client: Client, warmup: int, iterations: int, raw_p50: float) -> str:
    """The latency of a tool that does nothing (bench.noop_mcp), against the fastest raw call above."""
    calls = [await _timed_cpu(client.call_tool("noop", {})) for _ in range(warmup + iterations)][warmup:]
    p50 = report.median([wall for wall, _ in calls])
    cpu = sum(c for _, c in calls) / len(calls)
    return (
        f"Floor: a tool that does nothing, on the MCP SDK server with our transport settings "
        f"(bench.noop_mcp): p50 {report.ms(p50)} ms, client CPU {report.ms(cpu)} ms per call; "
        f"{report.ratio(p50, raw_p50):.2f}x the fastest raw p50 above."
    )


class _CpuMeter:
    """CPU seconds (user + system) each server process spent between `start` and `per_call`."""

    def __init__(self, ours: int, peer: int | None) -> None:
        self._procs = [psutil.Process(ours), psutil.Process(peer) if peer is not None else None]
        self._start: list[float] = []

    @staticmethod
    def _cpu(proc: psutil.Process | None) -> float:
        if proc is None:
            return 0.0
        times = proc.cpu_times()
        return float(times.user + times.system)

    def start(self) -> None:
        self._start = [self._cpu(p) for p in self._procs]

    def per_call(self, calls: int) -> tuple[float, float | None]:
        ours, peer = (self._cpu(p) - s for p, s in zip(self._procs, self._start, strict=True))
        return ours / calls, (peer / calls if self._procs[1] is not None else None)


async def _fresh_call(url: str, headers: dict[str, str], call: Call) -> None:
    async with mcp_client(url, headers) as client:
        await _checked_call(client, call)


def main(argv: Sequence[str] | None = None) -> int:
    args = report.parser(__doc__ or "").parse_args(argv)
    table, summary, notes, _ = asyncio.run(measure(args.quick))
    report.emit("Tool latency (streamable HTTP, against the simulator)", table, notes)
    report.record(report.results_path(args), "tool_latency", summary, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
