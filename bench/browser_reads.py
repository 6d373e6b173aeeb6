"""Browser mode: what the relay adds to one browser-run tool call, beside the Argo CD call itself.

A stand-in Responses API (below) makes the model call `get_events` once per answer; the client plays the
tab: on `argocd_request` it performs the GET against the Argo CD simulator with the user's session (timed:
the Argo CD call itself) and posts the answer to the relay. The tool call's round trip is the time from the
`tool_call` event to the `tool_result` event the client sees; the relay's added time is that minus the
client's Argo CD GET. Target: ≤ 5 ms at p50. Floor: one loopback HTTP round trip to the same relay (the POST
of the answer is one more request the protocol cannot do without), timed in the same run.

`python -m bench.browser_reads [--quick] [--results FILE]`
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bench.report import Table, emit, median, ms, parser, percentile, record, results_path, verdict
from devstack.argocd import SimulatorConfig
from devstack.argocd import create_app as create_simulator
from devstack.argocd.tokens import token_for
from devstack.servers import serve_in_thread
from relay.app import create_app as create_relay
from relay.config import build_config

TARGET_MS = 5.0
PROXY_HEADER = "X-Assistant-Proxy-Secret"


def _frame(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def _model() -> Starlette:
    """A Responses API that calls get_events once, then answers from the function call's output."""

    async def responses(request: Request) -> Response:
        body = await request.json()
        rid = f"resp_{secrets.token_hex(6)}"
        continued = any(
            isinstance(i, dict) and i.get("type") == "function_call_output" for i in body["input"]
        )

        async def stream() -> AsyncIterator[bytes]:
            yield _frame({"type": "response.created", "response": {"id": rid}})
            if continued:
                yield _frame({"type": "response.output_text.delta", "delta": "The events say BackOff."})
            else:
                call = {
                    "type": "function_call",
                    "id": f"fc_{rid}",
                    "call_id": f"call_{rid}",
                    "name": "get_events",
                    "arguments": json.dumps({"application": "checkout"}),
                    "status": "completed",
                }
                yield _frame({"type": "response.output_item.done", "item": call})
            yield _frame({"type": "response.completed", "response": {"id": rid, "usage": {}}})

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/responses", responses, methods=["POST"])])


async def _one_answer(
    client: httpx2.AsyncClient,
    session: httpx2.AsyncClient,
    relay: str,
    argocd: str,
    headers: dict[str, str],
) -> tuple[float, float]:
    """(tool call round trip, the Argo CD GET within it), in seconds, for one answer; `session` holds the
    user's Argo CD session cookie, as the browser does."""
    body = {
        "message": "why?",
        "application": {"name": "checkout", "namespace": "argocd", "project": "team-a"},
    }
    stream = ""
    called = result = get_seconds = 0.0
    async with client.stream("POST", f"{relay}/api/chat", json=body, headers=headers) as response:
        name = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
                continue
            if not line.startswith("data:"):
                continue
            data = json.loads(line[5:])
            if name == "start":
                stream = data["request_id"]
            elif name == "tool_call":
                called = time.perf_counter()
            elif name == "tool_result":
                result = time.perf_counter()
            elif name == "argocd_request":
                started = time.perf_counter()
                got = await session.get(f"{argocd}{data['path']}", params=data["query"])
                get_seconds += time.perf_counter() - started
                answer = {"stream": stream, "id": data["id"], "status": got.status_code, "body": got.text}
                posted = await client.post(f"{relay}/api/argocd-responses", json=answer, headers=headers)
                assert posted.status_code == 204, posted.text
    assert called, "the answer had no tool call"
    assert result, "the tool call had no result"
    return result - called, get_seconds


async def _measure(relay: str, argocd: str, secret: str, answers: int) -> dict[str, list[float]]:
    headers = {
        PROXY_HEADER: secret,
        "Argocd-Username": "alice",
        "Argocd-Application-Name": "argocd:checkout",
        "X-Assistant-Browser-Reads": "1",
    }
    out: dict[str, list[float]] = {"round_trip": [], "argocd": [], "added": [], "floor": []}
    cookies = {"argocd.token": token_for("alice")}
    async with (
        httpx2.AsyncClient(timeout=30) as client,
        httpx2.AsyncClient(timeout=30, cookies=cookies) as session,
    ):
        for n in range(answers + 3):
            round_trip, argocd_get = await _one_answer(client, session, relay, argocd, headers)
            started = time.perf_counter()
            await client.get(f"{relay}/healthz")
            floor = time.perf_counter() - started
            if n < 3:
                continue  # warm-up: connections, first imports of the tool code
            out["round_trip"].append(round_trip)
            out["argocd"].append(argocd_get)
            out["added"].append(round_trip - argocd_get)
            out["floor"].append(floor)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = parser(__doc__ or "").parse_args(argv)
    answers = 10 if args.quick else 100
    secret = secrets.token_urlsafe(16)
    with serve_in_thread(create_simulator(SimulatorConfig())) as argocd, serve_in_thread(_model()) as model:
        config = build_config(
            {
                "llama_stack": {"url": model, "model": "dev/dev-model"},
                "mcp": {"server_url": "http://127.0.0.1:9/mcp"},
                "argocd": {"url": argocd},
                "identity": {"modes": ["browser"], "proxy_secret": secret},
            }
        )
        with serve_in_thread(create_relay(config)) as relay:
            figures = asyncio.run(_measure(relay, argocd, secret, answers))
    added, floor = median(figures["added"]), median(figures["floor"])
    table = Table(["figure", "p50", "p90", "note"])
    for key, note in (
        ("round_trip", "tool_call to tool_result, as the tab sees it"),
        ("argocd", "the Argo CD GET the tab made (the call itself)"),
        ("added", f"round trip minus the Argo CD call: the relay's share (target ≤ {TARGET_MS:g} ms)"),
        ("floor", "one loopback request to the same relay (the answer's POST is one more request)"),
    ):
        table.add(key, ms(median(figures[key])), ms(percentile(figures[key], 90)), note)
    ok = added * 1000 <= TARGET_MS
    emit(
        f"Browser-run tool call, {answers} answers",
        table,
        [f"Relay added time p50 {ms(added)}: {verdict(ok)}"],
    )
    record(
        results_path(args),
        "browser_reads",
        {
            "answers": answers,
            "round trip p50": ms(median(figures["round_trip"])),
            "Argo CD call p50": ms(median(figures["argocd"])),
            "added p50 (≤ 5 ms)": ms(added),
            "floor p50": ms(floor),
            "verdict": verdict(ok),
        },
        quick=args.quick,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
