"""Feedback on answers: a person's thumbs up or down (and an optional comment), kept with what was answered.

`POST /api/feedback` names the answer by its conversation handle (signed: only its user may rate it). The
relay reads that answer back from llama-stack with the user's own credential (the question, the tool calls,
the answer, following `previous_response_id` through the rounds of tool calls) rather than trusting what a
browser sends, redacts it, and appends one record to the configured store: a JSONL file by default, or a
PostgreSQL table (`feedback.postgres_dsn`). `python -m relay.feedback export` prints every record as JSON
lines for an operator; `relay_feedback_total{rating}` counts them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mcp_server.shaping import redact
from relay.config import FeedbackConfig, load_config

__all__ = ["FeedbackRecord", "FeedbackStore", "JsonlStore", "PostgresStore", "answered", "open_store"]

_MAX_ANSWER_CHARS = 8000
_MAX_QUESTION_CHARS = 4000
_MAX_ARGUMENT_CHARS = 500
_MAX_TOOL_CALLS = 20
# an answer's rounds of tool calls are linked by previous_response_id; its question is a few hops back
_MAX_HOPS = 10


@dataclass(frozen=True)
class FeedbackRecord:
    at: str
    user: str
    app: str
    response_id: str
    rating: str
    comment: str | None
    question: str = ""
    tool_calls: list[dict[str, str]] = field(default_factory=list)
    answer: str = ""
    note: str = ""  # why the answer could not be read back, if it could not


class FeedbackStore(Protocol):
    async def add(self, record: FeedbackRecord) -> None: ...

    def export(self) -> Iterator[dict[str, Any]]: ...


class JsonlStore:
    """Appends one JSON object per line; writes are serialised (one process writes the file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def add(self, record: FeedbackRecord) -> None:
        line = json.dumps(asdict(record), sort_keys=True) + "\n"
        async with self._lock:
            await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line)

    def export(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


_CREATE = """
CREATE TABLE IF NOT EXISTS assistant_feedback (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    record jsonb NOT NULL
)
"""


class PostgresStore:
    """One table, `assistant_feedback (id, at, record jsonb)`, shared by every replica."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._ready = False
        self._lock = asyncio.Lock()

    async def add(self, record: FeedbackRecord) -> None:
        import psycopg  # only when Postgres is configured
        from psycopg.types.json import Jsonb

        async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as conn:
            async with self._lock:
                if not self._ready:
                    await conn.execute(_CREATE)
                    self._ready = True
            await conn.execute(
                "INSERT INTO assistant_feedback (at, record) VALUES (%s::timestamptz, %s)",
                (record.at, Jsonb(asdict(record))),
            )

    def export(self) -> Iterator[dict[str, Any]]:
        import psycopg

        with psycopg.connect(self._dsn) as conn:
            conn.execute(_CREATE)
            for (record,) in conn.execute("SELECT record FROM assistant_feedback ORDER BY id"):
                yield dict(record)


def open_store(config: FeedbackConfig) -> FeedbackStore:
    if config.postgres_dsn is not None:
        return PostgresStore(config.postgres_dsn.get_secret_value())
    return JsonlStore(Path(config.jsonl_path))


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "\n".join(str(p.get("text") or "") for p in parts if isinstance(p, Mapping))


def _calls(output: Sequence[Any]) -> list[dict[str, str]]:
    calls = []
    for item in output:
        if isinstance(item, Mapping) and item.get("type") in ("mcp_call", "function_call"):
            arguments = redact(str(item.get("arguments") or ""))[:_MAX_ARGUMENT_CHARS]
            calls.append({"name": str(item.get("name") or ""), "arguments": arguments})
    return calls


async def answered(
    items: AsyncIterator[tuple[Mapping[str, Any], Sequence[Any]]],
) -> tuple[str, list[dict[str, str]], str]:
    """(question, tool calls, answer) from an answer's responses, newest first, each with its input items:
    the newest round's text is the answer; the question is the last part of the first user message found."""
    answer, question = "", ""
    calls: list[dict[str, str]] = []
    hops = 0
    async for response, inputs in items:
        output = response.get("output") or []
        if not answer:
            answer = "\n".join(
                _text_of(item.get("content"))
                for item in output
                if isinstance(item, Mapping) and item.get("type") == "message"
            )
        calls = _calls(output) + calls
        for item in inputs:
            if isinstance(item, Mapping) and item.get("role") == "user":
                content = item.get("content")
                parts = content if isinstance(content, list) else [{"text": content}]
                question = _text_of(parts[-1:])
        hops += 1
        if question or hops >= _MAX_HOPS:
            break
    return (
        redact(question)[:_MAX_QUESTION_CHARS],
        calls[:_MAX_TOOL_CALLS],
        redact(answer)[:_MAX_ANSWER_CHARS],
    )


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m relay.feedback export [--config FILE]`: every stored record, one JSON object per line."""
    parser = argparse.ArgumentParser(prog="relay.feedback", description="Export the answers' feedback.")
    parser.add_argument("command", choices=["export"])
    parser.add_argument("--config", help="the relay's configuration file (default: $ASSISTANT_CONFIG)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    store = open_store(load_config(args.config).feedback)
    for record in store.export():
        sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
