"""With `feedback.postgres_dsn`, every relay replica's ratings go to one PostgreSQL table (a real server,
started and stopped here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.topology.postgres import PostgresServer
from relay.config import FeedbackConfig
from relay.feedback import FeedbackRecord, PostgresStore, open_store

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = PostgresServer(
        database="feedback", user="relay", log_path=tmp_path_factory.mktemp("pg") / "pg.log"
    )
    server.start()
    try:
        yield f"postgresql://{server.user}:{server.password}@{server.host}:{server.port}/{server.database}"
    finally:
        server.stop()


def record(user: str, rating: str) -> FeedbackRecord:
    return FeedbackRecord(
        at="2026-12-02T05:00:00Z",
        user=user,
        app="argocd/checkout",
        response_id=f"resp_{user}",
        rating=rating,
        comment=None,
        question="Why is this pod failing?",
        tool_calls=[{"name": "get_logs", "arguments": "{}"}],
        answer="KeyError: 'DATABASE_URL'",
    )


async def test_two_replicas_ratings_land_in_one_table_and_export_in_order(dsn: str, tmp_path: Path) -> None:
    config = FeedbackConfig.model_validate(
        {"postgres_dsn": dsn, "jsonl_path": str(tmp_path / "unused.jsonl")}
    )
    first, second = open_store(config), open_store(config)  # as two relay replicas open it
    assert isinstance(first, PostgresStore)
    await first.add(record("alice", "down"))
    await second.add(record("bob", "up"))
    exported = list(first.export())
    assert [(r["user"], r["rating"]) for r in exported] == [("alice", "down"), ("bob", "up")]
    assert exported[0]["tool_calls"] == [{"name": "get_logs", "arguments": "{}"}]
    assert not (tmp_path / "unused.jsonl").exists()
