"""Relay overhead: time to first token and total time of one streamed answer through the relay versus the
same request sent straight to llama-stack's `/v1/responses`, at several concurrencies, with and without an
MCP tool call, on the real dev stack (scripted model, llama-stack, MCP server, simulator).

Direct and relayed batches alternate round by round, in ABBA order, so drift hits both alike. The direct
request is the one the relay sends (its own prompt builder, instructions, MCP tool entry). Targets: relayed
TTFT ≤ 1.05 x direct at concurrency 1 and ≤ 1.10 x at 50. lightspeed-stack, the peer relay, runs beside
ours when it can start.

`python -m bench.relay_overhead [--quick] [--results FILE] [--c1 ROUNDS]`

`--c1 ROUNDS` measures only concurrency 1 without a tool call, ROUNDS answers each way (less noise on the
tightest target); like `--quick` it records nothing unless `--results` is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx2

from bench import report
from bench.stack import LIGHTSPEED_PY, relay, relay_config
from devstack.argocd.world import token_for
from devstack.launcher import Stack
from relay.config import DEFAULT_INSTRUCTIONS, READ_ONLY_TOOLS, LimitsConfig
from relay.context import build_prompt
from relay.schemas import ChatRequest

MODEL = "dev/dev-model"
TOKEN_DELAY_MS = 2.0
QUESTIONS = {
    # No rule of the scripted model matches: it answers from the context, no tool call.
    "no tool": "Tell me about this deployment.",
    # "events" makes it call get_events, then answer from the result (about 200 tokens).
    "1 tool call": "Show me the events of this deployment.",
}


@dataclass
class Sample:
    ttft: float
    total: float
    tokens: int
    error: str | None = None


def _chat_request(question: str) -> ChatRequest:
    return ChatRequest.model_validate(
        {
            "message": question,
            "application": {"name": "checkout", "namespace": "argocd", "project": "team-a"},
            "resource": {
                "group": "apps",
                "version": "v1",
                "kind": "Deployment",
                "namespace": "checkout",
                "name": "checkout-api",
            },
        }
    )


def direct_body(question: str, mcp_url: str, token: str) -> dict[str, Any]:
    """The body the relay sends llama-stack for `question` (same prompt builder, same defaults)."""
    limits = LimitsConfig()
    prompt = build_prompt(_chat_request(question), limits, secret=token)
    return {
        "model": MODEL,
        "input": prompt.input,
        "instructions": DEFAULT_INSTRUCTIONS,
        "stream": True,
        "temperature": 0.2,
        "max_output_tokens": 2048,
        "tools": [
            {
                "type": "mcp",
                "server_label": "argocd",
                "server_url": mcp_url,
                "authorization": token,
                "allowed_tools": list(READ_ONLY_TOOLS),
                "require_approval": "never",
            }
        ],
    }


async def _sse(response: httpx2.Response) -> AsyncIterator[tuple[str, str]]:
    """(event name, data) of each SSE frame; comments (heartbeats) are skipped."""
    event, data = "message", list[str]()
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", list[str]()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


async def direct_once(http: httpx2.AsyncClient, body: dict[str, Any]) -> Sample:
    start = time.perf_counter()
    ttft, tokens, error = 0.0, 0, None
    async with http.stream("POST", "/v1/responses", json=body) as response:
        if response.status_code != 200:
            return Sample(0, 0, 0, f"HTTP {response.status_code}")
        async for _, data in _sse(response):
            event = json.loads(data)
            kind = event.get("type")
            if kind == "response.output_text.delta":
                tokens += 1
                ttft = ttft or time.perf_counter() - start
            elif kind is None and "error" in event:
                error = str(event["error"].get("message", "error"))[:80]
            elif kind == "response.failed":
                error = "response.failed"
    return Sample(ttft, time.perf_counter() - start, tokens, error if error or tokens else "no tokens")


async def relay_once(http: httpx2.AsyncClient, body: dict[str, Any]) -> Sample:
    start = time.perf_counter()
    ttft, tokens, error = 0.0, 0, None
    async with http.stream("POST", "/api/chat", json=body) as response:
        if response.status_code != 200:
            return Sample(0, 0, 0, f"HTTP {response.status_code}")
        async for event, data in _sse(response):
            if event == "token":
                tokens += 1
                ttft = ttft or time.perf_counter() - start
            elif event == "error":
                error = str(json.loads(data).get("code"))
    return Sample(ttft, time.perf_counter() - start, tokens, error if error or tokens else "no tokens")


def lightspeed_status() -> str | None:
    """None when lightspeed-stack can start here, else why not."""
    if not LIGHTSPEED_PY.exists():
        return "not installed (bench/peers/setup-lightspeed.sh)"
    probe = subprocess.run(
        [str(LIGHTSPEED_PY), "-c", "import configuration, log, lightspeed_stack"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0:
        return (
            "lightspeed-stack 0.7.1 from PyPI cannot start: its wheel and sdist lack the top-level modules "
            "its app imports (configuration, log, lightspeed_stack, constants, client, version)"
        )
    return None


async def _batch(fn: Any, http: httpx2.AsyncClient, body: dict[str, Any], n: int) -> list[Sample]:
    return list(await asyncio.gather(*(fn(http, body) for _ in range(n))))


async def measure(
    quick: bool, c1_rounds: int | None = None
) -> tuple[report.Table, dict[str, object], list[str], bool]:
    # c1 gets the most answers: its target is the tightest (runs of 40 answers move it by ±0.025)
    plan = [(1, c1_rounds)] if c1_rounds else [(1, 1), (2, 1)] if quick else [(1, 100), (10, 4), (50, 2)]
    questions = {"no tool": QUESTIONS["no tool"]} if c1_rounds else QUESTIONS
    token = token_for("admin")
    notes = [f"Scripted model at {TOKEN_DELAY_MS} ms per token; times in ms (median over every answer)."]
    table = report.Table(
        [
            "concurrency",
            "answer",
            "tokens",
            "direct TTFT",
            "relay TTFT",
            "TTFT ratio",
            "direct total",
            "relay total",
            "total ratio",
            "errors direct/relay",
            "target",
        ]
    )
    summary: dict[str, object] = {}
    ok = True
    with Stack.start(relay=False, token_delay_ms=TOKEN_DELAY_MS) as stack:
        config = relay_config(
            stack.urls["argocd"],
            stack.urls["llamastack"],
            stack.urls["mcp_endpoint"],
            max_concurrent_streams=64,
        )
        config["llama_stack"]["model"] = MODEL
        with relay(config) as ours:
            auth = {"Authorization": f"Bearer {token}"}
            limits = httpx2.Limits(max_connections=200, max_keepalive_connections=200)
            async with contextlib.AsyncExitStack() as astack:
                direct = await astack.enter_async_context(
                    httpx2.AsyncClient(base_url=stack.urls["llamastack"], timeout=120, limits=limits)
                )
                relayed = await astack.enter_async_context(
                    httpx2.AsyncClient(base_url=ours.url, headers=auth, timeout=120, limits=limits)
                )
                for answer, question in questions.items():
                    dbody = direct_body(question, stack.urls["mcp_endpoint"], token)
                    rbody = _chat_request(question).model_dump(mode="json")
                    await direct_once(direct, dbody)  # warm both paths
                    await relay_once(relayed, rbody)
                    for concurrency, rounds in plan:
                        d: list[Sample] = []
                        r: list[Sample] = []
                        for i in range(rounds):
                            # ABBA order: neither path always runs right after the other
                            if i % 2:
                                r += await _batch(relay_once, relayed, rbody, concurrency)
                            d += await _batch(direct_once, direct, dbody, concurrency)
                            if not i % 2:
                                r += await _batch(relay_once, relayed, rbody, concurrency)
                        ok &= _row(table, summary, concurrency, answer, d, r)
    reason = lightspeed_status()
    notes.append(f"lightspeed-stack (peer relay): {reason or 'available but not wired in this run'}.")
    notes.append("Targets: relay TTFT ≤ 1.05 x direct at concurrency 1, ≤ 1.10 x at 50.")
    summary["target"] = report.verdict(ok)
    return table, summary, notes, ok


def _row(
    table: report.Table,
    summary: dict[str, object],
    concurrency: int,
    answer: str,
    d: list[Sample],
    r: list[Sample],
) -> bool:
    good_d = [s for s in d if s.error is None] or [Sample(0, 0, 0)]
    good_r = [s for s in r if s.error is None] or [Sample(0, 0, 0)]
    dt, rt = report.median([s.ttft for s in good_d]), report.median([s.ttft for s in good_r])
    dtot, rtot = report.median([s.total for s in good_d]), report.median([s.total for s in good_r])
    ttft_ratio = report.ratio(rt, dt)
    limit = 1.05 if concurrency == 1 else 1.10 if concurrency >= 50 else None
    errors = (sum(s.error is not None for s in d), sum(s.error is not None for s in r))
    passed = (limit is None or ttft_ratio <= limit) and errors[1] <= errors[0]
    target = "-" if limit is None else f"≤ {limit:.2f} {report.verdict(passed)}"
    table.add(
        concurrency,
        answer,
        int(report.median([s.tokens for s in good_r])),
        report.ms(dt),
        report.ms(rt),
        f"{ttft_ratio:.3f}",
        report.ms(dtot),
        report.ms(rtot),
        f"{report.ratio(rtot, dtot):.3f}",
        f"{errors[0]}/{errors[1]}",
        target,
    )
    summary[f"c{concurrency} {answer} TTFT"] = f"{ttft_ratio:.3f}"
    kinds = {s.error for s in d + r if s.error}
    if kinds:
        summary[f"c{concurrency} {answer} errors"] = ", ".join(sorted(kinds))[:120]
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    cli = report.parser(__doc__ or "")
    cli.add_argument("--c1", type=int, default=None, metavar="ROUNDS", help="only c1 without a tool call")
    args = cli.parse_args(argv)
    table, summary, notes, _ = asyncio.run(measure(args.quick, args.c1))
    report.emit("Relay overhead (streamed answers, relay vs direct to llama-stack)", table, notes)
    quick = args.quick or args.c1 is not None
    path = args.results if args.c1 is not None else report.results_path(args)
    report.record(path, "relay_overhead", summary, quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
