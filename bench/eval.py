"""Does the assistant find the cause? Every failure scenario of eval/scenarios/ through the real stack.

Each scenario is asked as the Assistant tab asks it (the open resource, its manifest and events attached, the
user's question) of the relay, which runs llama-stack with the MCP server against the simulator serving the
scenario's world. A recording proxy in front of the model keeps every request the model receives, so what
reached the model is measured, not guessed:
- recall: the share of the scenario's decisive facts (the strings a correct answer must rest on) found in
  what the model was sent: in its first request (the context the relay attached), after one tool call, after
  two, and by the end;
- tool calls and model turns, the bytes of the largest request (tool definitions included) and of all of
  them, tokens of the largest, the time to the end of the answer;
- with a real model (`MODEL_URL`, `MODEL_ID`, `MODEL_API_KEY`), whether the answer names the cause: every
  `cause` pattern of the scenario matches (string rules; no model grades another).
With the scripted model (the default, offline) the answers are scripted, so recall is the figure. Targets:
100 % of the decisive facts within one tool call for scenarios on a Pod and within two for the rest, and at
most 8 KiB in any one request to the model.

`python -m bench.eval [--quick] [--results FILE] [--only ID ...] [--table FILE]`
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bench import report
from bench.stack import ROOT
from bench.tokenizer import count_tokens
from devstack.argocd.scenario_schema import Scenario
from devstack.argocd.world import token_for
from devstack.servers import serve_in_thread

SCENARIOS_DIR = ROOT / "eval" / "scenarios"
TABLE_PATH = Path(__file__).resolve().parent / "EVAL.md"
USER = "viewer"  # reads every project and its logs, as a platform engineer on call would
MAX_REQUEST_BYTES = 8 * 1024
QUICK = ("image-pull-wrong-tag", "crashloop-missing-env", "out-of-sync-manual-change")
ANSWER_TIMEOUT = 120.0


def tool_budget(scenario: Scenario) -> int:
    """Tool calls within which every decisive fact must have reached the model: one on a Pod (its events
    and manifest are attached), two elsewhere (the cause is usually a hop away)."""
    return 1 if scenario.open.kind == "Pod" else 2


def load_scenarios(directory: Path = SCENARIOS_DIR) -> list[Scenario]:
    """The scenario files, as the simulator validates them (its schema is the one definition)."""
    return [
        Scenario.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.yaml"))
    ]


# -- what the model was sent ------------------------------------------------------------------------------


def _texts(value: Any) -> Iterator[str]:
    """Every string a message holds (content as text or as parts, tool call arguments)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in ("role", "type", "id", "tool_call_id"):
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def request_text(body: Mapping[str, Any]) -> str:
    """What a model reads of one chat completion request: its messages (not the tool definitions)."""
    return "\n".join(_texts(body.get("messages") or []))


def tool_results(body: Mapping[str, Any]) -> int:
    return sum(1 for m in body.get("messages") or [] if isinstance(m, Mapping) and m.get("role") == "tool")


def found(facts: Sequence[str], text: str) -> list[bool]:
    return [fact in text for fact in facts]


def names_cause(patterns: Sequence[str], answer: str) -> bool:
    return all(re.search(p, answer, re.IGNORECASE | re.DOTALL) for p in patterns)


@dataclass
class Outcome:
    """One scenario's run, scored."""

    scenario: Scenario
    requests: list[dict[str, Any]]
    answer: str
    tool_calls: int
    seconds: float
    error: str = ""
    real_model: bool = False
    sizes: list[int] = field(default_factory=list)  # bytes of each request as it was sent
    recall_by_calls: list[float] = field(default_factory=list)  # index k: facts seen with ≤ k tool results

    def __post_init__(self) -> None:
        facts = self.scenario.decisive
        seen = [False] * len(facts)
        by_calls: dict[int, list[bool]] = {}
        for body in self.requests:
            seen = [a or b for a, b in zip(seen, found(facts, request_text(body)), strict=True)]
            by_calls[tool_results(body)] = list(seen)
        most = max(by_calls, default=0)
        last: list[bool] = [False] * len(facts)
        for k in range(most + 1):
            last = by_calls.get(k, last)
            self.recall_by_calls.append(sum(last) / len(facts))

    def recall_within(self, calls: int) -> float:
        if not self.recall_by_calls:
            return 0.0
        return self.recall_by_calls[min(calls, len(self.recall_by_calls) - 1)]

    @property
    def missing(self) -> list[str]:
        text = "\n".join(request_text(b) for b in self.requests)
        return [
            f
            for f, ok in zip(self.scenario.decisive, found(self.scenario.decisive, text), strict=True)
            if not ok
        ]

    def _sizes(self) -> list[int]:
        return self.sizes or [len(json.dumps(b, separators=(",", ":")).encode()) for b in self.requests]

    @property
    def max_request_bytes(self) -> int:
        return max(self._sizes(), default=0)

    @property
    def total_request_bytes(self) -> int:
        return sum(self._sizes())

    @property
    def max_request_tokens(self) -> int:
        largest = max(self.requests, key=lambda b: len(json.dumps(b)), default=None)
        return count_tokens(json.dumps(largest)) if largest is not None else 0

    @property
    def meets_target(self) -> bool:
        within = self.recall_within(tool_budget(self.scenario)) == 1.0
        return not self.error and within and self.max_request_bytes <= MAX_REQUEST_BYTES

    @property
    def cause_named(self) -> bool:
        return names_cause(self.scenario.cause, self.answer)


# -- the recording proxy in front of the model -------------------------------------------------------------


class Recorder:
    """Forwards an OpenAI-compatible API to `upstream` and keeps each chat completion request's body."""

    def __init__(self, upstream: str, api_key: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.sizes: list[int] = []

    def app(self) -> Starlette:
        client: httpx2.AsyncClient | None = None

        @asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            nonlocal client
            async with httpx2.AsyncClient(timeout=ANSWER_TIMEOUT) as client:
                yield

        async def forward(request: Request) -> Response:
            assert client is not None
            body = await request.body()
            if request.url.path.endswith("/chat/completions"):
                self.requests.append(json.loads(body))
                self.sizes.append(len(body))
            headers = {"content-type": "application/json", "authorization": f"Bearer {self.api_key}"}
            url = self.upstream + request.url.path.removeprefix("/v1")
            upstream = client.build_request(request.method, url, content=body, headers=headers)
            response = await client.send(upstream, stream=True)

            async def relay() -> AsyncIterator[bytes]:
                try:
                    async for chunk in response.aiter_raw():
                        yield chunk
                finally:
                    await response.aclose()

            media = response.headers.get("content-type", "application/json")
            return StreamingResponse(relay(), status_code=response.status_code, media_type=media)

        async def health(_: Request) -> Response:
            return JSONResponse({"status": "ok"})

        return Starlette(
            routes=[
                Route("/healthz", health),
                Route("/v1/{path:path}", forward, methods=["GET", "POST"]),
            ],
            lifespan=lifespan,
        )


@contextmanager
def model_behind_recorder() -> Iterator[tuple[str, str, Recorder, bool]]:
    """(URL for llama-stack, model id, the recorder, whether the model is real): MODEL_URL's model, or the
    scripted one served here."""
    real_url = os.environ.get("MODEL_URL")
    if real_url:
        recorder = Recorder(real_url, os.environ.get("MODEL_API_KEY", "dummy"))
        with serve_in_thread(recorder.app()) as url:
            yield f"{url}/v1", os.environ.get("MODEL_ID", "dev-model"), recorder, True
        return
    from devstack.model import ModelConfig, create_app

    with serve_in_thread(create_app(ModelConfig())) as scripted:
        recorder = Recorder(f"{scripted}/v1", "dummy")
        with serve_in_thread(recorder.app()) as url:
            yield f"{url}/v1", "dev-model", recorder, False


# -- asking as the Assistant tab asks ----------------------------------------------------------------------


async def tab_request(argocd: httpx2.AsyncClient, scenario: Scenario) -> dict[str, Any]:
    """The body of `POST /api/chat` the tab sends for the scenario's open resource: its manifest and events
    attached, as the tab does by default."""
    app = scenario.id
    application = {"name": app, "namespace": "argocd", "project": "eval"}
    params = {"appNamespace": "argocd"}
    if scenario.open.kind == "Application":
        live = (await argocd.get(f"/api/v1/applications/{app}", params=params)).raise_for_status().json()
        live = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **live}
        events = (await argocd.get(f"/api/v1/applications/{app}/events", params=params)).raise_for_status()
        resource = {
            "group": "argoproj.io",
            "version": "v1alpha1",
            "kind": "Application",
            "name": app,
            "namespace": "argocd",
            "uid": live["metadata"].get("uid", ""),
        }
    else:
        tree = (
            await argocd.get(f"/api/v1/applications/{app}/resource-tree", params=params)
        ).raise_for_status()
        node = next(
            n
            for n in tree.json()["nodes"]
            if (n["kind"], n["name"]) == (scenario.open.kind, scenario.open.name)
        )
        query = {
            **params,
            "namespace": node.get("namespace", ""),
            "resourceName": node["name"],
            "version": node.get("version", ""),
            "group": node.get("group", ""),
            "kind": node["kind"],
        }
        body = (await argocd.get(f"/api/v1/applications/{app}/resource", params=query)).raise_for_status()
        live = json.loads(body.json()["manifest"])
        events = await argocd.get(
            f"/api/v1/applications/{app}/events",
            params={
                **params,
                "resourceUID": node["uid"],
                "resourceName": node["name"],
                "resourceNamespace": node.get("namespace", ""),
            },
        )
        events.raise_for_status()
        resource = {k: node.get(k, "") for k in ("group", "version", "kind", "namespace", "name", "uid")}
    context = {"manifest": json.dumps(live, indent=2), "events": events.json().get("items") or []}
    return {
        "message": scenario.question,
        "application": application,
        "resource": resource,
        "context": context,
    }


async def ask(relay: httpx2.AsyncClient, body: dict[str, Any]) -> tuple[str, int, str]:
    """(answer text, tool calls, error) of one streamed answer."""
    answer: list[str] = []
    calls = 0
    error = ""
    event = ""
    async with relay.stream("POST", "/api/chat", json=body) as response:
        if response.status_code != 200:
            return "", 0, f"HTTP {response.status_code}: {(await response.aread())[:300]!r}"
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: ") :])
                if event == "token":
                    answer.append(str(data.get("text", "")))
                elif event == "tool_call":
                    calls += 1
                elif event == "error":
                    error = str(data.get("message", "error"))
                elif event == "end":
                    break
    return "".join(answer), calls, error


async def run(scenarios: Sequence[Scenario]) -> tuple[list[Outcome], str]:
    """Runs every scenario on one stack; (outcomes, model id)."""
    from devstack.launcher import Stack

    outcomes: list[Outcome] = []
    auth = {"Authorization": f"Bearer {token_for(USER)}"}
    with (
        model_behind_recorder() as (model_url, model_id, recorder, real),
        Stack.start(model_url=model_url, model_id=model_id, scenarios_dir=SCENARIOS_DIR) as stack,
    ):
        async with (
            httpx2.AsyncClient(base_url=stack.urls["argocd"], headers=auth, timeout=30) as argocd,
            httpx2.AsyncClient(base_url=stack.urls["relay"], headers=auth, timeout=ANSWER_TIMEOUT) as relay,
        ):
            for scenario in scenarios:
                body = await tab_request(argocd, scenario)
                recorder.requests.clear()
                recorder.sizes.clear()
                start = time.perf_counter()
                answer, calls, error = await ask(relay, body)
                seconds = time.perf_counter() - start
                sent, sizes = list(recorder.requests), list(recorder.sizes)
                outcomes.append(Outcome(scenario, sent, answer, calls, seconds, error, real, sizes))
    return outcomes, model_id


# -- the tables ---------------------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def table(outcomes: Sequence[Outcome]) -> report.Table:
    out = report.Table(
        [
            "scenario",
            "open",
            "recall: context / 1 call / 2 calls / end",
            "missing at the end",
            "tool calls",
            "model turns",
            "largest request bytes (tokens)",
            "all requests bytes",
            "seconds",
            "cause named",
            "target",
        ]
    )
    for o in outcomes:
        recall = " / ".join(_pct(o.recall_within(k)) for k in (0, 1, 2)) + f" / {_pct(o.recall_within(99))}"
        out.add(
            o.scenario.id,
            o.scenario.open.kind,
            recall,
            ", ".join(f"`{m}`" for m in o.missing) or "-",
            o.tool_calls,
            len(o.requests),
            f"{o.max_request_bytes} ({o.max_request_tokens})",
            o.total_request_bytes,
            f"{o.seconds:.1f}",
            ("yes" if o.cause_named else "no") if o.real_model else "-",
            report.verdict(o.meets_target) + (f" ({o.error[:80]})" if o.error else ""),
        )
    return out


def summary(outcomes: Sequence[Outcome], model_id: str) -> dict[str, object]:
    n = len(outcomes) or 1
    facts = sum(len(o.scenario.decisive) for o in outcomes) or 1
    within = sum(o.recall_within(tool_budget(o.scenario)) * len(o.scenario.decisive) for o in outcomes)
    result: dict[str, object] = {
        "model": model_id,
        "scenarios": len(outcomes),
        "facts within budget": _pct(within / facts),
        "facts by the end": _pct(
            sum(o.recall_within(99) * len(o.scenario.decisive) for o in outcomes) / facts
        ),
        "scenarios on target": f"{sum(o.meets_target for o in outcomes)}/{len(outcomes)}",
        "largest request bytes": max((o.max_request_bytes for o in outcomes), default=0),
        "mean tool calls": f"{sum(o.tool_calls for o in outcomes) / n:.1f}",
        "errors": sum(bool(o.error) for o in outcomes),
    }
    if any(o.real_model for o in outcomes):
        result["cause named"] = f"{sum(o.cause_named for o in outcomes)}/{len(outcomes)}"
    return result


def write_table(path: Path, outcomes: Sequence[Outcome], facts: Mapping[str, object]) -> None:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    totals = ", ".join(f"{k}: {v}" for k, v in facts.items())
    path.write_text(
        "# Evaluation: does the assistant find the cause?\n\n"
        f"Written by `make eval` (`python -m bench.eval`) on {today}. How to read it: bench/README.md, "
        '"The evaluation".\n\n'
        f"Totals: {totals}.\n\n{table(outcomes).markdown()}\n",
        encoding="utf-8",
    )


def main(argv: Sequence[str] | None = None) -> int:
    cli = report.parser(__doc__ or "")
    cli.add_argument("--only", nargs="*", default=None, help="scenario ids to run")
    cli.add_argument("--table", type=Path, default=None, help=f"per-scenario table (default {TABLE_PATH})")
    args = cli.parse_args(argv)
    scenarios = load_scenarios()
    wanted = set(args.only or (QUICK if args.quick else ()))
    if wanted:
        scenarios = [s for s in scenarios if s.id in wanted]
    outcomes, model_id = asyncio.run(run(scenarios))
    facts = summary(outcomes, model_id)
    report.emit("Evaluation: decisive facts reaching the model, per scenario", table(outcomes), [])
    report.record(report.results_path(args), "eval", facts, quick=args.quick)
    if not args.quick or args.table:
        write_table(args.table or TABLE_PATH, outcomes, facts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
