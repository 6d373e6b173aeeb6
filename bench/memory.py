"""Bounded memory: the MCP server reading the endless log and the 2 MiB ConfigMap, and the relay taking a
1 MiB context.

RSS is sampled every few milliseconds during the call (psutil, from a thread), so the peak is seen even when
it is freed before the call returns. Targets: `get_logs` on the endless log adds ≤ 30 MiB to the MCP server
and returns in ≤ 2 s at the default caps; `get_manifest` of the 2 MiB ConfigMap peaks at ≤ 80 MB of MCP
server RSS (floor: the RSS it had before the call); a 1 MiB context adds ≤ 10 MiB to the relay per request.

`python -m bench.memory [--quick] [--results FILE]`
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
import time
from collections.abc import Iterator, Sequence

import httpx2

from bench import report
from bench.stack import Server, fake_responses, mcp_client, mcp_server, relay, relay_config, simulator
from bench.tasks import ADMIN, build_tasks, call_tool
from devstack.argocd.world import token_for

MIB = 1 << 20


class PeakRss:
    """Samples a server's RSS in a thread until stopped; `peak` is the largest value seen."""

    def __init__(self, server: Server, interval: float = 0.003) -> None:
        self.server = server
        self.interval = interval
        self.peak = server.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.peak = max(self.peak, self.server.rss())
            self._stop.wait(self.interval)

    @contextlib.contextmanager
    def sampling(self) -> Iterator[PeakRss]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


async def mcp_endless_log(runs: int) -> tuple[list[float], list[float], int, list[tuple[float, float]]]:
    """(extra MiB per run, seconds per run, result bytes) of `get_logs` on the endless log, defaults; and
    (RSS before, peak RSS) in MB of `get_manifest` on the 2 MiB ConfigMap, per run."""
    token = token_for(ADMIN)
    auth = {"Authorization": f"Bearer {token}"}
    extra: list[float] = []
    seconds: list[float] = []
    configmap: list[tuple[float, float]] = []
    size = 0
    with simulator() as sim, mcp_server(sim.url) as ours:
        async with httpx2.AsyncClient(base_url=sim.url, headers=auth) as argocd:
            tasks = await build_tasks(argocd)
        async with mcp_client(ours.url, auth) as client:
            # Warm every code path on a small log first, so the baseline includes imports and caches.
            await call_tool(client, tasks["logs"].ours)
            await call_tool(client, tasks["manifest"].ours)
            for _ in range(runs):
                base = ours.rss()
                with PeakRss(ours).sampling() as sampler:
                    start = time.perf_counter()
                    text, is_error = await call_tool(client, tasks["endless_log"].ours)
                    seconds.append(time.perf_counter() - start)
                if is_error:
                    raise RuntimeError(f"get_logs failed: {text[:300]}")
                size = len(text.encode())
                extra.append((sampler.peak - base) / MIB)
            for _ in range(runs):
                base = ours.rss()
                with PeakRss(ours).sampling() as sampler:
                    text, is_error = await call_tool(client, tasks["big_config"].ours)
                if is_error:
                    raise RuntimeError(f"get_manifest failed: {text[:300]}")
                configmap.append((base / 1e6, sampler.peak / 1e6))
    return extra, seconds, size, configmap


def _chat_body(context_bytes: int) -> bytes:
    """A chat request whose context is a valid YAML ConfigMap manifest of exactly `context_bytes` bytes."""
    head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-config\n  namespace: platform\ndata:\n"
    lines = []
    size = len(head)
    n = 0
    while size < context_bytes - 200:
        line = f"  rule-{n:06d}: alert Rule{n} fires when up == 0 for 5m on shard {n % 16}\n"
        lines.append(line)
        size += len(line)
        n += 1
    manifest = head + "".join(lines)
    manifest += "  padding: " + "x" * (context_bytes - len(manifest) - 12) + "\n"
    resource = {
        "group": "",
        "version": "v1",
        "kind": "ConfigMap",
        "namespace": "platform",
        "name": "big-config",
    }
    return json.dumps(
        {
            "message": "What is in this manifest?",
            "application": {"name": "platform-tools", "namespace": "argocd", "project": "default"},
            "resource": resource,
            "context": {"manifest": manifest},
        }
    ).encode()


async def _chat(http: httpx2.AsyncClient, body: bytes) -> None:
    async with http.stream(
        "POST", "/api/chat", content=body, headers={"Content-Type": "application/json"}
    ) as r:
        if r.status_code != 200:
            raise RuntimeError(f"/api/chat answered {r.status_code}: {(await r.aread())[:300]!r}")
        async for _ in r.aiter_bytes():
            pass


async def relay_context(concurrency: int, rounds: int) -> tuple[list[float], float]:
    """Extra relay MiB per request while `concurrency` requests with a 1 MiB context are in flight, and the
    seconds one such request takes alone."""
    token = token_for(ADMIN)
    body = _chat_body(MIB)
    per_request: list[float] = []
    with simulator() as sim, fake_responses(delay_ms=2, tokens=50) as upstream:
        config = relay_config(sim.url, upstream.url, "http://127.0.0.1:9/mcp", max_request_bytes=2 * MIB)
        with relay(config) as server:
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx2.AsyncClient(base_url=server.url, headers=headers, timeout=60) as http:
                await _chat(http, body)  # warm: imports, pools, caches
                start = time.perf_counter()
                await _chat(http, body)
                alone = time.perf_counter() - start
                for _ in range(rounds):
                    base = server.rss()
                    with PeakRss(server).sampling() as sampler:
                        await asyncio.gather(*(_chat(http, body) for _ in range(concurrency)))
                    per_request.append((sampler.peak - base) / MIB / concurrency)
    return per_request, alone


async def measure(quick: bool) -> tuple[report.Table, dict[str, object], list[str], bool]:
    runs, concurrency, rounds = (1, 1, 1) if quick else (5, 10, 3)
    extra, seconds, size, configmap = await mcp_endless_log(runs)
    peaks = [peak for _, peak in configmap]
    per_request, alone = await relay_context(concurrency, rounds)
    mcp_ok = max(extra) <= 30 and max(seconds) <= 2.0 and max(peaks) <= 80
    relay_ok = max(per_request) <= 10
    table = report.Table(["measure", "worst", "median", "target", "verdict"])
    table.add(
        "MCP get_logs endless log: extra RSS (MiB)",
        f"{max(extra):.1f}",
        f"{report.median(extra):.1f}",
        "≤ 30",
        report.verdict(max(extra) <= 30),
    )
    table.add(
        "MCP get_logs endless log: time (s)",
        f"{max(seconds):.2f}",
        f"{report.median(seconds):.2f}",
        "≤ 2",
        report.verdict(max(seconds) <= 2.0),
    )
    table.add(
        "MCP get_manifest 2 MiB ConfigMap: peak RSS (MB; before the call, the floor)",
        f"{max(peaks):.1f} ({max(b for b, _ in configmap):.1f})",
        f"{report.median(peaks):.1f}",
        "≤ 80",
        report.verdict(max(peaks) <= 80),
    )
    table.add(
        f"relay 1 MiB context: extra RSS per request (MiB), {concurrency} at once",
        f"{max(per_request):.2f}",
        f"{report.median(per_request):.2f}",
        "≤ 10",
        report.verdict(relay_ok),
    )
    table.add("relay 1 MiB context: one answer of 50 fast tokens, alone (s)", f"{alone:.2f}", "", "-", "-")
    notes = [
        f"{runs} endless-log reads (result {size} bytes); {rounds} rounds of {concurrency} concurrent chats, "
        "each with a 1 MiB manifest as context (relay upstream: bench.fake_responses).",
    ]
    summary: dict[str, object] = {
        "mcp extra MiB": f"{max(extra):.1f}",
        "mcp s": f"{max(seconds):.2f}",
        "mcp 2 MiB ConfigMap peak MB (before)": f"{max(peaks):.1f} ({max(b for b, _ in configmap):.1f})",
        "relay MiB/request": f"{max(per_request):.2f}",
        "target": report.verdict(mcp_ok and relay_ok),
    }
    return table, summary, notes, mcp_ok and relay_ok


def main(argv: Sequence[str] | None = None) -> int:
    args = report.parser(__doc__ or "").parse_args(argv)
    table, summary, notes, _ = asyncio.run(measure(args.quick))
    report.emit("Bounded memory", table, notes)
    report.record(report.results_path(args), "memory", summary, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
