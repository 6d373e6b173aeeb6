"""Thumbs up/down on an answer: kept with the question, the tool calls and the answer as llama-stack stored
them (read back with the user's own credential), redacted; only the answer's user may rate it; an operator
can switch it off and export it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from devstack.argocd.tokens import token_for
from tests.relay.conftest import Stack, serve_relay
from tests.relay.sse import Transcript, iter_sse
from tests.relay.test_browser_mode import checkout_pod

CHECKOUT = {"name": "checkout", "namespace": "argocd", "project": "team-a"}
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "feedback.jsonl"


@pytest.fixture
def relay(stack: Stack, store: Path) -> Iterator[str]:
    with serve_relay(stack.relay_config(feedback={"jsonl_path": str(store)})) as url:
        yield url


@pytest.fixture
def pod(stack: Stack) -> dict[str, Any]:
    return checkout_pod(stack)


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}


def answer(relay: str, question: str, pod: dict[str, Any]) -> Transcript:
    body = {"message": question, "application": CHECKOUT, "resource": pod}
    transcript = Transcript()
    with (
        httpx2.Client(timeout=60) as client,
        client.stream("POST", f"{relay}/api/chat", json=body, headers=bearer("alice")) as response,
    ):
        assert response.status_code == 200, response.read()
        for event in iter_sse(response.iter_lines(), transcript):
            transcript.events.append(event)
    return transcript


def handle(transcript: Transcript) -> str:
    return str(transcript.first("end").get("conversation") or transcript.first("start")["conversation"])


def rate(relay: str, body: dict[str, Any], user: str = "alice") -> httpx2.Response:
    return httpx2.post(f"{relay}/api/feedback", json=body, headers=bearer(user), timeout=30)


def records(store: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in store.read_text(encoding="utf-8").splitlines()]


def test_a_rating_is_kept_with_the_question_tool_calls_and_answer_and_no_secret(
    relay: str, store: Path, pod: dict[str, Any]
) -> None:
    transcript = answer(relay, "Why is this pod failing?", pod)
    comment = f"It missed the secret. My token is {JWT}"
    response = rate(relay, {"conversation": handle(transcript), "rating": "down", "comment": comment})
    assert response.status_code == 204, response.text
    [record] = records(store)
    assert (record["user"], record["app"], record["rating"]) == ("alice", "argocd/checkout", "down")
    assert record["question"] == "Why is this pod failing?"
    assert [c["name"] for c in record["tool_calls"]] == [c["name"] for c in transcript.all("tool_call")]
    assert "DATABASE_URL" in record["answer"]
    assert record["note"] == ""
    assert JWT not in json.dumps(record)
    assert record["comment"].startswith("It missed the secret.")


def test_only_the_answers_user_may_rate_it(relay: str, store: Path, pod: dict[str, Any]) -> None:
    transcript = answer(relay, "Why is this pod failing?", pod)
    stolen = rate(relay, {"conversation": handle(transcript), "rating": "up"}, user="bob")
    assert (stolen.status_code, stolen.json()["code"]) == (403, "conversation_forbidden")
    forged = rate(relay, {"conversation": "made-up", "rating": "up"})
    assert forged.status_code == 400
    assert not store.exists()


def test_a_bad_rating_or_a_too_long_comment_is_refused_in_words(relay: str, pod: dict[str, Any]) -> None:
    transcript = answer(relay, "Why is this pod failing?", pod)
    bad = rate(relay, {"conversation": handle(transcript), "rating": "meh"})
    assert bad.status_code == 400
    long = rate(relay, {"conversation": handle(transcript), "rating": "up", "comment": "x" * 2001})
    assert (long.status_code, long.json()["code"]) == (413, "comment_too_long")


def test_switched_off_the_tab_is_told_and_ratings_are_refused(stack: Stack, store: Path) -> None:
    with serve_relay(stack.relay_config(feedback={"enabled": False, "jsonl_path": str(store)})) as relay:
        assert httpx2.get(f"{relay}/api/config", timeout=10).json()["feedback"] is False
        refused = rate(relay, {"conversation": "x", "rating": "up"})
    assert (refused.status_code, refused.json()["code"]) == (404, "feedback_disabled")


def test_an_operator_exports_every_rating_as_json_lines(
    stack: Stack, relay: str, store: Path, pod: dict[str, Any]
) -> None:
    for rating in ("up", "down"):
        conversation = handle(answer(relay, "What do the events say?", pod))
        assert rate(relay, {"conversation": conversation, "rating": rating}).status_code == 204
    config = store.parent / "relay.yaml"
    config.write_text(
        yaml.safe_dump(stack.relay_values(feedback={"jsonl_path": str(store)})), encoding="utf-8"
    )
    exported = subprocess.run(
        [sys.executable, "-m", "relay.feedback", "export", "--config", str(config)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert [json.loads(line)["rating"] for line in exported.stdout.splitlines()] == ["up", "down"]
