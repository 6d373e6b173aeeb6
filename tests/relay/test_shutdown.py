"""A rolling restart: one of two relay replicas gets SIGTERM while 50 answers stream. Each answer either
completes or ends with the clear `restarting` event; none hangs; a question that still reaches the replica
is refused in words, and its readiness fails at once so new questions go to the other one."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import yaml

from devstack.argocd.tokens import token_for
from devstack.servers import HOST, free_port, start_process, stop_process
from tests.relay.conftest import Stack
from tests.relay.sse import Transcript, iter_sse

CHATS = 50
GRACE_SECONDS = 8.0
QUESTION = {
    "application": {"name": "checkout", "namespace": "argocd", "project": "team-a"},
    "resource": {"group": "", "version": "v1", "kind": "Pod", "namespace": "checkout", "name": "x"},
}


@contextlib.contextmanager
def relay_process(stack: Stack, directory: Path) -> Iterator[tuple[str, int]]:
    """A relay replica in its own process (`python -m relay`), as in a pod: (base URL, pid)."""
    port = free_port()
    config = directory / f"relay-{port}.yaml"
    values = stack.relay_values(limits={"shutdown_grace_seconds": GRACE_SECONDS, "heartbeat_seconds": 0.5})
    config.write_text(yaml.safe_dump(values), encoding="utf-8")
    url = f"http://{HOST}:{port}"
    process = start_process(
        [sys.executable, "-m", "relay", "--host", HOST, "--port", str(port), "--config", str(config)],
        f"{url}/healthz",
        log_path=str(directory / f"relay-{port}.log"),
    )
    try:
        yield url, process.pid
    finally:
        stop_process(process)


def chat(url: str, message: str, started: threading.Barrier, out: list[Transcript | str]) -> None:
    """One answer read to its end (or until the client gives up: a hang)."""
    body = {**QUESTION, "message": message}
    headers = {"Authorization": f"Bearer {token_for('alice')}"}
    transcript = Transcript()
    try:
        with (
            httpx2.Client(timeout=httpx2.Timeout(30.0)) as client,
            client.stream("POST", f"{url}/api/chat", json=body, headers=headers) as response,
        ):
            if response.status_code != 200:
                out.append(f"HTTP {response.status_code}")
                started.wait()
                return
            for event in iter_sse(response.iter_lines(), transcript):
                transcript.events.append(event)
                if event.name == "start":
                    started.wait()
    except Exception as exc:  # a hang (read timeout) or a broken connection: lost without a message
        out.append(f"{type(exc).__name__}: {exc}")
        return
    out.append(transcript)


@pytest.mark.timeout(120)
def test_a_replica_stopped_mid_answer_ends_every_answer_with_its_result_or_a_clear_event(
    stack: Stack,
) -> None:
    with tempfile.TemporaryDirectory(prefix="relay-restart-") as tmp, contextlib.ExitStack() as replicas:
        (stopped, pid), (other, _) = (
            replicas.enter_context(relay_process(stack, Path(tmp))) for _ in range(2)
        )
        started = threading.Barrier(CHATS + 1, timeout=60)
        results: dict[str, list[Transcript | str]] = {stopped: [], other: []}
        threads = []
        for i in range(CHATS):
            url = (stopped, other)[i % 2]
            # on the stopped replica half finish within the grace period and half would stream far longer
            # (the scripted model's slow mode); the other replica's finish as usual
            message = "Why is this pod failing?" + (" [[slow]]" if i % 4 == 0 else "")
            thread = threading.Thread(target=chat, args=(url, message, started, results[url]), daemon=True)
            thread.start()
            threads.append(thread)
        started.wait()  # every answer has begun streaming
        os.kill(pid, signal.SIGTERM)
        time.sleep(0.3)
        with httpx2.Client(timeout=5) as client:
            assert client.get(f"{stopped}/readyz").status_code == 503
            assert client.get(f"{other}/readyz").status_code == 200
            late = client.post(
                f"{stopped}/api/chat",
                json={**QUESTION, "message": "Still there?"},
                headers={"Authorization": f"Bearer {token_for('alice')}"},
            )
        assert (late.status_code, late.json()["code"]) == (503, "shutting_down")
        for thread in threads:
            thread.join(60)
        assert not any(t.is_alive() for t in threads), "an answer hung"

    lost = [r for rs in results.values() for r in rs if isinstance(r, str)]
    assert lost == [], lost
    outcomes = {url: [_outcome(t) for t in rs if isinstance(t, Transcript)] for url, rs in results.items()}
    assert len(outcomes[stopped]) + len(outcomes[other]) == CHATS
    assert set(outcomes[other]) == {"completed"}  # the other replica is untouched
    assert set(outcomes[stopped]) <= {"completed", "restarting"}
    assert "restarting" in outcomes[stopped]  # the slow ones outlived the grace period
    assert "completed" in outcomes[stopped]  # the quick ones finished within it


def _outcome(transcript: Transcript) -> str:
    names = transcript.names
    assert names[-1] == "end", names
    if "error" in names:
        error = transcript.first("error")
        assert error["message"] == "The assistant restarted before this answer was complete. Ask again."
        return str(error["code"])
    return "completed"
