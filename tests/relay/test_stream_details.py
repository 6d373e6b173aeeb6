"""What reaches the browser and the logs when llama-stack sends what the real one should not: tool arguments
carrying the token or too much data, a stream the relay cannot read. Against a scripted llama-stack."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import httpx2
import pytest

from devstack.argocd.tokens import token_for
from devstack.servers import serve_in_thread
from relay.app import create_app
from relay.config import build_config
from relay.logfilter import SCRUB, Scrubber, install_log_filters
from tests.relay.fake_llama import create_fake_llama
from tests.relay.sse import Transcript, read_transcript

TOKEN = token_for("alice")


@pytest.fixture(scope="module")
def relay(argocd_url: str) -> Iterator[str]:
    with serve_in_thread(create_fake_llama()) as llama:
        config = build_config(
            {
                "llama_stack": {"url": llama, "model": "fake/model"},
                "mcp": {"server_url": "http://127.0.0.1:1/mcp"},
                "argocd": {"url": argocd_url},
                # a stalled upstream ends the answer after this much silence (the whole answer may take 300 s)
                "limits": {"upstream_idle_seconds": 1.0},
            }
        )
        with serve_in_thread(create_app(config)) as url:
            yield url


def ask(relay: str, message: str) -> Transcript:
    body = {"message": message, "application": {"name": "checkout", "namespace": "argocd"}}
    with (
        httpx2.Client(timeout=30) as client,
        client.stream(
            "POST", f"{relay}/api/chat", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as response,
    ):
        assert response.status_code == 200
        return read_transcript(response.iter_lines())


def test_tool_call_arguments_are_scrubbed_and_capped(relay: str) -> None:
    transcript = ask(relay, "[[arguments]] why?")
    small, big = transcript.all("tool_call")
    assert small["arguments"]["application"] == "checkout"
    assert small["arguments"]["note"] == "as [REDACTED]"
    assert small["arguments"]["password"] == "[REDACTED]"
    assert set(big["arguments"]) == {"raw"}
    assert len(big["arguments"]["raw"].encode()) <= 2048
    assert "[truncated" in big["arguments"]["raw"]
    frames = json.dumps([event.data for event in transcript.events])
    assert TOKEN not in frames
    assert "hunter2" not in frames


def test_a_request_llama_stack_refuses_gives_its_status_and_reason(relay: str) -> None:
    transcript = ask(relay, "[[refused]] why?")
    assert transcript.names == ["start", "error", "end"]
    error = transcript.first("error")
    assert error["code"] == "llama_stack_error"
    assert "HTTP 400" in error["message"]
    assert "temperature must be at most 2" in error["message"]


def test_a_stream_that_breaks_off_gives_the_text_so_far_then_one_error(relay: str) -> None:
    transcript = ask(relay, "[[broken]] why?")
    assert transcript.names == ["start", "token", "error", "end"]
    assert transcript.text == "Half an"
    assert transcript.first("error")["code"] == "llama_stack_unavailable"


def test_a_typed_error_event_reaches_the_user_as_its_real_cause(relay: str) -> None:
    transcript = ask(relay, "[[typed-error]] why?")
    assert transcript.names == ["start", "error", "end"]
    error = transcript.first("error")
    assert error["code"] == "model_error"
    assert "Model 'nope' not found" in error["message"]
    mcp = ask(relay, "[[typed-mcp-error]] why?").first("error")
    assert mcp["code"] == "tools_unavailable"
    assert "connection refused" in mcp["message"]


def test_an_upstream_that_stalls_ends_with_a_clear_error_after_the_idle_limit(relay: str) -> None:
    started = time.monotonic()
    transcript = ask(relay, "[[stall]] why?")
    assert time.monotonic() - started < 5
    assert transcript.names[-2:] == ["error", "end"]
    error = transcript.first("error")
    assert error["code"] == "llama_stack_stalled"
    assert "1 s" in error["message"]


def test_an_unexpected_failure_logs_its_traceback_without_the_token(
    relay: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    transcript = ask(relay, "[[malformed]] why?")
    assert transcript.names == ["start", "error", "end"]
    error = transcript.first("error")
    assert error["code"] == "internal_error"
    assert TOKEN not in error["message"]
    records = [r for r in caplog.records if r.name == "relay.chat" and r.levelno == logging.ERROR]
    assert len(records) == 1
    assert "Traceback" in caplog.text
    assert "AttributeError" in caplog.text
    assert TOKEN not in caplog.text


def test_a_scrubbed_record_never_shows_the_secret_in_its_message_or_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_log_filters()
    caplog.set_level(logging.ERROR)
    secret = "tok-0123456789abcdef"
    try:
        raise RuntimeError(f"upstream said {secret} and password=hunter2")
    except RuntimeError as exc:
        logging.getLogger("relay.chat").error(
            "failed for %s", secret, exc_info=exc, extra={SCRUB: Scrubber(secret)}
        )
    assert "RuntimeError: upstream said [REDACTED]" in caplog.text
    assert "Traceback" in caplog.text
    assert secret not in caplog.text
    assert "hunter2" not in caplog.text
    assert secret not in repr(Scrubber(secret))
    assert not hasattr(caplog.records[-1], SCRUB)
