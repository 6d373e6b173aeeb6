"""Many open streams: hundreds of chat streams held open through the relay at once, heartbeats flowing.

The upstream is bench.fake_responses (a slow model: one delta every 500 ms), so the load measures the relay,
not llama-stack. Clients are raw asyncio sockets (cheap on the two cores the relay shares with them).
Targets: 0 errors; relay RSS per open stream ≤ 64 KiB; every upstream stream ends when the clients go away.

`python -m bench.open_streams [--quick] [--results FILE]`
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2

from bench import report
from bench.stack import fake_responses, relay, relay_config, simulator
from devstack.argocd.world import token_for

KIB = 1024
HEARTBEAT_SECONDS = 1.0


@dataclass
class Stream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    tokens: int = 0
    heartbeats: int = 0
    error: str | None = None


def _request(host: str, port: int, token: str) -> bytes:
    body = json.dumps(
        {
            "message": "Tell me about this application.",
            "application": {"name": "guestbook", "namespace": "argocd", "project": "default"},
        }
    ).encode()
    head = (
        f"POST /api/chat HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _open(host: str, port: int, request: bytes) -> Stream:
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 16)
    writer.write(request)
    await writer.drain()
    stream = Stream(reader, writer)
    status = await reader.readline()
    if b" 200 " not in status:
        stream.error = status.decode(errors="replace").strip() or "connection closed"
        return stream
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    return stream


async def _pump(stream: Stream) -> None:
    """Counts token events and heartbeat comments until the connection is closed under it."""
    try:
        while True:
            line = await stream.reader.readline()
            if not line:
                stream.error = stream.error or "relay closed the stream"
                return
            if line.startswith(b"event: token"):
                stream.tokens += 1
            elif line.startswith(b": ping") or line.startswith(b":"):
                stream.heartbeats += 1
            elif line.startswith(b"event: error"):
                stream.error = "error event"
    except (ConnectionError, asyncio.CancelledError):
        return


async def _until(check: Callable[[], bool | Awaitable[bool]], seconds: float) -> bool:
    """Polls `check` until it holds or `seconds` pass; whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return True
        await asyncio.sleep(0.05)
    return False


async def measure(quick: bool) -> tuple[report.Table, dict[str, object], list[str], bool]:
    count, hold = (40, 2.5) if quick else (500, 8.0)
    token = token_for("admin")
    with simulator() as sim, fake_responses(delay_ms=500, tokens=100_000) as upstream:
        config = relay_config(
            sim.url,
            upstream.url,
            "http://127.0.0.1:9/mcp",
            heartbeat_seconds=HEARTBEAT_SECONDS,
            max_concurrent_streams=count + 16,
            stream_timeout_seconds=600,
        )
        with relay(config) as server:
            url = urlsplit(server.url)
            host, port = url.hostname or "127.0.0.1", int(url.port or 80)
            request = _request(host, port, token)
            async with httpx2.AsyncClient(base_url=upstream.url) as control:

                async def upstream_idle() -> bool:
                    return int((await control.get("/_bench/streams")).json()["open"]) == 0

                # Warm the relay with one stream so the baseline includes its imports and pools.
                warm = await _open(host, port, request)
                pump = asyncio.create_task(_pump(warm))
                await _until(lambda: warm.tokens > 0, 10)
                warm.writer.close()
                pump.cancel()
                await _until(upstream_idle, 10)
                base = server.rss()
                started = time.monotonic()
                streams = list(await asyncio.gather(*(_open(host, port, request) for _ in range(count))))
                pumps = [asyncio.create_task(_pump(s)) for s in streams]
                all_open = await _until(lambda: all(s.tokens > 0 or s.error for s in streams), 60)
                open_seconds = time.monotonic() - started
                await asyncio.sleep(hold)  # hold them open: tokens and heartbeats keep flowing
                peak = server.rss()
                upstream_during = int((await control.get("/_bench/streams")).json()["open"])
                errors = sum(s.error is not None for s in streams)
                beats = sorted(s.heartbeats for s in streams)
                for s in streams:
                    s.writer.close()
                for p in pumps:
                    p.cancel()
                close_start = time.monotonic()
                drained = await _until(upstream_idle, 30)
                drain_seconds = time.monotonic() - close_start
                after = server.rss()
    per_stream = (peak - base) / count / KIB
    ok = errors == 0 and all_open and per_stream <= 64 and drained
    table = report.Table(["measure", "value", "target", "verdict"])
    table.add(
        "streams held open", f"{count} (upstream saw {upstream_during})", "all", report.verdict(all_open)
    )
    table.add("errors", errors, "0", report.verdict(errors == 0))
    table.add(
        "relay RSS per open stream (KiB)", f"{per_stream:.1f}", "≤ 64", report.verdict(per_stream <= 64)
    )
    table.add(
        "heartbeats per stream (min / median)",
        f"{beats[0]} / {beats[len(beats) // 2]}",
        f"> 0 (every {HEARTBEAT_SECONDS:.0f} s)",
        report.verdict(beats[0] > 0),
    )
    table.add("all open after (s)", f"{open_seconds:.2f}", "-", "-")
    table.add(
        "upstream streams ended after clients left (s)",
        f"{drain_seconds:.2f}",
        "all end",
        report.verdict(drained),
    )
    table.add(
        "relay RSS base / open / after (MiB)",
        f"{base / 2**20:.1f} / {peak / 2**20:.1f} / {after / 2**20:.1f}",
        "-",
        "-",
    )
    notes = [f"Held {hold:.0f} s; upstream: bench.fake_responses, one delta every 500 ms."]
    summary: dict[str, object] = {
        "streams": count,
        "errors": errors,
        "KiB/stream": f"{per_stream:.1f}",
        "drained": report.verdict(drained),
        "target": report.verdict(ok),
    }
    return table, summary, notes, ok


def main(argv: Sequence[str] | None = None) -> int:
    args = report.parser(__doc__ or "").parse_args(argv)
    table, summary, notes, _ = asyncio.run(measure(args.quick))
    report.emit("Many open streams through the relay", table, notes)
    report.record(report.results_path(args), "open_streams", summary, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
